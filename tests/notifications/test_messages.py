from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import AddressHeader
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtplib.email import flatten_message
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from notifications import Address, HeaderInjectionError, build_message, make_message_id

SENDER = Address("peernet", "noreply@peernet.example.nl")
DATE = datetime(2025, 3, 30, 9, 0, tzinfo=timezone(timedelta(hours=2)))
UNSUBSCRIBE = "https://peernet.example.nl/unsubscribe/" + "t0k3n" * 30

# Pieces an attacker (or a careless paste) puts into a name, an organisation or a subject.
TRICKS = [
    "\r", "\n", "\r\n", "\x00", "\t", "\x0b", "\x0c", "\x85", "\u2028", "\u2029",
    "=?utf-8?q?=0A?=", "=?utf-8?q?=0D=0ABcc:_evil@example.com?=", "=?utf-8?b?Cg==?=",
    "=0D=0A", "=0A", "%0d%0a", "\\r\\n", "Bcc: evil@example.com", "To: evil@example.com",
    ": ", ",", ";", '"', "\\", "<evil@example.com>", "(", ")", "=?", "?=", " ", "  ",
    "Ümit", "Çelik", "van 't Hoff", "El Amrani", "محمد", "ğış", "é",
]  # fmt: skip
pieces = st.one_of(st.sampled_from(TRICKS), st.text(max_size=6))
texts = st.lists(pieces, max_size=8).map("".join)


def is_clean(value: str) -> bool:
    return "=?" not in value and all(
        unicodedata.category(char) not in ("Cc", "Zl", "Zp") for char in value
    )


def wire_bytes(message: EmailMessage) -> bytes:
    """The bytes aiosmtplib puts on the wire (CRLF, SMTP policy)."""
    return flatten_message(message)


def parse(data: bytes) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(parsed, EmailMessage)
    return parsed


def display_name(data: bytes, name_of_header: str, header: AddressHeader) -> str:
    """The display name of a one-mailbox header, decoded as RFC 2047 prescribes.

    CPython's address parser keeps the folding space between two adjacent
    encoded-words of a display name, which RFC 2047 section 6.2 says to drop; mail
    clients drop it. For such names, decode the raw header the RFC way instead.
    """
    name = header.addresses[0].display_name
    raw = data.split(b"\r\n\r\n" if b"\r\n\r\n" in data else b"\n\n")[0].decode("ascii")
    unfolded = re.sub(r"\r?\n[ \t]", " ", raw)
    prefix = name_of_header.lower() + ":"
    line = next(li for li in unfolded.splitlines() if li.lower().startswith(prefix))
    if "?= =?" not in line:
        return name
    decoded = str(make_header(decode_header(line.split(":", 1)[1].strip())))
    suffix = f" <{header.addresses[0].addr_spec}>"
    assert decoded.endswith(suffix)
    return decoded.removesuffix(suffix)


def unstructured(message: EmailMessage, name: str) -> str:
    # When the first word does not fit after "Subject:", the email package folds right
    # after the colon; the parser then keeps the folding space. Clients strip it.
    return str(message[name]).lstrip(" ")


def build(**overrides: object) -> EmailMessage:
    arguments: dict[str, object] = {
        "sender": SENDER,
        "recipient": Address("Ruud van 't Hoff", "ruud@example.nl"),
        "subject": "Maak kennis met Ümit Çelik",
        "text": "Hoi Ruud,\n\nDit is Ümit.\n",
        "html": "<p>Hoi Ruud,</p><p>Dit is Ümit.</p>",
        "message_id": "<abc123@peernet.example.nl>",
        "date": DATE,
    }
    arguments.update(overrides)
    return build_message(**arguments)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=texts, organisation=texts, partner=texts)
@example(name="Ruud\r\nBcc: evil@example.com", organisation="", partner="")
@example(name="=?utf-8?q?Ruud=0ABcc:_evil@example.com?=", organisation="", partner="")
@example(name="", organisation="Politie =0D=0A Rotterdam", partner="\u2028")
@example(name='"Evil, Inc." <evil@example.com>, x', organisation="", partner="")
def test_a_message_has_exactly_the_intended_headers_or_is_refused(
    name: str, organisation: str, partner: str
) -> None:
    subject = f"Maak kennis met {partner} ({organisation})"
    try:
        message = build(
            recipient=Address(name.strip(" "), "ontvanger@example.nl"),
            subject=subject,
            list_unsubscribe_url=UNSUBSCRIBE,
            headers={"X-Peernet-Organisation": organisation},
        )
    except HeaderInjectionError:
        assert not all(is_clean(value) for value in (name, organisation, partner))
        return
    assert all(is_clean(value) for value in (name, organisation, partner))

    for data in (wire_bytes(message), message.as_bytes()):
        parsed = parse(data)
        assert [key.lower() for key in parsed] == [
            "from", "to", "subject", "date", "message-id", "list-unsubscribe",
            "list-unsubscribe-post", "x-peernet-organisation", "mime-version", "content-type",
        ]  # fmt: skip
        to = parsed["To"]
        assert isinstance(to, AddressHeader)
        assert len(parsed.get_all("To", [])) == 1
        assert [mailbox.addr_spec for mailbox in to.addresses] == ["ontvanger@example.nl"]
        assert display_name(data, "To", to) == " ".join(word for word in name.split(" ") if word)
        assert unstructured(parsed, "Subject") == subject.strip(" ")
        assert unstructured(parsed, "X-Peernet-Organisation") == organisation.strip(" ")
        assert str(parsed["List-Unsubscribe"]) == f"<{UNSUBSCRIBE}>"
        assert parsed["Bcc"] is None and parsed["Cc"] is None


