"""The bound over every allowed pair of a round planned in blocks (matching._bound)."""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import numpy as np
import pytest

from matching import RoundRules, plan_round, rounds
from matching._bound import LanguageLattice, Lattice, covering_prices, padded_sum, shortfall
from matching._relaxation import pricing
from matching.checks import check_plan
from matching.profiles import Profile
from matching.rounds import _blocks
from matching.scoring import Encoded, FloatArray, encode, score_block, score_pairs
from matching.synthetic import NEIGHBOURS, TODAY, population


def encoded(people: list[Profile], rules: RoundRules | None = None) -> Encoded:
    rules = rules if rules is not None else RoundRules()
    return encode(people, neighbours=NEIGHBOURS, kept_apart=(), today=TODAY, rules=rules)


def scores(enc: Encoded) -> FloatArray:
    everyone = np.arange(enc.n, dtype=np.intp)
    return score_block(enc, everyone, everyone)


def brute_most(w: FloatArray, y: FloatArray) -> FloatArray:
    most: FloatArray = (w - y[None, :]).max(axis=1)
    return most


def networkx_optimum(w: FloatArray) -> float:
    rows, cols = np.nonzero(np.triu(w > 0, 1))
    graph = nx.Graph()
    graph.add_weighted_edges_from(
        (int(i), int(j), float(w[i, j])) for i, j in zip(rows, cols, strict=True)
    )
    return float(sum(w[i, j] for i, j in nx.max_weight_matching(graph)))


@pytest.mark.parametrize("allow_same", [False, True])
@pytest.mark.parametrize(("n", "seed"), [(40, 1), (250, 2), (600, 3)])
def test_most_is_the_largest_score_minus_price_over_every_pair(
    n: int, seed: int, allow_same: bool
) -> None:
    # One language and no history: then every pair the check sees as allowed is allowed.
    people = [replace(p, languages=frozenset({"nl"})) for p in population(n, seed, history=False)]
    enc = encoded(people, RoundRules(allow_same_discipline=allow_same))
    y = np.random.default_rng(seed).uniform(0.0, 20.0, n)
    most = Lattice(enc, np.arange(n, dtype=np.intp)).most(y)
    exact = brute_most(scores(enc), y)
    # Prices are read rounded down to float32: never lower than exact, and barely higher.
    assert np.all(most >= exact)
    if not allow_same:
        np.testing.assert_allclose(most, exact, rtol=0, atol=1e-5)


@pytest.mark.parametrize("seed", [4, 5])
def test_most_never_falls_below_the_real_scores(seed: int) -> None:
    # Languages, history (repeats forbidden) and a subset of the people: the check counts
    # more pairs as allowed than there are, so it can only read higher.
    people = population(400, seed)
    enc = encoded(people)
    rng = np.random.default_rng(seed)
    some = np.flatnonzero(rng.random(400) < 0.6).astype(np.intp)
    y = rng.uniform(0.0, 20.0, some.size)
    most = Lattice(enc, some).most(y)
    exact = brute_most(score_block(enc, some, some), y)
    assert np.all(most >= exact)


def test_covering_prices_hold_for_every_pair() -> None:
    people = population(300, 6)
    enc = encoded(people)
    w = scores(enc)
    y = covering_prices(Lattice(enc, np.arange(300, dtype=np.intp)), np.zeros(300), 3)
    assert np.all(y >= 0)
    allowed = np.isfinite(w)
    assert np.all((y[:, None] + y[None, :])[allowed] >= w[allowed])


def test_a_wrong_dual_is_caught() -> None:
    people = population(300, 7)
    enc = encoded(people)
    w = scores(enc)
    everyone = np.arange(300, dtype=np.intp)
    y = covering_prices(Lattice(enc, everyone), np.zeros(300), 2)
    assert not shortfall(enc, everyone, y).short.any()
    # Lower one price by 1: some pair of that person is no longer covered, and the check
    # says by how much.
    person = int(np.argmax(np.isfinite(w).sum(axis=1)))
    wrong = y.copy()
    wrong[person] -= 1.0
    short = shortfall(enc, everyone, wrong).short
    real = max(float(np.max(w[person] - wrong - wrong[person])), 0.0)
    assert real > 0
    assert short[person] == pytest.approx(real, abs=1e-5)
    assert short[person] >= real


