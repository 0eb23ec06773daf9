"""Every limit in the header rules, at, below and above its bound.

RFC 5321 (4.5.3.1): a local part of at most 64 octets, a path of at most 256 octets with
its angle brackets (so an addr-spec of at most 254), a domain of at most 255 octets, labels
of 1 to 63 (RFC 1035), no hyphen at either end of a label.
"""

from __future__ import annotations

import pytest

from notifications import Address, HeaderInjectionError, check_header_text
from notifications.headers import is_plausible_addr_spec


def domain_of_length(n: int) -> str:
    """A valid domain of exactly ``n`` characters: 9-letter labels, then a shorter last one."""
    labels: list[str] = []
    while n > 10:
        labels.append("d" * 9)
        n -= 10
    labels.append("e" * n)
    return ".".join(labels)


def address_of_length(n: int, local: int = 64) -> str:
    return "l" * local + "@" + domain_of_length(n - local - 1)


@pytest.mark.parametrize("length", [253, 254])
def test_an_address_of_at_most_254_characters_is_plausible(length: int) -> None:
    email = address_of_length(length)
    assert len(email) == length
    assert is_plausible_addr_spec(email)
    assert Address("Ruud", email).email == email


@pytest.mark.parametrize("length", [255, 256])
def test_an_address_of_more_than_254_characters_is_not(length: int) -> None:
    email = address_of_length(length)
    assert len(email) == length
    assert not is_plausible_addr_spec(email)
    with pytest.raises(ValueError, match="email: not a plausible address"):
        Address("Ruud", email)


@pytest.mark.parametrize(("length", "plausible"), [(1, True), (63, True), (64, True), (65, False)])
def test_the_local_part_has_one_to_64_characters(length: int, plausible: bool) -> None:
    assert is_plausible_addr_spec("l" * length + "@example.nl") is plausible


def test_the_shortest_address_has_one_character_on_each_side() -> None:
    assert is_plausible_addr_spec("a@b")
    assert not is_plausible_addr_spec("@b")
    assert not is_plausible_addr_spec("a@")


@pytest.mark.parametrize(("length", "plausible"), [(1, True), (62, True), (63, True), (64, False)])
def test_a_domain_label_has_one_to_63_characters(length: int, plausible: bool) -> None:
    assert is_plausible_addr_spec(f"ruud@{'x' * length}.nl") is plausible


@pytest.mark.parametrize(
    ("domain", "plausible"),
    [
        ("a-b.nl", True),
        ("a--b.nl", True),
        ("-ab.nl", False),
        ("ab-.nl", False),
        ("a_b.nl", False),
        ("a.b.", False),
        (".a.nl", False),
    ],
)
def test_a_domain_label_starts_and_ends_with_a_letter_or_digit(
    domain: str, plausible: bool
) -> None:
    assert is_plausible_addr_spec(f"ruud@{domain}") is plausible


@pytest.mark.parametrize("char", list("!#$%&'*+/=?^_`{|}~-"))
def test_every_special_character_rfc_5322_allows_unquoted_is_plausible(char: str) -> None:
    assert is_plausible_addr_spec(f"r{char}d@example.nl")


@pytest.mark.parametrize("char", [*' "(),:;<>@[\\]', "é", "\u00a0"])
def test_characters_that_need_quoting_or_are_not_ascii_are_not(char: str) -> None:
    assert not is_plausible_addr_spec(f"r{char}d@example.nl")


@pytest.mark.parametrize(
    ("char", "category"),
    [
        ("\x00", "Cc"),
        ("\x1f", "Cc"),
        ("\x7f", "Cc"),
        ("\x9f", "Cc"),
        ("\u2028", "Zl"),
        ("\u2029", "Zp"),
    ],
)
def test_every_forbidden_character_class_is_rejected_and_named(char: str, category: str) -> None:
    with pytest.raises(HeaderInjectionError, match=rf"U\+{ord(char):04X}"):
        check_header_text(f"Ruud{char}van")


@pytest.mark.parametrize("char", [" ", "\u00a0", "\u200b", "\u3000", "~", "\u00e9"])
def test_spaces_and_printable_characters_next_to_the_forbidden_ones_pass(char: str) -> None:
    assert check_header_text(f"Ruud{char}van") == f"Ruud{char}van"


def test_an_encoded_word_opener_needs_both_characters() -> None:
    assert check_header_text("a = b ? c") == "a = b ? c"
    assert check_header_text("?=") == "?="
    with pytest.raises(HeaderInjectionError, match=r"^header contains an RFC 2047"):
        check_header_text("=?")


def test_each_error_names_the_field_it_is_about() -> None:
    with pytest.raises(HeaderInjectionError, match=r"^header contains a line break"):
        check_header_text("Ruud\nBcc: x@example.com")
    with pytest.raises(HeaderInjectionError, match=r"^subject contains a line break"):
        check_header_text("Hallo\r\n", field="subject")
    with pytest.raises(HeaderInjectionError, match=r"^name contains an RFC 2047"):
        Address("=?utf-8?q?x?=", "ruud@example.nl")
    with pytest.raises(HeaderInjectionError, match=r"^email contains a line break"):
        Address("Ruud", "ruud@example.nl\nBcc: x@example.com")
    with pytest.raises(HeaderInjectionError, match=r"^address contains a line break"):
        Address.parse("Ruud <ruud@example.nl>\nBcc: x@example.com")


@pytest.mark.parametrize(
    "value", ["a@example.nl, b@example.nl", "", "Ruud <ruud@example.nl", "undisclosed:;"]
)
def test_parse_wants_exactly_one_mailbox_and_says_so(value: str) -> None:
    with pytest.raises(ValueError, match=r"^address: expected exactly one mailbox"):
        Address.parse(value)


def test_parse_reads_the_name_and_the_address() -> None:
    assert Address.parse("peernet <peernet@example.nl>") == Address("peernet", "peernet@example.nl")
    assert Address.parse("peernet@example.nl") == Address("", "peernet@example.nl")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Ruud van 't Hoff", "Ruud van 't Hoff <ruud@example.nl>"),
        ("  Ruud   van  Hoff ", "Ruud van Hoff <ruud@example.nl>"),
        ("", "ruud@example.nl"),
        ("Hoff, Ruud", '"Hoff, Ruud" <ruud@example.nl>'),
    ],
)
def test_a_mailbox_is_written_as_mail_clients_will_read_it(name: str, shown: str) -> None:
    address = Address(name, "ruud@example.nl")
    assert str(address) == shown
    mailbox = address.as_mailbox()
    assert mailbox.addr_spec == "ruud@example.nl"
    assert mailbox.display_name == " ".join(name.split())


def test_only_plain_spaces_are_collapsed_in_a_display_name() -> None:
    # A no-break space is part of the name (RFC 5322 folds only SP and HTAB).
    assert Address("Ruud\u00a0van", "ruud@example.nl").as_mailbox().display_name == "Ruud\u00a0van"
    assert Address("Ruud\u3000van", "ruud@example.nl").as_mailbox().display_name == "Ruud\u3000van"