@pytest.mark.parametrize(
    "name", ["Ruud van 't Hoff", "Ümit Çelik", "Fatima Zahra El Amrani", "محمد", "Đặng, Thị"]
)
def test_names_with_diacritics_and_other_scripts_round_trip(name: str) -> None:
    message = build(
        recipient=Address(name, "ontvanger@example.nl"),
        reply_to=Address(name, "r@example.nl"),
    )
    data = wire_bytes(message)
    parsed = parse(data)
    assert data.split(b"\r\n\r\n")[0].isascii()
    for header in ("To", "Reply-To"):
        mailbox = parsed[header]
        assert isinstance(mailbox, AddressHeader)
        assert display_name(data, header, mailbox) == mailbox.addresses[0].display_name == name


def test_the_message_is_utf8_multipart_alternative_text_then_html() -> None:
    parsed = parse(wire_bytes(build()))
    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in parts)
    assert all(part["MIME-Version"] is None for part in parts)
    text, html = (part.get_content().replace("\r\n", "\n") for part in parts)
    assert text == "Hoi Ruud,\n\nDit is Ümit.\n"
    assert "<p>Dit is Ümit.</p>" in html
    assert parsed["Date"].datetime == DATE
    assert parsed["Message-ID"] == "<abc123@peernet.example.nl>"


def test_without_html_the_message_is_plain_text() -> None:
    parsed = parse(wire_bytes(build(html=None)))
    assert parsed.get_content_type() == "text/plain"


def test_links_stay_readable_in_the_raw_message() -> None:
    url = "https://peernet.example.nl/confirm/" + "x" * 120
    assert url.encode() in build(text=f"Bevestig: {url}\n").as_bytes()


def test_very_long_lines_are_quoted_printable() -> None:
    parsed = parse(wire_bytes(build(html="<p>" + "é" * 2000 + "</p>")))
    html = parsed.get_body(("html",))
    assert html is not None
    assert html["Content-Transfer-Encoding"] == "quoted-printable"
    assert html.get_content().replace("\r\n", "\n") == "<p>" + "é" * 2000 + "</p>\n"


def test_one_click_unsubscribe_headers_follow_rfc_8058() -> None:
    parsed = parse(wire_bytes(build(list_unsubscribe_url=UNSUBSCRIBE)))
    assert parsed["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # One physical line: clients do not decode encoded-words in this header.
    lines = wire_bytes(build(list_unsubscribe_url=UNSUBSCRIBE)).split(b"\r\n")
    line = next(li for li in lines if li.startswith(b"List-Unsubscribe:"))
    assert line == f"List-Unsubscribe: <{UNSUBSCRIBE}>".encode()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "https://a.example/x y",
        "https://a.example/<x>",
        "https://" + "a" * 999,
    ],
)
def test_an_unsubscribe_url_must_be_a_plain_http_url(url: str) -> None:
    with pytest.raises(ValueError, match="list_unsubscribe_url"):
        build(list_unsubscribe_url=url)


@pytest.mark.parametrize(
    "name", ["To", "bcc", "Subject", "Content-Type", "Reply-To", "MIME-Version"]
)
def test_extra_headers_cannot_replace_the_ones_build_message_sets(name: str) -> None:
    with pytest.raises(ValueError, match="set by build_message"):
        build(headers={name: "evil@example.com"})


@pytest.mark.parametrize("name", ["X-Evil\r\nBcc", "X Evil", "X-Evil:", "", "X-Ümit"])
def test_extra_header_names_must_be_plain_field_names(name: str) -> None:
    with pytest.raises(HeaderInjectionError):
        build(headers={name: "1"})


def test_extra_headers_are_added() -> None:
    parsed = parse(wire_bytes(build(headers={"Auto-Submitted": "auto-generated"})))
    assert parsed["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize("message_id", ["abc@x", "<abc>", "<a b@x>", "<abc@x>\r\nBcc: e@x"])
def test_a_malformed_message_id_is_rejected(message_id: str) -> None:
    with pytest.raises(ValueError, match="message_id"):
        build(message_id=message_id)


def test_a_naive_date_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build(date=datetime(2025, 3, 30, 9, 0))


def test_make_message_id_is_random_enough_and_well_formed() -> None:
    ids = {make_message_id("peernet.example.nl") for _ in range(1000)}
    assert len(ids) == 1000
    for message_id in ids:
        local, _, domain = message_id.strip("<>").partition("@")
        assert domain == "peernet.example.nl"
        assert len(local) * 6 >= 128  # url-safe base64: 6 bits a character
        build(message_id=message_id, date=datetime.now(UTC))


@pytest.mark.parametrize("domain", ["", "peernet.nl\r\n", "a b", "<x>"])
def test_make_message_id_rejects_a_bad_domain(domain: str) -> None:
    with pytest.raises(ValueError, match="domain"):
        make_message_id(domain)
