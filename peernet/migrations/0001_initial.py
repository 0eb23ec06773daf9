from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from peernet.attendees.models import AttendeeStatus
from peernet.outbox.models import OutboxStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Attendee',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=120)),
                ('email', fields.CharField(max_length=254)),
                ('email_normalized', fields.CharField(unique=True, max_length=254)),
                ('organisation', fields.CharField(max_length=160)),
                ('role', fields.CharField(max_length=64)),
                ('region', fields.CharField(max_length=64)),
                ('expertise', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('gaps', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('languages', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('meeting_preference', fields.CharField(max_length=16)),
                ('locale', fields.CharField(default='nl', max_length=5)),
                ('status', fields.CharEnumField(default=AttendeeStatus.PENDING, description='PENDING: pending\nACTIVE: active\nPAUSED: paused\nLEFT: left', enum_type=AttendeeStatus, max_length=16)),
                ('paused_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'attendee', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'A professional in the peer network.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slug', fields.CharField(unique=True, max_length=64)),
                ('title', fields.CharField(max_length=200)),
                ('date', fields.DateField()),
                ('place', fields.CharField(max_length=200)),
                ('organiser', fields.CharField(default='', max_length=200)),
                ('is_open', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'event', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'A training session or regional follow-up afternoon whose attendees can sign up.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Attendance',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attendee', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_id', db_constraint=True, to_field='id', related_name='attendances', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('peernet.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='attendances', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'attendance', 'app': 'peernet', 'unique_together': (('attendee', 'event'),), 'pk_attr': 'id', 'table_description': 'That an attendee was at an event (and signed up through it).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('idempotency_key', fields.CharField(unique=True, max_length=200)),
                ('kind', fields.CharField(max_length=40)),
                ('locale', fields.CharField(max_length=5)),
                ('recipient_name', fields.CharField(max_length=200)),
                ('recipient_email', fields.CharField(max_length=254)),
                ('subject', fields.CharField(max_length=300)),
                ('text', fields.TextField(unique=False)),
                ('html', fields.TextField(unique=False)),
                ('headers', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('message_id', fields.CharField(unique=True, max_length=255)),
                ('status', fields.CharEnumField(default=OutboxStatus.PENDING, description='PENDING: pending\nSENDING: sending\nSENT: sent\nFAILED: failed\nDEAD: dead', enum_type=OutboxStatus, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('lease_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('deadline_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbox_message', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'One email, written in the same transaction as the event that causes it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Signup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attendee', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_id', db_constraint=True, to_field='id', related_name='signups', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('peernet.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='signups', on_delete=OnDelete.CASCADE)),
                ('details', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('channel', fields.CharField(max_length=16)),
                ('consent_version', fields.CharField(max_length=32)),
                ('locale', fields.CharField(max_length=5)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'signup', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'One submitted sign-up, applied to its attendee only once the emailed link is confirmed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Consent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attendee', fields.ForeignKeyField('peernet.Attendee', source_field='attendee_id', db_constraint=True, to_field='id', related_name='consents', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharField(max_length=40)),
                ('text_version', fields.CharField(max_length=32)),
                ('locale', fields.CharField(max_length=5)),
                ('channel', fields.CharField(max_length=80)),
                ('signup', fields.ForeignKeyField('peernet.Signup', source_field='signup_id', null=True, db_constraint=True, to_field='id', related_name='consents', on_delete=OnDelete.SET_NULL)),
                ('given_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('confirmed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('withdrawn_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'consent', 'app': 'peernet', 'pk_attr': 'id', 'table_description': 'What an attendee consented to, under which version of the text, when and through which form.'},
            bases=['Model'],
        ),
    ]
