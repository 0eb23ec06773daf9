"""The engine on many score shapes: against networkx on small rounds, against its own
proof on larger ones."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import PairingResult, _blossom, max_weight_pairs, max_weight_pairs_sparse, pairs
from matching.checks import check_certificate, check_pairing
from matching.pairs import EXACT_LIMIT
from matching.shapes import SHAPES

FloatArray = npt.NDArray[np.float64]
ATTENDEE_SHAPES = [name for name in SHAPES if name.startswith("attendees")]


def networkx_optimum(w: FloatArray) -> float:
    graph = nx.Graph()
    rows, cols = np.nonzero(np.triu(w > 0, 1))
    graph.add_weighted_edges_from(
        (int(i), int(j), float(w[i, j])) for i, j in zip(rows, cols, strict=True)
    )
    return math.fsum(float(w[i, j]) for i, j in nx.max_weight_matching(graph))


def agrees_with(w: FloatArray, result: PairingResult, optimum: float) -> None:
    """Valid, never above the optimum, a bound never below it, equal to it when exact."""
    tol = 1e-9 * max(1.0, optimum)
    assert check_pairing(w, result) == []
    assert result.weight <= optimum + tol
    assert result.upper_bound >= optimum - tol
    if result.exact:
        assert result.weight == pytest.approx(optimum, rel=1e-9, abs=1e-9)
        assert result.upper_bound == result.weight
        if w.shape[0] > EXACT_LIMIT:  # below, the proof is the exhaustive search itself
            assert check_certificate(w, result) == []


@settings(max_examples=60, deadline=None)
@given(shape=st.sampled_from(sorted(SHAPES)), seed=st.integers(0, 2**32 - 1), n=st.integers(2, 50))
def test_small_rounds_of_every_shape_are_exact(shape: str, seed: int, n: int) -> None:
    w = SHAPES[shape](n, seed)
    result = max_weight_pairs(w)
    agrees_with(w, result, networkx_optimum(w))
    assert result.exact


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_shape_against_networkx(shape: str) -> None:
    w = SHAPES[shape](160, 11)
    result = max_weight_pairs(w)
    agrees_with(w, result, networkx_optimum(w))
    assert result.exact


@pytest.mark.parametrize("shape", ATTENDEE_SHAPES)
def test_rounds_of_a_thousand_are_proven_best(shape: str) -> None:
    w = SHAPES[shape](1000, 3)
    result = max_weight_pairs(w)
    assert check_pairing(w, result) == []
    assert result.exact
    assert result.upper_bound == result.weight


@pytest.mark.parametrize("shape", ["geometric", "clustered", "heavy_tailed", "integer_ties"])
def test_weak_relaxations_are_proven_best_with_a_certificate(shape: str) -> None:
    # Odd cycles everywhere and many nearly equal pairs: the relaxation's bound is up to
    # 3% above the optimum, and the odd-set duals close it (clusters of odd size need the
    # whole cluster as a set; see matching._blossom).
    w = SHAPES[shape](600, 5)
    result = max_weight_pairs(w)
    assert check_pairing(w, result) == []
    assert result.exact
    assert check_certificate(w, result) == []


def test_a_certificate_that_leaves_a_pair_uncovered_is_rejected() -> None:
    w = SHAPES["clustered"](60, 2)
    result = max_weight_pairs(w)
    assert result.dual is not None
    assert check_certificate(w, result) == []
    prices = result.dual.prices.copy()
    prices[int(np.argmax(prices))] = 0.0
    broken = replace(result, dual=replace(result.dual, prices=prices))
    assert any("not covered" in p for p in check_certificate(w, broken))


def test_clustered_groups_of_odd_size_are_exact() -> None:
    # Regression: the relaxation's bound kept these at 98% (n >= 200, odd clusters): the
    # candidate graph was every pair and no proof was attempted.
    w = SHAPES["clustered"](200, 1)
    result = max_weight_pairs(w)
    agrees_with(w, result, networkx_optimum(w))
    assert result.exact


def test_the_exact_phase_finds_what_rounding_misses() -> None:
    # Two odd groups of equal weight, joined by one light pair, and a lighter pair out of
    # the second: the relaxation takes each group as a half-weighted odd cycle; the best
    # pairing joins the groups and leaves person 10 out.
    w = np.full((11, 11), -np.inf)
    groups = [list(range(0, 5)), list(range(5, 10))]
    for members in groups:
        for a in members:
            for b in members:
                if a != b:
                    w[a, b] = 4.0
    w[4, 5] = w[5, 4] = 1.0
    w[9, 10] = w[10, 9] = 0.5
    big = np.full((40, 40), -np.inf)
    big[:11, :11] = w  # above the dynamic programme's size
    result = max_weight_pairs(big)
    assert result.exact
    assert result.weight == 4 * 4.0 + 1.0
    assert (4, 5) in result.pairs
    assert result.upper_bound == result.weight


def test_a_proof_is_kept_when_round_off_makes_the_same_pairing_look_lighter() -> None:
    # The exact phase summed the same best pairs in another order, a hair (one ulp) below
    # the first pairing's weight, and its proof was thrown away.
    w = SHAPES["heavy_tailed"](200, 1)
    result = max_weight_pairs(w)
    assert result.exact
    assert result.upper_bound == result.weight
    agrees_with(w, result, networkx_optimum(w))


@pytest.mark.parametrize(("seed", "n", "forbidden"), [(141, 33, 0.3), (201, 40, 0.0)])
def test_instances_that_hung_the_sparse_solver_finish_through_the_dense_entry(
    seed: int, n: int, forbidden: float
) -> None:
    # max_weight_pairs now solves its relaxation with the same sparse solver that looped
    # on these (see test_pairs.py); a child process turns a regression into a failure.
    code = (
        "from tests.matching.test_pairs import random_weights\n"
        "from matching import max_weight_pairs\n"
        f"r = max_weight_pairs(random_weights({seed}, {n}, {forbidden}))\n"
        "print(r.weight, r.upper_bound, r.exact)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    weight, bound, exact = done.stdout.split()
    assert exact == "True"
    assert float(bound) == float(weight)


def test_the_sparse_entry_proves_its_pairing_too() -> None:
    w = SHAPES["clustered"](150, 4)
    stored = np.where(np.isfinite(w), w, 0.0)
    result = max_weight_pairs_sparse(sp.csr_matrix(stored))
    assert result.exact
    assert check_certificate(w, result) == []
    assert result.weight == pytest.approx(networkx_optimum(w), rel=1e-9)


def test_without_scipys_highs_binding_each_solve_starts_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Older scipy has no scipy.optimize._highspy: linprog per solve, the same proof.
    monkeypatch.setattr(_blossom, "_highs_core", None)
    w = SHAPES["geometric"](150, 4)
    result = max_weight_pairs(w)
    assert result.exact
    assert check_certificate(w, result) == []
    assert result.weight == pytest.approx(networkx_optimum(w), rel=1e-9)


def test_whole_number_ties_are_proven_despite_a_face_of_optimal_points() -> None:
    # Regression: HiGHS returned a fractional optimal point after every cut, and the
    # separation ran out of violated sets (the relaxation's bound was kept).
    w = SHAPES["integer_ties"](300, 4)
    result = max_weight_pairs(w)
    assert result.exact
    assert result.weight == 600.0
    assert check_certificate(w, result) == []


def test_clusters_where_the_quick_separation_stalls_are_proven(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Regression: with 10 first partners each and 40 added per round (the settings when
    # it was found), no odd component and no linkage group was violated while the LP
    # stayed fractional; the exact (Padberg-Rao) separation finds the sets.
    monkeypatch.setattr(pairs, "FIRST_COLUMNS", 10)
    monkeypatch.setattr(pairs, "ADDED_COLUMNS", 40)
    found: list[int] = []
    separate = _blossom._min_odd_cuts

    def counted(*args: Any) -> list[Any]:
        sets = separate(*args)
        found.append(len(sets))
        return sets

    monkeypatch.setattr(_blossom, "_min_odd_cuts", counted)
    w = SHAPES["clustered"](2000, 4)
    result = max_weight_pairs(w)
    assert sum(found) > 0
    assert result.exact
    assert check_certificate(w, result) == []
