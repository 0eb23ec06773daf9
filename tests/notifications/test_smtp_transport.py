from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from notifications import (
    Address,
    DeliveryStatus,
    SMTPTransport,
    build_message,
    make_message_id,
    parse_smtp_url,
    render_email,
)
from tests.notifications.contexts import context_for
from tests.notifications.smtp_server import ScriptedHandler, free_port, smtp_server

SENDER = Address("peernet", "noreply@peernet.example.nl")


def introduction(to: str, name: str = "Ümit Çelik") -> EmailMessage:
    rendered = render_email("introduction", "nl", context_for("introduction"))
    return build_message(
        sender=SENDER,
        recipient=Address(name, to),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=make_message_id("peernet.example.nl"),
        date=datetime.now(UTC),
        list_unsubscribe_url="https://peernet.example.nl/u/t0k3n",
    )


@pytest.fixture
def handler() -> ScriptedHandler:
    return ScriptedHandler()


@pytest.fixture
def port(handler: ScriptedHandler) -> Iterator[int]:
    with smtp_server(handler) as port:
        yield port


async def send(url: str, messages: list[EmailMessage], **options: float) -> list[tuple[str, str]]:
    transport = SMTPTransport(url, **options)  # type: ignore[arg-type]
    try:
        return [(r.status.value, r.detail) for r in await transport.send(messages)]
    finally:
        await transport.aclose()


async def test_delivers_with_auth_login_over_plain_tcp(handler: ScriptedHandler) -> None:
    message = introduction("umit@example.nl")
    with smtp_server(handler, auth=True) as port:
        # The password needs percent-encoding in the URL: "s3cr:t@/pw".
        results = await send(f"smtp://peernet:s3cr%3At%40%2Fpw@127.0.0.1:{port}", [message])
    assert results[0][0] == "sent" and results[0][1].startswith("250 ")
    assert handler.logins == [("LOGIN", b"peernet", b"s3cr:t@/pw")]
    [(mail_from, rcpt_tos, content)] = handler.received
    assert (mail_from, rcpt_tos) == ("noreply@peernet.example.nl", ["umit@example.nl"])
    parsed = BytesParser(policy=policy.default).parsebytes(content)
    assert parsed["Message-ID"] == message["Message-ID"]
    assert parsed["To"].addresses[0].display_name == "Ümit Çelik"
    sent, arrived = (m.get_body(("plain",)) for m in (message, parsed))
    assert isinstance(sent, EmailMessage) and isinstance(arrived, EmailMessage)
    assert arrived.get_content().replace("\r\n", "\n") == sent.get_content()


async def test_a_wrong_password_is_temporary_for_the_whole_batch(handler: ScriptedHandler) -> None:
    with smtp_server(handler, auth=True) as port:
        results = await send(
            f"smtp://peernet:wrong@127.0.0.1:{port}",
            [introduction("a@example.nl"), introduction("b@example.nl")],
        )
    assert [status for status, _ in results] == ["temporary", "temporary"]
    assert results[0][1].startswith("connect: 535")
    assert "wrong" not in results[0][1]
    assert handler.received == []


async def test_one_connection_carries_a_whole_batch(handler: ScriptedHandler, port: int) -> None:
    transport = SMTPTransport(f"smtp://127.0.0.1:{port}")
    try:
        first = await transport.send([introduction(f"p{i}@example.nl") for i in range(20)])
        second = await transport.send([introduction(f"q{i}@example.nl") for i in range(5)])
    finally:
        await transport.aclose()
    assert {r.status for r in first + second} == {DeliveryStatus.SENT}
    assert len(handler.received) == 25
    assert len(handler.peers) == 1 and transport.connections_opened == 1


