from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import PastPairing, Profile, RoundRules, plan_round, rounds
from matching.checks import check_plan
from matching.profiles import PersonId, RoundPlan
from matching.scoring import Encoded, encode, score_pairs
from matching.synthetic import NEIGHBOURS, TODAY, population

TODAY_ = date(2025, 6, 1)
NEAR = {"north": {"middle"}, "middle": {"north", "south"}, "south": {"middle"}}


def person(pid: PersonId, discipline: str, region: str = "middle", **kw: object) -> Profile:
    base = Profile(
        id=pid,
        discipline=discipline,
        region=region,
        expertise=frozenset({"polarisation"}),
        gaps=frozenset({"conversation_skills"}),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def plan(people: list[Profile], **kw: object) -> RoundPlan:
    return plan_round(people, today=TODAY_, neighbours=NEAR, **kw)  # type: ignore[arg-type]


def members(result: RoundPlan) -> list[set[PersonId]]:
    return [set(g.members) for g in result.groups]


def reasons(result: RoundPlan) -> dict[PersonId, str]:
    return {u.person: u.reason for u in result.unmatched}


# --- properties over random populations ----------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 70),
    block_size=st.sampled_from([2, 7, 30, 2000]),
    data=st.data(),
)
def test_hard_rules_are_never_broken(
    seed: int, n: int, block_size: int, data: st.DataObject
) -> None:
    people = population(n, seed)
    ids = [p.id for p in people]
    pick = st.sampled_from(ids) if ids else st.nothing()
    pairs = st.lists(st.tuples(pick, pick), max_size=6) if ids else st.just([])
    kept_apart = data.draw(pairs)
    pins = data.draw(pairs)
    excluded = data.draw(st.lists(pick, max_size=5) if ids else st.just([]))
    rules = RoundRules(block_size=block_size)
    result = plan_round(
        people,
        today=TODAY,
        neighbours=NEIGHBOURS,
        kept_apart=kept_apart,
        pins=pins,
        excluded=excluded,
        rules=rules,
    )
    problems = check_plan(
        people,
        result,
        today=TODAY,
        neighbours=NEIGHBOURS,
        kept_apart=kept_apart,
        excluded=excluded,
        rules=rules,
    )
    assert problems == []
    stats = result.stats
    assert stats.repeats == 0
    assert stats.upper_bound >= stats.weight - 1e-9
    assert stats.people == n
    assert stats.groups == len(result.groups)
    assert {u.person for u in result.unmatched if u.reason == "excluded"} == set(excluded)
    honoured = {frozenset(g.members) for g in result.groups if g.pinned}
    for a, b in pins:
        rejected = any((r.a, r.b) == (a, b) for r in result.rejected_pins)
        assert rejected or frozenset((a, b)) in honoured


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 60))
def test_explanations_match_the_profiles(seed: int, n: int) -> None:
    people = population(n, seed)
    by_id = {p.id: p for p in people}
    result = plan_round(people, today=TODAY, neighbours=NEIGHBOURS)
    for group in result.groups:
        assert len(group.links) == (1 if len(group.members) == 2 else 3)
        assert group.score == pytest.approx(sum(link.score for link in group.links))
        for link in group.links:
            a, b = by_id[link.a], by_id[link.b]
            assert link.a_gaps_covered_by_b == tuple(sorted(a.gaps & b.expertise))
            assert link.b_gaps_covered_by_a == tuple(sorted(b.gaps & a.expertise))
            assert link.disciplines == (a.discipline, b.discipline)
            assert link.regions == (a.region, b.region)
            expected = (
                "same"
                if a.region == b.region
                else "neighbour"
                if b.region in NEIGHBOURS[a.region]
                else "distant"
            )
            assert link.region_relation == expected
            assert link.shared_languages == tuple(sorted(a.languages & b.languages))
            assert link.score == pytest.approx(sum(link.components.values()))
            covered = len(link.a_gaps_covered_by_b) + len(link.b_gaps_covered_by_a)
            assert link.components["gaps_covered"] == 2.0 * covered


def test_same_input_same_plan() -> None:
    people = population(300, 5)
    first = plan_round(people, today=TODAY, neighbours=NEIGHBOURS)
    again = plan_round(list(people), today=TODAY, neighbours=NEIGHBOURS)
    assert first == again


