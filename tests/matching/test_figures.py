from __future__ import annotations

from datetime import date

from matching import PastPairing, Profile, RoundRules, group_figures

TODAY = date(2026, 12, 3)


def person(n: int, discipline: str, region: str, **fields: object) -> Profile:
    return Profile(id=n, discipline=discipline, region=region, **fields)  # type: ignore[arg-type]


def test_the_figures_of_a_pair_and_a_trio() -> None:
    ruud = person(1, "police", "rotterdam", expertise=frozenset({"a"}), gaps=frozenset({"b"}))
    anouk = person(2, "youth", "rotterdam", expertise=frozenset({"b"}))
    elif_ = person(3, "education", "utrecht", gaps=frozenset({"z"}))
    bram = person(4, "youth", "utrecht", expertise=frozenset({"z"}))
    # Ümit met Elif last month: with the default rules, a repeat.
    umit = person(5, "youth", "utrecht", past=(PastPairing(partner=3, on=date(2026, 11, 1)),))
    found = group_figures([[ruud, anouk], [elif_, bram, umit]], today=TODAY, rules=RoundRules())
    assert (found.groups, found.pairs, found.trios, found.grouped) == (2, 1, 1, 5)
    # Ruud learns b from Anouk, Elif z from Bram; Anouk, Bram and Ümit want nothing.
    assert found.share_gap_covered == 2 / 5
    # Links: Ruud-Anouk, Elif-Bram, Elif-Ümit across; Bram-Ümit both youth.
    assert found.share_cross_disciplinary == 3 / 4
    assert found.share_same_region == 1.0
    assert found.repeats == 1


def test_no_groups_no_shares() -> None:
    found = group_figures([], today=TODAY, rules=RoundRules())
    assert (found.groups, found.grouped, found.share_gap_covered, found.repeats) == (0, 0, 0.0, 0)