async def test_451_is_temporary_and_the_batch_goes_on(handler: ScriptedHandler, port: int) -> None:
    handler.data_answers = ["451 4.7.1 try later"]
    results = await send(
        f"smtp://127.0.0.1:{port}", [introduction("a@example.nl"), introduction("b@example.nl")]
    )
    assert results[0] == ("temporary", "451 4.7.1 try later")
    assert results[1][0] == "sent"
    assert [rcpt for _, rcpt, _ in handler.received] == [["b@example.nl"]]


async def test_550_at_rcpt_is_permanent_for_that_message_only(
    handler: ScriptedHandler, port: int
) -> None:
    handler.refuse_rcpt = {"gone@example.nl": "550 5.1.1 <gone@example.nl>: no such user"}
    results = await send(
        f"smtp://127.0.0.1:{port}",
        [introduction("gone@example.nl"), introduction("partner@example.nl")],
    )
    assert results[0] == ("permanent", "550 5.1.1 <gone@example.nl>: no such user")
    assert results[1][0] == "sent"
    assert [rcpt for _, rcpt, _ in handler.received] == [["partner@example.nl"]]
    assert len(handler.peers) == 1  # RSET, not a new connection


async def test_a_4xx_at_rcpt_is_temporary(handler: ScriptedHandler, port: int) -> None:
    handler.refuse_rcpt = {"full@example.nl": "452 4.2.2 mailbox full"}
    results = await send(f"smtp://127.0.0.1:{port}", [introduction("full@example.nl")])
    assert results == [("temporary", "452 4.2.2 mailbox full")]


async def test_a_connection_cut_before_data_is_retried_on_a_new_one(
    handler: ScriptedHandler, port: int
) -> None:
    handler.drop_at_mail = {2}
    transport = SMTPTransport(f"smtp://127.0.0.1:{port}")
    try:
        results = await transport.send([introduction(f"p{i}@example.nl") for i in range(3)])
    finally:
        await transport.aclose()
    assert [r.status for r in results] == [DeliveryStatus.SENT] * 3
    assert [rcpt for _, rcpt, _ in handler.received] == [[f"p{i}@example.nl"] for i in range(3)]
    assert transport.connections_opened == 2


async def test_a_connection_cut_during_data_is_temporary_and_the_rest_still_go(
    handler: ScriptedHandler, port: int
) -> None:
    handler.drop_at_data = {2}
    results = await send(
        f"smtp://127.0.0.1:{port}", [introduction(f"p{i}@example.nl") for i in range(3)]
    )
    # The server may or may not have taken the second one: at least once, so retry it.
    assert [status for status, _ in results] == ["sent", "temporary", "sent"]
    assert results[1][1].startswith("DATA: SMTPServerDisconnected")
    assert len(handler.peers) == 2


async def test_a_server_that_is_down_is_temporary_for_all() -> None:
    results = await send(
        f"smtp://127.0.0.1:{free_port()}",
        [introduction("a@example.nl"), introduction("b@example.nl")],
        timeout=5,
    )
    assert [status for status, _ in results] == ["temporary", "temporary"]
    assert results[0][1].startswith("connect: connection refused by 127.0.0.1:")


async def test_a_slow_server_times_out_as_temporary(handler: ScriptedHandler, port: int) -> None:
    handler.data_delay = 1.0
    results = await send(f"smtp://127.0.0.1:{port}", [introduction("a@example.nl")], timeout=0.3)
    assert results[0][0] == "temporary"
    assert results[0][1].startswith("DATA: SMTPReadTimeoutError")


async def test_a_message_without_recipients_is_permanent(port: int) -> None:
    message = introduction("a@example.nl")
    del message["To"]
    results = await send(f"smtp://127.0.0.1:{port}", [message, introduction("b@example.nl")])
    assert [status for status, _ in results] == ["permanent", "sent"]


async def test_an_empty_batch_opens_no_connection(handler: ScriptedHandler, port: int) -> None:
    assert await send(f"smtp://127.0.0.1:{port}", []) == []
    assert handler.peers == []


