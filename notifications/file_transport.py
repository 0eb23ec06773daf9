"""The demo and development backend: every message becomes an ``.eml`` file."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from email import policy
from pathlib import Path

from notifications.delivery import DeliveryResult, Message, Transport
from notifications.messages import OutgoingMessage

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RFC5322 = policy.default.clone(linesep="\r\n")


class FileTransport(Transport):
    """Writes ``<UTC timestamp>-<Message-ID>.eml`` into ``directory``, creating it.

    Each file is written under a temporary name and renamed, so a reader (a person, a
    test, a mail viewer polling the folder) never sees half a message.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    async def send(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        return await asyncio.to_thread(self._write_all, list(messages))

    async def aclose(self) -> None:
        return None

    def _write_all(self, messages: list[Message]) -> list[DeliveryResult]:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return [DeliveryResult.temporary(f"cannot create {self.directory}: {exc}")] * len(
                messages
            )
        return [self._write(message) for message in messages]

    def _write(self, message: Message) -> DeliveryResult:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        if isinstance(message, OutgoingMessage):
            message_id = message.message_id
        else:
            message_id = str(message.get("Message-ID", ""))
        ident = _UNSAFE.sub("_", message_id.strip("<> "))[:80]
        path = self.directory / f"{stamp}-{ident or 'message'}.eml"
        try:
            if isinstance(message, OutgoingMessage):
                data = message.data  # already CRLF, as _RFC5322 writes it
            else:
                data = message.as_bytes(policy=_RFC5322)
        except Exception as exc:  # a message that cannot be serialised never will be
            return DeliveryResult.permanent(f"cannot serialise message: {exc!r}")
        try:
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            return DeliveryResult.temporary(f"cannot write {path.name}: {exc}")
        return DeliveryResult.sent(f"written to {path}")
