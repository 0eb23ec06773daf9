"""The independent checkers, fed deliberately broken results: each must report each problem.

The property tests only ever show the checkers correct plans; a checker that silently
stopped reporting a forbidden pair would let them pass whatever the engine does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from matching.checks import check_pairing, check_plan
from matching.pairs import PairingResult
from matching.profiles import (
    Group,
    PastPairing,
    PersonId,
    Profile,
    RoundPlan,
    RoundRules,
    RoundStats,
    Unmatched,
)

# ---------------------------------------------------------------- check_pairing

# Four people; 0-1 and 2-3 are worth pairing, 1-2 is forbidden (weight 0).
W = np.array(
    [
        [0.0, 3.0, 1.0, 0.5],
        [3.0, 0.0, 0.0, 2.0],
        [1.0, 0.0, 0.0, 4.0],
        [0.5, 2.0, 4.0, 0.0],
    ]
)


def result(
    pairs: list[tuple[int, int]],
    unmatched: list[int],
    weight: float,
    upper_bound: float | None = None,
) -> PairingResult:
    bound = weight if upper_bound is None else upper_bound
    return PairingResult(pairs=pairs, unmatched=unmatched, weight=weight, upper_bound=bound)


def test_a_correct_pairing_has_no_problems() -> None:
    assert check_pairing(W, result([(0, 1), (2, 3)], [], 7.0, 7.5)) == []


def test_a_pairing_with_someone_left_out_and_a_weight_below_one_is_correct() -> None:
    # 0-3 weighs 0.5: positive, so allowed, however small.
    assert check_pairing(W, result([(0, 3)], [1, 2], 0.5)) == []


def test_the_order_of_the_unmatched_does_not_matter() -> None:
    assert check_pairing(W, result([], [3, 1, 0, 2], 0.0, 1.0)) == []


def test_someone_in_two_pairs_is_reported() -> None:
    problems = check_pairing(W, result([(0, 1), (0, 3)], [2], 3.5))
    assert problems == ["someone is in two pairs"]


def test_a_forbidden_pair_is_reported() -> None:
    problems = check_pairing(W, result([(1, 2)], [0, 3], 0.0))
    assert problems == ["pair (1, 2) has weight 0.0 (forbidden or not positive)"]


def test_a_pair_of_negative_weight_is_reported() -> None:
    w = W.copy()
    w[0, 1] = w[1, 0] = -1.0
    problems = check_pairing(w, result([(0, 1)], [2, 3], -1.0, -1.0))
    assert problems == ["pair (0, 1) has weight -1.0 (forbidden or not positive)"]


@pytest.mark.parametrize(
    "pair",
    [(1, 1), (1, 0), (-1, 1), (0, 4), (3, 4), (-1, 4)],
    ids=["same person", "not ordered", "negative index", "past the end", "one past", "both"],
)
def test_a_pair_outside_i_before_j_below_n_is_reported(pair: tuple[int, int]) -> None:
    others = sorted({0, 1, 2, 3} - set(pair))
    problems = check_pairing(W, result([pair], others, 0.0))
    assert f"pair {pair} is not (i, j) with 0 <= i < j < n" in problems


def test_the_first_and_last_person_may_be_paired() -> None:
    assert check_pairing(W, result([(0, 3)], [1, 2], 0.5)) == []
    assert check_pairing(W, result([(0, 1), (2, 3)], [], 7.0)) == []


def test_a_bad_pair_adds_nothing_to_the_expected_weight() -> None:
    # (0, 4) does not exist: the sum the checker expects is that of (2, 3) alone.
    problems = check_pairing(W, result([(2, 3), (0, 4)], [1], 4.0))
    assert problems == ["pair (0, 4) is not (i, j) with 0 <= i < j < n"]
    # Nor does a person paired with themselves, whatever the diagonal holds.
    w = W.copy()
    w[1, 1] = 5.0
    problems = check_pairing(w, result([(2, 3), (1, 1)], [0], 4.0))
    assert problems == [
        "someone is in two pairs",
        "pair (1, 1) is not (i, j) with 0 <= i < j < n",
    ]


@pytest.mark.parametrize(
    ("unmatched", "why"),
    [([], "2 left out of both"), ([1, 2, 3], "1 is paired"), ([2, 2], "2 twice"), ([2, 5], "5")],
)
def test_unmatched_that_is_not_everyone_outside_the_pairs_is_reported(
    unmatched: list[int], why: str
) -> None:
    problems = check_pairing(W, result([(0, 1)], unmatched, 3.0))
    assert problems == ["unmatched is not everyone outside the pairs"], why


@pytest.mark.parametrize("weight", [7.5, 6.9, 0.0, 0.5, 7.0 + 1e-6])
def test_a_wrong_reported_weight_is_reported(weight: float) -> None:
    problems = check_pairing(W, result([(0, 1), (2, 3)], [], weight, 10.0))
    assert problems == [f"weight {weight} is not the sum of the pairs 7.0"]


def test_a_weight_within_rounding_of_zero_counts_as_zero() -> None:
    assert check_pairing(W, result([], [0, 1, 2, 3], 1e-12, 1.0)) == []


def test_a_wrong_weight_of_an_empty_pairing_is_reported() -> None:
    problems = check_pairing(W, result([], [0, 1, 2, 3], 0.5, 1.0))
    assert problems == ["weight 0.5 is not the sum of the pairs 0.0"]


def test_the_weight_may_differ_from_the_sum_by_rounding_only() -> None:
    w = np.full((6, 6), 0.1) - np.eye(6) * 0.1
    w[0, 1] = w[1, 0] = 0.1
    w[2, 3] = w[3, 2] = 0.2
    w[4, 5] = w[5, 4] = 0.3
    naive = 0.1 + 0.2 + 0.3  # 0.6000000000000001; the exact sum is 0.6
    assert check_pairing(w, result([(0, 1), (2, 3), (4, 5)], [], naive)) == []
    assert check_pairing(w, result([(0, 1), (2, 3), (4, 5)], [], 0.6 * (1 + 5e-10))) == []
    assert check_pairing(w, result([(0, 1), (2, 3), (4, 5)], [], 0.6 * (1 + 3e-9))) != []


def test_a_bound_below_the_weight_is_reported() -> None:
    problems = check_pairing(W, result([(0, 1), (2, 3)], [], 7.0, 6.99))
    assert problems == ["upper bound 6.99 is below the weight 7.0"]


def test_a_bound_equal_to_the_weight_is_accepted() -> None:
    assert check_pairing(W, result([(0, 1), (2, 3)], [], 7.0, 7.0)) == []


def test_the_bound_may_be_below_the_weight_by_a_relative_rounding_error_only() -> None:
    # For a weight of 7 the tolerance is 7e-9: a bound 5e-9 below passes, 1e-8 below does not.
    assert check_pairing(W, result([(0, 1), (2, 3)], [], 7.0, 7.0 - 5e-9)) == []
    assert check_pairing(W, result([(0, 1), (2, 3)], [], 7.0, 7.0 - 1e-9 * 7.0)) == []
    problems = check_pairing(W, result([(0, 1), (2, 3)], [], 7.0, 7.0 - 1e-8))
    assert problems == [f"upper bound {7.0 - 1e-8} is below the weight 7.0"]


def test_below_a_weight_of_one_the_bound_tolerance_is_absolute() -> None:
    # Weight 0.5: the tolerance is 1e-9, not 0.5e-9 and not 2e-9.
    assert check_pairing(W, result([(0, 3)], [1, 2], 0.5, 0.5 - 0.8e-9)) == []
    problems = check_pairing(W, result([(0, 3)], [1, 2], 0.5, 0.5 - 1.5e-9))
    assert problems == [f"upper bound {0.5 - 1.5e-9} is below the weight 0.5"]


def test_for_a_negative_weight_the_bound_tolerance_follows_its_size() -> None:
    w = -W
    # Pairs of negative weight are reported, and so is nothing else: the bound -1000.0000005
    # lies within the 1e-6 tolerance of a weight of -1000.
    w[0, 1] = w[1, 0] = -1000.0
    problems = check_pairing(w, result([(0, 1)], [2, 3], -1000.0, -1000.0 - 5e-7))
    assert problems == ["pair (0, 1) has weight -1000.0 (forbidden or not positive)"]


def test_every_problem_of_a_thoroughly_broken_pairing_is_reported() -> None:
    problems = check_pairing(W, result([(0, 1), (1, 2)], [0], 1.0, 0.0))
    assert problems == [
        "someone is in two pairs",
        "pair (1, 2) has weight 0.0 (forbidden or not positive)",
        "unmatched is not everyone outside the pairs",
        "weight 1.0 is not the sum of the pairs 3.0",
        "upper bound 0.0 is below the weight 1.0",
    ]


# ---------------------------------------------------------------- check_plan

TODAY = date(2026, 12, 7)
# Given one way only: the checker must make the relation symmetric itself.
NEIGHBOURS = {"utrecht": ["amersfoort"]}
STATS = RoundStats(
    people=0,
    groups=0,
    pairs=0,
    trios=0,
    unmatched=0,
    share_gap_covered=0.0,
    share_cross_disciplinary=0.0,
    share_same_region=0.0,
    repeats=0,
    weight=0.0,
    upper_bound=0.0,
    certificate=1.0,
    bound_covers_all_pairs=True,
)


def person(pid: PersonId, discipline: str, region: str = "utrecht", **kw: object) -> Profile:
    return replace(Profile(id=pid, discipline=discipline, region=region), **kw)  # type: ignore[arg-type]


def plan(*groups: tuple[PersonId, ...], unmatched: tuple[PersonId, ...] = ()) -> RoundPlan:
    return RoundPlan(
        groups=tuple(
            Group(members=g, score=1.0, meeting="online", pinned=False, links=()) for g in groups
        ),
        unmatched=tuple(Unmatched(person=p, reason="partners_taken") for p in unmatched),
        rejected_pins=(),
        stats=STATS,
    )


def check(profiles: list[Profile], the_plan: RoundPlan, **kw: object) -> list[str]:
    return check_plan(profiles, the_plan, today=TODAY, neighbours=NEIGHBOURS, **kw)  # type: ignore[arg-type]


FIVE = [
    person("ann", "police"),
    person("bob", "care"),
    person("cem", "education"),
    person("dana", "community"),
    person("eva", "youth_work"),
]


def test_a_correct_plan_has_no_problems() -> None:
    assert check(FIVE, plan(("ann", "bob"), ("cem", "dana", "eva"))) == []
    assert check(FIVE, plan(("ann", "bob"), unmatched=("cem", "dana", "eva"))) == []
    assert check(FIVE, plan(unmatched=("ann", "bob", "cem", "dana", "eva"))) == []


def test_someone_in_two_groups_is_reported() -> None:
    problems = check(FIVE, plan(("ann", "bob"), ("ann", "cem"), unmatched=("dana", "eva")))
    assert problems == [
        "someone is in two groups",
        "not everyone is either in one group or unmatched once",
    ]


def test_an_excluded_person_in_a_group_is_reported() -> None:
    problems = check(FIVE, plan(("ann", "bob"), unmatched=("cem", "dana", "eva")), excluded={"bob"})
    assert problems == ["an excluded person is in a group"]


def test_an_excluded_person_left_unmatched_is_fine() -> None:
    the_plan = plan(("ann", "bob"), unmatched=("cem", "dana", "eva"))
    assert check(FIVE, the_plan, excluded={"eva"}) == []


@pytest.mark.parametrize(
    ("the_plan", "why"),
    [
        (plan(("ann", "bob"), unmatched=("cem", "dana")), "eva is missing"),
        (plan(("ann", "bob"), unmatched=("bob", "cem", "dana", "eva")), "bob in both"),
        (plan(("ann", "bob"), unmatched=("cem", "cem", "dana", "eva")), "cem unmatched twice"),
        (plan(("ann", "bob"), unmatched=("cem", "dana", "eva", "zoe")), "zoe is unknown"),
    ],
)
def test_someone_missing_or_counted_twice_is_reported(the_plan: RoundPlan, why: str) -> None:
    assert check(FIVE, the_plan) == ["not everyone is either in one group or unmatched once"], why


def test_more_trios_than_allowed_are_reported() -> None:
    six = [*FIVE, person("fay", "health")]
    two_trios = plan(("ann", "bob", "cem"), ("dana", "eva", "fay"))
    assert check(six, two_trios) == ["more trios than allowed"]
    assert check(six, two_trios, rules=RoundRules(max_trios=2)) == []


def test_one_trio_is_allowed_by_default_and_none_when_the_rules_say_so() -> None:
    one_trio = plan(("ann", "bob"), ("cem", "dana", "eva"))
    assert check(FIVE, one_trio, rules=RoundRules(max_trios=1)) == []
    assert check(FIVE, one_trio, rules=RoundRules(max_trios=0)) == ["more trios than allowed"]


@pytest.mark.parametrize(
    ("groups", "unmatched"),
    [
        ((("ann",),), ("bob", "cem", "dana", "eva")),
        ((("ann", "bob", "cem", "dana"),), ("eva",)),
    ],
    ids=["one person", "four people"],
)
def test_a_group_that_is_not_a_pair_or_a_trio_is_reported(
    groups: tuple[tuple[PersonId, ...], ...], unmatched: tuple[PersonId, ...]
) -> None:
    problems = check(FIVE, plan(*groups, unmatched=unmatched), rules=RoundRules(max_trios=5))
    assert problems == [f"group {groups[0]} is not a pair or a trio"]


def test_people_kept_apart_are_reported_whichever_way_round() -> None:
    the_plan = plan(("ann", "bob"), unmatched=("cem", "dana", "eva"))
    assert check(FIVE, the_plan, kept_apart=[("ann", "bob")]) == ["ann-bob: kept apart"]
    assert check(FIVE, the_plan, kept_apart=[("bob", "ann")]) == ["ann-bob: kept apart"]
    assert check(FIVE, the_plan, kept_apart=[("ann", "cem")]) == []


def test_the_same_discipline_is_reported_unless_the_rules_allow_it() -> None:
    people = [person("ann", "police"), person("bob", "police")]
    assert check(people, plan(("ann", "bob"))) == ["ann-bob: same discipline"]
    assert check(people, plan(("ann", "bob")), rules=RoundRules(allow_same_discipline=True)) == []


@pytest.mark.parametrize("whose", ["ann", "bob"])
def test_a_repeat_in_either_persons_history_is_reported(whose: str) -> None:
    partner = "bob" if whose == "ann" else "ann"
    history = (PastPairing(partner=partner, on=date(2026, 6, 1)),)
    people = [
        person("ann", "police", past=history if whose == "ann" else ()),
        person("bob", "care", past=history if whose == "bob" else ()),
    ]
    assert check(people, plan(("ann", "bob"))) == ["ann-bob: repeat"]


def test_a_past_pairing_outside_the_repeat_window_is_no_repeat() -> None:
    history = (PastPairing(partner="bob", on=date(2026, 6, 1)),)
    people = [person("ann", "police", past=history), person("bob", "care")]
    rules = RoundRules(repeat_window_months=3)
    assert check(people, plan(("ann", "bob")), rules=rules) == []
    rules = RoundRules(repeat_window_months=7)
    assert check(people, plan(("ann", "bob")), rules=rules) == ["ann-bob: repeat"]
    # The window applies to the second person's history just the same.
    history = (PastPairing(partner="ann", on=date(2026, 6, 1)),)
    people = [person("ann", "police"), person("bob", "care", past=history)]
    assert check(people, plan(("ann", "bob")), rules=rules) == ["ann-bob: repeat"]
    rules = RoundRules(repeat_window_months=3)
    assert check(people, plan(("ann", "bob")), rules=rules) == []


def test_no_shared_language_is_reported() -> None:
    people = [
        person("ann", "police", languages=frozenset({"nl"})),
        person("bob", "care", languages=frozenset({"en", "ar"})),
    ]
    assert check(people, plan(("ann", "bob"))) == ["ann-bob: no shared language"]
    people[1] = person("bob", "care", languages=frozenset({"en", "nl"}))
    assert check(people, plan(("ann", "bob"))) == []


@pytest.mark.parametrize("order", [("in_person", "online"), ("online", "in_person")])
def test_in_person_with_online_only_is_reported(order: tuple[str, str]) -> None:
    people = [person("ann", "police", meeting=order[0]), person("bob", "care", meeting=order[1])]
    assert check(people, plan(("ann", "bob"))) == ["ann-bob: in person with online only"]


@pytest.mark.parametrize(
    "meetings",
    [
        ("in_person", "in_person"),
        ("online", "online"),
        ("either", "online"),
        ("in_person", "either"),
    ],
)
def test_compatible_ways_of_meeting_in_one_region_pass(meetings: tuple[str, str]) -> None:
    people = [
        person("ann", "police", meeting=meetings[0]),
        person("bob", "care", meeting=meetings[1]),
    ]
    assert check(people, plan(("ann", "bob"))) == []


@pytest.mark.parametrize("who_in_person", ["ann", "bob"])
def test_in_person_with_someone_from_a_distant_region_is_reported(who_in_person: str) -> None:
    people = [
        person(
            "ann", "police", "utrecht", meeting="in_person" if who_in_person == "ann" else "either"
        ),
        person(
            "bob", "care", "groningen", meeting="in_person" if who_in_person == "bob" else "either"
        ),
    ]
    assert check(people, plan(("ann", "bob"))) == ["ann-bob: in person but too far"]


def test_in_person_across_regions_nobody_lists_as_neighbours_is_reported() -> None:
    people = [
        person("ann", "police", "groningen", meeting="in_person"),
        person("bob", "care", "zwolle", meeting="in_person"),
    ]
    assert check(people, plan(("ann", "bob"))) == ["ann-bob: in person but too far"]


@pytest.mark.parametrize(
    ("region_a", "region_b"), [("utrecht", "amersfoort"), ("amersfoort", "utrecht")]
)
def test_in_person_with_a_neighbouring_region_passes_both_ways(
    region_a: str, region_b: str
) -> None:
    people = [
        person("ann", "police", region_a, meeting="in_person"),
        person("bob", "care", region_b, meeting="in_person"),
    ]
    assert check(people, plan(("ann", "bob"))) == []


def test_distant_regions_are_fine_for_people_who_meet_online_or_either_way() -> None:
    people = [
        person("ann", "police", "utrecht", meeting="either"),
        person("bob", "care", "groningen", meeting="online"),
    ]
    assert check(people, plan(("ann", "bob"))) == []


@pytest.mark.parametrize(
    ("trio", "broken"),
    [
        (("ann", "bob", "cem"), "ann-bob"),
        (("cem", "ann", "bob"), "ann-bob"),
        (("ann", "cem", "bob"), "ann-bob"),
    ],
    ids=["first and second", "second and third", "first and third"],
)
def test_every_pair_inside_a_trio_is_checked(trio: tuple[str, ...], broken: str) -> None:
    people = [person("ann", "police"), person("bob", "police"), person("cem", "care")]
    first, second = (m for m in trio if m in ("ann", "bob"))
    assert check(people, plan(trio)) == [f"{first}-{second}: same discipline"]


def test_every_broken_rule_of_a_pair_is_reported_in_order() -> None:
    history = (PastPairing(partner="bob", on=date(2026, 6, 1)),)
    people = [
        person("ann", "police", "utrecht", meeting="in_person", past=history),
        person("bob", "police", "groningen", meeting="online", languages=frozenset({"en"})),
    ]
    problems = check(people, plan(("ann", "bob")), kept_apart=[("ann", "bob")])
    assert problems == [
        "ann-bob: kept apart",
        "ann-bob: same discipline",
        "ann-bob: repeat",
        "ann-bob: no shared language",
        "ann-bob: in person with online only",
        "ann-bob: in person but too far",
    ]
