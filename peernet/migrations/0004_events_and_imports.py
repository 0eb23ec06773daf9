from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('peernet', '0003_coordinators_and_round_adjustments')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ImportBatch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('peernet.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='imports', on_delete=OnDelete.CASCADE)),
                ('coordinator', fields.ForeignKeyField('peernet.Coordinator', source_field='coordinator_id', null=True, db_constraint=True, to_field='id', related_name='imports', on_delete=OnDelete.SET_NULL)),
                ('filename', fields.CharField(default='', max_length=200)),
                ('content_hash', fields.CharField(max_length=64)),
                ('lines', fields.IntField(default=0)),
                ('stored', fields.IntField(default=0)),
                ('already_known', fields.IntField(default=0)),
                ('refused', fields.IntField(default=0)),
                ('report', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'import_batch', 'app': 'peernet', 'pk_attr': 'id', 'table_description': "One upload of an event's registration list: what was stored and what was refused."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Event',
            name='region',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Event',
            name='signup_until',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Event',
            name='updated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # Existing sign-ups were all made through the form or the API.
        ops.AddField(
            model_name='Signup',
            name='kind',
            field=fields.CharField(null=True, default='signup', max_length=16),
        ),
        ops.RunSQL(
            'UPDATE "signup" SET "kind" = \'signup\' WHERE "kind" IS NULL',
            reverse_sql=ops.RunSQL.noop,
        ),
        ops.AlterField(
            model_name='Signup',
            name='kind',
            field=fields.CharField(default='signup', max_length=16),
        ),
    ]
