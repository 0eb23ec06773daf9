"""Every transport delivers a composed message (compose_message) as it does a built one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtplib.email import flatten_message

from notifications import (
    Address,
    Attachment,
    DeliveryStatus,
    FileTransport,
    OutgoingMessage,
    SMTPTransport,
    build_message,
    compose_message,
    render_email,
)
from tests.notifications.contexts import context_for
from tests.notifications.smtp_server import ScriptedHandler, free_port, smtp_server
from tests.notifications.test_composed_messages import tree

INVITATION = Attachment(
    "kennismaking.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
)


def arguments(to: str = "umit@example.nl") -> dict[str, Any]:
    rendered = render_email("introduction", "nl", context_for("introduction"))
    return {
        "sender": Address("peernet", "noreply@peernet.example.nl"),
        "recipient": Address("Ümit Çelik", to),
        "reply_to": Address("Ruud van 't Hoff", "ruud@example.nl"),
        "subject": rendered.subject + " — Ümit",
        "text": rendered.text,
        "html": rendered.html,
        "message_id": "<abc@peernet.example.nl>",
        "date": datetime(2025, 3, 30, 9, 0, tzinfo=UTC),
        "list_unsubscribe_url": "https://peernet.example.nl/u/t0k3n",
        "attachments": [INVITATION],
    }


def parse(data: bytes) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(parsed, EmailMessage)
    return parsed


async def smtp_send(port: int, messages: list[OutgoingMessage]) -> list[DeliveryStatus]:
    transport = SMTPTransport(f"smtp://127.0.0.1:{port}?starttls=0")
    try:
        return [result.status for result in await transport.send(messages)]
    finally:
        await transport.aclose()


async def test_smtp_sends_the_composed_bytes_as_they_are() -> None:
    handler = ScriptedHandler()
    composed = [compose_message(**arguments(f"p{i}@example.nl")) for i in range(3)]
    with smtp_server(handler) as port:
        assert await smtp_send(port, composed) == [DeliveryStatus.SENT] * 3
    for message, (mail_from, rcpt_tos, content) in zip(composed, handler.received, strict=True):
        assert (mail_from, rcpt_tos) == (message.sender, list(message.recipients))
        assert content.rstrip(b"\r\n") == message.data.rstrip(b"\r\n")


@contextmanager
def seven_bit_server(handler: ScriptedHandler) -> Iterator[int]:
    # aiosmtpd offers 8BITMIME only when it keeps the data as bytes.
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, decode_data=True)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


async def test_a_server_without_8bitmime_gets_7bit_bodies_that_read_the_same() -> None:
    handler = ScriptedHandler()
    message = compose_message(**arguments())
    assert not message.data.isascii()
    with seven_bit_server(handler) as port:
        assert await smtp_send(port, [message]) == [DeliveryStatus.SENT]
    [(_, _, content)] = handler.received
    arrived = content.encode("ascii") if isinstance(content, str) else content
    assert arrived.isascii()
    # What the old builder sent such a server: flattened by aiosmtplib with 7-bit bodies.
    old = flatten_message(build_message(**arguments()), cte_type="7bit")

    def readable(data: bytes) -> list[tuple[object, ...]]:
        # Same parts and decoded text, whatever the encoding and line ends.
        return [
            (*part[:4], part[5], part[6] and part[6].replace(b"\r\n", b"\n"))  # type: ignore[attr-defined]
            for part in tree(parse(data))
        ]

    assert readable(arrived) == readable(old)


async def test_the_file_transport_writes_the_composed_bytes(tmp_path: Path) -> None:
    message = compose_message(**arguments())
    [result] = await FileTransport(tmp_path).send([message])
    assert result.status is DeliveryStatus.SENT
    [file] = list(tmp_path.iterdir())  # noqa: ASYNC240 (a test's own folder)
    assert file.name.endswith("-abc_peernet.example.nl.eml")
    assert file.read_bytes() == message.data
