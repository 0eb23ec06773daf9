"""A real SMTP server on loopback and the worker's transport to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from notifications import Transport
from peernet.settings import Settings
from peernet.worker import make_transport
from tests.notifications.smtp_server import ScriptedHandler, smtp_server
from tests.peernet.conftest import make_settings


@pytest.fixture
def handler() -> ScriptedHandler:
    return ScriptedHandler()


@pytest.fixture
def smtp_port(handler: ScriptedHandler) -> Iterator[int]:
    with smtp_server(handler) as port:
        yield port


@pytest.fixture
def smtp_settings(smtp_port: int) -> Settings:
    return make_settings(MAIL_BACKEND="smtp", SMTP_URL=f"smtp://127.0.0.1:{smtp_port}")


@pytest.fixture
async def transport(smtp_settings: Settings) -> AsyncIterator[Transport]:
    transport = make_transport(smtp_settings)
    yield transport
    await transport.aclose()
