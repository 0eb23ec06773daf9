"""Delivery over SMTP with aiosmtplib: one connection for a whole batch."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

import aiosmtplib
from aiosmtplib.email import extract_recipients, extract_sender, flatten_message

from notifications.delivery import DeliveryResult, Message, Transport
from notifications.messages import OutgoingMessage

logger = logging.getLogger(__name__)
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
# Anything that means "the connection is gone or in an unknown state".
_CONNECTION_ERRORS = (
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


@dataclass(frozen=True)
class SMTPSettings:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # smtps://: TLS from the first byte
    start_tls: bool | None  # True: required, False: never, None: when the server offers it
    validate_certs: bool

    def __repr__(self) -> str:  # never print the password
        user = f"{self.username}:***@" if self.username else ""
        scheme = "smtps" if self.use_tls else "smtp"
        url = f"{scheme}://{user}{self.hostname}:{self.port}"
        return f"SMTPSettings({url}, start_tls={self.start_tls})"


def parse_smtp_url(url: str) -> SMTPSettings:
    """``smtp://user:pass@host:587?starttls=1``, ``smtps://user:pass@host``, ``smtp://host:25``.

    User name and password are percent-decoded. Options: ``starttls`` (1 requires it, 0
    forbids it, absent uses it when the server offers it) and ``validate_certs`` (default 1).
    Errors start with ``SMTP_URL:`` and never repeat the password.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"SMTP_URL: not a valid URL ({exc})") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"SMTP_URL: must start with smtp:// or smtps://, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("SMTP_URL: the host is missing")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(
            "SMTP_URL: only scheme, user, password, host, port and options are expected"
        )
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if (username is None) != (password is None):
        raise ValueError("SMTP_URL: give both a user name and a password, or neither")

    options: dict[str, bool] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in ("starttls", "validate_certs"):
            raise ValueError(f"SMTP_URL: unknown option {key!r} (known: starttls, validate_certs)")
        if key in options:
            raise ValueError(f"SMTP_URL: option {key!r} given twice")
        if value.lower() in _TRUE:
            options[key] = True
        elif value.lower() in _FALSE:
            options[key] = False
        else:
            raise ValueError(f"SMTP_URL: option {key!r} must be 1 or 0, not {value!r}")

    use_tls = parts.scheme == "smtps"
    start_tls = options.get("starttls")
    if use_tls and start_tls:
        raise ValueError("SMTP_URL: smtps:// is already TLS; drop starttls=1 or use smtp://")
    if use_tls:
        start_tls = False
    default_port = 465 if use_tls else 587 if start_tls else 25
    return SMTPSettings(
        hostname=parts.hostname,
        port=port or default_port,
        username=username,
        password=password,
        use_tls=use_tls,
        start_tls=start_tls,
        validate_certs=options.get("validate_certs", True),
    )


class _Unreachable(Exception):
    """No connection could be made; every message still waiting gets the same answer."""


