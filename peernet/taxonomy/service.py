"""The versioned taxonomy (disciplines, roles, regions, themes, languages, meeting preferences).

The data lives in ``taxonomy.json`` beside this module, built from ``shared/DOMAIN.md``;
this module loads it once and answers questions about it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any


@dataclass(frozen=True)
class Term:
    key: str
    labels: dict[str, str]

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels["nl"]


@dataclass(frozen=True)
class Role(Term):
    discipline: str


@dataclass(frozen=True)
class Region(Term):
    places: tuple[str, ...]
    neighbours: frozenset[str]


@dataclass(frozen=True)
class ThemeCluster(Term):
    """Themes that belong together, to make the long list of themes quicker to scan."""

    themes: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    version: str
    disciplines: dict[str, Term]
    roles: dict[str, Role]
    regions: dict[str, Region]
    themes: dict[str, Term]
    languages: dict[str, Term]
    meeting_preferences: dict[str, Term]
    theme_clusters: dict[str, ThemeCluster]

    def discipline_of(self, role: str) -> str:
        return self.roles[role].discipline

    def region_relation(self, a: str, b: str) -> str:
        if a == b:
            return "same"
        return "neighbour" if b in self.regions[a].neighbours else "distant"

    def as_json(self, locale: str | None = None) -> dict[str, Any]:
        def terms(group: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
            out = []
            for term in group.values():
                item: dict[str, Any] = {"key": term.key, "labels": term.labels}
                if locale:
                    item["label"] = term.label(locale)
                for name, getter in extra.items():
                    item[name] = getter(term)
                out.append(item)
            return out

        return {
            "version": self.version,
            "disciplines": terms(self.disciplines),
            "roles": terms(self.roles, discipline=lambda r: r.discipline),
            "regions": terms(
                self.regions,
                places=lambda r: list(r.places),
                neighbours=lambda r: sorted(r.neighbours),
            ),
            "themes": terms(self.themes),
            "languages": terms(self.languages),
            "meeting_preferences": terms(self.meeting_preferences),
        }


def _terms(items: list[dict[str, Any]]) -> dict[str, Term]:
    return {item["key"]: Term(item["key"], item["labels"]) for item in items}


@cache
def get_taxonomy() -> Taxonomy:
    raw = json.loads(files(__package__).joinpath("taxonomy.json").read_text(encoding="utf-8"))
    disciplines = _terms(raw["disciplines"])
    roles = {
        r["key"]: Role(r["key"], r["labels"], discipline=r["discipline"]) for r in raw["roles"]
    }
    regions = {
        r["key"]: Region(
            r["key"], r["labels"], places=tuple(r["places"]), neighbours=frozenset(r["neighbours"])
        )
        for r in raw["regions"]
    }
    unknown = {r.discipline for r in roles.values()} - disciplines.keys()
    if unknown:
        raise ValueError(f"taxonomy.json: roles name unknown disciplines {sorted(unknown)}")
    for region in regions.values():
        for other in region.neighbours:
            if region.key not in regions[other].neighbours:
                raise ValueError(
                    f"taxonomy.json: {region.key} and {other} are not mutual neighbours"
                )
    themes = _terms(raw["themes"])
    clusters = {
        c["key"]: ThemeCluster(c["key"], c["labels"], themes=tuple(c["themes"]))
        for c in raw["theme_clusters"]
    }
    clustered = [key for cluster in clusters.values() for key in cluster.themes]
    if sorted(clustered) != sorted(themes):
        raise ValueError("taxonomy.json: every theme must be in exactly one theme cluster")
    return Taxonomy(
        version=raw["version"],
        disciplines=disciplines,
        roles=roles,
        regions=regions,
        themes=themes,
        languages=_terms(raw["languages"]),
        meeting_preferences=_terms(raw["meeting_preferences"]),
        theme_clusters=clusters,
    )
