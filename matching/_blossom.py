"""Exactness: the pairing LP with odd-set (blossom) cuts, priced over every pair, and its
dual as the proof.

Why this design (measured on this 2-core machine, see ``benchmarks/matching_shapes.py``):
the assignment relaxation gives a pairing and dual prices ``y0`` feasible for every pair,
but where odd cycles abound (clusters of odd size, points in a square, heavy tails) its
bound is up to 3% above the optimum, and the pairs that could still improve the pairing
(reduced cost ``y0[i] + y0[j] - w(i, j)`` below that gap) are nearly all of them. So the
pairing LP with blossom inequalities ``x(E(S)) <= (|S| - 1) / 2`` is solved by column
generation instead (:func:`solve_by_columns`): on a working graph of each person's
cheapest pairs (by reduced cost under ``y0``), adding the odd sets that the fractional
solution violates until it is integral, then pricing its duals ``y`` and ``z`` over every
allowed pair (reduced cost ``y[i] + y[j] + z(sets holding both) - w(i, j)``) and adding
the pairs left short, until none is. The duals are then a certificate for the whole
matrix: every allowed pair is covered and ``sum(y) + sum(z * (|S| - 1) / 2)`` equals the
weight of the pairing (:class:`Dual`, checked independently by
:func:`matching.checks.check_certificate`).

Separation: the odd components of the fractional edges (for the half-integral solutions of
the relaxation, exactly its odd cycles), and the odd groups of a single-linkage
clustering by reduced cost that the solution violates (:func:`_linkage_cuts`). Cycles
alone converge slowly on clusters of odd size (dozens of rounds, each moving the
fractional part around the cluster); the whole cluster as one set closes the gap in one.

The LP lives in one HiGHS instance (scipy's own binding of HiGHS) and is re-solved from
its last basis after every cut or column: tens of rounds cost what two or three fresh
``linprog`` solves did. A primal-dual blossom algorithm warm-started from ``y0`` was the
alternative; in pure Python it costs a traversal per exposed person with a positive price,
while HiGHS is compiled and its duals are checked rather than trusted. If column
generation does not settle, the LP is solved once more on the candidates (pairs of reduced
cost below the gap), with HiGHS's branch and cut (``scipy.optimize.milp``) to finish; its
optimality is then HiGHS's proof, not a dual vector.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import (
    breadth_first_order,
    connected_components,
    maximum_flow,
    minimum_spanning_tree,
)

try:  # scipy's binding of HiGHS itself (scipy >= 1.15): an LP re-solved from its basis
    from scipy.optimize._highspy import _core as _highs_core
except ImportError:  # pragma: no cover - older scipy: a fresh linprog per solve
    _highs_core = None

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
    # Dual prices per person (original numbering; 0 for people on no edge) when the bound
    # comes from the LP's duals, ``None`` when it is HiGHS's branch and cut.
    prices: FloatArray | None = None
    # Which stubs (see solve_candidates) the optimum took.
    stubs_taken: IntArray | None = None
    # The odd sets (original numbering) and their dual prices, alongside ``prices``.
    odd_sets: list[IntArray] | None = None
    set_prices: FloatArray | None = None


def tolerance(weight: float) -> float:
    """How far apart a bound and a weight may be and still count as equal (round-off)."""
    return 1e-9 * max(1.0, abs(weight))


def solve_candidates(
    n: int,
    a: IntArray,
    b: IntArray,
    c: FloatArray,
    stub_at: IntArray | None = None,
    stub_value: FloatArray | None = None,
    *,
    branch_and_cut: bool = True,
) -> Certified | None:
    """Maximum-weight pairing on the edges ``(a[k], b[k])`` of weight ``c[k] > 0``.

    A stub is a pair with someone outside these edges whose price is fixed: taking stub
    ``k`` pairs ``stub_at[k]`` for ``stub_value[k]``, and the duals then satisfy
    ``y[stub_at[k]] >= stub_value[k]``. Returns ``None`` when there are more than
    :data:`MAX_CANDIDATES` edges or HiGHS fails (the caller keeps its own pairing and bound).
    """
    su = np.empty(0, np.intp) if stub_at is None else stub_at
    sv = np.empty(0) if stub_value is None else stub_value
    if a.size == 0 and su.size == 0:
        return Certified(a, b, 0.0, 0.0, True, np.zeros(n), su, [], np.zeros(0))
    if a.size + su.size > MAX_CANDIDATES:
        return None
    people, local = np.unique(np.concatenate([a, b, su]), return_inverse=True)
    m, k, ns = a.size, people.size, su.size
    la, lb, ls = local[:m], local[m : 2 * m], local[2 * m :]
    edges = np.arange(m)
    degree = sp.csr_matrix(
        (
            np.ones(2 * m + ns),
            (np.concatenate([la, lb, ls]), np.concatenate([edges, edges, m + np.arange(ns)])),
        ),
        shape=(k, m + ns),
    )
    objective = -np.concatenate([c, sv])
    cuts: list[IntArray] = []
    cut_rows: list[sp.csr_matrix] = []
    x = np.zeros(m + ns)
    duals = np.zeros(k)
    solved: list[IntArray] = []  # the odd sets of the last LP solved
    for _ in range(_CUT_ROUNDS):
        rows = sp.vstack([degree, *cut_rows], format="csr") if cut_rows else degree
        limits = np.concatenate([np.ones(k), [(s.size - 1) / 2 for s in cuts]])
        res = linprog(
            objective,
            A_ub=rows,
            b_ub=limits,
            bounds=(0, 1),
            method="highs-ds",
            options=_TOLERANCES,
        )
        if res.status != 0:
            return None
        x = np.asarray(res.x)
        duals = np.maximum(-np.asarray(res.ineqlin.marginals), 0.0)
        solved = list(cuts)
        fractional = (x > 1e-7) & (x < 1 - 1e-7)
        if not fractional.any():
            chosen = x[:m] > 0.5
            weight = math.fsum(c[chosen])
            bound, y = _dual_bound(la, lb, c, duals[:k], duals[k:], cuts, ls, sv)
            taken = np.flatnonzero(x[m:] > 0.5)
            weight_all = math.fsum([weight, *sv[taken].tolist()])
            exact = bound <= weight_all + tolerance(weight_all)
            prices = np.zeros(n)
            prices[people] = y
            return Certified(
                a[chosen],
                b[chosen],
                weight,
                weight_all if exact else max(bound, weight_all),
                exact,
                prices,
                taken,
                [people[s] for s in cuts],
                duals[k:],
            )
        new = _violated_odd_sets(k, la, lb, x[:m], fractional[:m])
        if not new:
            break
        for s in new:
            inside = np.zeros(k, dtype=bool)
            inside[s] = True
            cols = np.flatnonzero(inside[la] & inside[lb])
            cuts.append(s)
            cut_rows.append(
                sp.csr_matrix((np.ones(cols.size), (np.zeros(cols.size), cols)), shape=(1, m + ns))
            )
    if ns or not branch_and_cut:
        return None  # the local solve gives up; the caller solves every candidate
    # No more violated odd sets found: branch and cut on the same small graph.
    bound, _ = _dual_bound(la, lb, c, duals[:k], duals[k:], solved, ls, sv)
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
    ls: IntArray,
    sv: FloatArray,
) -> tuple[float, FloatArray]:
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
    # A stub has one end only: its owner alone must cover it.
    np.maximum.at(need, ls, 2.0 * np.maximum(sv - y[ls], 0.0))
    sets = math.fsum(value * (s.size - 1) / 2 for value, s in zip(z.tolist(), cuts, strict=True))
    raised = y + need / 2.0
    return float(math.fsum(raised.tolist()) + sets), raised


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


# --- column generation: the odd-set LP over every pair, priced with its own duals -------

# Rounds of pricing (pairs added) and, per LP, rounds of cuts.
_COLUMN_ROUNDS = 30
_LP_CUT_ROUNDS = 20
# Partners per person in the first working graph (the cheapest by reduced cost), and the
# most violated pairs added per person in each pricing round.
FIRST_COLUMNS = 6
ADDED_COLUMNS = 20
# Thresholds tried per LP when the linkage separation cuts the working graph by reduced cost.
_LINKAGE_LEVELS = 24
# The tie-break while cuts are sought, relative to the largest weight (see _cut_lp).
_TIE_BREAK = 1e-6


@dataclass(frozen=True)
class Dual:
    """A dual solution of the pairing LP with odd-set inequalities: a price per person and
    a price per odd set. ``bound`` is ``sum(prices) + sum(set_prices * (|S| - 1) / 2)``."""

    prices: FloatArray
    odd_sets: list[IntArray]
    set_prices: FloatArray

    @property
    def bound(self) -> float:
        z = self.set_prices.tolist()
        sets = (price * (s.size // 2) for price, s in zip(z, self.odd_sets, strict=True))
        return math.fsum([*self.prices.tolist(), *sets])

    def membership(self, n: int) -> sp.csr_matrix:
        """``(n, sets)`` matrix: 1 where a person is in a set."""
        if not self.odd_sets:
            return sp.csr_matrix((n, 0))
        rows = np.concatenate(self.odd_sets)
        cols = np.repeat(np.arange(len(self.odd_sets)), [s.size for s in self.odd_sets])
        return sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, len(self.odd_sets)))


# ``price(dual)`` returns, over every allowed pair, how far each person's pairs fall short
# of being covered by ``dual`` at worst (``max(0, -reduced cost)``, per person), and the
# pairs short by more than round-off (at most ADDED_COLUMNS per person, the most short
# first) as (a, b, w) with a < b.
Pricer = Callable[[Dual], tuple[FloatArray, IntArray, IntArray, FloatArray]]


def prove(dual: Dual, price: Pricer, weight: float) -> Dual | None:
    """``dual`` with round-off shortfalls paid (each short pair raises both its ends by
    half), if it then covers every allowed pair and its bound equals ``weight``."""
    short, add_a, _, _ = price(dual)
    if add_a.size:
        return None
    raised = Dual(dual.prices + short / 2.0, dual.odd_sets, dual.set_prices)
    return raised if raised.bound <= weight + tolerance(weight) else None


def solve_by_columns(
    n: int, a: IntArray, b: IntArray, c: FloatArray, price: Pricer
) -> tuple[Certified, Dual] | None:
    """Maximum-weight pairing over *every* allowed pair, with a dual that proves it.

    The pairing LP with odd-set cuts is solved on a working graph ``(a, b, c)``; its duals
    are priced over every allowed pair (``price``); pairs they leave short join the
    working graph (the cuts found so far stay) and the LP is solved again. When no pair is
    short, the integral optimum on the working graph is optimal for all pairs, and its
    duals are the certificate. ``None`` when the LP stays fractional or it does not settle
    within a few rounds (the caller keeps its pairing and bound).

    The LP is kept in one HiGHS instance and re-solved from its last basis after each
    added cut or column (scipy's own binding of HiGHS; a fresh ``linprog`` per round, where
    that binding is missing), which is what makes tens of rounds affordable.
    """
    lp = _pairing_lp(n)
    lp.add_columns(a, b, c)
    for _ in range(_COLUMN_ROUNDS):
        found = _cut_lp(lp)
        if found is None:
            return None
        chosen, dual = found
        short, add_a, add_b, add_c = price(dual)
        if add_a.size == 0:
            weight = math.fsum(lp.c[chosen].tolist())
            raised = Dual(dual.prices + short / 2.0, dual.odd_sets, dual.set_prices)
            if raised.bound > weight + tolerance(weight):
                return None
            pa, pb = lp.a[chosen], lp.b[chosen]
            return Certified(pa, pb, weight, weight, True, raised.prices), raised
        lp.add_columns(add_a, add_b, add_c)
    return None


def _cut_lp(lp: _PairingLP) -> tuple[npt.NDArray[np.bool_], Dual] | None:
    """Integral optimum of the pairing LP with odd-set cuts (added to ``lp`` as found),
    and duals whose bound equals its weight.

    Ties (whole-number weights) leave a face of optimal solutions, and HiGHS returned a
    fractional point of it after every cut (integer ties, n = 300: eight rounds, then no
    violated set). So the cuts are sought with a tie-break, each pair's weight raised by a
    hair (at most ``_TIE_BREAK`` of the largest); the integral pairing found is then kept
    if the LP with the true weights is worth no more: its duals, fractional point or not,
    are the proof.
    """
    lp.perturb(True)
    for _ in range(_LP_CUT_ROUNDS):
        solved = lp.solve()
        if solved is None:
            return None
        x, dual = solved
        fractional = (x > 1e-7) & (x < 1 - 1e-7)
        if not fractional.any():
            chosen = x > 0.5
            if lp.perturbed:
                lp.perturb(False)
                solved = lp.solve()
                if solved is None:
                    return None
                weight = math.fsum(lp.c[chosen].tolist())
                x, dual = solved
                if float(lp.c @ x) <= weight + tolerance(weight):
                    return chosen, _positive(dual)
                # The hair changed the optimum: go on with the true weights.
                fractional = (x > 1e-7) & (x < 1 - 1e-7)
                if not fractional.any():
                    return x > 0.5, _positive(dual)
            else:
                return chosen, _positive(dual)
        a, b = lp.a, lp.b
        reduced = dual.prices[a] + dual.prices[b] - lp.costs()
        if dual.odd_sets:
            member = dual.membership(lp.n)
            reduced += np.asarray(member[a].multiply(member[b]) @ dual.set_prices).ravel()
        new = _violated_odd_sets(lp.n, a, b, x, fractional)
        new += _linkage_cuts(lp.n, a, b, x, reduced)
        if not lp.add_cuts(new) and not lp.add_cuts(_min_odd_cuts(lp.n, a, b, x)):
            return None
    return None


class _PairingLP:
    """The pairing LP ``max c.x`` subject to ``x(δ(v)) <= 1`` and odd-set cuts
    ``x(E(S)) <= (|S| - 1) / 2``, ``x >= 0``, grown by columns and cuts."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.a = np.empty(0, np.intp)
        self.b = np.empty(0, np.intp)
        self.c = np.empty(0)
        self.cuts: list[IntArray] = []
        self._keys: set[tuple[int, ...]] = set()
        self._perturbed = False

    def costs(self) -> FloatArray:
        """The weights the LP maximises: ``c``, or ``c`` with the tie-break."""
        if not self._perturbed or self.c.size == 0:
            return self.c
        # A fixed hair per pair (a hash of its two people): deterministic, and no two
        # pairs of equal weight stay equal unless their hashes collide.
        hair = ((self.a * 7919 + self.b * 104729) % 10007 + 1) / 10008
        return self.c + _TIE_BREAK * float(self.c.max()) * hair

    def perturb(self, on: bool) -> None:
        self._perturbed = on

    @property
    def perturbed(self) -> bool:
        return self._perturbed

    def add_columns(self, a: IntArray, b: IntArray, c: FloatArray) -> None:
        old = self.a * self.n + self.b
        new = a * self.n + b
        _, first = np.unique(new, return_index=True)
        keep = first[~np.isin(new[first], old)]
        self.a = np.concatenate([self.a, a[keep]])
        self.b = np.concatenate([self.b, b[keep]])
        self.c = np.concatenate([self.c, c[keep]])

    def add_cuts(self, sets: list[IntArray]) -> int:
        added = 0
        for s in sets:
            key = tuple(s.tolist())
            if key not in self._keys:
                self._keys.add(key)
                self.cuts.append(s)
                added += 1
        return added

    def solve(self) -> tuple[FloatArray, Dual] | None:
        n, m = self.n, self.a.size
        edges = np.arange(m)
        rows = [
            sp.csr_matrix(
                (
                    np.ones(2 * m),
                    (np.concatenate([self.a, self.b]), np.concatenate([edges, edges])),
                ),
                shape=(n, m),
            )
        ]
        if self.cuts:
            member = Dual(np.zeros(n), self.cuts, np.zeros(len(self.cuts))).membership(n)
            rows.append((member[self.a].multiply(member[self.b])).T.tocsr())
        limits = np.concatenate([np.ones(n), [s.size // 2 for s in self.cuts]])
        res = linprog(
            -self.costs(),
            A_ub=sp.vstack(rows, format="csr"),
            b_ub=limits,
            bounds=(0, None),
            method="highs-ds",
            options=_TOLERANCES,
        )
        if res.status != 0:
            return None
        duals = np.maximum(-np.asarray(res.ineqlin.marginals), 0.0)
        return np.asarray(res.x), Dual(duals[:n], list(self.cuts), duals[n:])


class _WarmPairingLP(_PairingLP):
    """:class:`_PairingLP` in one HiGHS instance, re-solved from its last basis."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self._highs = _highs_core._Highs()
        for option, value in (
            ("output_flag", False),
            ("primal_feasibility_tolerance", 1e-10),
            ("dual_feasibility_tolerance", 1e-10),
            ("time_limit", _TIME_LIMIT),
            ("presolve", "off"),
        ):
            self._highs.setOptionValue(option, value)
        none = np.zeros(1, np.int32)
        self._highs.addRows(
            n, np.full(n, -np.inf), np.ones(n), 0, np.zeros(n, np.int32), none, np.zeros(1)
        )

    def perturb(self, on: bool) -> None:
        if on != self._perturbed and self.c.size:
            super().perturb(on)
            cols = np.arange(self.c.size, dtype=np.int32)
            self._highs.changeColsCost(cols.size, cols, -self.costs())
        super().perturb(on)

    def add_columns(self, a: IntArray, b: IntArray, c: FloatArray) -> None:
        before = self.a.size
        super().add_columns(a, b, c)
        na, nb, nc = self.a[before:], self.b[before:], self.costs()[before:]
        k = na.size
        if k == 0:
            return
        # Each new column: its two people, and every cut holding both.
        entries: list[list[int]] = [[int(i), int(j)] for i, j in zip(na, nb, strict=True)]
        for row, s in enumerate(self.cuts):
            inside = np.zeros(self.n, dtype=bool)
            inside[s] = True
            for col in np.flatnonzero(inside[na] & inside[nb]).tolist():
                entries[col].append(self.n + row)
        starts = np.cumsum([0, *(len(e) for e in entries[:-1])]).astype(np.int32)
        index = np.array([r for e in entries for r in e], dtype=np.int32)
        self._highs.addCols(
            k,
            -nc,
            np.zeros(k),
            np.full(k, np.inf),
            index.size,
            starts,
            index,
            np.ones(index.size),
        )

    def add_cuts(self, sets: list[IntArray]) -> int:
        before = len(self.cuts)
        added = super().add_cuts(sets)
        for s in self.cuts[before:]:
            inside = np.zeros(self.n, dtype=bool)
            inside[s] = True
            cols = np.flatnonzero(inside[self.a] & inside[self.b]).astype(np.int32)
            self._highs.addRows(
                1,
                np.array([-np.inf]),
                np.array([float(s.size // 2)]),
                cols.size,
                np.zeros(1, np.int32),
                cols,
                np.ones(cols.size),
            )
        return added

    def solve(self) -> tuple[FloatArray, Dual] | None:
        self._highs.run()
        if self._highs.getModelStatus() != _highs_core.HighsModelStatus.kOptimal:
            return None
        solution = self._highs.getSolution()
        x = np.asarray(solution.col_value)
        duals = np.maximum(-np.asarray(solution.row_dual), 0.0)
        n = self.n
        return x, Dual(duals[:n], list(self.cuts), duals[n:])


def _pairing_lp(n: int) -> _PairingLP:
    return _WarmPairingLP(n) if _highs_core is not None else _PairingLP(n)


def _positive(dual: Dual) -> Dual:
    keep = np.flatnonzero(dual.set_prices > 0)
    return Dual(dual.prices, [dual.odd_sets[k] for k in keep.tolist()], dual.set_prices[keep])


def _linkage_cuts(
    k: int, la: IntArray, lb: IntArray, x: FloatArray, reduced: FloatArray
) -> list[IntArray]:
    """Odd sets violated by ``x`` among the groups of people joined by pairs of reduced
    cost at most ``t``, for a few thresholds ``t``.

    Where the LP leaves an odd cycle inside a group of people who value each other (a
    cluster of odd size), the set that closes the gap is the whole group, not the cycle:
    cutting the cycle alone only moves the fractional part around the group, one round at
    a time. The groups of a single-linkage clustering by reduced cost (components of a
    minimum spanning tree cut at ``t``) hold such sets; every one that ``x`` violates is a
    valid cut.
    """
    scale = max(float(np.abs(reduced).max()), 1e-12)
    graph = sp.csr_matrix((np.maximum(reduced, 0.0) + 1e-9 * scale, (la, lb)), shape=(k, k))
    tree = minimum_spanning_tree(graph).tocoo()
    levels = np.unique(tree.data)
    if levels.size > _LINKAGE_LEVELS:
        levels = np.unique(
            np.quantile(levels, np.linspace(0.0, 1.0, _LINKAGE_LEVELS), method="higher")
        )
    support = x > 1e-9
    sa, sb, sx = la[support], lb[support], x[support]
    found: list[IntArray] = []
    for level in levels.tolist():
        keep = tree.data <= level
        joined = sp.csr_matrix(
            (np.ones(int(keep.sum())), (tree.row[keep], tree.col[keep])), shape=(k, k)
        )
        count, label = connected_components(joined, directed=False)
        size = np.bincount(label, minlength=count)
        same = label[sa] == label[sb]
        load = np.bincount(label[sa[same]], weights=sx[same], minlength=count)
        bad = np.flatnonzero((size % 2 == 1) & (size > 1) & (load > (size - 1) / 2 + 1e-7))
        for comp in bad.tolist():
            found.append(np.flatnonzero(label == comp))
    return found


# Capacities of the cut problem in fixed point (scipy's maximum_flow takes integers).
_FLOW_SCALE = 1 << 20


def _min_odd_cuts(k: int, la: IntArray, lb: IntArray, x: FloatArray) -> list[IntArray]:
    """Violated odd sets by exact separation (Padberg and Rao), for when the quick ones find
    none: per component of the support of ``x``, a Gomory-Hu tree (Gusfield's method,
    with scipy's ``maximum_flow``) of the graph with capacity ``x`` on every pair and
    ``1 - x(δ(v))`` from each person to one extra node; a set ``S`` of odd size violates
    its inequality exactly when its cut weighs less than 1, and the least such cut is
    among the cuts found. Each cut found is checked against ``x`` itself before use.
    """
    support = x > 1e-9
    fa, fb, fx = la[support], lb[support], x[support]
    graph = sp.csr_matrix((np.ones(fa.size), (fa, fb)), shape=(k, k))
    count, label = connected_components(graph, directed=False)
    load = np.bincount(fa, fx, k) + np.bincount(fb, fx, k)
    fractional = fx < 1 - 1e-7
    wanted = np.zeros(count, dtype=bool)
    wanted[label[fa[fractional]]] = True
    by_comp = np.argsort(label[fa], kind="stable")
    starts = np.searchsorted(label[fa][by_comp], np.arange(count + 1))
    found: list[IntArray] = []
    for comp in np.flatnonzero(wanted).tolist():
        nodes = np.flatnonzero(label == comp)
        size = nodes.size
        local = np.full(k, -1, dtype=np.intp)
        local[nodes] = np.arange(size)
        es = by_comp[starts[comp] : starts[comp + 1]]
        ea, eb, ex = local[fa[es]], local[fb[es]], fx[es]
        slack = np.maximum(1.0 - load[nodes], 0.0)
        ua = np.concatenate([ea, np.arange(size)])
        ub = np.concatenate([eb, np.full(size, size)])
        cap = np.round(np.concatenate([ex, slack]) * _FLOW_SCALE).astype(np.int32)
        keep = cap > 0
        ua, ub, cap = ua[keep], ub[keep], cap[keep]
        net = sp.csr_matrix(
            (np.concatenate([cap, cap]), (np.concatenate([ua, ub]), np.concatenate([ub, ua]))),
            shape=(size + 1, size + 1),
        ).astype(np.int32)
        net.sum_duplicates()
        parent = np.zeros(size + 1, dtype=np.intp)
        for i in range(1, size + 1):
            flow = maximum_flow(net, i, int(parent[i]))
            residual = (net - flow.flow).tocsr()
            residual.data = (residual.data > 0).astype(np.int8)
            residual.eliminate_zeros()
            reach = breadth_first_order(residual, i, directed=True, return_predecessors=False)
            side = np.zeros(size + 1, dtype=bool)
            side[reach] = True
            if flow.flow_value < _FLOW_SCALE:
                chosen = (~side if side[size] else side)[:size]
                if chosen.sum() % 2 == 1:
                    inside = chosen[ea] & chosen[eb]
                    if ex[inside].sum() > (chosen.sum() - 1) / 2 + 1e-7:
                        found.append(nodes[chosen])
            later = np.arange(size + 1) > i
            parent[later & side & (parent == parent[i])] = i
    return found