class SMTPTransport(Transport):
    """Sends each message in its own SMTP transaction over one shared connection.

    The connection is opened on first use, kept between batches and closed by
    :meth:`aclose`. When it breaks before a message's DATA, nothing was handed over, so
    the message is retried once on a fresh connection; when it breaks during DATA the
    server may or may not have the message, so it is reported TEMPORARY (at least once).
    """

    def __init__(
        self, url: str, *, timeout: float = 30.0, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self.settings = parse_smtp_url(url)
        self.timeout = timeout
        self.tls_context = tls_context
        self.connections_opened = 0
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"SMTPTransport({self.settings!r})"

    async def send(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        results: list[DeliveryResult] = []
        async with self._lock:
            for message in messages:
                try:
                    results.append(await self._deliver(message))
                except _Unreachable as exc:
                    unsent = len(messages) - len(results)
                    results.extend([DeliveryResult.temporary(str(exc))] * unsent)
                    break
        return results

    async def aclose(self) -> None:
        async with self._lock:
            client, self._client = self._client, None
            if client is not None and client.is_connected:
                try:
                    await client.quit(timeout=min(self.timeout, 5.0))
                except (aiosmtplib.SMTPException, *_CONNECTION_ERRORS):
                    client.close()

    async def _deliver(self, message: Message) -> DeliveryResult:
        try:
            if isinstance(message, OutgoingMessage):
                sender, recipients = message.sender, list(message.recipients)
            else:
                sender = extract_sender(message) or ""
                recipients = extract_recipients(message)
            if not sender or not recipients:
                raise ValueError("no From or no To")
        except (ValueError, TypeError) as exc:
            return DeliveryResult.permanent(f"malformed message: {exc}")

        for attempt in (1, 2):
            client = await self._connected()
            stage = "MAIL FROM"
            try:
                mail_options, flat = _prepare(client, message, sender, recipients)
                await client.mail(sender, options=mail_options, encoding=_encoding(mail_options))
                stage = "RCPT TO"
                refused: list[aiosmtplib.SMTPRecipientRefused] = []
                for recipient in recipients:
                    try:
                        await client.rcpt(recipient, encoding=_encoding(mail_options))
                    except aiosmtplib.SMTPRecipientRefused as exc:
                        refused.append(exc)
                if len(refused) == len(recipients):
                    raise refused[0]
                stage = "DATA"
                response = await client.data(flat)
            except _UnsendableMessage as exc:
                return DeliveryResult.permanent(str(exc))
            except aiosmtplib.SMTPResponseException as exc:
                await self._reset(client, exc.code)
                return _classify(exc.code, f"{exc.code} {exc.message}")
            except _CONNECTION_ERRORS as exc:
                self._drop()
                if stage != "DATA" and attempt == 1:
                    continue  # nothing was handed over; a fresh connection is safe
                return DeliveryResult.temporary(f"{stage}: {_describe(exc)}")
            except ValueError as exc:  # aiosmtplib refuses an address it cannot quote safely
                await self._reset(client, 0)
                return DeliveryResult.permanent(f"{stage}: {exc}")
            except Exception as exc:
                # A bug, not the server: keep the batch going, retry this one later.
                logger.exception("unexpected error sending %s", _message_id(message))
                self._drop()
                return DeliveryResult.temporary(f"{stage}: unexpected {_describe(exc)}")
            detail = f"{response.code} {response.message}"
            if refused:
                detail += " (refused: " + ", ".join(r.recipient for r in refused) + ")"
            return DeliveryResult.sent(detail)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        self._drop()
        settings = self.settings
        client = aiosmtplib.SMTP(
            hostname=settings.hostname,
            port=settings.port,
            username=settings.username,
            password=settings.password,
            use_tls=settings.use_tls,
            start_tls=settings.start_tls,
            validate_certs=settings.validate_certs,
            tls_context=self.tls_context,
            timeout=self.timeout,
        )
        try:
            await client.connect()
            if client.is_ehlo_or_helo_needed:
                await client.ehlo()
        except aiosmtplib.SMTPResponseException as exc:
            client.close()
            raise _Unreachable(f"connect: {exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, *_CONNECTION_ERRORS) as exc:
            client.close()
            if isinstance(exc.__cause__, ConnectionRefusedError):
                where = f"{settings.hostname}:{settings.port}"
                raise _Unreachable(f"connect: connection refused by {where}") from exc
            raise _Unreachable(f"connect: {_describe(exc)}") from exc
        self._client = client
        self.connections_opened += 1
        return client

    async def _reset(self, client: aiosmtplib.SMTP, code: int) -> None:
        if code == 421:  # the server is closing the connection
            self._drop()
            return
        try:
            await client.rset()
        except (aiosmtplib.SMTPException, *_CONNECTION_ERRORS):
            self._drop()

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


class _UnsendableMessage(Exception):
    pass


def _message_id(message: Message) -> str | None:
    if isinstance(message, OutgoingMessage):
        return message.message_id
    return message.get("Message-ID")


def _prepare(
    client: aiosmtplib.SMTP, message: Message, sender: str, recipients: list[str]
) -> tuple[list[str], bytes]:
    options: list[str] = []
    utf8 = not (sender + "".join(recipients)).isascii()
    if utf8:
        if not client.supports_extension("smtputf8"):
            raise _UnsendableMessage("non-ASCII address and the server has no SMTPUTF8")
        options.append("SMTPUTF8")
    eight_bit = client.supports_extension("8bitmime")
    if eight_bit:
        options.append("BODY=8BITMIME")
    if isinstance(message, OutgoingMessage) and (eight_bit or message.data.isascii()):
        return options, message.data  # composed for the wire: nothing to flatten
    try:
        if isinstance(message, OutgoingMessage):
            # A server without 8BITMIME: the email package re-encodes the UTF-8 bodies.
            message = message.as_email()
        flat = flatten_message(message, utf8=utf8, cte_type="8bit" if eight_bit else "7bit")
    except Exception as exc:  # a message that cannot be serialised never will be
        raise _UnsendableMessage(f"cannot serialise message: {exc!r}") from exc
    return options, flat


def _encoding(mail_options: list[str]) -> str:
    return "utf-8" if "SMTPUTF8" in mail_options else "ascii"


def _classify(code: int, detail: str) -> DeliveryResult:
    if 500 <= code < 600:
        return DeliveryResult.permanent(detail)
    return DeliveryResult.temporary(detail)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
