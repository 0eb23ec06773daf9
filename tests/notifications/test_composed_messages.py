"""compose_message writes the wire bytes itself; parsed, they must read as build_message's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.headerregistry import AddressHeader
from email.message import EmailMessage
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from notifications import (
    KINDS,
    Address,
    Attachment,
    HeaderInjectionError,
    OutgoingMessage,
    build_message,
    compose_message,
    render_email,
)
from tests.notifications.contexts import context_for
from tests.notifications.test_messages import TRICKS, UNSUBSCRIBE, display_name, parse, wire_bytes

SENDER = Address("peernet", "noreply@peernet.example.nl")
DATE = datetime(2025, 3, 30, 9, 0, tzinfo=timezone(timedelta(hours=2)))
INVITATION = Attachment(
    filename="kennismaking.ics",
    content_type="text/calendar",
    data=b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nSUMMARY:Kennismaking \xc3\x9cmit\r\nEND:VCALENDAR\r\n",
    params=(("method", "PUBLISH"),),
)
ADDRESS_HEADERS = ("From", "To", "Reply-To")
OTHER_HEADERS = (
    "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version",
    "X-Peernet-Kind",
)  # fmt: skip


def both(**overrides: Any) -> tuple[bytes, OutgoingMessage]:
    """The old builder's wire bytes (as aiosmtplib flattens them) and the composed message."""
    arguments: dict[str, Any] = {
        "sender": SENDER,
        "recipient": Address("Ruud van 't Hoff", "ruud@example.nl"),
        "subject": "Maak kennis met Ümit Çelik",
        "text": "Hoi Ruud,\n\nDit is Ümit.\n",
        "html": "<p>Hoi Ruud,</p><p>Dit is Ümit.</p>",
        "message_id": "<abc123@peernet.example.nl>",
        "date": DATE,
    }
    arguments.update(overrides)
    return wire_bytes(build_message(**arguments)), compose_message(**arguments)


def unstructured_rfc(data: bytes, name: str) -> str | None:
    """An unstructured header decoded the RFC 2047 way, from the raw header block."""
    head = data.split(b"\r\n\r\n")[0].decode("ascii").replace("\r\n ", " ")
    prefix = name.lower() + ":"
    lines = [line for line in head.split("\r\n") if line.lower().startswith(prefix)]
    if not lines:
        return None
    [line] = lines
    return str(make_header(decode_header(line.split(":", 1)[1].strip())))


def tree(message: EmailMessage) -> list[tuple[object, ...]]:
    """Every part: type, parameters but the random boundary, disposition, file name,
    transfer encoding and decoded content."""
    parts: list[tuple[object, ...]] = []
    for part in message.walk():
        params = [(k, v) for k, v in part.get_params() or [] if k != "boundary"]
        payload = None if part.is_multipart() else part.get_payload(decode=True)
        parts.append(
            (
                part.get_content_type(),
                params,
                part.get_content_disposition(),
                part.get_filename(),
                part.get("Content-Transfer-Encoding"),
                part["MIME-Version"] if part is not message else None,
                payload,
            )
        )
    return parts


def assert_equivalent(old: bytes, new: OutgoingMessage) -> None:
    data = new.data
    assert data.split(b"\r\n\r\n")[0].isascii()
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    before, after = parse(old), parse(data)
    assert not after.defects and not any(part.defects for part in after.walk())
    for name in ADDRESS_HEADERS:
        if before[name] is None:
            assert after[name] is None
            continue
        mine, theirs = after[name], before[name]
        assert isinstance(mine, AddressHeader) and isinstance(theirs, AddressHeader)
        assert [a.addr_spec for a in mine.addresses] == [a.addr_spec for a in theirs.addresses]
        assert display_name(data, name, mine) == display_name(old, name, theirs)
    for name in OTHER_HEADERS:
        assert after[name] == before[name], name
    assert unstructured_rfc(data, "Subject") == unstructured_rfc(old, "Subject")
    assert unstructured_rfc(data, "X-Peernet-Organisation") == unstructured_rfc(
        old, "X-Peernet-Organisation"
    )
    assert sorted(k.lower() for k in after) == sorted(k.lower() for k in before)
    assert tree(after) == tree(before)
    envelope = (after["From"].addresses[0].addr_spec, (after["To"].addresses[0].addr_spec,))
    assert (new.sender, new.recipients) == envelope
    assert new.message_id == after["Message-ID"]