def test_prices_of_separate_blocks_are_caught_across_blocks() -> None:
    # The dual prices of each block hold within it, not for pairs across blocks: the
    # check finds every person with a pair it no longer covers, by at least as much.
    people = population(300, 8)
    enc = encoded(people, RoundRules(block_size=50))
    everyone = np.arange(300, dtype=np.intp)
    y = np.zeros(300)
    block_of = np.zeros(300, dtype=np.intp)
    for k, block in enumerate(_blocks(enc, everyone)):
        priced = pricing(score_block(enc, block, block))
        assert priced is not None
        y[block] = priced[2]
        block_of[block] = k
    w = scores(enc)
    allowed = np.isfinite(w)
    gap = np.where(allowed, w - y[:, None] - y[None, :], -np.inf)
    same_block = block_of[:, None] == block_of[None, :]
    assert gap[same_block].max() <= 1e-9
    assert gap[~same_block].max() > 0
    short = shortfall(enc, everyone, y).short
    real = np.maximum(gap.max(axis=1), 0.0)
    assert np.all(short >= real)
    assert np.all((short > 0) >= (real > 0))


@pytest.mark.parametrize("allow_same", [False, True])
@pytest.mark.parametrize(("n", "seed"), [(40, 1), (300, 2)])
def test_language_lattice_best_names_a_partner_that_reaches_most(
    n: int, seed: int, allow_same: bool
) -> None:
    # Several languages, no history: the best partner over pairs with a shared language.
    people = population(n, seed, history=False)
    enc = encoded(people, RoundRules(allow_same_discipline=allow_same))
    y = np.random.default_rng(seed).uniform(0.0, 20.0, n)
    most, partner = LanguageLattice(enc, np.arange(n, dtype=np.intp)).best(y)
    w = scores(enc)
    exact = brute_most(w, y)
    assert np.all(most >= exact)
    if not allow_same:
        np.testing.assert_allclose(most, exact, rtol=0, atol=1e-5)
        has = np.isfinite(exact)
        assert np.array_equal(partner >= 0, has)
        rows = np.flatnonzero(has)
        np.testing.assert_allclose(
            w[rows, partner[rows]] - y[partner[rows]], exact[rows], rtol=0, atol=1e-5
        )


def test_score_pairs_equals_score_block() -> None:
    people = population(200, 6)
    enc = encode(
        people,
        neighbours=NEIGHBOURS,
        kept_apart=[(people[0].id, people[1].id), (people[2].id, people[5].id)],
        today=TODAY,
        rules=RoundRules(),
    )
    w = scores(enc)
    a, b = np.meshgrid(np.arange(200, dtype=np.intp), np.arange(200, dtype=np.intp))
    got = score_pairs(enc, a.ravel(), b.ravel()).reshape(200, 200)
    assert np.array_equal(got, w[a, b])


