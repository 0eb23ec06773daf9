"""The ASGI app: routes as an explicit list, resources in one lifespan, one error handler."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from peernet import db
from peernet.attendees import (
    consent_pages,
    invite_pages,
    personal_pages,
    rights_pages,
    subscription_pages,
)
from peernet.attendees import coordinator_pages as attendee_pages
from peernet.attendees import endpoints as signup_api
from peernet.attendees import export_endpoints as attendees_api
from peernet.attendees import pages as signup_pages
from peernet.audit import pages as audit_pages
from peernet.coordinators import pages as coordinator_pages
from peernet.dashboard import pages as dashboard_pages
from peernet.errors import FieldErrors, PeernetError
from peernet.events import agenda_pages, announcement_pages, registration_pages
from peernet.events import pages as event_pages
from peernet.events.service import EventClosed
from peernet.feedback import pages as feedback_pages
from peernet.links import LinkExpired
from peernet.outbox import pages as outbox_pages
from peernet.rounds import endpoints as rounds_api
from peernet.rounds import pages as round_pages
from peernet.settings import Settings, load_settings
from peernet.taxonomy import endpoints as taxonomy_api
from peernet.themes import pages as themes_pages
from peernet.web import convertors, openapi, ratelimit, route_templates
from peernet.web.headers import SecurityHeaders
from peernet.web.limits import BodyLimit
from peernet.web.rendering import message_page, render

logger = logging.getLogger("peernet.web")

_PAGES_FOR_ERRORS = {
    "not_found": ("notfound.title", "notfound.body"),
    "token_invalid": ("token.invalid.title", "token.invalid.body"),
    "token_used": ("token.used.title", "token.used.body"),
    "token_expired": ("token.expired.title", "token.expired.body"),
    "token_superseded": ("token.superseded.title", "token.superseded.body"),
    "forbidden": ("forbidden.title", "error.csrf"),
    "link_invalid": ("link.invalid.title", "link.invalid.body"),
}

# The routes whose parameter is a token from an email (see peernet.web.convertors).
_EMAILED_LINKS = tuple(
    f"/{name}/"
    for name in (
        "confirm",
        "answer",
        "pause",
        "unsubscribe",
        "stay",
        "consent",
        "invite",
        "me/link",
        "me/email",
        "register",
        "announcements/off",
    )
)


async def home(request: Request) -> Response:
    return render(request, "home.html")


async def healthz(request: Request) -> JSONResponse:
    reachable = await db.database_is_reachable()
    return JSONResponse(
        {
            "status": "ok" if reachable else "unavailable",
            "database": "ok" if reachable else "unreachable",
        },
        status_code=200 if reachable else 503,
    )


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


async def peernet_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PeernetError)
    if _wants_json(request):
        body: dict[str, object] = {"error": exc.code, "message": exc.message}
        if isinstance(exc, FieldErrors):
            body["fields"] = exc.errors
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(body, status_code=exc.status_code, headers=headers)
    if isinstance(exc, EventClosed):
        return event_pages.closed_page(request, exc)
    if isinstance(exc, LinkExpired):
        # Also what a mail client's one-click unsubscribe POST gets: 410, and for a person
        # the way to a fresh link.
        return render(request, "link_expired.html", status_code=410)
    title, text = _PAGES_FOR_ERRORS.get(exc.code, ("servererror.title", "servererror.body"))
    return message_page(request, title, text, exc.status_code)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Every method of the path, also when its methods are split over several routes.
        allowed = route_templates.allowed_methods(
            request.app.router.routes, route_templates.top_level_scope(request.scope)
        )
        headers["Allow"] = ", ".join(sorted(allowed))
    response: Response
    if _wants_json(request):
        response = JSONResponse(
            {"error": "http_error", "message": exc.detail}, status_code=exc.status_code
        )
    elif exc.status_code == 404 and request.url.path.startswith(_EMAILED_LINKS):
        # A link from an email of impossible shape (cut off, altered): no route matched.
        response = message_page(request, "link.invalid.title", "link.invalid.body", 404)
    elif exc.status_code == 404:
        response = message_page(request, "notfound.title", "notfound.body", 404)
    else:
        response = message_page(request, "servererror.title", "servererror.body", exc.status_code)
    response.headers.update(headers)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s", request.url.path, exc_info=exc)
    if _wants_json(request):
        return JSONResponse(
            {"error": "internal_error", "message": "internal error"}, status_code=500
        )
    return message_page(request, "servererror.title", "servererror.body", 500)


class PeernetApp(Starlette):
    """Starlette with the security headers outside even its error middleware, so that a
    500 page carries them too (``add_middleware`` would put them inside it)."""

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        return SecurityHeaders(
            super().build_middleware_stack(), https=settings.base_url.startswith("https://")
        )


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """Build the app. ``manage_database=False`` leaves Tortoise to the caller (tests)."""
    settings = settings or load_settings()
    assert convertors  # registers the {slug:slug} and {token:token} path shapes

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_database:
            await db.init_db(settings, shared_across_tasks=True)
        access_log_filter = route_templates.install(app.router.routes)
        try:
            yield
        finally:
            route_templates.uninstall(access_log_filter)
            for name in ("sign_in_limiter", "me_link_limiter"):
                limiter = getattr(app.state, name, None)
                if limiter is not None:
                    await limiter.aclose()
            await ratelimit.close_rate_limits(app)
            if manage_database:
                await db.close_db()

    routes = [
        Route("/", home, name="home"),
        Route("/healthz", healthz, name="healthz"),
        Route("/join/{slug:slug}", signup_pages.join_form, methods=["GET"], name="join"),
        Route("/join/{slug:slug}", signup_pages.join_submit, methods=["POST"]),
        Route(
            "/join/{slug:slug}/sent",
            signup_pages.signup_sent,
            methods=["GET"],
            name="signup_sent",
        ),
        Route(
            "/confirm/{token:random_token}",
            signup_pages.confirm_form,
            methods=["GET"],
            name="confirm",
        ),
        Route("/confirm/{token:random_token}", signup_pages.confirm_submit, methods=["POST"]),
        Route("/answer/{token:token}", feedback_pages.answer_form, methods=["GET"], name="answer"),
        Route("/answer/{token:token}", feedback_pages.answer_submit, methods=["POST"]),
        Route("/pause/{token:token}", subscription_pages.pause_form, methods=["GET"], name="pause"),
        Route("/pause/{token:token}", subscription_pages.pause_submit, methods=["POST"]),
        Route(
            "/unsubscribe/{token:token}",
            subscription_pages.unsubscribe_form,
            methods=["GET"],
            name="unsubscribe",
        ),
        Route(
            "/unsubscribe/{token:token}", subscription_pages.unsubscribe_submit, methods=["POST"]
        ),
        # The retention check's "yes, I am staying" (GET shows the button, POST answers).
        Route("/stay/{token:token}", subscription_pages.stay_form, methods=["GET"], name="stay"),
        Route("/stay/{token:token}", subscription_pages.stay_submit, methods=["POST"]),
        # The public agenda and its iCalendar feeds.
        Route("/agenda", agenda_pages.agenda_page, methods=["GET"], name="agenda"),
        Route("/agenda.ics", agenda_pages.agenda_ics, methods=["GET"], name="agenda_ics"),
        Route("/agenda/{unit:str}.ics", agenda_pages.unit_ics, methods=["GET"], name="unit_ics"),
        # Registering for a session from an email (GET shows the button, POST registers).
        Route(
            "/register/{token:token}",
            registration_pages.register_form,
            methods=["GET"],
            name="register",
        ),
        Route("/register/{token:token}", registration_pages.register_submit, methods=["POST"]),
        # The themes of a region: anonymous, small counts suppressed.
        Route("/themes", themes_pages.overview_page, methods=["GET"], name="themes"),
        Route("/themes.csv", themes_pages.overview_csv, methods=["GET"]),
        Route("/themes.json", themes_pages.overview_json, methods=["GET"]),
        Route("/themes/{unit:str}.csv", themes_pages.unit_csv, methods=["GET"]),
        Route("/themes/{unit:str}.json", themes_pages.unit_json, methods=["GET"]),
        Route("/themes/{unit:str}", themes_pages.unit_page, methods=["GET"]),
        # The announcement's one-click stop (the signed link is the credential).
        Route(
            "/announcements/off/{token:token}",
            announcement_pages.stop_form,
            methods=["GET"],
            name="announcements_off",
        ),
        Route("/announcements/off/{token:token}", announcement_pages.stop_submit, methods=["POST"]),
        # The privacy statement, and agreeing to a new consent text (signed link).
        Route("/privacy", consent_pages.privacy, methods=["GET"], name="privacy"),
        Route(
            "/consent/{token:token}", consent_pages.renewal_form, methods=["GET"], name="consent"
        ),
        Route("/consent/{token:token}", consent_pages.renewal_submit, methods=["POST"]),
        # Coordinators' rounds (signed-in pages).
        Route("/coordinator/rounds", round_pages.index, methods=["GET"]),
        Route("/coordinator/rounds", round_pages.plan, methods=["POST"]),
        Route("/coordinator/rounds/{round_id:id}", round_pages.show, methods=["GET"]),
        Route("/coordinator/rounds/{round_id:id}/{action:str}", round_pages.act, methods=["POST"]),
        # Undelivered email: the page the coordinators' digest links to, and its retry button.
        Route(
            "/coordinator/outbox",
            outbox_pages.outbox_page,
            methods=["GET"],
            name="coordinator_outbox",
        ),
        Route(
            "/coordinator/outbox/{id:id}/retry",
            outbox_pages.retry,
            methods=["POST"],
            name="coordinator_outbox_retry",
        ),
        # Coordinators: sign-in, sign-out, their API tokens and the audit log.
        Route("/coordinator/", dashboard_pages.dashboard, methods=["GET"], name="coordinator_home"),
        Route("/coordinator/results", dashboard_pages.results, methods=["GET"], name="results"),
        Route("/coordinator/login", coordinator_pages.login_form, methods=["GET"], name="login"),
        Route("/coordinator/login", coordinator_pages.login_submit, methods=["POST"]),
        Route("/coordinator/logout", coordinator_pages.logout, methods=["POST"], name="logout"),
        Route("/coordinator/tokens", coordinator_pages.tokens, methods=["GET"], name="tokens"),
        Route("/coordinator/tokens", coordinator_pages.create_token, methods=["POST"]),
        Route(
            "/coordinator/tokens/{token_id:id}/revoke",
            coordinator_pages.revoke_token,
            methods=["POST"],
            name="revoke_token",
        ),
        Route("/coordinator/audit", audit_pages.audit_log, methods=["GET"], name="audit"),
        # Coordinators' events: list, create, edit, close/reopen, print with QR code.
        Route("/coordinator/events", event_pages.index, methods=["GET"]),
        Route("/coordinator/events/new", event_pages.new_form, methods=["GET"]),
        Route("/coordinator/events/new", event_pages.create, methods=["POST"]),
        Route("/coordinator/events/{slug:slug}", event_pages.show, methods=["GET"]),
        Route("/coordinator/events/{slug:slug}", event_pages.save, methods=["POST"]),
        Route("/coordinator/events/{slug:slug}/close", event_pages.close, methods=["POST"]),
        Route("/coordinator/events/{slug:slug}/reopen", event_pages.reopen, methods=["POST"]),
        Route(
            "/coordinator/events/{slug:slug}/announce",
            announcement_pages.announce,
            methods=["POST"],
        ),
        Route("/coordinator/events/{slug:slug}/print", event_pages.print_page, methods=["GET"]),
        Route(
            "/coordinator/events/{slug:slug}/registrations.csv",
            event_pages.registrations_csv,
            methods=["GET"],
        ),
        Route("/coordinator/events/{slug:slug}/qr.svg", event_pages.qr_svg, methods=["GET"]),
        Route("/coordinator/events/{slug:slug}/qr.png", event_pages.qr_png, methods=["GET"]),
        # Coordinators' attendees: directory, a person's page, CSV import and exports.
        Route(
            "/invite/{token:random_token}", invite_pages.invite_form, methods=["GET"], name="invite"
        ),
        Route("/invite/{token:random_token}", invite_pages.invite_submit, methods=["POST"]),
        Route("/coordinator/attendees", attendee_pages.index, methods=["GET"]),
        Route("/coordinator/attendees.csv", attendee_pages.export_csv, methods=["GET"]),
        Route("/coordinator/attendees/{attendee_id:id}", attendee_pages.show, methods=["GET"]),
        # An attendee's data: download it, erase it (before the generic actions' route).
        Route(
            "/coordinator/attendees/{attendee_id:id}/export.json",
            rights_pages.export_json,
            methods=["GET"],
        ),
        Route(
            "/coordinator/attendees/{attendee_id:id}/erase", rights_pages.erase, methods=["POST"]
        ),
        Route(
            "/coordinator/attendees/{attendee_id:id}/{action:str}",
            attendee_pages.act,
            methods=["POST"],
        ),
        Route(
            "/coordinator/events/{slug:slug}/import", attendee_pages.import_form, methods=["GET"]
        ),
        Route(
            "/coordinator/events/{slug:slug}/import", attendee_pages.import_submit, methods=["POST"]
        ),
        Route(
            "/coordinator/events/{slug:slug}/import/template.csv",
            attendee_pages.import_template,
            methods=["GET"],
        ),
        Route(
            "/coordinator/rounds/{round_id:id}/groups.csv",
            attendee_pages.groups_csv,
            methods=["GET"],
        ),
        # An attendee's personal page: ask for a link, open it, then a short session.
        Route("/me", personal_pages.request_form, methods=["GET"], name="me"),
        Route("/me", personal_pages.request_submit, methods=["POST"]),
        Route(
            "/me/link/{token:random_token}",
            personal_pages.link_form,
            methods=["GET"],
            name="me_link",
        ),
        Route("/me/link/{token:random_token}", personal_pages.link_submit, methods=["POST"]),
        Route("/me/profile", personal_pages.profile, methods=["GET"], name="me_profile"),
        Route("/me/profile", personal_pages.save_profile, methods=["POST"]),
        Route("/me/consents", personal_pages.save_consents, methods=["POST"]),
        Route("/me/email", personal_pages.request_email_change, methods=["POST"]),
        Route(
            "/me/email/{token:token}",
            personal_pages.email_change_form,
            methods=["GET"],
            name="me_email",
        ),
        Route("/me/email/{token:token}", personal_pages.email_change_submit, methods=["POST"]),
        Route("/me/pause", personal_pages.pause, methods=["POST"]),
        Route("/me/resume", personal_pages.resume, methods=["POST"]),
        Route("/me/block", personal_pages.block, methods=["POST"]),
        Route("/me/unblock", personal_pages.unblock, methods=["POST"]),
        Route("/me/leave", personal_pages.leave_form, methods=["GET"]),
        Route("/me/leave", personal_pages.leave, methods=["POST"]),
        Route("/me/left", personal_pages.left, methods=["GET"]),
        Route("/me/signout", personal_pages.sign_out, methods=["POST"]),
        Route("/me/export.json", personal_pages.export, methods=["GET"], name="me_export"),
        Route("/me/erase", personal_pages.erase, methods=["POST"]),
        Mount(
            "/api/v1",
            routes=[
                Route("/openapi.json", openapi.document, name="openapi"),
                Route("/taxonomy", taxonomy_api.taxonomy, name="taxonomy"),
                Route("/events", agenda_pages.events_api, methods=["GET"], name="events"),
                Route("/themes", themes_pages.themes_api, methods=["GET"], name="themes_api"),
                Route(
                    "/events/{slug:slug}/signups",
                    signup_api.create_signup,
                    methods=["POST"],
                    name="create_signup",
                ),
                # Coordinators' rounds (bearer token).
                Route("/rounds", rounds_api.rounds_index, methods=["GET"]),
                Route("/rounds", rounds_api.plan, methods=["POST"]),
                Route("/rounds/{round_id:id}", rounds_api.show, methods=["GET"]),
                Route("/rounds/{round_id:id}/exclusions", rounds_api.exclude, methods=["POST"]),
                Route(
                    "/rounds/{round_id:id}/exclusions/{attendee_id:id}",
                    rounds_api.include,
                    methods=["DELETE"],
                ),
                Route("/rounds/{round_id:id}/keep-apart", rounds_api.keep_apart, methods=["POST"]),
                Route(
                    "/rounds/{round_id:id}/keep-apart/{attendee_a:id}/{attendee_b:id}",
                    rounds_api.allow_together,
                    methods=["DELETE"],
                ),
                Route("/rounds/{round_id:id}/pins", rounds_api.pin, methods=["POST"]),
                Route(
                    "/rounds/{round_id:id}/pins/{attendee_a:id}/{attendee_b:id}",
                    rounds_api.unpin,
                    methods=["DELETE"],
                ),
                Route("/rounds/{round_id:id}/preset", rounds_api.preset, methods=["PUT"]),
                Route("/rounds/{round_id:id}/publish", rounds_api.publish, methods=["POST"]),
                # Exports (bearer token).
                Route("/attendees", attendees_api.attendees, methods=["GET"]),
                Route("/rounds/{round_id:id}/groups", attendees_api.groups, methods=["GET"]),
            ],
        ),
        Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
    ]
    app = PeernetApp(
        debug=False,
        routes=routes,
        lifespan=lifespan,
        middleware=[
            # Visitors' per-client limits, answered before a route reads the body (429);
            # then the body's size, counted while it is read (413).
            Middleware(ratelimit.RateLimitMiddleware),
            Middleware(
                BodyLimit,
                max_body_bytes=settings.max_body_bytes,
                max_upload_bytes=settings.max_upload_bytes,
            ),
        ],
        exception_handlers={
            PeernetError: peernet_error,
            HTTPException: http_error,
            Exception: server_error,
        },
    )
    app.state.settings = settings
    return app


def asgi() -> Starlette:
    """Factory for ``uvicorn --factory peernet.web.app:asgi``."""
    return create_app()
