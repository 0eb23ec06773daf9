from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from peernet.feedback.models import MeetingAnswer
from peernet.rounds.models import RoundStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('peernet', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Round',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('period', fields.CharField(max_length=7)),
                ('status', fields.CharEnumField(default=RoundStatus.DRAFT, description='DRAFT: draft\nPUBLISHED: published', enum_type=RoundStatus, max_length=16)),
                ('stats', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'round', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'One monthly matching round.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Match',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('peernet.Round', source_field='round_id', db_constraint=True, to_field='id', related_name='matches', on_delete=OnDelete.CASCADE)),
                ('score', fields.FloatField(default=0.0)),
                ('explanation', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('introduced_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('nudge_met_due_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('nudge_met_done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('feedback_due_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('feedback_done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'match', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'A pair (or the one trio) in a round, with the due dates of its follow-up nudges.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MatchFeedback',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('match', fields.ForeignKeyField('peernet.Match', source_field='match_id', db_constraint=True, to_field='id', related_name='feedback', on_delete=OnDelete.CASCADE)),
                ('attendee', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_id', db_constraint=True, to_field='id', related_name='feedback', on_delete=OnDelete.CASCADE)),
                ('answer', fields.CharEnumField(null=True, description='MET: met\nNOT_YET: not_yet\nREMATCH: rematch', enum_type=MeetingAnswer, max_length=16)),
                ('rating', fields.SmallIntField(null=True)),
                ('answered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'match_feedback', 'app': 'peernet', 'unique_together': (('match', 'attendee'),), 'pk_attr': 'id', 'table_description': "One attendee's latest answer about one match: did we meet, and how useful was it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MatchMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('match', fields.ForeignKeyField('peernet.Match', source_field='match_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('attendee', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'match_member', 'app': 'peernet', 'unique_together': (('match', 'attendee'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='Consent',
            options={'table': 'consent', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'What an attendee consented to, under which text version, when and through which form.'},
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='reported_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