def test_certificate_of_a_synthetic_round() -> None:
    result = plan_round(population(400, 2), today=TODAY, neighbours=NEIGHBOURS)
    stats = result.stats
    assert stats.bound_covers_all_pairs
    # One block: the pairs are proven best, the bound equals the weight.
    assert stats.exact
    assert stats.upper_bound == stats.weight
    assert stats.certificate == 1.0
    assert stats.share_cross_disciplinary == 1.0
    assert stats.unmatched == 0
    assert stats.trios == 0


def test_large_rounds_are_planned_in_blocks() -> None:
    people = population(500, 4)
    rules = RoundRules(block_size=60)
    result = plan_round(people, today=TODAY, neighbours=NEIGHBOURS, rules=rules)
    # The blocks' dual prices are made to cover every allowed pair (matching._bound).
    assert result.stats.bound_covers_all_pairs
    assert check_plan(people, result, today=TODAY, neighbours=NEIGHBOURS, rules=rules) == []
    assert result.stats.certificate >= 0.9
    # No proof over all pairs: never shown as the best possible plan.
    assert not result.stats.exact
    assert result.stats.certificate < 1.0


# --- known answers ----------------------------------------------------------------------------


def test_nobody() -> None:
    result = plan([])
    assert result.groups == ()
    assert result.stats.certificate == 1.0


def test_one_person_is_unmatched() -> None:
    assert reasons(plan([person("a", "care")])) == {"a": "no_allowed_partner"}


def test_two_people_pair() -> None:
    result = plan([person("a", "care"), person("b", "education")])
    assert members(result) == [{"a", "b"}]
    assert result.groups[0].meeting == "in_person"
    assert result.stats.certificate == 1.0


def test_three_people_form_a_trio() -> None:
    people = [person("a", "care"), person("b", "education"), person("c", "community")]
    result = plan(people)
    assert members(result) == [{"a", "b", "c"}]
    assert result.stats.trios == 1
    assert result.unmatched == ()


def test_odd_count_gives_one_trio() -> None:
    disciplines = ["care", "education", "community", "police_enforcement", "youth_social_work"]
    people = [person(f"p{i}", disciplines[i]) for i in range(5)]
    result = plan(people)
    assert sorted(len(g.members) for g in result.groups) == [2, 3]


def test_no_trios_when_not_allowed() -> None:
    people = [person("a", "care"), person("b", "education"), person("c", "community")]
    result = plan(people, rules=RoundRules(max_trios=0))
    assert len(result.groups) == 1
    assert list(reasons(result).values()) == ["partners_taken"]


def test_who_waited_is_paired_first() -> None:
    # b and c share a discipline: only one of them can be paired with a.
    people = [person("a", "care"), person("b", "education"), person("c", "education")]
    for waiting in ("b", "c"):
        waited = [replace(p, rounds_waited=2) if p.id == waiting else p for p in people]
        result = plan(waited, rules=RoundRules(max_trios=0))
        assert members(result) == [{"a", waiting}]


def test_trio_avoids_people_who_were_in_a_trio_last_time() -> None:
    people = [
        person("a", "care", in_trio_last_time=True),
        person("b", "education"),
        person("c", "community"),
        person("d", "police_enforcement"),
        person("x", "municipality_policy"),
    ]
    result = plan(people)
    trio = next(g for g in result.groups if len(g.members) == 3)
    assert "a" not in trio.members


def test_same_discipline_is_never_paired_unless_allowed() -> None:
    people = [person("a", "care"), person("b", "care")]
    assert plan(people).groups == ()
    assert reasons(plan(people)) == {"a": "no_allowed_partner", "b": "no_allowed_partner"}
    assert members(plan(people, rules=RoundRules(allow_same_discipline=True))) == [{"a", "b"}]


def test_shared_language_is_required() -> None:
    people = [
        person("a", "care", languages=frozenset({"nl"})),
        person("b", "education", languages=frozenset({"en", "ar"})),
    ]
    assert plan(people).groups == ()


