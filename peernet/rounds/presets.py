"""Weighting presets a coordinator can choose for a round. Every preset keeps the hard rules
and the pair bonus: it only shifts what the planner prefers among allowed pairs."""

from __future__ import annotations

from matching import RoundRules

DEFAULT_PRESET = "balanced"

PRESETS: dict[str, RoundRules] = {
    # The engine's own weights: gaps covered first, region second.
    "balanced": RoundRules(),
    # Learning first: covering a gap counts more, distance less.
    "gaps_first": RoundRules(
        gap_covered=3.0, any_gap_covered=2.0, same_region=0.5, neighbour_region=0.25
    ),
    # Meeting in person first: the same police unit counts most, then a neighbouring one.
    "nearby_first": RoundRules(
        gap_covered=1.0, any_gap_covered=0.5, same_region=5.0, neighbour_region=2.5
    ),
}
