from __future__ import annotations

import pytest

from notifications import Address, HeaderInjectionError, check_header_text

INJECTIONS = [
    "Ruud\r\nBcc: evil@example.com",
    "Ruud\nBcc: evil@example.com",
    "Ruud\rBcc: evil@example.com",
    "Ruud\x00",
    "Ruud\u2028Bcc: evil@example.com",
    "Ruud\u2029",
    "Ruud\x85Bcc: evil@example.com",
    "Ruud\x0bvan",
    "Ruud\tvan",
    "=?utf-8?q?Ruud=0ABcc=3A_evil=40example=2Ecom?=",
    "=?utf-8?b?UnV1ZApCY2M6IGV2aWxAZXhhbXBsZS5jb20=?=",
    "=?UTF-8?Q?=0D=0A?=",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_header_text_with_a_line_break_or_encoded_word_is_rejected(value: str) -> None:
    with pytest.raises(HeaderInjectionError):
        check_header_text(value)


@pytest.mark.parametrize(
    "value",
    ["Ruud van 't Hoff", "Ümit Çelik", "Fatima Zahra El Amrani", "محمد", "a =0D=0A b", "50% = ok?"],
)
def test_ordinary_header_text_passes_unchanged(value: str) -> None:
    assert check_header_text(value) == value


def test_the_error_names_the_field_and_the_character() -> None:
    with pytest.raises(HeaderInjectionError, match=r"name contains .*U\+000A"):
        Address("Ruud\nBcc: x@example.com", "ruud@example.nl")


@pytest.mark.parametrize("value", INJECTIONS)
def test_an_address_with_an_injected_name_is_rejected(value: str) -> None:
    with pytest.raises(HeaderInjectionError):
        Address(value, "ruud@example.nl")


@pytest.mark.parametrize(
    "email",
    [
        "",
        "ruud",
        "ruud@",
        "@example.nl",
        "ruud@@example.nl",
        "ruud van@example.nl",
        "ruud@example.nl>",
        "<ruud@example.nl>",
        "ruud@example..nl",
        "ruud@-example.nl",
        ".ruud@example.nl",
        "ruud.@example.nl",
        '"ruud"@example.nl',
        "ümit@example.nl",
        "ruud@example.nl,evil@example.com",
        "x" * 65 + "@example.nl",
    ],
)
def test_an_implausible_email_is_rejected(email: str) -> None:
    with pytest.raises(ValueError, match="email"):
        Address("Ruud", email)


def test_an_email_with_a_line_break_is_a_header_injection() -> None:
    with pytest.raises(HeaderInjectionError):
        Address("Ruud", "ruud@example.nl\r\nBcc: evil@example.com")


@pytest.mark.parametrize(
    "email", ["ruud@example.nl", "r.van-t.hoff+peernet@politie.example.nl", "peernet@localhost"]
)
def test_plausible_emails_are_accepted(email: str) -> None:
    assert Address("", email).email == email


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("peernet <peernet@localhost>", Address("peernet", "peernet@localhost")),
        ("noreply@peernet.nl", Address("", "noreply@peernet.nl")),
        ('"Peernet, OMEI" <noreply@peernet.nl>', Address("Peernet, OMEI", "noreply@peernet.nl")),
    ],
)
def test_parse_reads_a_mail_from_setting(value: str, expected: Address) -> None:
    assert Address.parse(value) == expected


@pytest.mark.parametrize(
    "value", ["a@example.nl, b@example.nl", "not an address", "=?utf-8?q?x?= <a@example.nl>"]
)
def test_parse_rejects_anything_but_one_mailbox(value: str) -> None:
    with pytest.raises(ValueError):
        Address.parse(value)
