"""Exactness: odd-set (blossom) cuts on the pairs that could still improve the pairing.

Why this design (measured on this 2-core machine, see ``benchmarks/matching_shapes.py``):
the assignment relaxation already gives a pairing and dual prices ``y0`` that are feasible
for every pair, so ``sum(y0)`` bounds every pairing. Any pairing ``M`` weighs at most
``sum(y0) - sum(rc0(e) for e in M)``, where ``rc0(i, j) = y0[i] + y0[j] - w(i, j) >= 0`` is
a pair's reduced cost. So a pair whose reduced cost exceeds the gap between the bound and
the pairing in hand can never be in a better pairing: pricing over *all* pairs leaves only
a small candidate graph (often nothing: then the relaxation itself is the proof). On that
graph the pairing LP with blossom inequalities ``x(E(S)) <= (|S| - 1) / 2`` for odd sets
``S`` is solved with HiGHS, adding the odd sets that the fractional solution violates
(odd components of its fractional edges, which for the half-integral solutions of the
relaxation are exactly its odd cycles) until the solution is integral. Its duals ``y``
and ``z`` are then a certificate for that graph: every candidate pair has
``y[i] + y[j] + z(sets holding both) >= w(i, j)`` and ``sum(y) + sum(z * (|S| - 1) / 2)``
equals the weight of the pairing.

A primal-dual blossom algorithm warm-started from ``y0`` was the alternative; in pure
Python it costs a traversal per exposed person with a positive price, and a HiGHS LP on
the whole candidate graph (top 16 partners each, n = 2,000) took 2 s alone, so the
reduced-cost pruning is what makes either affordable; with it the LP is a few hundred
columns and solves in milliseconds, and scipy ships HiGHS, so no algorithm of our own has
to be trusted for the proof. If the cuts do not reach an integral solution within a few
rounds, HiGHS's branch and cut (``scipy.optimize.milp``) finishes on the same small graph;
its optimality is then HiGHS's proof, not a dual vector.

Where the relaxation is weak and many pairs are nearly as good (points in a square,
n >= 1,000), the candidate graph is most of the graph and HiGHS needs seconds per solve;
above :data:`MAX_CANDIDATES` candidates the pairing is kept with the relaxation's bound and
is not claimed exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import connected_components

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_CUT_ROUNDS = 10
# Beyond this many candidate pairs an LP solve takes seconds (HiGHS on a 14,000-column
# pairing LP with cuts: about 1.4 s per solve, 30 solves), so the caller keeps its
# pairing and the relaxation's bound instead. This happens only where the relaxation is
# weak *and* many pairs are nearly as good (points in a square, n >= 1,000).
MAX_CANDIDATES = 6000
# A time limit guards against a solver that never returns (scipy's sparse LAPJV did, see
# matching.pairs): past it the caller keeps its pairing and the relaxation's bound.
_TIME_LIMIT = 20.0
_TOLERANCES = {
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
    "time_limit": _TIME_LIMIT,
}


@dataclass(frozen=True)
class Certified:
    """The best pairing on the candidate edges, its proven bound, and whether the bound is
    a dual certificate equal to the weight (``exact``)."""

    a: IntArray  # the pairs, as endpoints into the original numbering
    b: IntArray
    weight: float
    bound: float
    exact: bool


def tolerance(weight: float) -> float:
    """How far apart a bound and a weight may be and still count as equal (round-off)."""
    return 1e-9 * max(1.0, abs(weight))


def solve_candidates(n: int, a: IntArray, b: IntArray, c: FloatArray) -> Certified | None:
    """Maximum-weight pairing on the edges ``(a[k], b[k])`` of weight ``c[k] > 0``.

    Returns ``None`` when there are more than :data:`MAX_CANDIDATES` edges or HiGHS fails
    (the caller keeps its own pairing and bound).
    """
    if a.size == 0:
        return Certified(a, b, 0.0, 0.0, True)
    if a.size > MAX_CANDIDATES:
        return None
    people, local = np.unique(np.concatenate([a, b]), return_inverse=True)
    la, lb = local[: a.size], local[a.size :]
    m, k = a.size, people.size
    edges = np.arange(m)
    degree = sp.csr_matrix(
        (np.ones(2 * m), (np.concatenate([la, lb]), np.concatenate([edges, edges]))),
        shape=(k, m),
    )
    cuts: list[IntArray] = []
    cut_rows: list[sp.csr_matrix] = []
    x = np.zeros(m)
    duals = np.zeros(k)
    solved: list[IntArray] = []  # the odd sets of the last LP solved
    for _ in range(_CUT_ROUNDS):
        rows = sp.vstack([degree, *cut_rows], format="csr") if cut_rows else degree
        limits = np.concatenate([np.ones(k), [(s.size - 1) / 2 for s in cuts]])
        res = linprog(
            -c, A_ub=rows, b_ub=limits, bounds=(0, 1), method="highs-ds", options=_TOLERANCES
        )
        if res.status != 0:
            return None
        x = np.asarray(res.x)
        duals = np.maximum(-np.asarray(res.ineqlin.marginals), 0.0)
        solved = list(cuts)
        fractional = (x > 1e-7) & (x < 1 - 1e-7)
        if not fractional.any():
            chosen = x > 0.5
            weight = math.fsum(c[chosen])
            bound = _dual_bound(la, lb, c, duals[:k], duals[k:], cuts)
            exact = bound <= weight + tolerance(weight)
            return Certified(
                a[chosen], b[chosen], weight, weight if exact else max(bound, weight), exact
            )
        new = _violated_odd_sets(k, la, lb, x, fractional)
        if not new:
            break
        for s in new:
            inside = np.zeros(k, dtype=bool)
            inside[s] = True
            cols = np.flatnonzero(inside[la] & inside[lb])
            cuts.append(s)
            cut_rows.append(
                sp.csr_matrix((np.ones(cols.size), (np.zeros(cols.size), cols)), shape=(1, m))
            )
    # No more violated odd sets found: branch and cut on the same small graph.
    bound = _dual_bound(la, lb, c, duals[:k], duals[k:], solved)
    return _branch_and_cut(a, b, c, degree, bound)


def _violated_odd_sets(
    k: int, la: IntArray, lb: IntArray, x: FloatArray, fractional: npt.NDArray[np.bool_]
) -> list[IntArray]:
    """Odd components of the fractional edges whose edges carry more than they may."""
    fa, fb = la[fractional], lb[fractional]
    graph = sp.csr_matrix((np.ones(fa.size), (fa, fb)), shape=(k, k))
    count, label = connected_components(graph, directed=False)
    touched = np.zeros(k, dtype=bool)
    touched[fa] = touched[fb] = True
    sizes = np.bincount(label[touched], minlength=count)
    found: list[IntArray] = []
    # Load of every component: the x of the edges with both ends inside it.
    same = label[la] == label[lb]
    load = np.bincount(label[la[same]], weights=x[same], minlength=count)
    for comp in np.flatnonzero(sizes % 2 == 1).tolist():
        if load[comp] > (sizes[comp] - 1) / 2 + 1e-7:
            found.append(np.flatnonzero((label == comp) & touched))
    return found


def _dual_bound(
    la: IntArray,
    lb: IntArray,
    c: FloatArray,
    y: FloatArray,
    z: FloatArray,
    cuts: list[IntArray],
) -> float:
    """``sum(y) + sum(z * (|S| - 1) / 2)``, with ``y`` first raised wherever round-off left
    an edge short, so the value is a true upper bound on every pairing of these edges."""
    cover = y[la] + y[lb]
    for value, s in zip(z.tolist(), cuts, strict=True):
        if value > 0:
            inside = np.zeros(y.size, dtype=bool)
            inside[s] = True
            cover = cover + value * (inside[la] & inside[lb])
    short = np.maximum(c - cover, 0.0)
    need = np.zeros(y.size)
    np.maximum.at(need, la, short)
    np.maximum.at(need, lb, short)
    sets = math.fsum(value * (s.size - 1) / 2 for value, s in zip(z.tolist(), cuts, strict=True))
    return float(math.fsum((y + need / 2.0).tolist()) + sets)


def _branch_and_cut(
    a: IntArray, b: IntArray, c: FloatArray, degree: sp.csr_matrix, bound: float
) -> Certified | None:
    res = milp(
        -c,
        constraints=LinearConstraint(degree, -np.inf, 1.0),
        integrality=np.ones(c.size),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0, "time_limit": _TIME_LIMIT},
    )
    if res.status != 0 or res.x is None:
        return None
    chosen = np.asarray(res.x) > 0.5
    weight = math.fsum(c[chosen])
    # HiGHS proved optimality (gap 0): the bound is its own, not a dual vector to check.
    proven = float(-res.mip_dual_bound) if res.mip_dual_bound is not None else bound
    exact = proven <= weight + tolerance(weight)
    return Certified(a[chosen], b[chosen], weight, weight if exact else min(bound, proven), exact)
