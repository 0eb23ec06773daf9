"""Delivery through a transactional-email provider's JSON API (Postmark, SendGrid)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from email.headerregistry import Address, AddressHeader
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx

from notifications.delivery import DeliveryResult, Message, Transport
from notifications.messages import OutgoingMessage

logger = logging.getLogger(__name__)

# Set by the provider from the JSON fields, or by the provider itself.
_NOT_PASSED_ON = frozenset(
    {"from", "to", "cc", "bcc", "reply-to", "subject", "date", "mime-version", "sender"}
)
# These answers mean "our configuration or their service", not "this message":
# retrying after someone fixes the token must still deliver it.
_TEMPORARY_4XX = frozenset({401, 403, 408, 429})
_CONCURRENCY = 4


def _mailboxes(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    header = message[name]
    if header is None:
        return []
    if not isinstance(header, AddressHeader):
        raise ValueError(f"{name} is not an address header")
    return [(mailbox.display_name, mailbox.addr_spec) for mailbox in header.addresses]


def _bodies(message: EmailMessage) -> tuple[str | None, str | None]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return (
        text.get_content() if isinstance(text, EmailMessage) else None,
        html.get_content() if isinstance(html, EmailMessage) else None,
    )


def _extra_headers(message: EmailMessage) -> list[tuple[str, str]]:
    return [
        (name, str(value))
        for name, value in message.items()
        if name.lower() not in _NOT_PASSED_ON and not name.lower().startswith("content-")
    ]


def _formatted(mailbox: tuple[str, str]) -> str:
    name, addr_spec = mailbox
    return str(Address(display_name=name, addr_spec=addr_spec))


def postmark_payload(message: EmailMessage, *, message_stream: str = "outbound") -> dict[str, Any]:
    """The body of ``POST https://api.postmarkapp.com/email``."""
    text, html = _bodies(message)
    sender = _mailboxes(message, "From")
    recipients = _mailboxes(message, "To")
    if len(sender) != 1 or not recipients:
        raise ValueError("needs exactly one From and at least one To")
    payload: dict[str, Any] = {
        "From": _formatted(sender[0]),
        "To": ", ".join(_formatted(mailbox) for mailbox in recipients),
        "Subject": str(message.get("Subject", "")),
        "Headers": [{"Name": name, "Value": value} for name, value in _extra_headers(message)],
        "MessageStream": message_stream,
        # Professionals wary of surveillance get no pixels and no rewritten links.
        "TrackOpens": False,
        "TrackLinks": "None",
    }
    if text is not None:
        payload["TextBody"] = text
    if html is not None:
        payload["HtmlBody"] = html
    if reply_to := _mailboxes(message, "Reply-To"):
        payload["ReplyTo"] = ", ".join(_formatted(mailbox) for mailbox in reply_to)
    return payload


def sendgrid_payload(message: EmailMessage) -> dict[str, Any]:
    """The body of ``POST https://api.sendgrid.com/v3/mail/send``."""
    text, html = _bodies(message)
    sender = _mailboxes(message, "From")
    recipients = _mailboxes(message, "To")
    if len(sender) != 1 or not recipients:
        raise ValueError("needs exactly one From and at least one To")

    def mailbox(pair: tuple[str, str]) -> dict[str, str]:
        name, email = pair
        return {"email": email, "name": name} if name else {"email": email}

    content = []
    if text is not None:
        content.append({"type": "text/plain", "value": text})
    if html is not None:
        content.append({"type": "text/html", "value": html})
    payload: dict[str, Any] = {
        "personalizations": [{"to": [mailbox(pair) for pair in recipients]}],
        "from": mailbox(sender[0]),
        "subject": str(message.get("Subject", "")),
        "content": content,
        "headers": dict(_extra_headers(message)),
        "tracking_settings": {
            "click_tracking": {"enable": False, "enable_text": False},
            "open_tracking": {"enable": False},
        },
    }
    if reply_to := _mailboxes(message, "Reply-To"):
        payload["reply_to"] = mailbox(reply_to[0])
    return payload


_Payload = Callable[[EmailMessage], dict[str, Any]]
_AuthHeaders = Callable[[str], dict[str, str]]
_PROVIDERS: dict[str, tuple[_Payload, _AuthHeaders]] = {
    "postmark": (
        postmark_payload,
        lambda token: {"X-Postmark-Server-Token": token, "Accept": "application/json"},
    ),
    "sendgrid": (
        sendgrid_payload,
        lambda token: {"Authorization": f"Bearer {token}", "Accept": "application/json"},
    ),
}
PROVIDERS = tuple(_PROVIDERS)


class HTTPTransport(Transport):
    """POSTs each message as JSON to ``url`` (the provider's send endpoint).

    Up to four requests are in flight at once over one connection pool; each message
    gets its own answer, so a refused recipient never holds back the others.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        provider: str = "postmark",
        client: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"MAIL_HTTP_URL: must be an absolute http(s) URL, not {url!r}")
        if not token:
            raise ValueError("MAIL_HTTP_TOKEN: is empty")
        if provider not in _PROVIDERS:
            raise ValueError(
                f"MAIL_HTTP_PROVIDER: must be one of {', '.join(PROVIDERS)}, not {provider!r}"
            )
        self.url = url
        self.provider = provider
        self._payload, headers = _PROVIDERS[provider]
        self._headers = headers(token)
        self._owns_client = client is None
        self._client = client if client is not None else httpx.AsyncClient(timeout=timeout)
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"HTTPTransport({self.url!r}, provider={self.provider!r})"

    async def send(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        gate = asyncio.Semaphore(_CONCURRENCY)

        async def one(message: Message) -> DeliveryResult:
            async with gate:
                return await self._send_one(message)

        return list(await asyncio.gather(*(one(message) for message in messages)))

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def _send_one(self, message: Message) -> DeliveryResult:
        try:
            if isinstance(message, OutgoingMessage):
                message = message.as_email()  # the API takes the parts, not the bytes
            body = json.dumps(self._payload(message), ensure_ascii=False).encode()
        except Exception as exc:  # a message that cannot be represented never will be
            return DeliveryResult.permanent(f"malformed message: {exc!r}")
        try:
            response = await self._client.post(
                self.url,
                content=body,
                headers={**self._headers, "Content-Type": "application/json"},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            return DeliveryResult.temporary(f"{type(exc).__name__}: {exc}".rstrip(": "))
        except Exception as exc:
            # A bug, not the provider: keep the batch going, retry this one later.
            logger.exception("unexpected error sending %s", message.get("Message-ID"))
            return DeliveryResult.temporary(f"unexpected {type(exc).__name__}: {exc}")
        detail = f"{response.status_code} {response.reason_phrase}: {_summary(response)}"
        if response.is_success:
            return DeliveryResult.sent(detail)
        if response.status_code >= 500 or response.status_code in _TEMPORARY_4XX:
            return DeliveryResult.temporary(detail)
        return DeliveryResult.permanent(detail)


def _summary(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(data, dict) and "ErrorCode" in data:  # Postmark
        return f"ErrorCode {data['ErrorCode']}: {data.get('Message', '')}"[:300]
    return json.dumps(data, ensure_ascii=False)[:300]