def test_in_person_only_stays_near() -> None:
    far = [person("a", "care", "north", meeting="in_person"), person("b", "education", "south")]
    assert plan(far).groups == ()
    near = [person("a", "care", "north", meeting="in_person"), person("b", "education", "middle")]
    assert members(plan(near)) == [{"a", "b"}]
    online = [person("a", "care", "north"), person("b", "education", "south")]
    result = plan(online)
    assert members(result) == [{"a", "b"}]
    assert result.groups[0].meeting == "online"
    assert result.groups[0].links[0].region_relation == "distant"


def test_in_person_and_online_only_never_meet() -> None:
    people = [person("a", "care", meeting="in_person"), person("b", "education", meeting="online")]
    assert plan(people).groups == ()


def test_blocks_are_never_paired() -> None:
    people = [person("a", "care"), person("b", "education")]
    result = plan(people, kept_apart=[("b", "a")])
    assert result.groups == ()


def past(partner: PersonId, on: date, **kw: object) -> tuple[PastPairing, ...]:
    return (PastPairing(partner, on, **kw),)  # type: ignore[arg-type]


def test_no_repeat_by_default() -> None:
    people = [person("a", "care", past=past("b", date(2020, 1, 1))), person("b", "education")]
    assert plan(people).groups == ()


def test_repeat_allowed_after_the_window() -> None:
    people = [person("a", "care", past=past("b", date(2025, 1, 15))), person("b", "education")]
    assert plan(people, rules=RoundRules(repeat_window_months=4)).groups != ()
    assert plan(people, rules=RoundRules(repeat_window_months=5)).groups == ()


def test_poorly_rated_pairs_never_repeat() -> None:
    people = [
        person("a", "care"),
        person("b", "education", past=past("a", date(2020, 1, 1), met=True, rating=2)),
    ]
    assert plan(people, rules=RoundRules(repeat_window_months=1)).groups == ()


def test_pairs_that_never_met_may_repeat_if_configured() -> None:
    people = [
        person("a", "care", past=past("b", date(2025, 5, 1), met=False)),
        person("b", "education"),
    ]
    assert plan(people).groups == ()
    assert plan(people, rules=RoundRules(not_met_counts_as_repeat=False)).groups != ()


def test_excluded_people() -> None:
    people = [person("a", "care"), person("b", "education"), person("c", "community")]
    result = plan(people, excluded=["c"])
    assert members(result) == [{"a", "b"}]
    assert reasons(result) == {"c": "excluded"}


def test_pins_are_honoured() -> None:
    disciplines = ["care", "education", "community", "police_enforcement"]
    people = [person(f"p{i}", d) for i, d in enumerate(disciplines)]
    people[0] = replace(people[0], gaps=frozenset({"family_approach"}))
    result = plan(people, pins=[("p0", "p3")])
    assert {"p0", "p3"} in members(result)
    assert next(g for g in result.groups if set(g.members) == {"p0", "p3"}).pinned
    assert result.rejected_pins == ()


@pytest.mark.parametrize(
    ("pin", "reason"),
    [
        (("a", "zz"), "unknown_person"),
        (("a", "a"), "same_person"),
        (("a", "x"), "excluded"),
        (("a", "s"), "same_discipline"),
        (("a", "blk"), "kept_apart"),
        (("a", "old"), "repeat"),
        (("a", "en"), "no_shared_language"),
        (("ip", "on"), "meeting_incompatible"),
        (("ip", "far"), "too_far_for_in_person"),
    ],
)
def test_pins_that_break_a_rule_are_reported(pin: tuple[str, str], reason: str) -> None:
    people = [
        person("a", "care", past=past("old", date(2024, 1, 1))),
        person("x", "education"),
        person("s", "care"),
        person("blk", "education"),
        person("old", "community"),
        person("en", "community", languages=frozenset({"en"})),
        person("ip", "education", "north", meeting="in_person"),
        person("on", "community", "north", meeting="online"),
        person("far", "care", "south"),
    ]
    result = plan(people, pins=[pin], excluded=["x"], kept_apart=[("a", "blk")])
    assert [(r.a, r.b, r.reason) for r in result.rejected_pins] == [(*pin, reason)]
    assert all(not g.pinned for g in result.groups)


def test_second_pin_of_the_same_person_is_rejected() -> None:
    people = [person("a", "care"), person("b", "education"), person("c", "community")]
    result = plan(people, pins=[("a", "b"), ("c", "a")])
    assert [(r.a, r.b, r.reason) for r in result.rejected_pins] == [("c", "a", "conflicting_pin")]


