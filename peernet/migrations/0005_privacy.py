from tortoise import migrations
from tortoise.migrations import operations as ops
from peernet.attendees.models import AttendeeStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('peernet', '0004_events_and_imports')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AttendeeBlock',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attendee', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_id', db_constraint=True, to_field='id', related_name='blocks', on_delete=OnDelete.CASCADE)),
                ('blocked', fields.ForeignKeyField('peernet.Attendee', source_field='blocked_id', db_constraint=True, to_field='id', related_name='blocked_by', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'attendee_block', 'app': 'peernet', 'unique_together': (('attendee', 'blocked'),), 'pk_attr': 'id', 'table_description': "An attendee's private wish never to be grouped with someone they were matched with."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MagicLink',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attendee', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_id', db_constraint=True, to_field='id', related_name='magic_links', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'magic_link', 'app': 'peernet', 'pk_attr': 'id', 'table_description': "A single-use link to an attendee's personal page: only the SHA-256 of its token is kept."},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Attendee',
            name='status',
            field=fields.CharEnumField(default=AttendeeStatus.PENDING, description='PENDING: pending\nACTIVE: active\nPAUSED: paused\nLEFT: left\nERASED: erased', enum_type=AttendeeStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Attendee',
            name='erased_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Attendee',
            name='last_active_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Attendee',
            name='left_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Attendee',
            name='stay_asked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # Who left before this existed left at their last update; everyone was last active when
        # they confirmed (or signed up).
        ops.RunSQL(
            'UPDATE "attendee" SET "left_at" = "updated_at" WHERE "status" = \'left\'',
            reverse_sql=ops.RunSQL.noop,
        ),
        ops.RunSQL(
            'UPDATE "attendee" SET "last_active_at" = COALESCE("confirmed_at", "created_at")',
            reverse_sql=ops.RunSQL.noop,
        ),
    ]
