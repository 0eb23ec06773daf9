"""SMTP throughput: peernet's SMTPTransport against a bare aiosmtplib loop (the ceiling).

    python -m benchmarks.smtp_throughput [--count 5000] [--batch 100] [--rounds 3]

A local aiosmtpd server runs in its own process, so it does not share the client's
event loop or interpreter lock. Both sides send the same prebuilt introduction
messages to the same server: the ceiling over one connection with
``SMTP.send_message`` in a loop, the transport in batches of ``--batch`` as the
outbox worker would. Rounds alternate between the two; the median rate is reported.
Target: the transport reaches at least half of the ceiling. A third side sends the same
messages composed straight to their wire bytes (compose_message), as the outbox does.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import aiosmtplib

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from notifications import (
    Address,
    DeliveryStatus,
    Message,
    SMTPTransport,
    build_message,
    compose_message,
    make_message_id,
    render_email,
)

TARGET = 0.5


class CountingHandler:
    def __init__(self, received: Synchronized[int]) -> None:
        self.received = received

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.received.get_lock():
            self.received.value += 1
        return "250 2.0.0 Ok: queued"


def serve(port: int, received: Synchronized[int], ready: Connection, stop: Connection) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(CountingHandler(received), hostname="127.0.0.1", port=port)
    controller.start()
    ready.send(True)
    stop.recv()
    controller.stop()


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def introductions(count: int) -> list[dict[str, Any]]:
    """The arguments of build_message (or compose_message) for ``count`` introductions."""
    sender = Address("peernet", "noreply@peernet.example.nl")
    base = "https://peernet.example.nl"
    messages = []
    for number in range(count):
        partner = {
            "name": f"Ruud van 't Hoff {number}",
            "role_label": "Wijkagent",
            "organisation": "Politie Eenheid Rotterdam",
            "region_label": "Rotterdam",
            "email": f"ruud{number}@example.nl",
            "meeting_preference_label": "Fysiek of online, allebei goed",
        }
        context = {
            "recipient": {
                "name": f"Ümit Çelik {number}",
                "role_label": "Jongerenwerker",
                "organisation": "Stichting Jong Rotterdam",
                "region_label": "Rotterdam",
            },
            "partners": [partner],
            "reasons": ["Ruud weet veel van signaleren en duiden; jij wilt daar meer over leren."],
            "prompts": [
                "Beschrijf een casus feitelijk en anoniem.",
                "Welke signalen pleiten hier juist tégen radicalisering?",
                "Hoe ver reikt jouw rol, en wie zou je erbij halen?",
            ],
            "meeting_hint": "Jullie werken allebei in Rotterdam: op locatie afspreken kan.",
            "pause_url": f"{base}/pause/{number}",
            "unsubscribe_url": f"{base}/u/{number}",
            # The footer's links (the templates now require them).
            "manage_url": f"{base}/me/link/{number}",
            "privacy_url": f"{base}/privacy",
        }
        rendered = render_email("introduction", "nl", context)
        messages.append(
            {
                "sender": sender,
                "recipient": Address(f"Ümit Çelik {number}", f"umit{number}@example.nl"),
                "subject": rendered.subject,
                "text": rendered.text,
                "html": rendered.html,
                "message_id": make_message_id("peernet.example.nl"),
                "date": datetime.now(UTC),
                "list_unsubscribe_url": f"{base}/u/{number}",
            }
        )
    return messages


async def ceiling(port: int, messages: Sequence[EmailMessage]) -> float:
    started = time.perf_counter()
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as smtp:
        for message in messages:
            await smtp.send_message(message)
    return time.perf_counter() - started


async def transport(port: int, messages: Sequence[Message], batch: int) -> float:
    started = time.perf_counter()
    smtp = SMTPTransport(f"smtp://127.0.0.1:{port}?starttls=0")
    try:
        for start in range(0, len(messages), batch):
            results = await smtp.send(messages[start : start + batch])
            failed = [r for r in results if r.status is not DeliveryStatus.SENT]
            if failed:
                raise RuntimeError(f"{len(failed)} not sent, first: {failed[0].detail}")
    finally:
        await smtp.aclose()
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=5000, help="messages per run")
    parser.add_argument("--batch", type=int, default=100, help="messages per transport batch")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each side, alternating")
    options = parser.parse_args(argv)

    arguments = introductions(options.count)
    started = time.perf_counter()
    messages = [build_message(**a) for a in arguments]
    built = time.perf_counter() - started
    started = time.perf_counter()
    composed = [compose_message(**a) for a in arguments]
    compose_seconds = time.perf_counter() - started
    print(f"built {options.count} introductions with the email package in {built:.2f} s "
          f"({options.count / built:,.0f} msg/s), composed them in {compose_seconds:.2f} s "
          f"({options.count / compose_seconds:,.0f} msg/s); load average {_load()}")  # fmt: skip

    context = multiprocessing.get_context("spawn")
    received = context.Value("q", 0)
    ready_parent, ready_child = context.Pipe()
    stop_parent, stop_child = context.Pipe()
    port = free_port()
    server = context.Process(target=serve, args=(port, received, ready_child, stop_child))
    server.start()
    try:
        ready_parent.recv()
        rates: dict[str, list[float]] = {"ceiling": [], "transport": [], "composed": []}
        for round_number in range(1, options.rounds + 1):
            for side in rates:
                before = received.value
                if side == "ceiling":
                    seconds = asyncio.run(ceiling(port, messages))
                elif side == "transport":
                    seconds = asyncio.run(transport(port, messages, options.batch))
                else:
                    seconds = asyncio.run(transport(port, composed, options.batch))
                arrived = received.value - before
                if arrived != options.count:
                    raise RuntimeError(f"{side}: server received {arrived} of {options.count}")
                rates[side].append(options.count / seconds)
                print(f"round {round_number} {side:>9}: {options.count / seconds:8,.0f} msg/s "
                      f"({seconds:.2f} s), load average {_load()}")  # fmt: skip
    finally:
        stop_parent.send(True)
        server.join(timeout=10)

    ceiling_rate = statistics.median(rates["ceiling"])
    transport_rate = statistics.median(rates["transport"])
    composed_rate = statistics.median(rates["composed"])
    ratio = transport_rate / ceiling_rate
    print(f"bare aiosmtplib loop (ceiling): {ceiling_rate:8,.0f} msg/s (median)")
    print(f"SMTPTransport, batches of {options.batch}: {transport_rate:8,.0f} msg/s (median)")
    print(f"SMTPTransport, composed messages: {composed_rate:8,.0f} msg/s (median), "
          f"{composed_rate / ceiling_rate:.0%} of the ceiling")  # fmt: skip
    verdict = "meets" if ratio >= TARGET else "MISSES"
    print(f"ratio: {ratio:.0%} of the ceiling ({verdict} the {TARGET:.0%} target)")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
