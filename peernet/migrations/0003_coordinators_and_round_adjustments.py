from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

RunSQL_NOOP = ops.RunSQL.noop

class Migration(migrations.Migration):
    dependencies = [('peernet', '0002_rounds_and_feedback')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Coordinator',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(max_length=254)),
                ('email_normalized', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(max_length=120)),
                ('password_hash', fields.CharField(max_length=255)),
                ('is_active', fields.BooleanField(default=True)),
                ('session_epoch', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_sign_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'coordinator', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'Someone who runs the network: plans and publishes rounds, sees who was left out.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('coordinator', fields.ForeignKeyField('peernet.Coordinator', source_field='coordinator_id', db_constraint=True, to_field='id', related_name='api_tokens', on_delete=OnDelete.CASCADE)),
                ('label', fields.CharField(default='', max_length=80)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('prefix', fields.CharField(max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_token', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'A bearer token for the JSON API, stored only as its SHA-256.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('coordinator', fields.ForeignKeyField('peernet.Coordinator', source_field='coordinator_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('actor', fields.CharField(max_length=40)),
                ('action', fields.CharField(max_length=40)),
                ('subject', fields.CharField(default='', max_length=80)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'audit_entry', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'One action of a coordinator, or of the worker on their behalf.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KeepApart',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attendee_a', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_a_id', db_constraint=True, to_field='id', related_name='kept_apart_as_a', on_delete=OnDelete.CASCADE)),
                ('attendee_b', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_b_id', db_constraint=True, to_field='id', related_name='kept_apart_as_b', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'keep_apart', 'app': 'peernet', 'unique_together': (('attendee_a', 'attendee_b'),), 'pk_attr': 'id', 'table_description': 'Two people who are never grouped, in any round: a coordinator keeps them apart.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RoundExclusion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('peernet.Round', source_field='round_id', db_constraint=True, to_field='id', related_name='exclusions', on_delete=OnDelete.CASCADE)),
                ('attendee', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_id', db_constraint=True, to_field='id', related_name='round_exclusions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'round_exclusion', 'app': 'peernet', 'unique_together': (('round', 'attendee'),), 'pk_attr': 'id', 'table_description': 'A person the coordinator took out of one round (on leave, ill, ...).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RoundPin',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('peernet.Round', source_field='round_id', db_constraint=True, to_field='id', related_name='pins', on_delete=OnDelete.CASCADE)),
                ('attendee_a', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_a_id', db_constraint=True, to_field='id', related_name='pins_as_a', on_delete=OnDelete.CASCADE)),
                ('attendee_b', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_b_id', db_constraint=True, to_field='id', related_name='pins_as_b', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'round_pin', 'app': 'peernet', 'unique_together': (('round', 'attendee_a', 'attendee_b'),), 'pk_attr': 'id', 'table_description': 'Two people the coordinator wants together in one round.'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='Round',
            options={'table': 'round', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'One monthly matching round: at most one per month, a draft until it is published.'},
        ),
        # Before a month could have only one round, planning twice made two drafts: keep the
        # newest draft of a month (or none where the month was published), then make it unique.
        ops.RunSQL(
            [
                'DELETE FROM "match_member" WHERE "match_id" IN (SELECT "id" FROM "match" WHERE "round_id" IN (SELECT r."id" FROM "round" r WHERE r."status" = \'draft\' AND EXISTS (SELECT 1 FROM "round" o WHERE o."period" = r."period" AND o."id" <> r."id" AND (o."status" = \'published\' OR o."id" > r."id"))))',
                'DELETE FROM "match" WHERE "round_id" IN (SELECT r."id" FROM "round" r WHERE r."status" = \'draft\' AND EXISTS (SELECT 1 FROM "round" o WHERE o."period" = r."period" AND o."id" <> r."id" AND (o."status" = \'published\' OR o."id" > r."id")))',
                'DELETE FROM "round" WHERE "status" = \'draft\' AND EXISTS (SELECT 1 FROM "round" o WHERE o."period" = "round"."period" AND o."id" <> "round"."id" AND (o."status" = \'published\' OR o."id" > "round"."id"))',
            ],
            reverse_sql=RunSQL_NOOP,
        ),
        ops.AlterField(
            model_name='Round',
            name='period',
            field=fields.CharField(unique=True, max_length=7),
        ),
        ops.AddField(
            model_name='Round',
            name='planned_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Round',
            name='preset',
            field=fields.CharField(null=True, default='balanced', max_length=32),
        ),
        ops.AddField(
            model_name='Round',
            name='previous',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Round',
            name='version',
            field=fields.IntField(null=True, default=1),
        ),
        # Existing rounds get the values a new one starts with, then the columns are required.
        ops.RunSQL(
            [
                'UPDATE "round" SET "version" = 1 WHERE "version" IS NULL',
                'UPDATE "round" SET "preset" = \'balanced\' WHERE "preset" IS NULL',
            ],
            reverse_sql=RunSQL_NOOP,
        ),
        ops.AlterField(
            model_name='Round',
            name='preset',
            field=fields.CharField(default='balanced', max_length=32),
        ),
        ops.AlterField(
            model_name='Round',
            name='version',
            field=fields.IntField(default=1),
        ),
    ]