@pytest.mark.parametrize("path", ["global", "groups"])
@pytest.mark.parametrize(
    ("n", "seed", "block_size", "allow_same"),
    [(120, 1, 30, False), (200, 2, 40, True), (300, 3, 60, False), (400, 9, 100, False)],
)
def test_bound_of_a_round_in_blocks_covers_the_exact_optimum(
    n: int, seed: int, block_size: int, allow_same: bool, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Several regions, each split into blocks; cross-region pairs are allowed (people who
    # meet either way, or online), so the best plan over all pairs beats the blocks'.
    # Both ways of planning a large round: one relaxation over everyone, or one per group
    # of a region with the prices made to cover pairs across groups.
    if path == "groups":
        monkeypatch.setattr(rounds, "_GLOBAL_LIMIT", n // 4)
    people = population(n, seed)
    rules = RoundRules(block_size=block_size, allow_same_discipline=allow_same)
    enc = encoded(people, rules)
    assert len(_blocks(enc, np.arange(n, dtype=np.intp))) > 2
    result = plan_round(people, today=TODAY, neighbours=NEIGHBOURS, rules=rules)
    stats = result.stats
    best = networkx_optimum(scores(enc))
    assert stats.bound_covers_all_pairs
    assert not stats.exact
    assert stats.upper_bound >= best - 1e-9 * best
    assert stats.upper_bound >= stats.weight
    assert best >= stats.weight - 1e-9 * best


def test_bound_with_other_weights_and_no_themes_covers_the_exact_optimum() -> None:
    # Weights that are not multiples of a power of two, and some people without themes.
    people = population(240, 11)
    people = [
        replace(p, expertise=frozenset(), gaps=frozenset()) if k % 7 == 0 else p
        for k, p in enumerate(people)
    ]
    rules = RoundRules(
        block_size=40,
        pair_bonus=1.1,
        gap_covered=0.3,
        any_gap_covered=0.7,
        same_region=0.1,
        neighbour_region=0.05,
        same_meeting=0.3,
        waited=0.2,
        trio_last_time=0.15,
    )
    result = plan_round(people, today=TODAY, neighbours=NEIGHBOURS, rules=rules)
    best = networkx_optimum(scores(encoded(people, rules)))
    assert result.stats.bound_covers_all_pairs
    assert result.stats.upper_bound >= best - 1e-9 * best
    assert best >= result.stats.weight - 1e-9 * best


def test_global_plan_keeps_every_hard_rule() -> None:
    # History, kept-apart pairs and several languages, planned as one relaxation over
    # several blocks: no forbidden pair in the plan, and the bound covers the optimum.
    people = population(360, 12)
    apart = [(people[k].id, people[k + 1].id) for k in range(0, 120, 3)]
    rules = RoundRules(block_size=50)
    result = plan_round(people, today=TODAY, neighbours=NEIGHBOURS, kept_apart=apart, rules=rules)
    assert (
        check_plan(
            people, result, today=TODAY, neighbours=NEIGHBOURS, kept_apart=apart, rules=rules
        )
        == []
    )
    enc = encode(people, neighbours=NEIGHBOURS, kept_apart=apart, today=TODAY, rules=rules)
    best = networkx_optimum(scores(enc))
    assert result.stats.upper_bound >= best - 1e-9 * best
    assert best >= result.stats.weight - 1e-9 * best


def test_padded_sum_is_not_below_the_sum() -> None:
    y = np.full(1000, 0.1)
    assert padded_sum(y) >= float(np.sum(y))


def test_a_round_over_several_blocks_is_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    people = population(300, 13)
    rules = RoundRules(block_size=40)
    first = plan_round(people, today=TODAY, neighbours=NEIGHBOURS, rules=rules)
    again = plan_round(list(people), today=TODAY, neighbours=NEIGHBOURS, rules=rules)
    assert first == again
    monkeypatch.setattr(rounds, "_GLOBAL_LIMIT", 80)
    grouped = plan_round(people, today=TODAY, neighbours=NEIGHBOURS, rules=rules)
    assert grouped == plan_round(list(people), today=TODAY, neighbours=NEIGHBOURS, rules=rules)


@pytest.mark.parametrize("per_person", [1, 4])
@pytest.mark.parametrize(
    ("n", "seed", "allow_same"), [(60, 3, False), (300, 4, False), (300, 5, True)]
)
def test_columns_name_partners_that_prices_leave_short(
    n: int, seed: int, allow_same: bool, per_person: int
) -> None:
    # At most three themes each way (the read is then exact), several languages, no
    # history: every pair named is short, a short person's best partner is among those
    # named, at most per_person distinct partners each per language, and ``most`` as
    # most() reads it.
    people = [
        replace(p, expertise=frozenset(sorted(p.expertise)[:3]))
        for p in population(n, seed, history=False)
    ]
    enc = encoded(people, RoundRules(allow_same_discipline=allow_same))
    everyone = np.arange(n, dtype=np.intp)
    lattice = LanguageLattice(enc, everyone)
    w = scores(enc)
    y = np.random.default_rng(seed).uniform(8.0, 20.0, n)
    most, rows, cols = lattice.columns(y, per_person, 1e-9)
    np.testing.assert_array_equal(most, lattice.most(y))
    exact = brute_most(w, y)
    reduced = w[rows, cols] - y[cols] - y[rows]
    assert np.all(reduced > 0)
    pairs = set(zip(rows.tolist(), cols.tolist(), strict=True))
    assert len(pairs) == rows.size
    assert np.bincount(rows, minlength=n).max() <= per_person * len(lattice.parts)
    short = np.flatnonzero(exact - y > 1e-5)
    assert short.size > 10
    if allow_same:
        # A person may be read as their own partner (never named): most only bounds.
        assert np.all(most >= exact - 1e-5)
        assert set(rows.tolist()) <= set(np.flatnonzero(most - y > 1e-9).tolist())
    else:
        np.testing.assert_allclose(most, exact, rtol=0, atol=1e-5)
        assert set(rows.tolist()) == set(short.tolist())
        for i in short.tolist():
            mine = cols[rows == i]
            assert (w[i, mine] - y[mine]).max() == pytest.approx(exact[i], abs=1e-5)
    with pytest.raises(ValueError, match="per_person"):
        lattice.columns(y, 0, 0.0)