pieces = st.one_of(st.sampled_from(TRICKS), st.text(max_size=8))
texts = st.lists(pieces, max_size=12).map("".join)
bodies = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", "\n", "a\r\nb\rc\n", ".\n", "From me\n", "é" * 600, "x" * 1200]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=texts,
    organisation=texts,
    subject=texts,
    text=bodies,
    html=st.one_of(st.none(), bodies),
    reply=st.booleans(),
    attach=st.booleans(),
)
@example(
    name="Ümit Çelik-Özdemir van der Wąsowska Ørsted Ünal Ğöktürk Şahin Ñuñez " * 2,
    organisation="x" * 120,
    subject="Kennismaking — " + "een heel lange onderwerpregel " * 6,
    text="é" * 1000 + "\n",
    html="<p>" + "x" * 2000 + "</p>",
    reply=True,
    attach=True,
)
@example(
    name='"Evil, Inc." <evil@example.com>, x',
    organisation="",
    subject="",
    text="",
    html=None,
    reply=False,
    attach=False,
)
@example(
    name="Ruud\r\nBcc: evil@example.com",
    organisation="",
    subject="",
    text="",
    html="",
    reply=False,
    attach=False,
)
def test_composed_bytes_read_as_the_built_message_or_both_are_refused(
    name: str,
    organisation: str,
    subject: str,
    text: str,
    html: str | None,
    reply: bool,
    attach: bool,
) -> None:
    def arguments() -> dict[str, Any]:
        return {
            "recipient": Address(name.strip(" "), "ontvanger@example.nl"),
            "subject": subject,
            "text": text,
            "html": html,
            "reply_to": Address(name.strip(" "), "antwoord@example.nl") if reply else None,
            "list_unsubscribe_url": UNSUBSCRIBE,
            "headers": {"X-Peernet-Organisation": organisation, "X-Peernet-Kind": "intro"},
            "attachments": [INVITATION] if attach else [],
        }

    fixed: dict[str, Any] = {"sender": SENDER, "message_id": "<a@b.nl>", "date": DATE}
    try:
        old = wire_bytes(build_message(**fixed, **arguments()))
    except ValueError as refused:
        with pytest.raises(type(refused)) as also_refused:
            compose_message(**fixed, **arguments())
        assert str(also_refused.value) == str(refused)
        return
    new = compose_message(**fixed, **arguments())
    assert_equivalent(old, new)


@pytest.mark.parametrize("kind", KINDS)
def test_every_rendered_kind_composes_as_it_builds(kind: str) -> None:
    rendered = render_email(kind, "nl", context_for(kind))
    old, new = both(
        recipient=Address("Ümit Çelik", "umit@example.nl"),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        list_unsubscribe_url=UNSUBSCRIBE,
        attachments=[INVITATION],
        date=datetime.now(UTC),
    )
    assert_equivalent(old, new)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"subject": "Hoi\r\nBcc: evil@example.com"}, HeaderInjectionError),
        ({"subject": "=?utf-8?q?=0A?="}, HeaderInjectionError),
        ({"headers": {"X-Evil\r\nBcc": "1"}}, HeaderInjectionError),
        ({"headers": {"X-Org": "a\u2028b"}}, HeaderInjectionError),
        ({"headers": {"Bcc": "evil@example.com"}}, ValueError),
        ({"message_id": "<abc@x>\r\nBcc: e@x"}, ValueError),
        ({"list_unsubscribe_url": "https://a.example/\r\nBcc: e@x"}, HeaderInjectionError),
        ({"list_unsubscribe_url": "javascript:alert(1)"}, ValueError),
        ({"date": datetime(2025, 3, 30, 9, 0)}, ValueError),
        ({"attachments": [Attachment("../x.ics", "text/calendar", b"")]}, ValueError),
        ({"attachments": [Attachment("x.ics", "text/calendar\r\nBcc: e", b"")]}, ValueError),
    ],
)
def test_compose_refuses_what_build_refuses(overrides: dict[str, Any], error: type) -> None:
    arguments: dict[str, Any] = {
        "sender": SENDER,
        "recipient": Address("Ruud", "ruud@example.nl"),
        "subject": "Hoi",
        "text": "Hoi\n",
        "html": None,
        "message_id": "<abc@peernet.example.nl>",
        "date": DATE,
        **overrides,
    }
    with pytest.raises(error):
        build_message(**arguments)
    with pytest.raises(error):
        compose_message(**arguments)


def test_the_unsubscribe_header_stays_on_one_line() -> None:
    _, new = both(list_unsubscribe_url=UNSUBSCRIBE)
    assert f"\r\nList-Unsubscribe: <{UNSUBSCRIBE}>\r\n".encode() in new.data
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in new.data


def test_links_and_8bit_text_stay_readable_in_the_raw_message() -> None:
    url = "https://peernet.example.nl/confirm/" + "x" * 120
    _, new = both(text=f"Bevestig, Ümit: {url}\n")
    assert f"Bevestig, Ümit: {url}\r\n".encode() in new.data


def test_header_lines_fold_within_78_characters_where_they_have_spaces() -> None:
    old, new = both(
        subject="Een onderwerp " * 12,
        recipient=Address("Ümit Çelik " * 8, "umit@example.nl"),
        headers={"X-Peernet-Organisation": "Stichting " * 15},
    )
    head = new.data.split(b"\r\n\r\n")[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert_equivalent(old, new)


def test_as_email_gives_back_the_parts_with_plain_line_ends() -> None:
    _, new = both(attachments=[INVITATION])
    message = new.as_email()
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(html, EmailMessage)
    assert text.get_content() == "Hoi Ruud,\n\nDit is Ümit.\n"
    assert html.get_content() == "<p>Hoi Ruud,</p><p>Dit is Ümit.</p>\n"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_payload(decode=True) == INVITATION.data
    assert str(message["Subject"]) == "Maak kennis met Ümit Çelik"


def test_a_boundary_never_occurs_in_what_it_encloses() -> None:
    # A body that holds boundary-like lines still parses into the same two parts.
    text = "--===============0000000000000000000==\n--==\n"
    old, new = both(text=text)
    assert_equivalent(old, new)


def test_a_word_too_long_for_one_line_is_encoded_rather_than_sent_on_a_long_line() -> None:
    word = "x" * 1200
    old, new = both(
        subject=f"Hoi {word}",
        recipient=Address(word[:190], "ruud@example.nl"),
        headers={"X-Peernet-Organisation": word},
    )
    assert max(len(line) for line in new.data.split(b"\r\n")) <= 998
    assert unstructured_rfc(new.data, "Subject") == f"Hoi {word}"
    assert_equivalent(old, new)
