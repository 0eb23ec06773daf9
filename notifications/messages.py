"""Turning a rendered email into an RFC 5322 message, one recipient per message."""

from __future__ import annotations

import base64
import binascii
import random
import re
import secrets
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import headerregistry, policy, quoprimime
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime

from notifications.headers import Address, HeaderInjectionError, check_header_text

_FIELD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+>")
_HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_URL = re.compile(r"https?://[^\s<>\"]+")
# Headers this module sets itself, or that would change where the message goes.
_RESERVED = frozenset(
    name.lower()
    for name in (
        "From", "To", "Cc", "Bcc", "Sender", "Reply-To", "Subject", "Date", "Message-ID",
        "MIME-Version", "Return-Path", "Received", "List-Unsubscribe", "List-Unsubscribe-Post",
        "Resent-From", "Resent-To", "Resent-Cc", "Resent-Bcc", "Resent-Sender",
    )
)  # fmt: skip
# RFC 5321 caps a line at 1000 octets with CRLF; longer bodies need an encoding.
_MAX_8BIT_LINE = 998
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class _UnfoldedHeader(headerregistry.UnstructuredHeader, headerregistry.BaseHeader):
    """Written on one line as is: the email package would otherwise turn a URL longer
    than 78 characters into RFC 2047 encoded-words, which no client decodes in
    List-Unsubscribe. The value is checked and capped well below 998 octets."""

    def fold(self, *, policy: policy.Policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


_HEADER_REGISTRY = headerregistry.HeaderRegistry()
_HEADER_REGISTRY.map_to_type("list-unsubscribe", _UnfoldedHeader)
_POLICY = policy.default.clone(header_factory=_HEADER_REGISTRY)


_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_CONTENT_TYPE = re.compile(r"[a-z]+/[a-z0-9.+-]+")
_PARAM_VALUE = re.compile(r"[A-Za-z0-9._-]{1,40}")


@dataclass(frozen=True)
class Attachment:
    """A file sent with the message, e.g. an ``.ics`` invitation (``text/calendar``)."""

    filename: str
    content_type: str  # "text/calendar"
    data: bytes
    params: tuple[tuple[str, str], ...] = ()  # e.g. (("method", "PUBLISH"),)

    def check(self) -> None:
        if not _FILENAME.fullmatch(self.filename):
            raise ValueError(f"attachment filename: not a plain file name: {self.filename!r}")
        if not _CONTENT_TYPE.fullmatch(self.content_type):
            raise ValueError(f"attachment content_type: {self.content_type!r}")
        for name, value in self.params:
            if not (_PARAM_VALUE.fullmatch(name) and _PARAM_VALUE.fullmatch(value)):
                raise ValueError(f"attachment parameter: {name!r}={value!r}")


def make_message_id(domain: str) -> str:
    """``<random@domain>`` with 192 bits of randomness, fixed once per outbox row."""
    if not _HOSTNAME.fullmatch(domain):
        raise ValueError(f"domain: not a plausible host name: {domain!r}")
    return f"<{secrets.token_urlsafe(24)}@{domain}>"


def build_message(
    *,
    sender: Address,
    recipient: Address,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    date: datetime,
    reply_to: Address | None = None,
    list_unsubscribe_url: str | None = None,
    headers: Mapping[str, str] | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """A UTF-8 ``multipart/alternative`` (text, then HTML) message to exactly one recipient.

    Spaces around header values (subject, names, extra headers) are dropped, as mail
    parsers would drop them anyway; everything else arrives exactly as given.

    Raises :class:`HeaderInjectionError` when a header value could break its line and
    :class:`ValueError` for anything else malformed; nothing reaches the message unchecked.
    """
    extra = _checked(subject, message_id, date, list_unsubscribe_url, headers)

    message = EmailMessage(policy=_POLICY)
    message["From"] = sender.as_mailbox()
    message["To"] = recipient.as_mailbox()
    if reply_to is not None:
        message["Reply-To"] = reply_to.as_mailbox()
    message["Subject"] = subject.strip(" ")
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    if list_unsubscribe_url is not None:
        message["List-Unsubscribe"] = f"<{list_unsubscribe_url}>"
        # RFC 8058: the receiver may POST this body to the URL, no cookies, no page.
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in extra:
        message[name] = value

    message.set_content(text, subtype="plain", charset="utf-8", cte=_transfer_encoding(text))
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8", cte=_transfer_encoding(html))
        for part in message.iter_parts():
            # add_alternative copies MIME-Version into the part; it belongs on top only.
            del part["MIME-Version"]
    for attachment in attachments:
        attachment.check()
        maintype, _, subtype = attachment.content_type.partition("/")
        # Turns the message into multipart/mixed: the text/HTML alternatives, then the file.
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=dict(attachment.params),
        )
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]
    return message


