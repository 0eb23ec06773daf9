"""The OpenAPI 3.1 document, with request and response schemas taken from the pydantic models."""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from peernet.attendees.directory import MAX_QUERY
from peernet.attendees.export_endpoints import AttendeeListOut, GroupsOut
from peernet.attendees.models import AttendeeStatus
from peernet.attendees.schemas import SignupIn
from peernet.events.schemas import AgendaOut
from peernet.rounds.schemas import (
    PairIn,
    PersonIn,
    PresetIn,
    PublishOut,
    RoundIn,
    RoundListOut,
    RoundOut,
)
from peernet.settings import LOCALES
from peernet.taxonomy.service import get_taxonomy
from peernet.themes.schemas import ThemesOut
from peernet.web.convertors import MAX_ID, RandomTokenConvertor, SlugConvertor, TokenConvertor


class SignupAccepted(BaseModel):
    status: Literal["pending_confirmation"]
    email: str


class ErrorBody(BaseModel):
    error: str
    message: str


class ValidationErrorBody(ErrorBody):
    fields: dict[str, str]


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]


class LabelledTerm(BaseModel):
    key: str
    labels: dict[str, str]
    label: str | None = None


class Role(LabelledTerm):
    discipline: str


class Region(LabelledTerm):
    places: list[str]
    neighbours: list[str]


class Taxonomy(BaseModel):
    version: str
    disciplines: list[LabelledTerm]
    roles: list[Role]
    regions: list[Region]
    themes: list[LabelledTerm]
    languages: list[LabelledTerm]
    meeting_preferences: list[LabelledTerm]


_MODELS: list[type[BaseModel]] = [
    AttendeeListOut,
    GroupsOut,
    SignupIn,
    SignupAccepted,
    ErrorBody,
    ValidationErrorBody,
    Health,
    Taxonomy,
    RoundIn,
    RoundOut,
    RoundListOut,
    PersonIn,
    PairIn,
    PresetIn,
    PublishOut,
    AgendaOut,
    ThemesOut,
]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


# Path parameters, with the shapes the router's convertors accept (peernet.web.convertors):
# anything else never reaches a handler and is a 404.
_SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": f"^{SlugConvertor.regex}$", "maxLength": 64},
}
_TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "description": "A signed link from an email",
    "schema": {"type": "string", "pattern": f"^{TokenConvertor.regex}$"},
}
_RANDOM_TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "description": "A single-use link from an email (stored only as a hash)",
    "schema": {"type": "string", "pattern": f"^{RandomTokenConvertor.regex}$"},
}
# The JSON API refuses any other value with 422 (peernet.i18n.api_locale).
_LANG = {
    "name": "lang",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": list(LOCALES)},
}
# Pages read ``nl`` or ``en`` and ignore anything else (the cookie, or Dutch, applies).
_PAGE_LANG = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": "nl or en; any other value is ignored",
    "schema": {"type": "string"},
}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
_TOO_LARGE = _json(ErrorBody, "The body is larger than MAX_BODY_BYTES (refused while reading)")
_TOO_MANY = {
    "description": "Over a per-client rate limit; Retry-After says when to try again",
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": _ref(ErrorBody)}},
}


def _int_param(name: str) -> dict[str, Any]:
    # The router's ``int`` convertor takes digits only; ids are 32-bit in the database.
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    }


def _coordinator_op(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    ok: type[BaseModel] = RoundOut,
    params: tuple[str, ...] = ("round_id",),
    conflict: str | None = "The round is already published",
) -> dict[str, Any]:
    """An operation of the coordinators' API: bearer token, JSON in and out."""
    responses: dict[str, Any] = {
        "200": _json(ok, "The round as it is now"),
        "401": _json(ErrorBody, "No valid API token"),
        "422": _json(ValidationErrorBody, "Invalid fields or query parameters, each named"),
    }
    if params:
        responses["404"] = _json(ErrorBody, "No such round")
    if conflict:
        responses["409"] = _json(ErrorBody, conflict)
    operation: dict[str, Any] = {
        "summary": summary,
        "security": _BEARER,
        "parameters": [*(_int_param(p) for p in params), _LANG],
        "responses": responses,
    }
    if body is not None:
        responses["413"] = _TOO_LARGE
        responses["415"] = _json(ErrorBody, "The body is not application/json")
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


