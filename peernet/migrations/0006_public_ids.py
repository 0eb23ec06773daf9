from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
import secrets


async def give_every_attendee_a_public_id(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Existing attendees get their own random public id (a column default would be shared)."""
    client = schema_editor.client
    _, rows = await client.execute_query('SELECT "id" FROM "attendee" WHERE "public_id" IS NULL')
    for row in rows:
        # token_urlsafe gives only [A-Za-z0-9_-]: safe as a literal in either dialect.
        await client.execute_script(
            f'UPDATE "attendee" SET "public_id" = \'{secrets.token_urlsafe(16)}\' WHERE "id" = {int(row["id"])}'
        )


class Migration(migrations.Migration):
    dependencies = [('peernet', '0005_privacy')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Attendee',
            name='public_id',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.RunPython(give_every_attendee_a_public_id, reverse_code=None),
        ops.AlterField(
            model_name='Attendee',
            name='public_id',
            field=fields.CharField(unique=True, max_length=32),
        ),
    ]
