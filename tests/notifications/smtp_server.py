"""A real aiosmtpd server on loopback whose answers the test scripts."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ScriptedHandler:
    """Accepts everything unless told otherwise; records what arrived and from where."""

    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address -> "550 ..."
    data_answers: list[str] = field(default_factory=list)  # consumed one per DATA
    drop_at_mail: set[int] = field(default_factory=set)  # 1-based MAIL FROM counts to cut
    drop_at_data: set[int] = field(default_factory=set)  # 1-based DATA counts to cut
    data_delay: float = 0.0
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    peers: list[Any] = field(default_factory=list)  # one entry per connection
    logins: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    mails: int = 0
    datas: int = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        if session.peer not in self.peers:
            self.peers.append(session.peer)
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self.mails += 1
        if self.mails in self.drop_at_mail:
            server.transport.close()
            return "421 4.3.0 going away"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.datas += 1
        if self.datas in self.drop_at_data:
            server.transport.close()
            return "421 4.3.0 going away"
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_answers:
            return self.data_answers.pop(0)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Ok: queued"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((mechanism, auth_data.login, auth_data.password))
        ok = (auth_data.login, auth_data.password) == (b"peernet", b"s3cr:t@/pw")
        return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server(
    handler: ScriptedHandler,
    *,
    auth: bool = False,
    tls_context: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
) -> Iterator[int]:
    """Run ``handler`` on 127.0.0.1 in aiosmtpd's own thread; yield the port."""
    options: dict[str, Any] = {}
    if auth:
        # Only AUTH LOGIN, over plain TCP unless a TLS context is given.
        options.update(
            authenticator=handler.authenticate,
            auth_require_tls=tls_context is not None,
            auth_exclude_mechanism=["PLAIN"],
        )
    if tls_context is not None:
        options.update(tls_context=tls_context, require_starttls=True)
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        ssl_context=implicit_tls,
        server_hostname="peernet-test",
        **options,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
