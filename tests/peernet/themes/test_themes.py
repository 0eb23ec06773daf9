"""The themes of a region never show a count from 0 to 4, on any page, download or API,
nor let one be worked out by subtracting shown figures; only consenting people count.
Checked against a seeded population built so that many cells are small."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Hashable
from datetime import UTC, datetime

import httpx
import numpy as np
import pytest

from peernet.attendees.consents import STATISTICS, give_optional_consent
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.taxonomy.service import get_taxonomy
from peernet.themes.service import half_year
from peernet.themes.suppression import Group, protect
from tests.peernet.conftest import Clock
from tests.peernet.factories import an_attendee

UNITS = {"rotterdam": 31, "den_haag": 13, "limburg": 3, "amsterdam": 18, "oost_brabant": 7}
ROLES = [
    "community_police_officer",
    "youth_worker",
    "teacher",
    "social_worker",
    "youth_care_worker",
]
JOINED = [
    datetime(2025, 3, 1, tzinfo=UTC),
    datetime(2025, 9, 1, tzinfo=UTC),
    datetime(2026, 3, 1, tzinfo=UTC),
]


async def _population() -> list[Attendee]:
    """Consenting attendees per unit, plus people who must not be counted."""
    rng = np.random.default_rng(10)
    themes = list(get_taxonomy().themes)
    counted = []
    for unit, size in UNITS.items():
        for i in range(size):
            picked = [str(t) for t in rng.choice(themes, size=5, replace=False)]
            person = await an_attendee(
                f"{unit} {i}",
                region=unit,
                role=ROLES[int(rng.integers(len(ROLES)))],
                gaps=picked[:3],
                expertise=picked[3:],
                status=AttendeeStatus.PAUSED if i == 0 else AttendeeStatus.ACTIVE,
            )
            person.confirmed_at = JOINED[int(rng.integers(len(JOINED)))]
            await person.save(update_fields=["confirmed_at"])
            await give_optional_consent(person, STATISTICS, locale="nl", channel="test")
            counted.append(person)
    # Not counted: no consent; consent but left; consent but not confirmed.
    await an_attendee("Geen toestemming", region="rotterdam")
    for status in (AttendeeStatus.LEFT, AttendeeStatus.PENDING):
        other = await an_attendee(f"Niet {status.value}", region="rotterdam", status=status)
        await give_optional_consent(other, STATISTICS, locale="nl", channel="test")
    return counted


def _true_values(people: list[Attendee]) -> Counter[tuple[str, ...]]:
    values: Counter[tuple[str, ...]] = Counter()
    for a in people:
        h = half_year(a.confirmed_at or a.created_at)
        values["n", a.region] += 1
        values["role", a.region, a.role] += 1
        values["joined", a.region, h] += 1
        for t in get_taxonomy().themes:
            kind = "want" if t in a.gaps else "know" if t in a.expertise else "neither"
            values[kind, a.region, t] += 1
            values[kind, a.region, t, h] += 1
    return values


async def _outputs(client: httpx.AsyncClient) -> dict[str, httpx.Response]:
    paths = ["/themes", "/themes?lang=en", "/themes.csv", "/themes.json", "/api/v1/themes"]
    for unit in get_taxonomy().regions:
        paths += [
            f"/themes/{unit}",
            f"/themes/{unit}?lang=en",
            f"/themes/{unit}.csv",
            f"/themes/{unit}.json",
            f"/api/v1/themes?unit={unit}",
        ]
    found = {}
    for path in paths:
        answer = await client.get(path)
        assert answer.status_code == 200, path
        found[path] = answer
    return found


def _json_counts(value: object) -> list[dict[str, object]]:
    if isinstance(value, dict):
        if set(value) == {"value", "suppressed"}:
            return [value]
        return [c for v in value.values() for c in _json_counts(v)]
    if isinstance(value, list):
        return [c for v in value for c in _json_counts(v)]
    return []


async def test_no_count_below_5_anywhere(client: httpx.AsyncClient, frozen_clock: Clock) -> None:
    people = await _population()
    outputs = await _outputs(client)
    shown = 0
    for path, answer in outputs.items():
        if path.endswith(".csv"):
            text = answer.text.lstrip("\ufeff")
            # Semicolons for a Dutch reader, commas for an English one (the language chosen
            # on a page before is kept).
            delimiter = ";" if ";" in text.splitlines()[0] else ","
            rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
            assert rows, path
            for row in rows:
                assert row["count"] == "" or int(row["count"]) >= 5, (path, row)
                assert (row["count"] == "") == (row["suppressed"] != ""), (path, row)
        elif ".json" in path or "/api/" in path:
            counts = _json_counts(answer.json())
            assert counts, path
            for c in counts:
                assert c["value"] is None or int(str(c["value"])) >= 5, (path, c)
                assert (c["value"] is None) == (c["suppressed"] is not None), (path, c)
                shown += c["value"] is not None
        else:
            # Count positions in the HTML: table cells, the "counted" figure, the SVG labels.
            small = re.findall(r"<(td|strong)>\s*[0-4]\s*</\1>|>\s*[0-4]\s*</text>", answer.text)
            assert small == [], path
    assert shown > 50  # the population is big enough that many figures are shown
    # Only consenting, confirmed, not-left people count: Rotterdam's 31 (with 1 paused).
    api = outputs["/api/v1/themes?unit=rotterdam"].json()
    assert api["units"][0]["counted"] == {
        "value": len([p for p in people if p.region == "rotterdam"]),
        "suppressed": None,
    }
    limburg = outputs["/api/v1/themes?unit=limburg"].json()["units"][0]
    assert limburg["counted"] == {"value": None, "suppressed": "fewer_than_5"}
    assert "minder dan 5" in (await client.get("/themes/limburg?lang=nl")).text
    assert "fewer than 5" in outputs["/themes/limburg?lang=en"].text


async def test_no_suppressed_count_can_be_worked_out_by_subtraction(
    client: httpx.AsyncClient, frozen_clock: Clock
) -> None:
    """Checked independently of the service: from the true counts and what the API shows,
    every equation (a total and the cells that add up to it) leaves the hidden cells'
    sum at 0 with none hidden, or at 5 or more; never one hidden small count alone."""
    people = await _population()
    truth = _true_values(people)
    document = (await client.get("/api/v1/themes")).json()
    shown: dict[tuple[str, ...], int | None] = {}
    halves = document["half_years"]
    for u in document["units"]:
        unit = u["unit"]
        shown["n", unit] = u["counted"]["value"]
        for r in u["roles"]:
            shown["role", unit, r["role"]] = r["count"]["value"]
        for j in u["joined"]:
            shown["joined", unit, j["half_year"]] = j["count"]["value"]
        for t in u["themes"]:
            shown["want", unit, t["theme"]] = t["want_to_learn"]["value"]
            shown["know", unit, t["theme"]] = t["know_well"]["value"]
            for h in t["by_half_year"]:
                shown["want", unit, t["theme"], h["half_year"]] = h["want_to_learn"]["value"]
                shown["know", unit, t["theme"], h["half_year"]] = h["know_well"]["value"]
    equations: list[tuple[tuple[str, ...], list[tuple[str, ...]]]] = []
    for unit in get_taxonomy().regions:
        equations.append((("n", unit), [("role", unit, r) for r in get_taxonomy().roles]))
        equations.append((("n", unit), [("joined", unit, h) for h in halves]))
        for t in get_taxonomy().themes:
            equations.append((("n", unit), [(k, unit, t) for k in ("want", "know", "neither")]))
            for h in halves:
                equations.append(
                    (("joined", unit, h), [(k, unit, t, h) for k in ("want", "know", "neither")])
                )
            for k in ("want", "know"):
                equations.append(((k, unit, t), [(k, unit, t, h) for h in halves]))
    checked = 0
    for total, members in equations:
        assert sum(truth[m] for m in members) == truth[total]
        if shown.get(total) is None:
            hidden_members = [m for m in members if shown.get(m) is None]
            # A hidden total must not be the sum of shown members alone.
            assert hidden_members, total
            continue
        hidden = [m for m in members if shown.get(m) is None]
        if hidden:
            checked += 1
            assert sum(truth[m] for m in hidden) >= 5, (total, hidden)
            assert not (len(hidden) == 1 and truth[hidden[0]] < 5), (total, hidden)
    assert checked > 100


def test_a_lone_small_cell_takes_a_second_one_with_it() -> None:
    # Roles 12 = 7 + 3 + 2: hiding the 3 alone would leave 12 - 7 - 2 = 3 to be worked out.
    values: dict[Hashable, int] = {"n": 12, "a": 7, "b": 3, "c": 2}
    hidden = protect(values, [Group("n", ("a", "b", "c"))], {"n", "a", "b", "c"})
    assert hidden == {"b": "fewer_than_5", "c": "fewer_than_5"}
    values = {"n": 14, "a": 7, "b": 3, "c": 4 + 0}
    hidden = protect(values, [Group("n", ("a", "b", "c"))], {"n", "a", "b", "c"})
    assert set(hidden) == {"b", "c"}  # 3 + 4 = 7: each only known to be 3 to 4 apart
    # One small cell beside big ones: the smallest big one is hidden too.
    values = {"n": 30, "a": 12, "b": 15, "c": 3}
    hidden = protect(values, [Group("n", ("a", "b", "c"))], {"n", "a", "b", "c"})
    assert hidden == {"c": "fewer_than_5", "a": "hidden"}


@pytest.mark.parametrize("path", ["/themes/atlantis", "/themes/atlantis.csv"])
async def test_an_unknown_unit_is_not_found(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404


@pytest.mark.parametrize(
    "path", ["/themes", "/themes/midden_nederland", "/themes.csv", "/api/v1/themes"]
)
async def test_a_network_with_nobody_counted_yet_shows_no_figures(
    client: httpx.AsyncClient, path: str
) -> None:
    # Found by schemathesis: with nobody counted there were no half-years, and a total of no
    # parts made the protection give up with a 500.
    answer = await client.get(path)
    assert answer.status_code == 200


def test_a_leak_that_no_cell_can_close_hides_everything_rather_than_fail() -> None:
    # A small total pinned by a group of no parts, with nothing left to hide there: then
    # nothing is shown at all (before, this was a RuntimeError and a 500).
    values: dict[Hashable, int] = {"n": 0, "a": 9}
    hidden = protect(values, [Group("n", ())], {"n", "a"})
    assert hidden == {"n": "fewer_than_5", "a": "hidden"}
