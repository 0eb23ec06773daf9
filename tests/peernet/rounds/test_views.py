from __future__ import annotations

from typing import Any

import pytest

from peernet.rounds.views import at_least, figures, neutral_reasons

STATS: dict[str, Any] = {
    "people": 7,
    "groups": 3,
    "pairs": 2,
    "trios": 1,
    "unmatched": 0,
    "share_gap_covered": 0.857,
    "share_cross_disciplinary": 1.0,
    "share_same_region": 0.3333,
    "repeats": 0,
    "certificate": 1.0,
    "bound_covers_all_pairs": True,
}


@pytest.mark.parametrize(
    ("certificate", "shown"),
    [(0.99996, "99.9"), (0.9991, "99.9"), (0.98765, "98.7"), (0.5, "50.0")],
)
def test_the_quality_is_a_floor_never_rounded_up(certificate: float, shown: str) -> None:
    assert at_least(certificate) == shown


def test_the_figures_read_as_sentences_in_both_languages() -> None:
    nl = figures(STATS, "nl")
    assert nl[0] == "7 mensen: 2 paren, 1 trio, 0 niet gekoppeld."
    assert (
        nl[1]
        == "Bij 85,7% van de gekoppelde mensen weet de ander veel van iets wat zij willen leren."
    )
    en = figures({**STATS, "pairs": 1, "trios": 0}, "en")
    assert en[0] == "7 people: 1 pair, 0 trios, 0 not matched."
    assert en[2] == "100.0% of the pairs cross disciplines."
    assert nl[-1] == "Dit is aantoonbaar de best mogelijke indeling."
    short = figures({**STATS, "certificate": 0.99962}, "nl")[-1]
    assert short == "Deze indeling is minstens 99,9% zo goed als de best mogelijke."
    blocks = figures({**STATS, "certificate": 1.0, "bound_covers_all_pairs": False}, "en")[-1]
    assert blocks.startswith("This plan is at least 100.0% as good as the best possible one within")
    assert figures({}, "nl") == []


def test_the_reasons_for_coordinators_speak_of_both_members_by_name() -> None:
    explanation = {
        "links": [
            {
                "a": 1,
                "b": 2,
                "a_gaps_covered_by_b": ["conversation_skills"],
                "b_gaps_covered_by_a": [],
                "disciplines": ["municipality_policy", "police_enforcement"],
                "regions": ["rotterdam", "den_haag"],
                "region_relation": "neighbour",
            }
        ]
    }
    reasons = neutral_reasons(explanation, {1: "Anouk", 2: "Ruud"}, "nl")
    assert reasons[0] == "Ruud weet veel van gesprekstechnieken: daar wil Anouk meer over leren."
    assert reasons[-1] == "Hun regio's liggen naast elkaar: Rotterdam en Den Haag."
    assert reasons[1] == (
        "Anouk en Ruud kijken vanuit verschillende vakgebieden: gemeente & beleid en "
        "politie & handhaving."
    )
    assert len(reasons) == 3
