"""Header text and addresses that can never smuggle in a header of their own.

Everything a person typed (a name, an organisation inside a subject) ends up in a
header line. Python's ``email`` package decodes RFC 2047 encoded-words found in the
values it is given, so ``=?utf-8?q?=0A?=`` becomes a real line break when the message
is serialised; checking only for ``\\r`` and ``\\n`` is not enough.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email import headerregistry, policy

# Categories that either break a header line or have no business in one:
# Cc covers CR, LF, NUL, TAB, VT, FF and NEL; Zl/Zp are U+2028/U+2029.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


class HeaderInjectionError(ValueError):
    """A value meant for one header line could start another one."""


def check_header_text(value: str, *, field: str = "header") -> str:
    """Return ``value`` unchanged, or raise :class:`HeaderInjectionError`.

    Rejects every control character and Unicode line or paragraph separator, and any
    RFC 2047 encoded-word opener (``=?``): no person's name or organisation contains
    one, and the email package would decode it into whatever it hides.
    """
    for char in value:
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            raise HeaderInjectionError(
                f"{field} contains a line break or control character (U+{ord(char):04X})"
            )
    if "=?" in value:
        raise HeaderInjectionError(f"{field} contains an RFC 2047 encoded-word ('=?')")
    return value


def is_plausible_addr_spec(addr_spec: str) -> bool:
    """An ASCII ``local@domain`` that SMTP and every mail client accept unquoted."""
    if len(addr_spec) > 254 or addr_spec.count("@") != 1:
        return False
    local, domain = addr_spec.split("@")
    if not (0 < len(local) <= 64 and _LOCAL_PART.fullmatch(local)):
        return False
    if not 0 < len(domain) <= 253:
        return False
    return all(_DOMAIN_LABEL.fullmatch(label) for label in domain.split("."))


@dataclass(frozen=True)
class Address:
    """A mailbox: a display name (may be empty) and an addr-spec."""

    name: str
    email: str

    def __post_init__(self) -> None:
        check_header_text(self.name, field="name")
        check_header_text(self.email, field="email")
        if not is_plausible_addr_spec(self.email):
            raise ValueError(f"email: not a plausible address: {self.email!r}")

    @classmethod
    def parse(cls, value: str) -> Address:
        """Parse ``"Name <local@domain>"`` or a bare address, e.g. the ``MAIL_FROM`` setting."""
        check_header_text(value, field="address")
        header = policy.default.header_factory("To", value)
        assert isinstance(header, headerregistry.AddressHeader)
        assert isinstance(header, headerregistry.BaseHeader)
        if header.defects or len(header.addresses) != 1:
            raise ValueError(f"address: expected exactly one mailbox, not {value!r}")
        mailbox = header.addresses[0]
        return cls(name=mailbox.display_name, email=mailbox.addr_spec)

    def __str__(self) -> str:
        return str(self.as_mailbox())

    @property
    def display_name(self) -> str:
        # A display name is a phrase: mail parsers drop the spaces around it and collapse
        # runs of spaces inside it, so do that here and send what will be read.
        return " ".join(word for word in self.name.split(" ") if word)

    def as_mailbox(self) -> headerregistry.Address:
        return headerregistry.Address(display_name=self.display_name, addr_spec=self.email)
