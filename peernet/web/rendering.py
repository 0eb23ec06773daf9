"""Server-rendered pages: the Jinja2 environment, the visitor's language, and one render call."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from peernet.attendees.consents import OPTIONAL_PURPOSES, current_consent, optional_consent
from peernet.attendees.schemas import text_limits
from peernet.i18n import catalog, pick_locale, translate
from peernet.settings import LOCALES, Settings
from peernet.taxonomy.service import get_taxonomy
from peernet.web.dates import local_date, percent

LANG_COOKIE = "peernet_lang"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# The consent text in force, with its version: what the sign-up form shows and records.
templates.env.globals["current_consent"] = current_consent
templates.env.globals["optional_consent"] = optional_consent
templates.env.globals["optional_purposes"] = OPTIONAL_PURPOSES
templates.env.globals["percent"] = percent
# The sign-up's and personal page's limits; a page with other fields passes its own.
templates.env.globals["text_limits"] = text_limits()


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def request_locale(request: Request) -> str:
    """The visitor's choice (``?lang=en``, remembered in a cookie); without one, the language
    of the attendee the page is for (:func:`speak_to`), else Dutch."""
    asked = request.query_params.get("lang")
    if asked in LOCALES:
        return asked
    default = getattr(request.state, "attendee_locale", None)
    if default not in LOCALES:
        default = settings_of(request).default_locale
    return pick_locale(request.cookies.get(LANG_COOKIE), default)


def speak_to(request: Request, locale: str) -> None:
    """Answer in ``locale``, the language of the attendee whose emailed link (or session) the
    page is for, unless the visitor chose a language: the links in an English email carry no
    language of their own, and should not open Dutch pages."""
    request.state.attendee_locale = locale


def same_site_path(path: str) -> str:
    """The request's path as a link that stays on this site: ``//evil.example/x`` (or
    ``/\\evil.example``) would be read by a browser as another host."""
    return "/" + quote(path.lstrip("/\\"), safe="/:@!$&'()*+,;=-._~%")


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    locale = request_locale(request)
    other = "en" if locale == "nl" else "nl"

    def t(key: str, **params: object) -> str:
        return translate(locale, key, **params)

    page = {
        "locale": locale,
        "t": t,
        # Whether a text exists, for keys built from a query parameter (``?done=...``).
        "has_text": lambda key: key in catalog("nl"),
        "taxonomy": get_taxonomy(),
        "local_date": local_date,
        "switch_url": f"{same_site_path(request.url.path)}?{urlencode({'lang': other})}",
        "self_url": f"{same_site_path(request.url.path)}?{urlencode({'lang': locale})}",
        **(context or {}),
    }
    response = templates.TemplateResponse(request, template, page, status_code=status_code)
    if request.query_params.get("lang") in LOCALES:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 24 * 3600, samesite="lax")
    return response


def message_page(
    request: Request,
    title_key: str,
    body_key: str,
    status_code: int,
    *,
    onward: tuple[str, str] | None = None,
    **params: object,
) -> HTMLResponse:
    """A title and a sentence; ``onward`` is a link on from there: (path, label key)."""
    return render(
        request,
        "message.html",
        {"title_key": title_key, "body_key": body_key, "params": params, "onward": onward},
        status_code=status_code,
    )


def render_coordinator(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    section: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """A coordinator page: the signed-in coordinator, the navigation, and a CSRF token for
    its forms (sign-out included)."""
    from peernet.web import csrf

    settings = settings_of(request)
    cookie, token = csrf.issue_token(request, settings)
    page = {
        "coordinator": getattr(request.state, "coordinator", None),
        "section": section,
        "csrf_token": token,
        **(context or {}),
    }
    response = render(request, template, page, status_code=status_code)
    csrf.set_cookie(response, cookie, settings)
    return response
