"""What the page after a sign-up says, carried from the POST to the GET that follows it
(post/redirect/get) in a signed cookie that lives for an hour, on that event's path only."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from peernet.settings import Settings

COOKIE = "peernet_signup_sent"
MAX_AGE = 3600


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.signing_keys, salt="peernet.signup-sent")


@dataclass(frozen=True)
class SentNote:
    """The address the confirmation went to, and what limits the chances of a match."""

    email: str
    limits: list[str]
    region: str
    languages: list[str]

    def set_cookie(self, response: Response, settings: Settings, path: str) -> None:
        response.set_cookie(
            COOKIE,
            _serializer(settings).dumps(asdict(self)),
            max_age=MAX_AGE,
            path=path,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
        )

    @classmethod
    def read(cls, request: Request, settings: Settings) -> SentNote | None:
        value = request.cookies.get(COOKIE)
        if not value:
            return None
        try:
            data = _serializer(settings).loads(value, max_age=MAX_AGE)
            return cls(
                email=str(data["email"]),
                limits=[str(v) for v in data["limits"]],
                region=str(data["region"]),
                languages=[str(v) for v in data["languages"]],
            )
        except (BadSignature, KeyError, TypeError):
            return None
