"""End to end: the outbox worker's drain, database included, against the SMTP ceiling.

    python -m benchmarks.outbox_drain [--pairs 2500] [--rounds 3] [--database-url postgres://...]

Publishes a round of ``--pairs`` pairs (two introductions each) into a fresh database
(SQLite in a temporary folder; a PostgreSQL database given is emptied first, so never
point it at real data), then times :func:`peernet.outbox.dispatch.drain` with the SMTP
backend: claiming batches, composing each message, sending, and recording every result.
Two bare aiosmtplib loops over one connection give the ceilings: ``send_message`` of the
same messages prebuilt as ``EmailMessage`` objects (aiosmtplib flattens each one, as the
drain used to), and ``sendmail`` of their prebuilt bytes (the wire alone). Rounds
alternate the three (the outbox is set back to pending between rounds); the median rate
of each is reported with the load average. Target (issue 11): the drain reaches 80% of
the ceiling. The aiosmtpd server runs in its own process (see
:mod:`benchmarks.smtp_throughput`).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from email.message import EmailMessage

import aiosmtplib
from aiosmtplib.email import flatten_message
from tortoise import connections

from benchmarks.smtp_throughput import ceiling, free_port, serve
from notifications import Address, build_message
from peernet import db
from peernet.demo import publish_synthetic_round
from peernet.outbox.dispatch import drain
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.outbox.service import attachments_of, sender_address
from peernet.settings import Settings, load_settings
from peernet.worker import make_transport

TARGET = 0.8


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
    if settings.database_url.startswith("postgres"):
        await db.init_db(settings)
        await connections.get("default").execute_script(
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
        )
        await db.close_db()
    await db.migrate_db(settings)
    await db.close_db()
    await db.init_db(settings)
    started = time.perf_counter()
    await publish_synthetic_round(settings, pairs)
    seconds = time.perf_counter() - started
    await db.close_db()
    return seconds


async def bytes_ceiling(port: int, envelopes: Sequence[tuple[str, str, bytes]]) -> float:
    started = time.perf_counter()
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as smtp:
        for sender, recipient, data in envelopes:
            await smtp.sendmail(sender, [recipient], data, mail_options=["BODY=8BITMIME"])
    return time.perf_counter() - started


async def messages_of(settings: Settings) -> list[EmailMessage]:
    await db.init_db(settings)
    try:
        rows = await OutboxMessage.all().order_by("id")
        return [as_email(row, sender_address(settings)) for row in rows]
    finally:
        await db.close_db()


async def timed_drain(settings: Settings, expected: int) -> float:
    await db.init_db(settings)
    try:
        await OutboxMessage.all().update(
            status=OutboxStatus.PENDING, attempts=0, sent_at=None, lease_expires_at=None
        )
        transport = make_transport(settings)
        started = time.perf_counter()
        try:
            report = await drain(settings, transport)
        finally:
            await transport.aclose()
        seconds = time.perf_counter() - started
        unsent = await OutboxMessage.exclude(status=OutboxStatus.SENT).count()
        if report.sent != expected or unsent:
            raise RuntimeError(f"drain sent {report.sent} of {expected}")
        return seconds
    finally:
        await db.close_db()


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=2500)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each side, alternating")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database it may empty; default SQLite in a temporary folder",
    )
    options = parser.parse_args(argv)
    url = options.database_url or (
        f"sqlite://{tempfile.mkdtemp(prefix='peernet-bench-')}/bench.sqlite3"
    )
    engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    port = free_port()
    settings = load_settings(
        {
            "DATABASE_URL": url,
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
          f"({count / published:,.0f} msg/s), {engine}")  # fmt: skip
    messages = asyncio.run(messages_of(settings))
    envelopes = [
        (m["From"].addresses[0].addr_spec, m["To"].addresses[0].addr_spec, flatten_message(m))
        for m in messages
    ]

    context = multiprocessing.get_context("spawn")
    received = context.Value("q", 0)
    ready_parent, ready_child = context.Pipe()
    stop_parent, stop_child = context.Pipe()
    server = context.Process(target=serve, args=(port, received, ready_child, stop_child))
    server.start()
    sides = ("ceiling", "bytes", "drain")
    rates: dict[str, list[float]] = {side: [] for side in sides}
    try:
        ready_parent.recv()
        for round_number in range(1, options.rounds + 1):
            for side in sides:
                before = received.value
                if side == "ceiling":
                    seconds = asyncio.run(ceiling(port, messages))
                elif side == "bytes":
                    seconds = asyncio.run(bytes_ceiling(port, envelopes))
                else:
                    seconds = asyncio.run(timed_drain(settings, count))
                if received.value - before != count:
                    raise RuntimeError(f"{side}: server received {received.value - before}")
                rates[side].append(count / seconds)
                print(f"round {round_number} {side:>7}: {count / seconds:8,.0f} msg/s "
                      f"({seconds:.2f} s), load average {_load()}")  # fmt: skip
    finally:
        stop_parent.send(True)
        server.join(timeout=10)
    ceiling_rate, bytes_rate, drain_rate = (statistics.median(rates[side]) for side in sides)
    print(f"bare aiosmtplib loop (ceiling):         {ceiling_rate:8,.0f} msg/s (median)")
    print(f"bare aiosmtplib loop, prebuilt bytes:   {bytes_rate:8,.0f} msg/s (median)")
    print(f"outbox drain (claim, compose, send, record): {drain_rate:,.0f} msg/s (median)")
    ratio = drain_rate / ceiling_rate
    verdict = "meets" if ratio >= TARGET else "MISSES"
    print(f"ratio: {ratio:.0%} of the ceiling ({verdict} the {TARGET:.0%} target), "
          f"{drain_rate / bytes_rate:.0%} of the prebuilt-bytes loop; {engine}, "
          f"load average {_load()}")  # fmt: skip
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