def _rounds_paths() -> dict[str, Any]:
    pair = ("round_id", "attendee_a", "attendee_b")
    return {
        "/api/v1/rounds": {
            "get": _coordinator_op(
                "Every round with its met and feedback figures",
                ok=RoundListOut,
                params=(),
                conflict=None,
            ),
            "post": _coordinator_op(
                "Make the month's draft, or plan it again",
                body=RoundIn,
                params=(),
                conflict="The month is already published",
            ),
        },
        "/api/v1/rounds/{round_id}": {
            "get": _coordinator_op("One round: groups, reasons, unmatched, figures", conflict=None)
        },
        "/api/v1/rounds/{round_id}/exclusions": {
            "post": _coordinator_op("Take someone out of this round", body=PersonIn)
        },
        "/api/v1/rounds/{round_id}/exclusions/{attendee_id}": {
            "delete": _coordinator_op("Include someone again", params=("round_id", "attendee_id"))
        },
        "/api/v1/rounds/{round_id}/keep-apart": {
            "post": _coordinator_op("Never group these two, in any round", body=PairIn)
        },
        "/api/v1/rounds/{round_id}/keep-apart/{attendee_a}/{attendee_b}": {
            "delete": _coordinator_op("Allow these two together again", params=pair)
        },
        "/api/v1/rounds/{round_id}/pins": {
            "post": _coordinator_op("Put these two together this round", body=PairIn)
        },
        "/api/v1/rounds/{round_id}/pins/{attendee_a}/{attendee_b}": {
            "delete": _coordinator_op("Remove a pin", params=pair)
        },
        "/api/v1/rounds/{round_id}/preset": {
            "put": _coordinator_op("Choose the weighting preset", body=PresetIn)
        },
        "/api/v1/rounds/{round_id}/publish": {
            "post": _coordinator_op(
                "Publish: introductions and unmatched notes, exactly once", ok=PublishOut
            )
        },
    }


def _export_paths() -> dict[str, Any]:
    taxonomy = get_taxonomy()
    choices: dict[str, dict[str, Any]] = {
        "q": {"type": "string", "maxLength": MAX_QUERY},
        # An empty value is no filter (what the directory's form sends for "all").
        "status": {"type": "string", "enum": ["", *(s.value for s in AttendeeStatus)]},
        "discipline": {"type": "string", "enum": ["", *taxonomy.disciplines]},
        "region": {"type": "string", "enum": ["", *taxonomy.regions]},
        "event": {
            "type": "string",
            "description": "An event's slug (422 if there is no such event)",
            "pattern": f"^({SlugConvertor.regex})?$",
        },
        "page": {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 99_999},
                {"type": "string", "enum": [""]},
            ]
        },
    }
    filters = [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in choices.items()
    ]
    attendees = _coordinator_op(
        "Every attendee the filters find, without notes (recorded in the audit log)",
        ok=AttendeeListOut,
        params=(),
        conflict=None,
    )
    attendees["parameters"] = filters
    attendees["responses"]["422"] = _json(ValidationErrorBody, "Invalid filters, each named")
    attendees["responses"]["200"]["description"] = "The attendees"
    groups = _coordinator_op(
        "A round's groups with their members (recorded in the audit log)",
        ok=GroupsOut,
        conflict=None,
    )
    groups["responses"]["200"]["description"] = "The round's groups"
    groups["parameters"] = [_int_param("round_id")]
    return {
        "/api/v1/attendees": {"get": attendees},
        "/api/v1/rounds/{round_id}/groups": {"get": groups},
    }


# The pages' path parameters, by the router's convertor name.
_PAGE_PARAMS: dict[str, Any] = {"slug": _SLUG, "token": _TOKEN, "random_token": _RANDOM_TOKEN}
# What a page answers besides its own content, per method.
_PAGE_ANSWERS: dict[str, dict[str, str]] = {
    "GET": {
        "303": "Not signed in (coordinator pages, the personal page): to the sign-in",
        "404": "Unknown event, round, attendee or link",
        "410": "An emailed link that has expired, or a closed event",
    },
    "POST": {
        "303": "Done: to the page that shows the result",
        "403": "Missing or wrong CSRF token, or a foreign Origin",
        "404": "Unknown event, round, attendee or link",
        "409": "A link used already, or an edit that lost a race",
        "410": "An emailed link that has expired, or a closed event",
        "413": "The body is larger than MAX_BODY_BYTES (MAX_UPLOAD_BYTES for the CSV import)",
        "422": "The form again, with a message at each bad field",
    },
}
_MEDIA = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".ics": "text/calendar",
}


