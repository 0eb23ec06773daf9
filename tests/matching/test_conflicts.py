"""Which groups of an earlier plan the rules forbid now."""

from __future__ import annotations

import random
from datetime import date

import pytest

from matching import HARD_RULES, Conflict, PastPairing, Profile, RoundRules, conflicts
from matching.scoring import encode, first_rule_broken

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


NEAR = {"rotterdam": ["haaglanden"], "haaglanden": [], "utrecht": []}


def person(n: int, **fields: object) -> Profile:
    base: dict[str, object] = {"discipline": f"d{n}", "region": "rotterdam"}
    return Profile(id=n, **{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("first", "second", "rule"),
    [
        ({}, {}, None),
        ({"discipline": "police"}, {"discipline": "police"}, "same_discipline"),
        ({"languages": frozenset({"nl"})}, {"languages": frozenset({"en"})}, "no_shared_language"),
        ({"meeting": "in_person"}, {"meeting": "online"}, "meeting_incompatible"),
        ({"meeting": "in_person"}, {"region": "utrecht"}, "too_far_for_in_person"),
        # Neighbouring regions are near enough, named either way round.
        ({"meeting": "in_person"}, {"region": "haaglanden"}, None),
        ({"meeting": "in_person", "region": "haaglanden"}, {}, None),
        ({"meeting": "online"}, {"region": "utrecht"}, None),
    ],
)
def test_a_profile_changed_since_the_plan_can_break_a_rule(
    first: dict[str, object], second: dict[str, object], rule: str | None
) -> None:
    profiles = {1: person(1, **first), 2: person(2, **second)}
    found = conflicts([[1, 2]], past={}, today=TODAY, profiles=profiles, neighbours=NEAR)
    assert [c.rule for c in found] == ([rule] if rule else [])
    # Without the profiles, only the kept-apart and repeat rules are checked.
    assert conflicts([[1, 2]], past={}, today=TODAY) == []


def test_the_profile_rules_agree_with_the_planners() -> None:
    rng = random.Random(7)
    people = [
        Profile(
            id=n,
            discipline=rng.choice(["police", "youth", "education"]),
            region=rng.choice(list(NEAR)),
            meeting=rng.choice(["in_person", "online", "either"]),
            languages=frozenset(rng.sample(["nl", "en", "ar"], rng.randint(1, 2))),
            past=tuple(
                PastPairing(partner=rng.randrange(40), on=date(2026, rng.randint(1, 11), 1))
                for _ in range(rng.randint(0, 2))
            ),
        )
        for n in range(40)
    ]
    apart = [(0, 1), (5, 9)]
    rules = RoundRules(repeat_window_months=6)
    enc = encode(people, neighbours=NEAR, kept_apart=apart, today=TODAY, rules=rules)
    frozen = {frozenset(pair) for pair in apart}
    profiles = {int(p.id): p for p in people}
    past = {int(p.id): list(p.past) for p in people}
    seen = set()
    for i in range(len(people)):
        for j in range(i + 1, len(people)):
            found = conflicts(
                [[i, j]],
                past=past,
                today=TODAY,
                kept_apart=apart,
                rules=rules,
                profiles=profiles,
                neighbours=NEAR,
            )
            expected = first_rule_broken(enc, i, j, frozen, TODAY)
            assert [c.rule for c in found] == ([expected] if expected else []), (i, j)
            seen.add(expected)
    assert seen == {None, *HARD_RULES}  # every rule came up
