"""The OpenAPI 3.1 document, with request and response schemas taken from the pydantic models."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from peernet.attendees.schemas import SignupIn


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
    SignupIn,
    SignupAccepted,
    ErrorBody,
    ValidationErrorBody,
    Health,
    Taxonomy,
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
        "components": {"schemas": schemas},
    }


async def document(request: Request) -> JSONResponse:
    return JSONResponse(build_document())
