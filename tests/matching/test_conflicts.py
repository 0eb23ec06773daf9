"""Which groups of an earlier plan the rules forbid now."""

from __future__ import annotations

from datetime import date

from matching import Conflict, PastPairing, RoundRules, conflicts

TODAY = date(2026, 12, 1)


def test_groups_that_keep_every_rule_have_no_conflict() -> None:
    past = {1: [PastPairing(partner=9, on=date(2026, 11, 1))]}
    assert conflicts([[1, 2], [3, 4, 5]], past=past, today=TODAY, kept_apart=[(1, 3)]) == []


def test_a_pair_kept_apart_either_way_round_is_a_conflict_of_its_group() -> None:
    found = conflicts([[1, 2], [3, 4, 5]], past={}, today=TODAY, kept_apart=[(5, 4)])
    assert found == [Conflict(group=1, a=4, b=5, rule="kept_apart")]


def test_a_pair_grouped_before_is_a_repeat_from_either_side() -> None:
    past = {6: [PastPairing(partner=3, on=date(2026, 11, 1))]}
    found = conflicts([[1, 2], [3, 4], [5, 6]], past=past, today=TODAY)
    assert found == []
    found = conflicts([[1, 2], [6, 3]], past=past, today=TODAY)
    assert found == [Conflict(group=1, a=6, b=3, rule="repeat")]
    found = conflicts([[3, 6]], past=past, today=TODAY)
    assert found == [Conflict(group=0, a=3, b=6, rule="repeat")]


def test_the_repeat_window_of_the_rules_decides_what_a_repeat_is() -> None:
    past = {1: [PastPairing(partner=2, on=date(2026, 1, 1))]}
    assert conflicts([[1, 2]], past=past, today=TODAY, rules=RoundRules()) != []
    window = RoundRules(repeat_window_months=6)
    assert conflicts([[1, 2]], past=past, today=TODAY, rules=window) == []
    # A pairing rated poorly is never repeated, whatever the window.
    poor = {1: [PastPairing(partner=2, on=date(2026, 1, 1), rating=1)]}
    assert conflicts([[1, 2]], past=poor, today=TODAY, rules=window) != []


def test_one_conflict_per_group_kept_apart_before_repeat() -> None:
    past = {1: [PastPairing(partner=2, on=date(2026, 11, 1))]}
    found = conflicts([[1, 2, 3]], past=past, today=TODAY, kept_apart=[(1, 2), (2, 3)])
    assert found == [Conflict(group=0, a=1, b=2, rule="kept_apart")]
