"""The themes of a region: per police unit, how many professionals want to learn each theme
and how many know it well, the roles they come from, and how that changed per half-year
(by the half-year they joined). Only attendees who hold the ``statistics`` consent, active
or paused, are counted. Every figure goes through :func:`peernet.themes.suppression.protect`
once, for every output at the same time (pages, CSV, JSON, API), so all show the same cells.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime

from peernet.attendees.consents import STATISTICS, holding
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.taxonomy.service import get_taxonomy
from peernet.themes.suppression import PRIMARY, Group, protect

COUNTED = (AttendeeStatus.ACTIVE, AttendeeStatus.PAUSED)


def half_year(moment: datetime) -> str:
    return f"{moment.year}-H{1 if moment.month <= 6 else 2}"


@dataclass(frozen=True)
class Cell:
    """A published count, or why it is not shown."""

    value: int | None  # None when suppressed
    suppressed: str | None = None  # PRIMARY ("fewer than 5") or SECONDARY ("hidden")

    def as_json(self) -> dict[str, object]:
        return {"value": self.value, "suppressed": self.suppressed}


@dataclass
class UnitFigures:
    unit: str
    counted: Cell
    want: dict[str, Cell] = field(default_factory=dict)  # theme -> cell
    know: dict[str, Cell] = field(default_factory=dict)
    roles: dict[str, Cell] = field(default_factory=dict)
    joined: dict[str, Cell] = field(default_factory=dict)  # half-year -> cell
    # (theme, half-year) -> cell: of those who joined in that half-year
    want_by_half: dict[tuple[str, str], Cell] = field(default_factory=dict)
    know_by_half: dict[tuple[str, str], Cell] = field(default_factory=dict)

    def gaps(self) -> list[tuple[str, int]]:
        """Themes by gap (want minus know), largest first, from shown figures only."""
        out = []
        for theme, want in self.want.items():
            know = self.know[theme]
            if want.value is not None and know.value is not None:
                out.append((theme, want.value - know.value))
        return sorted(out, key=lambda item: (-item[1], item[0]))


@dataclass
class ThemesOverview:
    counted: Cell
    half_years: list[str]
    units: dict[str, UnitFigures]


async def counted_attendees() -> list[Attendee]:
    people = await Attendee.filter(status__in=list(COUNTED), erased_at__isnull=True).order_by("id")
    consenting = await holding(STATISTICS, [a.id for a in people])
    return [a for a in people if a.id in consenting]


def _figures(people: list[Attendee]) -> ThemesOverview:
    taxonomy = get_taxonomy()
    units, themes, roles = list(taxonomy.regions), list(taxonomy.themes), list(taxonomy.roles)
    halves = sorted({half_year(a.confirmed_at or a.created_at) for a in people})
    values: Counter[Hashable] = Counter()
    for a in people:
        u, h = a.region, half_year(a.confirmed_at or a.created_at)
        values["n"] += 1
        values["n", u] += 1
        values["role", u, a.role] += 1
        values["joined", u, h] += 1
        for t in themes:
            kind = "want" if t in a.gaps else "know" if t in a.expertise else "neither"
            values[kind, u, t] += 1
            values[kind, u, t, h] += 1
    groups = [Group("n", tuple(("n", u) for u in units))]
    published: set[Hashable] = {"n", *(("n", u) for u in units)}
    for u in units:
        groups.append(Group(("n", u), tuple(("role", u, r) for r in roles)))
        groups.append(Group(("n", u), tuple(("joined", u, h) for h in halves)))
        published |= {("role", u, r) for r in roles} | {("joined", u, h) for h in halves}
        for t in themes:
            groups.append(Group(("n", u), (("want", u, t), ("know", u, t), ("neither", u, t))))
            published |= {("want", u, t), ("know", u, t)}
            for kind in ("want", "know"):
                groups.append(Group((kind, u, t), tuple((kind, u, t, h) for h in halves)))
            for h in halves:
                groups.append(
                    Group(
                        ("joined", u, h),
                        (("want", u, t, h), ("know", u, t, h), ("neither", u, t, h)),
                    )
                )
                published |= {("want", u, t, h), ("know", u, t, h)}
    # A total of no parts (no half-years yet: nobody counted) says nothing to protect.
    hidden = protect(values, [g for g in groups if g.members], published)

    def cell(key: Hashable) -> Cell:
        if key in hidden:
            return Cell(None, hidden[key])
        return Cell(values[key])

    overview = ThemesOverview(counted=cell("n"), half_years=halves, units={})
    for u in units:
        figures = UnitFigures(unit=u, counted=cell(("n", u)))
        for t in themes:
            figures.want[t] = cell(("want", u, t))
            figures.know[t] = cell(("know", u, t))
            for h in halves:
                figures.want_by_half[t, h] = cell(("want", u, t, h))
                figures.know_by_half[t, h] = cell(("know", u, t, h))
        for r in roles:
            figures.roles[r] = cell(("role", u, r))
        for h in halves:
            figures.joined[h] = cell(("joined", u, h))
        overview.units[u] = figures
    return overview


_CACHE: dict[int, ThemesOverview] = {}
_CACHE_SIZE = 4


def _fingerprint(people: list[Attendee]) -> int:
    """Everything the figures depend on: a change to anyone counted gives another one."""
    return hash(
        tuple(
            (
                a.id,
                a.region,
                a.role,
                tuple(a.gaps),
                tuple(a.expertise),
                a.confirmed_at or a.created_at,
            )
            for a in people
        )
    )


async def themes_overview() -> ThemesOverview:
    """The figures of the people counted now. Protecting small counts takes a second or two
    for a few hundred people, so the result is kept for as long as nobody counted changes
    (pages, downloads and the API then cost one query)."""
    people = await counted_attendees()
    key = _fingerprint(people)
    found = _CACHE.get(key)
    if found is None:
        found = _figures(people)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = found
    return found


def as_json(overview: ThemesOverview, unit: str | None = None) -> dict[str, object]:
    """The same figures for the JSON download and the API: suppressed cells have no value."""
    units = [unit] if unit else list(overview.units)
    return {
        "threshold": 5,
        "suppressed_labels": {
            PRIMARY: "fewer than 5",
            "hidden": "hidden so that a small count cannot be worked out",
        },
        "counted": overview.counted.as_json(),
        "half_years": overview.half_years,
        "units": [
            {
                "unit": u,
                "counted": f.counted.as_json(),
                "themes": [
                    {
                        "theme": t,
                        "want_to_learn": f.want[t].as_json(),
                        "know_well": f.know[t].as_json(),
                        "by_half_year": [
                            {
                                "half_year": h,
                                "want_to_learn": f.want_by_half[t, h].as_json(),
                                "know_well": f.know_by_half[t, h].as_json(),
                            }
                            for h in overview.half_years
                        ],
                    }
                    for t in f.want
                ],
                "roles": [{"role": r, "count": c.as_json()} for r, c in f.roles.items()],
                "joined": [{"half_year": h, "count": c.as_json()} for h, c in f.joined.items()],
            }
            for u in units
            for f in [overview.units[u]]
        ],
    }


CSV_COLUMNS = ("unit", "measure", "key", "half_year", "count", "suppressed")


def as_rows(overview: ThemesOverview, unit: str | None = None) -> list[dict[str, object]]:
    """One row per figure, for the CSV download."""
    rows: list[dict[str, object]] = []

    def add(u: str, measure: str, key: str, half: str, c: Cell) -> None:
        rows.append(
            {
                "unit": u,
                "measure": measure,
                "key": key,
                "half_year": half,
                "count": "" if c.value is None else c.value,
                "suppressed": c.suppressed or "",
            }
        )

    if unit is None:
        add("", "counted", "", "", overview.counted)
    for u in [unit] if unit else list(overview.units):
        f = overview.units[u]
        add(u, "counted", "", "", f.counted)
        for t in f.want:
            add(u, "want_to_learn", t, "", f.want[t])
            add(u, "know_well", t, "", f.know[t])
            for h in overview.half_years:
                add(u, "want_to_learn", t, h, f.want_by_half[t, h])
                add(u, "know_well", t, h, f.know_by_half[t, h])
        for r, c in f.roles.items():
            add(u, "role", r, "", c)
        for h, c in f.joined.items():
            add(u, "joined", "", h, c)
    return rows