def _page_operation(path: str, method: str, route: Route, limited: bool) -> dict[str, Any]:
    params = [
        _PAGE_PARAMS.get(kind) or (_int_param(name) if kind == "int" else _str_param(name))
        for name, kind in re.findall(r"\{(\w+):(\w+)\}", route.path)
    ]
    suffix = next((s for s in _MEDIA if path.endswith(s)), None)
    if path.endswith(".png"):
        content = {"image/png": {"schema": {"type": "string", "format": "binary"}}}
    elif suffix == ".json":
        # A download of JSON: the themes' figures have their model, the rest are objects.
        schema = _ref(ThemesOut) if path.startswith("/themes") else {"type": "object"}
        content = {"application/json": {"schema": schema}}
    else:
        content = {_MEDIA[suffix] if suffix else "text/html": {"schema": {"type": "string"}}}
    doc = inspect.getdoc(route.endpoint)
    responses: dict[str, Any] = {"200": {"description": "The page", "content": content}}
    for status, description in _PAGE_ANSWERS[method].items():
        responses[status] = _html(description)
    # A redirect has no body, only where to go.
    responses["303"] = {
        "description": _PAGE_ANSWERS[method]["303"],
        "headers": {"Location": {"schema": {"type": "string"}}},
    }
    if limited:
        responses["429"] = {**_TOO_MANY, "content": _html("")["content"]}
    operation: dict[str, Any] = {
        "summary": doc.splitlines()[0] if doc else f"{method} {path} (HTML)",
        "tags": ["pages"],
        "parameters": [*params, _PAGE_LANG],
        "responses": responses,
    }
    if method == "POST":
        operation["requestBody"] = {
            "required": False,
            "content": {
                "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                "multipart/form-data": {"schema": {"type": "object"}},
            },
        }
    return operation


def _str_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _page_paths(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """Every HTML route the app serves (walked from its route table, so none is left out)."""
    from peernet.web.ratelimit import family_of

    paths: dict[str, Any] = {}
    for route in routes:
        if not isinstance(route, Route) or route.path == "/healthz":
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            sample = re.sub(r"\{\w+\}", "x", path)
            limited = family_of(method, sample) is not None
            paths.setdefault(path, {})[method.lower()] = _page_operation(
                path, method, route, limited
            )
    return paths


def build_document(routes: Sequence[BaseRoute] = ()) -> dict[str, Any]:
    """The document; ``routes`` are the app's own, for the pages."""
    schemas: dict[str, Any] = {}
    for model in _MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return {
        "openapi": "3.1.0",
        "info": {"title": "peernet", "version": "1"},
        "paths": {
            **_rounds_paths(),
            **_export_paths(),
            "/api/v1/events/{slug}/signups": {
                "post": {
                    "summary": "Sign up for the peer network through an event",
                    "parameters": [_SLUG],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref(SignupIn)}},
                    },
                    "responses": {
                        "202": _json(SignupAccepted, "Stored; a confirmation email is on its way"),
                        "404": _json(ErrorBody, "No event with this slug"),
                        "410": _json(ErrorBody, "Sign-up for this event is closed"),
                        "413": _TOO_LARGE,
                        "415": _json(ErrorBody, "The body is not application/json"),
                        "422": _json(
                            ValidationErrorBody,
                            "Invalid fields, each named; also JSON nested deeper than"
                            " MAX_JSON_DEPTH, or a theme both in expertise and in gaps",
                        ),
                        "429": _TOO_MANY,
                    },
                }
            },
            "/api/v1/events": {
                "get": {
                    "summary": "The public agenda: published sessions from today on",
                    "parameters": [
                        {
                            "name": "unit",
                            "in": "query",
                            "required": False,
                            "description": "A police unit's key (see /api/v1/taxonomy)",
                            "schema": {"type": "string", "enum": list(get_taxonomy().regions)},
                        },
                        _LANG,
                    ],
                    "responses": {
                        "200": _json(AgendaOut, "Upcoming sessions, soonest first"),
                        "422": _json(ValidationErrorBody, "Unknown police unit"),
                    },
                }
            },
            "/api/v1/themes": {
                "get": {
                    "summary": "Themes per police unit: want to learn, know well, roles, per"
                    " half-year; counts below 5 never given (value null, suppressed says why)",
                    "parameters": [
                        {
                            "name": "unit",
                            "in": "query",
                            "required": False,
                            "description": "Only this police unit",
                            "schema": {"type": "string", "enum": list(get_taxonomy().regions)},
                        }
                    ],
                    "responses": {
                        "200": _json(ThemesOut, "The figures, small counts suppressed"),
                        "422": _json(ValidationErrorBody, "Unknown police unit"),
                    },
                }
            },
            "/api/v1/taxonomy": {
                "get": {
                    "summary": "Roles, disciplines, regions, themes, languages, meetings",
                    "parameters": [_LANG],
                    "responses": {
                        "200": _json(Taxonomy, "The taxonomy with Dutch and English labels"),
                        "422": _json(ValidationErrorBody, "A lang other than nl or en"),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness and database reachability",
                    "responses": {
                        "200": _json(Health, "The database answers"),
                        "503": _json(Health, "The database does not answer"),
                    },
                }
            },
            **_page_paths(routes),
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A coordinator's API token (peernet create-api-token)",
                }
            },
        },
    }


async def document(request: Request) -> JSONResponse:
    # Built once per app: the taxonomy and the routes do not change while it runs.
    built = getattr(request.app.state, "openapi", None)
    if built is None:
        built = request.app.state.openapi = build_document(request.app.routes)
    return JSONResponse(built)
