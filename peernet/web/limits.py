"""Bounded requests: a body size limit enforced while the body is read.

A pure ASGI middleware, so that nothing (Starlette's form parser, ``request.body()``) can
read past the limit: a ``Content-Length`` above it is answered 413 before a byte of the
body is read, and a streamed (chunked) body is counted as it arrives and cut off with 413
as soon as it passes the limit. The CSV import has its own, larger limit.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The coordinators' CSV import (and nothing else) takes a file upload.
UPLOAD_PATHS = re.compile(r"^/coordinator/events/[^/]+/import/?$")


class BodyTooLarge(Exception):
    """Raised inside ``receive`` when a streamed body passes its limit."""


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def limit_for(self, path: str) -> int:
        return self.max_upload_bytes if UPLOAD_PATHS.match(path) else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.limit_for(path)
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > limit):
                await too_large(path, limit, send)
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await too_large(path, limit, send)


async def too_large(path: str, limit: int, send: Send) -> None:
    """413, in JSON for the API and as a short page otherwise; the rest is never read."""
    if path.startswith("/api/"):
        content_type = b"application/json"
        body = json.dumps(
            {
                "error": "body_too_large",
                "message": f"the request body is larger than {limit} bytes",
            }
        ).encode()
    else:
        content_type = b"text/html; charset=utf-8"
        body = (
            "<!doctype html><html lang=nl><meta charset=utf-8>"
            "<title>Te groot / Too large</title>"
            "<h1>Te groot / Too large</h1>"
            f"<p>Wat u stuurde is groter dan {limit // 1024} kB."
            f" / What you sent is larger than {limit // 1024} kB.</p></html>"
        ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays/objects deeper than ``limit``, without parsing it
    (parsing a deep document is what overflows the stack)."""
    depth = 0
    in_string = False
    escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False
