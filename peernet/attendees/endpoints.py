"""The JSON API for sign-ups: the same service as the form, for integrations."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from peernet.attendees import service
from peernet.attendees.schemas import parse_signup
from peernet.errors import FieldErrors, PeernetError
from peernet.web import ratelimit
from peernet.web.limits import json_depth_exceeds
from peernet.web.rendering import settings_of


class UnsupportedMediaType(PeernetError):
    status_code = 415
    code = "unsupported_media_type"


async def json_body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    raw = await request.body()  # at most MAX_BODY_BYTES: the BodyLimit middleware
    if json_depth_exceeds(raw, settings_of(request).max_json_depth):
        raise FieldErrors({"body": "too_deep"})
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise FieldErrors({"body": "invalid_json"}) from None
    if not isinstance(body, dict):
        raise FieldErrors({"body": "not_an_object"})
    return body


async def create_signup(request: Request) -> JSONResponse:
    signup = parse_signup(await json_body(request))
    receipt = await service.sign_up(
        settings_of(request),
        request.path_params["slug"],
        signup,
        channel="api",
        limits=ratelimit.request_rate_limits(request),
    )
    return JSONResponse({"status": "pending_confirmation", "email": receipt.email}, status_code=202)
