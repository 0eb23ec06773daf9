from __future__ import annotations

import httpx

from peernet.taxonomy.service import get_taxonomy


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


async def test_the_openapi_document_describes_every_api_route(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/v1/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    signup = doc["paths"]["/api/v1/events/{slug}/signups"]["post"]
    assert signup["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SignupIn"
    }
    assert set(signup["responses"]) >= {"202", "404", "410", "422"}
    schemas = doc["components"]["schemas"]
    assert set(schemas["SignupIn"]["required"]) >= {"name", "email", "role", "region", "consent"}
    for path in (
        "/api/v1/taxonomy",
        "/api/v1/openapi.json",
        "/healthz",
        "/join/{slug}",
        "/confirm/{token}",
    ):
        assert path in doc["paths"]
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
