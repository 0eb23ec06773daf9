"""The OpenAPI 3.1 document, with request and response schemas taken from the pydantic models."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from peernet.attendees.export_endpoints import AttendeeListOut, GroupsOut
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
from peernet.themes.schemas import ThemesOut


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


_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_TOKEN = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
_LANG = {"name": "lang", "in": "query", "required": False, "schema": {"enum": ["nl", "en"]}}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _int_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


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
    }
    if params:
        responses["404"] = _json(ErrorBody, "No such round")
    if conflict:
        responses["409"] = _json(ErrorBody, conflict)
    if body is not None or params:
        responses["422"] = _json(ValidationErrorBody, "Invalid fields, each named")
    operation: dict[str, Any] = {
        "summary": summary,
        "security": _BEARER,
        "parameters": [*(_int_param(p) for p in params), _LANG],
        "responses": responses,
    }
    if body is not None:
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
    filters = [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
        for name in ("q", "status", "discipline", "region", "event")
    ]
    attendees = _coordinator_op(
        "Every attendee the filters find, without notes (recorded in the audit log)",
        ok=AttendeeListOut,
        params=(),
        conflict=None,
    )
    attendees["parameters"] = [*filters, _LANG]
    attendees["responses"]["422"] = _json(ValidationErrorBody, "Invalid filters, each named")
    attendees["responses"]["200"]["description"] = "The attendees"
    groups = _coordinator_op(
        "A round's groups with their members (recorded in the audit log)",
        ok=GroupsOut,
        conflict=None,
    )
    groups["responses"]["200"]["description"] = "The round's groups"
    return {
        "/api/v1/attendees": {"get": attendees},
        "/api/v1/rounds/{round_id}/groups": {"get": groups},
    }


@cache
def build_document() -> dict[str, Any]:
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
                        "415": _json(ErrorBody, "The body is not application/json"),
                        "422": _json(ValidationErrorBody, "Invalid fields, each named"),
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
                            "schema": {"type": "string"},
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
                            "schema": {"type": "string"},
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
                        "200": _json(Taxonomy, "The taxonomy with Dutch and English labels")
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
            "/join/{slug}": {
                "get": {
                    "summary": "The sign-up form (HTML)",
                    "parameters": [_SLUG, _LANG],
                    "responses": {
                        "200": _html("The form"),
                        "404": _html("Unknown event"),
                        "410": _html("Sign-up closed"),
                    },
                },
                "post": {
                    "summary": "Submit the sign-up form (HTML, CSRF-protected)",
                    "parameters": [_SLUG, _LANG],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {"schema": {"type": "object"}}
                        },
                    },
                    "responses": {
                        "200": _html("Check your inbox"),
                        "403": _html("Missing or wrong CSRF token"),
                        "422": _html("The form again, with a message at each bad field"),
                    },
                },
            },
            "/confirm/{token}": {
                "get": {
                    "summary": "Show the confirm button for an emailed link (changes nothing)",
                    "parameters": [_TOKEN, _LANG],
                    "responses": {
                        "200": _html("The confirm button"),
                        "404": _html("Unknown link"),
                        "409": _html("Already used"),
                        "410": _html("Expired"),
                    },
                },
                "post": {
                    "summary": "Confirm the sign-up",
                    "parameters": [_TOKEN, _LANG],
                    "responses": {
                        "200": _html("Confirmed"),
                        "403": _html("Missing or wrong CSRF token"),
                        "404": _html("Unknown link"),
                        "409": _html("Already used"),
                        "410": _html("Expired"),
                    },
                },
            },
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
    return JSONResponse(build_document())