def _checked(
    subject: str,
    message_id: str,
    date: datetime,
    list_unsubscribe_url: str | None,
    headers: Mapping[str, str] | None,
) -> list[tuple[str, str]]:
    check_header_text(subject, field="subject")
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"message_id: expected <local@domain>, not {message_id!r}")
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("date: must be timezone-aware")
    if list_unsubscribe_url is not None:
        check_header_text(list_unsubscribe_url, field="list_unsubscribe_url")
        if not _URL.fullmatch(list_unsubscribe_url) or len(list_unsubscribe_url) > 900:
            raise ValueError(f"list_unsubscribe_url: not an http(s) URL: {list_unsubscribe_url!r}")
    return _checked_extra_headers(headers or {})


def _checked_extra_headers(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    checked = []
    for name, value in headers.items():
        if not _FIELD_NAME.fullmatch(name):
            raise HeaderInjectionError(f"header name: not a plain field name: {name!r}")
        lowered = name.lower()
        if lowered in _RESERVED or lowered.startswith("content-"):
            raise ValueError(f"header name: {name} is set by build_message itself")
        checked.append((name, check_header_text(value, field=name).strip(" ")))
    return checked


def _transfer_encoding(body: str) -> str:
    # 8bit keeps links readable in a raw .eml; servers without 8BITMIME get base64
    # from aiosmtplib, which re-flattens for them.
    longest = max(len(line.encode()) for line in _LINE_BREAK.split(body))
    if longest > _MAX_8BIT_LINE:
        return "quoted-printable"
    return "7bit" if body.isascii() else "8bit"


# The fast path: the same message as build_message, written straight to the bytes that go
# on the wire. Building an EmailMessage and flattening it again costs about 3 ms a message
# (header objects parsed from strings, then folded back), which capped the outbox drain at
# 40% of what the SMTP connection carries; these few string operations take a tenth of that.
_CRLF = "\r\n"
_MAX_LINE = 78  # RFC 5322's "should"; no line can exceed 998 (values are capped below that)
# 39 UTF-8 bytes are 52 base64 characters: "Reply-To: =?utf-8?b?...?=" stays within 78.
_WORD_BYTES = 39
_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+")  # a phrase that needs no quoting
_PARSER = BytesParser(policy=_POLICY)


@dataclass(frozen=True)
class OutgoingMessage:
    """A message ready for the wire: the envelope and the RFC 5322 bytes (CRLF line ends,
    UTF-8 bodies sent as ``8bit`` when they are not ASCII), as :func:`compose_message`
    makes it. Transports take it as well as an :class:`EmailMessage`."""

    sender: str  # the envelope's MAIL FROM: the From addr-spec
    recipients: tuple[str, ...]
    message_id: str
    data: bytes

    def as_email(self) -> EmailMessage:
        """The message parsed back, for a transport that needs its parts (an HTTP API),
        or a server that takes 7-bit only. Line ends read as ``\n``, as in a message that
        :func:`build_message` made (the bodies hold no other CR: they were split on it)."""
        parsed = _PARSER.parsebytes(self.data.replace(b"\r\n", b"\n"))
        assert isinstance(parsed, EmailMessage)
        return parsed


def compose_message(
    *,
    sender: Address,
    recipient: Address,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    date: datetime,
    reply_to: Address | None = None,
    list_unsubscribe_url: str | None = None,
    headers: Mapping[str, str] | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutgoingMessage:
    """:func:`build_message`'s message as bytes, checked the same way (same errors):
    parsed with the email package, it reads as the one :func:`build_message` makes."""
    extra = _checked(subject, message_id, date, list_unsubscribe_url, headers)
    for attachment in attachments:
        attachment.check()
    fields = [_mailbox_field("From", sender), _mailbox_field("To", recipient)]
    if reply_to is not None:
        fields.append(_mailbox_field("Reply-To", reply_to))
    fields.append(_unstructured_field("Subject", subject.strip(" ")))
    fields.append(f"Date: {format_datetime(date)}{_CRLF}Message-ID: {message_id}{_CRLF}")
    if list_unsubscribe_url is not None:
        # One line, never folded or encoded (see _UnfoldedHeader); checked above.
        fields.append(f"List-Unsubscribe: <{list_unsubscribe_url}>{_CRLF}")
        fields.append(f"List-Unsubscribe-Post: List-Unsubscribe=One-Click{_CRLF}")
    for name, value in extra:
        fields.append(_unstructured_field(name, value))
    fields.append(f"MIME-Version: 1.0{_CRLF}")
    body = _text_part("plain", text)
    if html is not None:
        body = _multipart("alternative", [body, _text_part("html", html)])
    if attachments:
        body = _multipart("mixed", [body, *(_attachment_part(a) for a in attachments)])
    return OutgoingMessage(
        sender=sender.email,
        recipients=(recipient.email,),
        message_id=message_id,
        data="".join(fields).encode("ascii") + body,
    )


def _fold(line: str) -> str:
    """``line`` with CRLF, folded before spaces where it is longer than 78 characters
    (a word too long for one line stays whole: see _fits)."""
    if len(line) <= _MAX_LINE:
        return line + _CRLF
    lines: list[str] = []
    current, *words = line.split(" ")
    for word in words:
        # Never leave a line of only spaces, nor the field name alone on its line.
        if len(current) + 1 + len(word) > _MAX_LINE and current.strip() and " " in current:
            lines.append(current)
            current = " " + word
        else:
            current += " " + word
    lines.append(current)
    return _CRLF.join(lines) + _CRLF


def _fits(field: str) -> bool:
    # RFC 5321/5322: no line longer than 998 octets, whatever the folding.
    return all(len(line) <= _MAX_8BIT_LINE for line in field.split(_CRLF))


def _encoded_words(value: str) -> str:
    """RFC 2047 ``=?utf-8?b?...?=`` words for ``value``, split between characters and
    separated by spaces (which decoders drop between encoded-words)."""
    encoded = value.encode()
    if len(encoded) <= _WORD_BYTES:
        chunks = [encoded]
    else:
        chunks, chunk = [], b""
        for char in value:
            piece = char.encode()
            if len(chunk) + len(piece) > _WORD_BYTES:
                chunks.append(chunk)
                chunk = b""
            chunk += piece
        chunks.append(chunk)
    return " ".join(f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in chunks)


def _mailbox_field(name: str, address: Address) -> str:
    display_name = address.display_name
    if not display_name:
        return _fold(f"{name}: {address.email}")
    if display_name.isascii():
        if _ATOMS.fullmatch(display_name):
            phrase = display_name
        else:
            phrase = '"' + display_name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        field = _fold(f"{name}: {phrase} <{address.email}>")
        if _fits(field):
            return field
    # Not ASCII, or a word too long for a line: encoded-words, which fold between them.
    return _fold(f"{name}: {_encoded_words(display_name)} <{address.email}>")


def _unstructured_field(name: str, value: str) -> str:
    if value.isascii():
        field = _fold(f"{name}: {value}")
        if _fits(field):
            return field
    return _fold(f"{name}: {_encoded_words(value)}")


def _text_part(subtype: str, body: str) -> bytes:
    # What EmailMessage.set_content does: lines split on CR, LF or CRLF, a final line end.
    lines = body.encode().splitlines()
    longest = max(map(len, lines), default=0)  # as _transfer_encoding measures it
    cte = "quoted-printable" if longest > _MAX_8BIT_LINE else "7bit" if body.isascii() else "8bit"
    if cte == "quoted-printable":
        normal = b"\n".join(lines) + b"\n"
        encoded = quoprimime.body_encode(normal.decode("latin-1"), _MAX_LINE)
        payload = encoded.replace("\n", _CRLF).encode("ascii")
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
    else:
        payload = b"\r\n".join(lines) + b"\r\n"
    head = f'Content-Type: text/{subtype}; charset="utf-8"{_CRLF}'
    head += f"Content-Transfer-Encoding: {cte}{_CRLF}{_CRLF}"
    return head.encode("ascii") + payload


def _attachment_part(attachment: Attachment) -> bytes:
    params = "".join(f'; {name}="{value}"' for name, value in attachment.params)
    head = _fold(f"Content-Type: {attachment.content_type}{params}")
    head += f'Content-Disposition: attachment; filename="{attachment.filename}"{_CRLF}'
    head += f"Content-Transfer-Encoding: base64{_CRLF}{_CRLF}"
    data = attachment.data
    lines = [binascii.b2a_base64(data[i : i + 57]) for i in range(0, len(data), 57)]
    return head.encode("ascii") + b"".join(lines).replace(b"\n", b"\r\n")


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    while True:  # the email package's boundary, checked against what it encloses
        boundary = f"==============={random.randrange(sys.maxsize):019d}=="
        marker = b"--" + boundary.encode("ascii")
        if not any(marker in part for part in parts):
            break
    head = f'Content-Type: multipart/{subtype};{_CRLF} boundary="{boundary}"{_CRLF}{_CRLF}'
    return (
        head.encode("ascii")
        + marker
        + b"\r\n"
        + (b"\r\n" + marker + b"\r\n").join(parts)
        + b"\r\n"
        + marker
        + b"--\r\n"
    )
