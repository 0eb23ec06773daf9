"""What every transport promises: one result per message, in order, never an exception
for a single message's failure. The outbox decides what to do with each result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum
from typing import Protocol, TypeAlias

from notifications.messages import OutgoingMessage

# What a transport sends: a message built with the email package, or one composed
# straight to its wire bytes (what the outbox sends; see compose_message).
Message: TypeAlias = EmailMessage | OutgoingMessage


class DeliveryStatus(StrEnum):
    SENT = "sent"  # the server (or file system) accepted it
    TEMPORARY = "temporary"  # try again later
    PERMANENT = "permanent"  # trying again will not help


@dataclass(frozen=True)
class DeliveryResult:
    status: DeliveryStatus
    detail: str  # "250 2.0.0 Ok", "451 4.7.1 try later", "connection refused", ...

    @classmethod
    def sent(cls, detail: str) -> DeliveryResult:
        return cls(DeliveryStatus.SENT, detail)

    @classmethod
    def temporary(cls, detail: str) -> DeliveryResult:
        return cls(DeliveryStatus.TEMPORARY, detail)

    @classmethod
    def permanent(cls, detail: str) -> DeliveryResult:
        return cls(DeliveryStatus.PERMANENT, detail)


class Transport(Protocol):
    async def send(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        """Deliver ``messages``; one result per message, same order."""
        ...

    async def aclose(self) -> None:
        """Release connections; the transport may be used again afterwards."""
        ...
