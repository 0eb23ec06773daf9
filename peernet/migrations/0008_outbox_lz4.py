from tortoise import migrations
from tortoise.migrations import operations as ops


async def compress_outbox_bodies_with_lz4(apps, schema_editor):  # type: ignore[no-untyped-def]
    """On PostgreSQL built with lz4 (14 and later), the outbox's bodies are compressed with
    lz4 rather than pglz: publishing a round writes ten thousand of them in one transaction,
    and pglz cost the server twice the CPU of the whole insert otherwise (0.5 against 1.0 to
    1.5 s for 10,000 introductions, benchmarks/publish_round.py). Only new values are
    affected; either kind is read back the same. Elsewhere (SQLite) nothing changes."""
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    _, rows = await client.execute_query(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    if not rows or "lz4" not in list(rows[0]["enumvals"] or ()):
        return
    await client.execute_script(
        'ALTER TABLE "outbox_message" ALTER COLUMN "html" SET COMPRESSION lz4, '
        'ALTER COLUMN "text" SET COMPRESSION lz4'
    )


class Migration(migrations.Migration):
    dependencies = [('peernet', '0007_agenda')]

    initial = False

    operations = [
        ops.RunPython(compress_outbox_bodies_with_lz4, reverse_code=None),
    ]
