"""Turning a rendered email into an RFC 5322 message, one recipient per message."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import headerregistry, policy
from email.message import EmailMessage
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
    check_header_text(subject, field="subject")
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"message_id: expected <local@domain>, not {message_id!r}")
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("date: must be timezone-aware")
    if list_unsubscribe_url is not None:
        check_header_text(list_unsubscribe_url, field="list_unsubscribe_url")
        if not _URL.fullmatch(list_unsubscribe_url) or len(list_unsubscribe_url) > 900:
            raise ValueError(f"list_unsubscribe_url: not an http(s) URL: {list_unsubscribe_url!r}")
    extra = _checked_extra_headers(headers or {})

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
