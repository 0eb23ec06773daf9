from tortoise import migrations
from tortoise.migrations import operations as ops
from peernet.events.models import RegistrationStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('peernet', '0006_public_ids')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Registration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attendee', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_id', db_constraint=True, to_field='id', related_name='registrations', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('peernet.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='registrations', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(description='REGISTERED: registered\nWAITING: waiting\nCANCELLED: cancelled', enum_type=RegistrationStatus, max_length=16)),
                ('queued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'registration', 'app': 'peernet', 'unique_together': (('attendee', 'event'),), 'pk_attr': 'id', 'table_description': "An attendee's seat (or place on the waiting list) at a session: one row per person"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='attachments',
            field=fields.JSONField(null=True),
        ),
        ops.AddField(
            model_name='Event',
            name='capacity',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Event',
            name='description',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Event',
            name='ends_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Event',
            name='published',
            field=fields.BooleanField(null=True),
        ),
        ops.AddField(
            model_name='Event',
            name='sequence',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Event',
            name='starts_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # Existing events: no description, not on the public agenda, never edited for it.
        ops.RunSQL(
            [
                'UPDATE "event" SET "description" = \'\' WHERE "description" IS NULL',
                'UPDATE "event" SET "published" = FALSE WHERE "published" IS NULL',
                'UPDATE "event" SET "sequence" = 0 WHERE "sequence" IS NULL',
            ],
            reverse_sql=ops.RunSQL.noop,
        ),
        ops.AlterField(
            model_name='Event',
            name='description',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AlterField(
            model_name='Event',
            name='published',
            field=fields.BooleanField(default=False),
        ),
        ops.AlterField(
            model_name='Event',
            name='sequence',
            field=fields.IntField(default=0),
        ),
    ]
