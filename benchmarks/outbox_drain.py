"""End to end: the outbox worker's drain, database included, against the SMTP ceiling.

    python -m benchmarks.outbox_drain [--pairs 2500]

Publishes a round of ``--pairs`` pairs (two introductions each) into a fresh SQLite
database in a temporary folder, then times
:func:`peernet.outbox.dispatch.drain` with the SMTP backend: claiming batches, building
each message, sending, and recording every result. The same messages sent by a bare
aiosmtplib loop over one connection give the ceiling. The aiosmtpd server runs in its own
process (see :mod:`benchmarks.smtp_throughput`).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Sequence
from email.message import EmailMessage

from benchmarks.smtp_throughput import ceiling, free_port, serve
from notifications import Address, build_message
from peernet import db
from peernet.demo import publish_synthetic_round
from peernet.outbox.dispatch import drain
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.outbox.service import attachments_of, sender_address
from peernet.settings import Settings, load_settings
from peernet.worker import make_transport


def as_email(row: OutboxMessage, sender: Address) -> EmailMessage:
    """The row built with the email package, as the ceiling's loop sends it."""
    return build_message(
        sender=sender,
        recipient=Address(name=row.recipient_name, email=row.recipient_email),
        subject=row.subject,
        text=row.text,
        html=row.html or None,
        message_id=row.message_id,
        date=row.created_at,
        list_unsubscribe_url=row.headers.get("List-Unsubscribe"),
        attachments=attachments_of(row),
    )


async def prepare(settings: Settings, pairs: int) -> float:
    await db.migrate_db(settings)
    await db.close_db()
    await db.init_db(settings)
    started = time.perf_counter()
    await publish_synthetic_round(settings, pairs)
    seconds = time.perf_counter() - started
    await db.close_db()
    return seconds


async def run(settings: Settings, port: int) -> tuple[float, float, int]:
    await db.init_db(settings)
    rows = await OutboxMessage.all().order_by("id")
    messages = [as_email(row, sender_address(settings)) for row in rows]
    ceiling_seconds = await ceiling(port, messages)
    transport = make_transport(settings)
    started = time.perf_counter()
    try:
        report = await drain(settings, transport)
    finally:
        await transport.aclose()
    drain_seconds = time.perf_counter() - started
    unsent = await OutboxMessage.exclude(status=OutboxStatus.SENT).count()
    if report.sent != len(rows) or unsent:
        raise RuntimeError(f"drain sent {report.sent} of {len(rows)}")
    await db.close_db()
    return ceiling_seconds, drain_seconds, len(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=2500)
    options = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="peernet-bench-")
    port = free_port()
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite://{folder}/bench.sqlite3",
            "MAIL_BACKEND": "smtp",
            "SMTP_URL": f"smtp://127.0.0.1:{port}?starttls=0",
            "BASE_URL": "https://peernet.example.nl",
            "SECRET_KEY": "benchmark-only-secret-key-not-for-production-use-0123456789",
            "MAIL_FROM": "peernet <noreply@peernet.example.nl>",
        }
    )
    published = asyncio.run(prepare(settings, options.pairs))
    count = options.pairs * 2
    print(f"published {count} introductions into the outbox in {published:.2f} s "
          f"({count / published:,.0f} msg/s), SQLite")  # fmt: skip

    context = multiprocessing.get_context("spawn")
    received = context.Value("q", 0)
    ready_parent, ready_child = context.Pipe()
    stop_parent, stop_child = context.Pipe()
    server = context.Process(target=serve, args=(port, received, ready_child, stop_child))
    server.start()
    try:
        ready_parent.recv()
        ceiling_seconds, drain_seconds, sent = asyncio.run(run(settings, port))
    finally:
        stop_parent.send(True)
        server.join(timeout=10)
    print(f"bare aiosmtplib loop (ceiling):      {sent / ceiling_seconds:8,.0f} msg/s")
    print(f"outbox drain (claim, send, record):  {sent / drain_seconds:8,.0f} msg/s")
    print(f"ratio: {ceiling_seconds / drain_seconds:.0%} of the ceiling")
    return 0


if __name__ == "__main__":
    sys.exit(main())