def test_integer_ids() -> None:
    people = [person(1, "care"), person(2, "education")]
    assert members(plan(people)) == [{1, 2}]


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("people", "rules", "message"),
    [
        ([person("a", "care"), person("a", "education")], None, "duplicate profile id: 'a'"),
        (
            [person("a", "care", meeting="phone")],
            None,
            "profile 'a': meeting must be one of in_person, online, either, not 'phone'",
        ),
        (
            [person("a", "care", past=past("b", date(2024, 1, 1), rating=6))],
            None,
            "profile 'a': rating must be 1 to 5, not 6",
        ),
        (
            [person("a", "care", rounds_waited=-1)],
            None,
            "profile 'a': rounds_waited must not be negative",
        ),
        (
            [],
            RoundRules(gap_covered=-1.0),
            "rules.gap_covered must be a finite number >= 0, not -1.0",
        ),
        ([], RoundRules(pair_bonus=0.0), "rules.pair_bonus must be positive"),
        ([], RoundRules(block_size=1), "rules.block_size must be at least 2"),
    ],
)
def test_invalid_input(people: list[Profile], rules: RoundRules | None, message: str) -> None:
    with pytest.raises(ValueError) as error:
        plan(people, rules=rules)
    assert str(error.value) == message


def test_rounds_use_the_injected_day() -> None:
    people = [person("a", "care", past=past("b", date(2025, 1, 1))), person("b", "education")]
    rules = RoundRules(repeat_window_months=6)
    early = plan_round(people, today=date(2025, 6, 30), neighbours=NEAR, rules=rules)
    late = plan_round(people, today=date(2025, 7, 1), neighbours=NEAR, rules=rules)
    assert early.groups == ()
    assert late.groups != ()


def test_waiting_priority_is_capped() -> None:
    people = population(50, 1)
    result = plan_round(people, today=TODAY, neighbours=NEIGHBOURS)
    priorities = [link.components["priority"] for g in result.groups for link in g.links]
    assert max(priorities) <= 2 * (3 * 1.0 + 1.0)
    assert np.isfinite(result.stats.certificate)


def test_explain_group_describes_a_group_formed_by_hand() -> None:
    from matching import explain_group

    a = Profile("a", "police", "rotterdam", expertise=frozenset({"x"}), gaps=frozenset({"y"}))
    b = Profile("b", "education", "den_haag", expertise=frozenset({"y"}), gaps=frozenset({"x"}))
    c = Profile("c", "care", "limburg", meeting="online")
    group = explain_group([a, b, c], today=TODAY, neighbours={"rotterdam": ["den_haag"]})
    assert group.members == ("a", "b", "c")
    assert [(link.a, link.b) for link in group.links] == [("a", "b"), ("a", "c"), ("b", "c")]
    first = group.links[0]
    assert (first.a_gaps_covered_by_b, first.b_gaps_covered_by_a) == (("y",), ("x",))
    assert first.region_relation == "neighbour"
    assert group.meeting == "online"  # c meets only online
    with pytest.raises(ValueError, match="a group has 2 or 3 members, not 1"):
        explain_group([a], today=TODAY, neighbours={})


# --- rounds in region groups: the repair across groups -----------------------------------------


def _total(enc: Encoded, pairs: list[tuple[int, int]]) -> float:
    at = np.array(pairs, dtype=np.intp).reshape(-1, 2)
    return float(score_pairs(enc, at[:, 0], at[:, 1]).sum())


