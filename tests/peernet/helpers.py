"""Reading what the service wrote, the way a person would: the HTML page and the outbox."""

from __future__ import annotations

import re

import httpx

from peernet.outbox.models import OutboxMessage

CONFIRM_LINK = re.compile(r"https://peernet\.test/confirm/([A-Za-z0-9_-]{43})")
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(page: httpx.Response) -> str:
    found = CSRF_FIELD.search(page.text)
    assert found, "no csrf_token field on the page"
    return found.group(1)


async def confirmation_token(email: str) -> str:
    message = (
        await OutboxMessage.filter(kind="confirmation", recipient_email=email)
        .order_by("-id")
        .first()
    )
    assert message is not None, f"no confirmation in the outbox for {email}"
    found = CONFIRM_LINK.search(message.text)
    assert found, "no confirmation link in the email text"
    assert found.group(0) in message.html
    return found.group(1)


def form_fields(data: dict[str, object]) -> list[tuple[str, str]]:
    """A sign-up dict as a browser would post it: repeated keys for checkboxes."""
    fields: list[tuple[str, str]] = []
    for key, value in data.items():
        if key == "consent":
            if value:
                fields.append(("consent", "yes"))
        elif isinstance(value, list):
            fields.extend((key, str(item)) for item in value)
        else:
            fields.append((key, str(value)))
    return fields
