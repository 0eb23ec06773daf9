"""The CSRF rules one by one, on real Starlette requests: the Origin/Referer check, the
signed double-submit token, its lifetime (24 hours, at and past the bound) and its cookie."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from peernet.errors import Forbidden
from peernet.settings import Settings
from peernet.web.csrf import (
    COOKIE,
    MAX_AGE,
    TokenExpired,
    check_origin,
    check_token,
    issue_token,
    set_cookie,
)
from tests.peernet.conftest import make_settings

SETTINGS = make_settings()  # BASE_URL=https://peernet.test
CROSS_SITE = "origin: a form from another site"


def request(headers: Mapping[str, str] = {}, cookie: str | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if cookie is not None:
        raw.append((b"cookie", f"{COOKIE}={cookie}".encode()))
    return Request({"type": "http", "method": "POST", "path": "/", "headers": raw})


def refused(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(Forbidden) as error:
        call()
    assert error.value.message == message
    assert error.value.status_code == 403


# ---------------------------------------------------------------- the origin check


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "https://peernet.test"},
        {"Origin": "HTTPS://PEERNET.TEST"},
        {"Origin": " https://peernet.test "},
        {"Origin": "null"},
        {"Origin": " NULL "},
        {"Origin": "null", "Referer": "https://peernet.test/coordinator/rounds"},
        {"Referer": "https://peernet.test/join/demo?x=1"},
        {"Referer": "HTTPS://Peernet.Test/join"},
        {"Referer": "/join/demo"},  # no scheme or host: nothing known
        {"Referer": "https://"},
        {"Referer": ""},
        {"Origin": "null", "Referer": "peernet.evil/join"},
    ],
    ids=lambda h: repr(h),
)
def test_a_post_from_our_own_site_or_of_unknown_origin_passes(headers: dict[str, str]) -> None:
    check_origin(request(headers), SETTINGS)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://peernet.test"},  # another scheme is another origin
        {"Origin": "https://peernet.test:8443"},  # and so is another port
        {"Origin": "https://peernet.test.evil.example"},
        {"Origin": "https://evil.example", "Referer": "https://peernet.test/join"},
        {"Origin": "null", "Referer": "https://evil.example/form"},
        {"Origin": " null ", "Referer": "https://evil.example/form"},
        {"Referer": "https://evil.example/https://peernet.test"},
        {"Referer": "http://peernet.test/join"},
    ],
    ids=lambda h: repr(h),
)
def test_a_post_that_a_browser_says_came_from_another_site_is_refused(
    headers: dict[str, str],
) -> None:
    refused(lambda: check_origin(request(headers), SETTINGS), CROSS_SITE)


def test_the_base_url_decides_what_our_own_origin_is() -> None:
    settings = make_settings(BASE_URL="http://127.0.0.1:8000")
    check_origin(request({"Origin": "http://127.0.0.1:8000"}), settings)
    refused(lambda: check_origin(request({"Origin": "https://peernet.test"}), settings), CROSS_SITE)


# ---------------------------------------------------------------- the signed token


def signed(cookie: object, settings: Settings = SETTINGS, salt: str = "peernet.csrf") -> str:
    return URLSafeTimedSerializer(settings.signing_keys, salt=salt).dumps(cookie)


def test_a_token_issued_for_the_visitors_cookie_passes() -> None:
    cookie, form = issue_token(request(cookie="c00kie"), SETTINGS)
    assert cookie == "c00kie"
    check_token(request(cookie=cookie), form, SETTINGS)


def test_a_first_visit_gets_a_fresh_random_cookie_each_time() -> None:
    first, form = issue_token(request(), SETTINGS)
    second, _ = issue_token(request(), SETTINGS)
    assert first != second
    assert len(first) >= 43  # 32 random bytes, base64
    check_token(request(cookie=first), form, SETTINGS)


@pytest.mark.parametrize("form_value", [None, "", 42, ["token"]])
def test_a_missing_token_is_refused(form_value: object) -> None:
    refused(
        lambda: check_token(request(cookie="c00kie"), form_value, SETTINGS),
        "csrf_token: missing",
    )


@pytest.mark.parametrize("cookie", [None, ""])
def test_a_token_without_its_cookie_is_refused(cookie: str | None) -> None:
    refused(
        lambda: check_token(request(cookie=cookie), signed("c00kie"), SETTINGS),
        "csrf_token: no cookie",
    )


def test_a_token_for_another_cookie_is_refused() -> None:
    refused(
        lambda: check_token(request(cookie="mine"), signed("theirs"), SETTINGS),
        "csrf_token: does not match the cookie",
    )


def test_a_token_that_signs_something_other_than_text_is_refused() -> None:
    refused(
        lambda: check_token(request(cookie="42"), signed(42), SETTINGS),
        "csrf_token: does not match the cookie",
    )


@pytest.mark.parametrize(
    "token",
    [
        signed("c00kie", make_settings(SECRET_KEY="another-secret-key-that-is-long-enough-000")),
        signed("c00kie", salt="peernet.answer"),  # a signed link is no CSRF token
        signed("c00kie")[:-2] + "xx",
        "c00kie",
    ],
    ids=["another key", "another purpose", "altered", "unsigned"],
)
def test_a_forged_or_altered_token_is_refused(token: str) -> None:
    refused(
        lambda: check_token(request(cookie="c00kie"), token, SETTINGS),
        "csrf_token: invalid or expired",
    )


def test_a_token_signed_with_the_previous_key_still_passes_after_rotation() -> None:
    old_key = "the-old-secret-key-that-is-long-enough-0000"
    old = make_settings(SECRET_KEY=old_key)
    rotated = make_settings(SECRET_KEY_PREVIOUS=old_key)
    token = issue_token(request(cookie="c00kie"), old)[1]
    check_token(request(cookie="c00kie"), token, rotated)
    # New tokens are signed with the new key only.
    refused(
        lambda: check_token(request(cookie="c00kie"), issue_token(request(), rotated)[1], old),
        "csrf_token: invalid or expired",
    )


def test_a_token_lasts_24_hours_and_not_a_second_longer() -> None:
    assert MAX_AGE == 24 * 3600
    with time_machine.travel("2026-11-01 08:00:00 +0000", tick=False):
        _, token = issue_token(request(cookie="c00kie"), SETTINGS)
    with time_machine.travel("2026-11-02 08:00:00 +0000", tick=False):
        check_token(request(cookie="c00kie"), token, SETTINGS)
    with time_machine.travel("2026-11-02 08:00:01 +0000", tick=False):
        # Expired is told apart (TokenExpired), so a form can come back with its input kept.
        with pytest.raises(TokenExpired):
            check_token(request(cookie="c00kie"), token, SETTINGS)
        refused(
            lambda: check_token(request(cookie="c00kie"), token, SETTINGS),
            "csrf_token: expired",
        )


def test_the_origin_is_checked_before_the_token() -> None:
    _, token = issue_token(request(cookie="c00kie"), SETTINGS)
    refused(
        lambda: check_token(
            request({"Origin": "https://evil.example"}, cookie="c00kie"), token, SETTINGS
        ),
        CROSS_SITE,
    )


# ---------------------------------------------------------------- the cookie


@pytest.mark.parametrize(
    ("base_url", "secure"), [("https://peernet.test", True), ("http://127.0.0.1:8000", False)]
)
def test_the_cookie_is_http_only_same_site_lax_for_a_day_and_secure_over_https(
    base_url: str, secure: bool
) -> None:
    response = Response()
    set_cookie(response, "c00kie", make_settings(BASE_URL=base_url))
    header = response.headers["set-cookie"]
    parts = [p.strip() for p in header.split(";")]
    assert parts[0] == f"{COOKIE}=c00kie"
    assert "HttpOnly" in parts
    assert "SameSite=lax" in parts
    assert f"Max-Age={24 * 3600}" in parts
    assert ("Secure" in parts) is secure