@pytest.mark.parametrize(("n", "seed", "limit"), [(400, 3, 100_000), (600, 8, 150), (600, 9, 60)])
def test_repair_across_groups_only_gains(
    n: int, seed: int, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Groups of one region each: pairs across regions are only found by the repair. It
    # keeps a valid pairing (each person once, every pair allowed), never weighs less, and
    # here gains; its neighbourhood stays within _REPAIR_LIMIT.
    monkeypatch.setattr(rounds, "_GLOBAL_LIMIT", 100)
    monkeypatch.setattr(rounds, "_REPAIR_LIMIT", limit)
    rules = RoundRules(block_size=50)
    enc = encode(
        population(n, seed), neighbours=NEIGHBOURS, kept_apart=(), today=TODAY, rules=rules
    )
    free = np.arange(n, dtype=np.intp)
    grouped = rounds._by_groups(enc, free)
    before, y = grouped.pairs, grouped.y
    changed: list[npt.NDArray[np.intp]] = []
    real_relax = rounds._relax

    def spy(enc_: Encoded, people: npt.NDArray[np.intp], *args: object) -> object:
        changed.append(people)
        return real_relax(enc_, people, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(rounds, "_relax", spy)
    after, y_after = rounds._repair(enc, free, grouped)
    assert len(changed) == 1 and changed[0].size <= limit
    flat = np.array(after, dtype=np.intp).ravel()
    assert np.unique(flat).size == flat.size
    at = np.array(after, dtype=np.intp)
    assert np.all(np.isfinite(score_pairs(enc, at[:, 0], at[:, 1])))
    assert _total(enc, after) >= _total(enc, before)
    if limit > n:
        assert _total(enc, after) > _total(enc, before)
        assert set(np.flatnonzero(enc.region[at[:, 0]] != enc.region[at[:, 1]]).tolist())
    # Prices outside the neighbourhood are kept.
    outside = np.setdiff1d(free, changed[0])
    np.testing.assert_array_equal(y_after[outside], y[outside])


def test_repair_leaves_a_plan_alone_when_no_price_falls_short() -> None:
    rules = RoundRules(block_size=50)
    enc = encode(population(200, 4), neighbours=NEIGHBOURS, kept_apart=(), today=TODAY, rules=rules)
    free = np.arange(200, dtype=np.intp)
    grouped = rounds._by_groups(enc, free)
    # Prices that cover every pair: nobody is short, nothing to repair.
    y = np.full(200, 1000.0)
    assert rounds._repair(enc, free, replace(grouped, y=y)) == (grouped.pairs, y)


def test_neighbourhood_holds_both_ends_and_their_mates() -> None:
    mate = np.array([1, 0, 3, 2, -1, 6, 5], dtype=np.intp)
    inside = rounds._neighbourhood(np.array([0], dtype=np.intp), np.array([4], dtype=np.intp), mate)
    assert np.flatnonzero(inside).tolist() == [0, 1, 4]
    empty = np.empty(0, dtype=np.intp)
    assert not rounds._neighbourhood(empty, empty, mate).any()


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(1, 30),
    arcs=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=120),
)
def test_symmetric_graph_holds_each_edge_both_ways_once(
    m: int, arcs: list[tuple[int, int]]
) -> None:
    edges = [(i % m, j % m) for i, j in arcs if i % m != j % m]
    rows = np.array([i for i, _ in edges], dtype=np.intp)
    cols = np.array([j for _, j in edges], dtype=np.intp)
    vals = ((rows + cols + 1.0) * 0.25 + np.minimum(rows, cols)).astype(np.float64)  # symmetric
    graph = rounds._symmetric_graph(m, rows, cols, vals)
    expected = sorted({(i, j) for i, j in edges} | {(j, i) for i, j in edges})
    row_of = np.repeat(np.arange(m), np.diff(graph.indptr))
    assert list(zip(row_of.tolist(), graph.indices.tolist(), strict=True)) == expected
    for i, j, w in zip(row_of.tolist(), graph.indices.tolist(), graph.data.tolist(), strict=True):
        assert w == (i + j + 1.0) * 0.25 + min(i, j)


def test_groups_keep_the_arcs_of_their_relaxations_once_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The repair starts from these arcs: allowed pairs within one group each, every edge
    # once.
    monkeypatch.setattr(rounds, "_GLOBAL_LIMIT", 100)
    rules = RoundRules(block_size=50)
    enc = encode(population(400, 5), neighbours=NEIGHBOURS, kept_apart=(), today=TODAY, rules=rules)
    free = np.arange(400, dtype=np.intp)
    rows, cols = rounds._by_groups(enc, free).arcs
    assert rows.size > 400
    assert np.all(rows < cols)
    assert np.unique(rows.astype(np.int64) * 400 + cols).size == rows.size
    assert np.all(score_pairs(enc, free[rows], free[cols]) > 0)
    group_of = np.zeros(400, dtype=np.intp)
    for k, group in enumerate(rounds._blocks(enc, free, 100)):
        group_of[group] = k
    assert np.all(group_of[rows] == group_of[cols])