# STARTTLS and implicit TLS with a throwaway certificate, when openssl is at hand.


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def contexts(certificate: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


async def test_starttls_then_login(
    certificate: tuple[Path, Path], handler: ScriptedHandler
) -> None:
    server, client = contexts(certificate)
    with smtp_server(handler, auth=True, tls_context=server) as port:
        transport = SMTPTransport(
            f"smtp://peernet:s3cr%3At%40%2Fpw@127.0.0.1:{port}?starttls=1", tls_context=client
        )
        try:
            results = await transport.send([introduction("a@example.nl")])
        finally:
            await transport.aclose()
    assert results[0].status is DeliveryStatus.SENT
    assert handler.logins == [("LOGIN", b"peernet", b"s3cr:t@/pw")]


async def test_an_untrusted_certificate_is_temporary(
    certificate: tuple[Path, Path], handler: ScriptedHandler
) -> None:
    server, _ = contexts(certificate)
    with smtp_server(handler, tls_context=server) as port:
        results = await send(f"smtp://127.0.0.1:{port}?starttls=1", [introduction("a@example.nl")])
    assert results[0][0] == "temporary"
    assert "CERTIFICATE_VERIFY_FAILED" in results[0][1]


async def test_implicit_tls(certificate: tuple[Path, Path], handler: ScriptedHandler) -> None:
    server, client = contexts(certificate)
    with smtp_server(handler, implicit_tls=server) as port:
        transport = SMTPTransport(f"smtps://127.0.0.1:{port}", tls_context=client)
        try:
            results = await transport.send([introduction("a@example.nl")])
        finally:
            await transport.aclose()
    assert results[0].status is DeliveryStatus.SENT


# SMTP_URL parsing


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.nl", ("mail.example.nl", 25, None, None, False, None)),
        ("smtp://h:2525", ("h", 2525, None, None, False, None)),
        ("smtp://u%40x:p%2F%3A%40@h?starttls=1", ("h", 587, "u@x", "p/:@", False, True)),
        ("smtp://u:p@h:587?starttls=0", ("h", 587, "u", "p", False, False)),
        ("smtps://u:p@h", ("h", 465, "u", "p", True, False)),
        ("smtp://[::1]:25", ("::1", 25, None, None, False, None)),
    ],
)
def test_smtp_url_is_parsed(url: str, expected: tuple[object, ...]) -> None:
    s = parse_smtp_url(url)
    assert (s.hostname, s.port, s.username, s.password, s.use_tls, s.start_tls) == expected


def test_validate_certs_can_be_turned_off() -> None:
    assert parse_smtp_url("smtp://h?starttls=1&validate_certs=0").validate_certs is False
    assert parse_smtp_url("smtp://h").validate_certs is True


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://h", "must start with smtp:// or smtps://"),
        ("h:25", "must start with smtp://"),
        ("", "must start with smtp://"),
        ("smtp://", "the host is missing"),
        ("smtp://h:99999", "not a valid URL"),
        ("smtp://h:port", "not a valid URL"),
        ("smtp://h/path", "only scheme, user, password, host, port and options"),
        ("smtp://u@h", "both a user name and a password"),
        ("smtp://h?tls=1", "unknown option 'tls'"),
        ("smtp://h?starttls=maybe", "must be 1 or 0"),
        ("smtp://h?starttls=1&starttls=0", "given twice"),
        ("smtps://u:p@h?starttls=1", "already TLS"),
    ],
)
def test_a_bad_smtp_url_is_a_value_error_naming_the_setting(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=r"^SMTP_URL: ") as error:
        parse_smtp_url(url)
    assert message in str(error.value)


def test_the_password_never_shows() -> None:
    transport = SMTPTransport("smtp://peernet:hunter2@h:587?starttls=1")
    assert "hunter2" not in repr(transport) and "hunter2" not in repr(transport.settings)
    with pytest.raises(ValueError) as error:
        parse_smtp_url("smtp://peernet:hunter2@h?bogus=1")
    assert "hunter2" not in str(error.value)
