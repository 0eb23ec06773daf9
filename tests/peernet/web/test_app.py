from __future__ import annotations

import re

import httpx
from starlette.routing import BaseRoute, Mount, Route

from peernet.taxonomy.service import get_taxonomy
from peernet.web.app import create_app
from tests.peernet.conftest import make_settings


async def test_healthz_reports_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_the_taxonomy_has_dutch_and_english_labels(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/taxonomy?lang=en")).json()
    assert body["version"] == get_taxonomy().version
    roles = {r["key"]: r for r in body["roles"]}
    assert roles["community_police_officer"]["labels"] == {
        "nl": "Wijkagent",
        "en": "Community police officer",
    }
    assert roles["community_police_officer"]["discipline"] == "police_enforcement"
    assert roles["teacher"]["label"] == "Teacher"
    regions = {r["key"]: r for r in body["regions"]}
    assert "den_haag" in regions["rotterdam"]["neighbours"]
    assert len(body["themes"]) == 19


def _api_operations(routes: list[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    """(path as OpenAPI writes it, method) of every route the app serves under /api/ or
    /healthz, found by walking the app's own route table."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount):
            found |= _api_operations(list(route.routes), prefix + route.path)
        elif isinstance(route, Route):
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", prefix + route.path)
            if path.startswith("/api/") or path == "/healthz":
                found |= {(path, m.lower()) for m in route.methods or () if m != "HEAD"}
    return found


async def test_the_openapi_document_describes_every_api_route(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/v1/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    served = _api_operations(list(create_app(make_settings(), manage_database=False).routes))
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert ("/api/v1/rounds/{round_id}/publish", "post") in served
    assert sorted(served - documented) == []
    signup = doc["paths"]["/api/v1/events/{slug}/signups"]["post"]
    assert signup["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SignupIn"
    }
    assert set(signup["responses"]) >= {"202", "404", "410", "422"}
    schemas = doc["components"]["schemas"]
    assert set(schemas["SignupIn"]["required"]) >= {"name", "email", "role", "region", "consent"}
    assert set(schemas["RoundOut"]["required"]) >= {"id", "period", "status", "groups", "unmatched"}
    # Every coordinator operation asks for the bearer token and says what a 401 means.
    for path, method in served:
        if path.startswith("/api/v1/rounds"):
            operation = doc["paths"][path][method]
            assert operation["security"] == [{"bearer": []}]
            assert "401" in operation["responses"]
    # Every $ref resolves.
    refs = [v for v in _walk(doc) if isinstance(v, str) and v.startswith("#/components/schemas/")]
    assert refs and all(ref.rsplit("/", 1)[1] in schemas for ref in refs)


def _walk(node: object) -> list[object]:
    if isinstance(node, dict):
        return [v for value in node.values() for v in _walk(value)] + list(node.values())
    if isinstance(node, list):
        return [v for value in node for v in _walk(value)]
    return []


async def test_an_unknown_path_is_a_dutch_404_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/nergens")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.text


async def test_the_openapi_document_gives_the_allowed_values_and_shapes(
    client: httpx.AsyncClient,
) -> None:
    doc = (await client.get("/api/v1/openapi.json")).json()
    signup = doc["components"]["schemas"]["SignupIn"]["properties"]
    taxonomy = get_taxonomy()
    assert signup["role"]["enum"] == list(taxonomy.roles)
    assert signup["region"]["enum"] == list(taxonomy.regions)
    assert signup["expertise"]["items"]["enum"] == list(taxonomy.themes)
    assert signup["gaps"]["maxItems"] == 5
    assert signup["languages"]["items"]["enum"] == list(taxonomy.languages)
    assert signup["meeting_preference"]["enum"] == list(taxonomy.meeting_preferences)
    assert signup["consent"]["const"] is True
    assert signup["name"]["maxLength"] == 120
    name = re.compile(signup["name"]["pattern"])
    assert name.match("Anouk de Vries") and name.match("Émile Oğuz")
    for bad in ("Anouk\u202eseirV", "zero\u200bwidth", "\ufeffbom", "line\nbreak", "   "):
        assert not name.match(bad), bad
    operation = doc["paths"]["/api/v1/events/{slug}/signups"]["post"]
    slug = operation["parameters"][0]["schema"]
    assert slug["maxLength"] == 64 and not re.fullmatch(slug["pattern"], "a" * 65)
    assert re.fullmatch(slug["pattern"].strip("^$"), "omei-utrecht-2026-11-12")
    assert {"413", "422", "429"} <= set(operation["responses"])
    lang = doc["paths"]["/api/v1/taxonomy"]["get"]["parameters"][0]
    assert lang["name"] == "lang" and lang["schema"]["enum"] == ["nl", "en"]


async def test_the_json_api_refuses_a_lang_it_does_not_know(client: httpx.AsyncClient) -> None:
    for value in ("false", "de", ""):
        answer = await client.get(f"/api/v1/taxonomy?lang={value}")
        assert answer.status_code == 422, value
        assert answer.json()["fields"] == {"lang": "unknown_choice"}
    assert (await client.get("/api/v1/taxonomy?lang=en")).status_code == 200
    assert (await client.get("/api/v1/taxonomy")).status_code == 200


async def test_the_openapi_document_describes_every_page(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/v1/openapi.json")).json()
    served: set[tuple[str, str]] = set()
    for route in create_app(make_settings(), manage_database=False).routes:
        if isinstance(route, Route):
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
            served |= {(path, m.lower()) for m in route.methods or () if m != "HEAD"}
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert sorted(served - documented) == []
    join = doc["paths"]["/join/{slug}"]
    assert "text/html" in join["get"]["responses"]["200"]["content"]
    assert {"403", "413", "422", "429"} <= set(join["post"]["responses"])
    assert "429" not in doc["paths"]["/privacy"]["get"]["responses"]
    assert (
        "image/png"
        in doc["paths"]["/coordinator/events/{slug}/qr.png"]["get"]["responses"]["200"]["content"]
    )
