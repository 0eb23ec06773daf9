from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import (
    HARD_RULES,
    PastPairing,
    Profile,
    RoundRules,
    UnmatchedExplanation,
    explain_unmatched,
    plan_round,
)
from matching.checks import _broken_rules
from matching.profiles import PersonId

TODAY = date(2026, 12, 7)
NEAR = {"north": {"middle"}, "middle": {"north", "south"}, "south": {"middle"}}
# The independent checker's names for the same rules.
CHECKER_NAMES = {
    "kept apart": "kept_apart",
    "same discipline": "same_discipline",
    "repeat": "repeat",
    "no shared language": "no_shared_language",
    "in person with online only": "meeting_incompatible",
    "in person but too far": "too_far_for_in_person",
}


def person(pid: PersonId, discipline: str, region: str = "middle", **kw: object) -> Profile:
    return replace(Profile(id=pid, discipline=discipline, region=region), **kw)  # type: ignore[arg-type]


def explain(me: Profile, others: list[Profile], **kw: object) -> UnmatchedExplanation:
    return explain_unmatched(me, others, today=TODAY, neighbours=NEAR, **kw)  # type: ignore[arg-type]


def test_papiamento_in_person_in_the_south_has_nobody() -> None:
    me = person("me", "community", "south", meeting="in_person", languages=frozenset({"pap"}))
    others = [
        person("a", "police", "north", languages=frozenset({"nl", "pap"})),
        person("b", "care", "south"),
        person("c", "education", "middle", meeting="online", languages=frozenset({"pap"})),
        person("d", "community", "south", languages=frozenset({"pap"})),
    ]
    result = explain(me, others)
    assert result == UnmatchedExplanation(
        person="me",
        candidates=4,
        allowed=0,
        ruled_out={
            "kept_apart": 0,
            "same_discipline": 1,
            "repeat": 0,
            "no_shared_language": 1,
            "meeting_incompatible": 1,
            "too_far_for_in_person": 1,
        },
        main_rule="same_discipline",  # a tie: the earlier rule names it
    )


def test_each_candidate_counts_under_the_first_rule_it_breaks() -> None:
    me = person("me", "care", "north", meeting="in_person", past=(PastPairing("b", TODAY),))
    others = [
        # kept apart, and also the same discipline and too far: counted as kept apart
        person("a", "care", "south"),
        # a repeat without a shared language: counted as a repeat
        person("b", "police", languages=frozenset({"en"})),
        person("c", "police", "south"),  # too far for in person
        person("d", "police", "south", meeting="online"),  # online only
        person("e", "police", "middle"),  # allowed
    ]
    result = explain(me, others, kept_apart=[("a", "me")])
    assert result.candidates == 5 and result.allowed == 1
    assert dict(result.ruled_out) == {
        "kept_apart": 1,
        "same_discipline": 0,
        "repeat": 1,
        "no_shared_language": 0,
        "meeting_incompatible": 1,
        "too_far_for_in_person": 1,
    }
    assert result.main_rule is None  # someone is allowed


def test_the_rule_ruling_out_most_people_is_the_main_rule() -> None:
    me = person("me", "care", meeting="online")
    others = [
        person("a", "police", meeting="in_person"),
        person("b", "education", meeting="in_person"),
        person("c", "care"),
    ]
    assert explain(me, others).main_rule == "meeting_incompatible"


def test_nobody_else_means_no_candidates_and_no_main_rule() -> None:
    result = explain(person("me", "care"), [])
    assert (result.candidates, result.allowed, result.main_rule) == (0, 0, None)
    assert sum(result.ruled_out.values()) == 0


def test_rules_decide_what_counts() -> None:
    me = person("me", "care", past=(PastPairing("a", date(2025, 1, 1)),))
    others = [person("a", "police"), person("b", "care")]
    lenient = RoundRules(allow_same_discipline=True, repeat_window_months=6)
    assert explain(me, others).allowed == 0
    assert explain(me, others, rules=lenient).allowed == 2


@pytest.mark.parametrize(
    ("me", "others", "message"),
    [
        (person("a", "care"), [person("a", "police")], "duplicate profile id: 'a'"),
        (
            person("a", "care"),
            [person("b", "police"), person("b", "education")],
            "duplicate profile id: 'b'",
        ),
        (
            person("a", "care", meeting="phone"),
            [],
            "profile 'a': meeting must be one of in_person, online, either, not 'phone'",
        ),
        (
            person("a", "care"),
            [person("b", "police", rounds_waited=-1)],
            "profile 'b': rounds_waited must not be negative",
        ),
    ],
)
def test_invalid_input(me: Profile, others: list[Profile], message: str) -> None:
    with pytest.raises(ValueError) as error:
        explain(me, others)
    assert str(error.value) == message


def test_invalid_rules() -> None:
    with pytest.raises(ValueError) as error:
        explain(person("a", "care"), [], rules=RoundRules(repeat_window_months=-1))
    assert str(error.value) == "rules.repeat_window_months must not be negative"


# --- properties ------------------------------------------------------------------------------

IDS = [f"p{i}" for i in range(7)]


@st.composite
def profiles(draw: st.DrawFn) -> list[Profile]:
    """A small population where every hard rule has a fair chance to matter."""
    n = draw(st.integers(1, len(IDS)))
    out = []
    for pid in IDS[:n]:
        partners = st.sampled_from([other for other in IDS[:n] if other != pid])
        past = draw(st.lists(partners, max_size=2)) if n > 1 else []
        out.append(
            Profile(
                id=pid,
                discipline=draw(st.sampled_from(["police", "care", "education"])),
                region=draw(st.sampled_from(["north", "middle", "south"])),
                meeting=draw(st.sampled_from(["in_person", "online", "either"])),
                languages=frozenset(
                    draw(st.sets(st.sampled_from(["nl", "en", "pap"]), min_size=1, max_size=2))
                ),
                past=tuple(PastPairing(p, date(2026, 1, 1)) for p in past),
            )
        )
    return out


@settings(max_examples=200, deadline=None)
@given(people=profiles(), data=st.data())
def test_counts_add_up_and_agree_with_the_planner_and_the_checker(
    people: list[Profile], data: st.DataObject
) -> None:
    me, others = people[0], people[1:]
    ids = [p.id for p in people]
    kept_apart = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids))))
    result = explain(me, others, kept_apart=kept_apart)

    assert tuple(result.ruled_out) == HARD_RULES
    assert result.allowed + sum(result.ruled_out.values()) == result.candidates == len(others)
    assert (result.main_rule is None) == (result.allowed > 0 or not others)
    if result.main_rule is not None:
        assert result.ruled_out[result.main_rule] == max(result.ruled_out.values())

    # The planner, over the same people, could never group this person exactly when
    # nobody is allowed.
    plan = plan_round(people, today=TODAY, neighbours=NEAR, kept_apart=kept_apart)
    never = any(u.person == me.id and u.reason == "no_allowed_partner" for u in plan.unmatched)
    assert never == (result.allowed == 0)

    # The first rule each candidate breaks, re-derived by the independent checker.
    apart = {frozenset(pair) for pair in kept_apart}
    near = {region: set(regions) for region, regions in NEAR.items()}
    expected = dict.fromkeys(HARD_RULES, 0)
    for other in others:
        broken = _broken_rules(me, other, rules=RoundRules(), today=TODAY, near=near, apart=apart)
        if broken:
            expected[CHECKER_NAMES[broken[0]]] += 1  # type: ignore[index]
    assert dict(result.ruled_out) == expected
