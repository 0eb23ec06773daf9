"""Maximum-weight pairing in a general graph, with a proven upper bound: the public entry
points. The steps live in private modules: the graph and input checks
(:mod:`matching._graph`), the assignment relaxation (:mod:`matching._relaxation`), rounding
and improvement (:mod:`matching._rounding`), and exactness with odd-set cuts
(:mod:`matching._blossom`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from matching._blossom import (
    ADDED_COLUMNS,
    FIRST_COLUMNS,
    MAX_CANDIDATES,
    Certified,
    Dual,
    Pricer,
    prove,
    solve_by_columns,
    solve_candidates,
    tolerance,
)
from matching._graph import (
    Graph,
    check_dense,
    check_sparse,
    edge_weight,
    gain_blocks,
    graph_from_dense,
    graph_rows,
)
from matching._relaxation import pricing, safe_sum, sparse_relaxation
from matching._rounding import exact_small, improve, round_cycles

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# Up to this size the pairing is made exact and proven (see matching._blossom).
CERTIFY_LIMIT = 4000
# Up to this size the best pairing is found exactly, by dynamic programming over subsets.
EXACT_LIMIT = 12


@dataclass(frozen=True)
class PairingResult:
    """Pairs ``(i, j)`` with ``i < j`` sorted, who is left ``unmatched`` (sorted), the
    total ``weight`` of the pairs, and an ``upper_bound`` on the best possible total.

    ``exact`` is true when the pairing is proven to be a best one; ``upper_bound`` then
    equals ``weight`` (to within round-off of ``1e-9`` relative, see
    :mod:`matching._blossom`), and ``dual`` is the proof: a price per person and a price
    per odd set of people such that every allowed pair ``(i, j)`` has
    ``prices[i] + prices[j] + (prices of the sets holding both) >= w(i, j)``, with
    ``sum(prices) + sum(set price * (|S| - 1) / 2)`` equal to ``weight``. Anyone can check
    it without trusting the engine (see :func:`matching.checks.check_certificate`)."""

    pairs: list[tuple[int, int]]
    unmatched: list[int]
    weight: float
    upper_bound: float
    exact: bool = False
    dual: Dual | None = field(default=None, compare=False, repr=False)


def max_weight_pairs(
    weights: npt.ArrayLike,
    *,
    method: Literal["auto", "dense", "pricing"] = "auto",
    prove: bool = True,
) -> PairingResult:
    """Pair people so that the total weight of the pairs is as large as possible.

    Parameters
    ----------
    weights : array_like, shape (n, n)
        Symmetric weights; ``weights[i, j]`` is the value of pairing ``i`` with ``j``.
        ``-inf`` marks a forbidden pair; the diagonal is ignored. Only pairs of positive
        weight are ever formed: this maximises weight, not the number of pairs. To pair as
        many people as possible, add the same large bonus to every allowed pair.
    method : {"auto", "dense", "pricing"}, optional
        How the assignment relaxation is solved. ``"dense"`` solves it on every pair of
        positive weight; ``"pricing"`` (and ``"auto"``, the default) solves it on a sparse
        candidate graph (each person's best partners) and adds the pairs that its dual
        prices show to be missing until none is, which reaches the same optimum much
        faster.
    prove : bool, optional
        Make the pairing exact and prove it (default, up to ``CERTIFY_LIMIT`` people).
        ``False`` skips that step: for callers that combine many blocks, where the
        overall bound cannot be exact anyway.

    Returns
    -------
    PairingResult
        ``pairs`` with ``i < j``, ``unmatched`` people, ``weight`` (the sum of the pairs'
        weights), ``upper_bound`` (no pairing weighs more) and ``exact``. Up to
        ``n = CERTIFY_LIMIT`` (4,000) the pairing is made exact and proven so: ``exact``
        is true and ``upper_bound == weight``, from dual prices with odd-set terms that
        cover every pair (see :mod:`matching._blossom`), returned as ``dual``. Otherwise,
        or where that proof would take too long, ``upper_bound`` comes from the assignment
        relaxation and ``weight / upper_bound`` says how close to the best the pairing is
        at least.

    Raises
    ------
    ValueError
        If ``weights`` is not a square two-dimensional float matrix, is not symmetric,
        or contains NaN or ``+inf``.

    Notes
    -----
    Up to ``n = 12`` the best pairing is found by dynamic programming over subsets (the
    search is the proof: ``dual`` is ``None``). Deterministic: the same matrix always
    gives the same result. Proven exact in about a second or less at ``n = 2000`` on
    every shape of :mod:`matching.shapes` (see ``benchmarks/matching_shapes.py``).

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[0, 3, 1], [3, 0, 2], [1, 2, 0]], dtype=float)
    >>> max_weight_pairs(w).pairs
    [(0, 1)]
    """
    if method not in ("auto", "dense", "pricing"):
        raise ValueError(f"method must be 'auto', 'dense' or 'pricing', not {method!r}")
    w = check_dense(weights)
    n = w.shape[0]
    if n < 2:
        return PairingResult([], list(range(n)), 0.0, 0.0, True, _nobody(n))
    if n <= EXACT_LIMIT:
        gain = np.maximum(w, 0.0)
        np.fill_diagonal(gain, 0.0)
        graph = graph_from_dense(gain, gain > 0)
        mate = exact_small(gain)
        best = _result(mate, graph, 0.0)
        return PairingResult(best.pairs, best.unmatched, best.weight, best.weight, True)
    if method == "dense":
        gain = np.maximum(w, 0.0)
        np.fill_diagonal(gain, 0.0)
        graph = graph_from_dense(gain, gain > 0)
        if graph.data.size == 0:
            return PairingResult([], list(range(n)), 0.0, 0.0, True, _nobody(n))
        sigma, y = sparse_relaxation(graph)
        bound = safe_sum(y, graph)
    else:
        priced = pricing(w)
        if priced is None:
            return PairingResult([], list(range(n)), 0.0, 0.0, True, _nobody(n))
        graph, sigma, y, bound = priced
    mate = round_cycles(sigma, graph)
    mate = improve(mate, graph)
    if n > CERTIFY_LIMIT or not prove:
        return _result(mate, graph, bound)
    return _certify(
        mate,
        graph,
        y,
        bound,
        lambda gap: _dense_candidates(w, y, gap),
        _dense_pricer(w),
        lambda: _dense_first_columns(w, y),
    )


def max_weight_pairs_sparse(candidates: Any) -> PairingResult:
    """Pair people using only the candidate pairs given, as :func:`max_weight_pairs` does.

    Parameters
    ----------
    candidates : scipy.sparse matrix or array, shape (n, n)
        The pairs that may be formed: a stored entry ``(i, j)`` with weight ``w`` allows
        the pair with that weight, and must be stored with the same weight as ``(j, i)``.
        Pairs not stored are forbidden; stored entries of weight ``<= 0`` and the diagonal
        are ignored. Memory grows with the number of stored entries, not with ``n**2``.

    Returns
    -------
    PairingResult
        As :func:`max_weight_pairs`; ``upper_bound`` bounds the best pairing that uses only
        the candidate pairs.

    Raises
    ------
    ValueError
        If ``candidates`` is not a square sparse matrix, is not symmetric, or stores NaN or
        infinite weights.

    Notes
    -----
    Solves the assignment relaxation with
    :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching` and reads its dual
    prices off the optimal assignment, so the bound costs no more than the pairing.
    """
    graph = check_sparse(candidates)
    if graph.n < 2 or graph.data.size == 0:
        return PairingResult([], list(range(graph.n)), 0.0, 0.0)
    sigma, y = sparse_relaxation(graph)
    bound = safe_sum(y, graph)
    mate = round_cycles(sigma, graph)
    mate = improve(mate, graph)
    if graph.n > CERTIFY_LIMIT:
        return _result(mate, graph, bound)
    return _certify(
        mate,
        graph,
        y,
        bound,
        lambda gap: _graph_candidates(graph, y, gap),
        _graph_pricer(graph),
        lambda: _graph_first_columns(graph, y),
    )


def _nobody(n: int) -> Dual:
    # No pair of positive weight: prices of 0 cover every pair, and bound the weight 0.
    return Dual(np.zeros(n), [], np.zeros(0))


def _result(mate: IntArray, graph: Graph, bound: float) -> PairingResult:
    n = mate.size
    first = np.flatnonzero(mate > np.arange(n))
    pairs: list[tuple[int, int]] = []
    values: list[float] = []
    for i in first.tolist():
        value = edge_weight(graph, i, int(mate[i]))
        if value > 0:
            pairs.append((i, int(mate[i])))
            values.append(value)
    weight = float(math.fsum(values))
    paired = {v for pair in pairs for v in pair}
    unmatched = [i for i in range(n) if i not in paired]
    return PairingResult(pairs, unmatched, weight, float(max(bound, 0.0)))


# --- exactness ----------------------------------------------------------------------------


Candidates = tuple[IntArray, IntArray, FloatArray]


def _certify(
    mate: IntArray,
    graph: Graph,
    y: FloatArray,
    bound: float,
    candidates: Callable[[float], Candidates],
    price: Pricer,
    first_columns: Callable[[], Candidates],
) -> PairingResult:
    """Make the pairing exact and prove it, or keep it with the relaxation's bound.

    ``y`` are dual prices feasible for every allowed pair, ``bound`` their (padded) sum.
    ``candidates(gap)`` lists every pair whose reduced cost is at most ``gap``: the only
    pairs that any pairing heavier than the one in hand can use (see
    :mod:`matching._blossom`). The odd-set LP is solved by column generation over every
    pair (``price`` checks its duals against all of them, ``first_columns`` gives the
    first working graph), so that one dual covers every allowed pair. Only if that fails
    is the LP solved on the candidates, HiGHS's branch and cut finishing (then ``exact``
    rests on HiGHS's proof and ``dual`` is ``None`` unless its duals cover every pair).
    """
    first = _result(mate, graph, bound)
    gap = bound - first.weight
    if gap <= tolerance(first.weight):
        dual = Dual(y, [], np.zeros(0))
        return PairingResult(first.pairs, first.unmatched, first.weight, first.weight, True, dual)
    fa, fb, fc = first_columns()
    mine = np.array(first.pairs, dtype=np.intp).reshape(-1, 2)
    fa, fb = np.concatenate([fa, mine[:, 0]]), np.concatenate([fb, mine[:, 1]])
    fc = np.concatenate([fc, np.array([edge_weight(graph, i, j) for i, j in first.pairs])])
    columns = solve_by_columns(graph.n, fa, fb, fc, price)
    if columns is not None and columns[0].weight >= first.weight - tolerance(first.weight):
        return _found(columns[0], columns[1], graph.n)
    a, b, c = candidates(gap + tolerance(first.weight))
    if not 0 < a.size <= MAX_CANDIDATES:
        return first
    # Last resort: HiGHS on every candidate (its branch and cut if the cuts stall).
    found = solve_candidates(graph.n, a, b, c)
    if found is None or found.weight < first.weight - tolerance(first.weight):
        return first
    proof = _proof_of(found, price)
    if proof is not None:
        return _found(found, proof, graph.n)
    result = _found(found, None, graph.n)
    # A pairing that uses a pair outside the candidates weighs less than the first one.
    proven = found.weight if found.exact else min(bound, max(found.bound, first.weight))
    return PairingResult(result.pairs, result.unmatched, found.weight, proven, found.exact)


def _proof_of(found: Certified | None, price: Pricer) -> Dual | None:
    dual = _dual_of(found)
    return None if found is None or dual is None else prove(dual, price, found.weight)


def _dual_of(found: Certified | None) -> Dual | None:
    if found is None or not found.exact or found.prices is None:
        return None
    sets = found.odd_sets or []
    z = found.set_prices if found.set_prices is not None else np.zeros(0)
    keep = np.flatnonzero(z > 0).tolist()
    return Dual(found.prices, [sets[k] for k in keep], z[keep])


def _found(found: Certified, dual: Dual | None, n: int) -> PairingResult:
    # The pairs may lie outside ``graph`` (dense candidates): take their weights as found.
    order = np.argsort(np.minimum(found.a, found.b), kind="stable")
    pairs = [
        (min(i, j), max(i, j))
        for i, j in zip(found.a[order].tolist(), found.b[order].tolist(), strict=True)
    ]
    paired = np.zeros(n, dtype=bool)
    paired[found.a] = paired[found.b] = True
    unmatched = np.flatnonzero(~paired).tolist()
    return PairingResult(pairs, unmatched, found.weight, found.weight, dual is not None, dual)


def _dense_pricer(w: FloatArray) -> Pricer:
    """Reduced costs of every allowed pair of the dense matrix, in row blocks."""
    n = w.shape[0]
    tol = 1e-9 * max([1.0, *(float(block.max()) for _lo, block in gain_blocks(w))])

    def price(dual: Dual) -> tuple[FloatArray, IntArray, IntArray, FloatArray]:
        y = dual.prices
        member = dual.membership(n)
        weighted = member.multiply(dual.set_prices[None, :]).tocsr() if dual.odd_sets else None
        short = np.zeros(n)
        a_l: list[IntArray] = []
        b_l: list[IntArray] = []
        for lo, block in gain_blocks(w):
            rows = np.arange(lo, lo + block.shape[0])
            reduced = y[rows, None] + y[None, :] - block
            if weighted is not None:
                inside = (weighted[rows] @ member.T).tocoo()
                reduced[inside.row, inside.col] += inside.data
            reduced[block <= 0] = np.inf
            worst = reduced.min(axis=1)
            short[rows] = np.maximum(-worst, 0.0)
            bad = np.flatnonzero(worst < -tol)
            if bad.size == 0:
                continue
            sub = reduced[bad]
            k = min(ADDED_COLUMNS, n - 1)
            top = np.argpartition(sub, k - 1, axis=1)[:, :k]
            ok = (np.take_along_axis(sub, top, axis=1) < -tol).ravel()
            a_l.append(np.repeat(bad + lo, k)[ok])
            b_l.append(top.ravel()[ok].astype(np.intp))
        if not a_l:
            return short, np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0)
        return (short, *_pairs_of(np.concatenate(a_l), np.concatenate(b_l), n, w))

    return price


def _pairs_of(
    r: IntArray, col: IntArray, n: int, w: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    lo, hi = np.minimum(r, col), np.maximum(r, col)
    key = np.unique(lo * n + hi)
    a, b = (key // n).astype(np.intp), (key % n).astype(np.intp)
    return a, b, w[a, b]


def _dense_first_columns(w: FloatArray, y: FloatArray) -> Candidates:
    """Each person's FIRST_COLUMNS pairs of least reduced cost under ``y``."""
    n = w.shape[0]
    k = min(FIRST_COLUMNS, n - 1)
    a_l: list[IntArray] = []
    b_l: list[IntArray] = []
    for lo, block in gain_blocks(w):
        rows = np.arange(lo, lo + block.shape[0])
        reduced = y[rows, None] + y[None, :] - block
        reduced[block <= 0] = np.inf
        top = np.argpartition(reduced, k - 1, axis=1)[:, :k]
        ok = np.isfinite(np.take_along_axis(reduced, top, axis=1)).ravel()
        a_l.append(np.repeat(rows, k)[ok])
        b_l.append(top.ravel()[ok].astype(np.intp))
    return _pairs_of(np.concatenate(a_l), np.concatenate(b_l), n, w)


def _graph_pricer(graph: Graph) -> Pricer:
    rows = graph_rows(graph)
    upper = rows < graph.indices
    tol = 1e-9 * max(1.0, float(graph.data.max()))

    def price(dual: Dual) -> tuple[FloatArray, IntArray, IntArray, FloatArray]:
        y = dual.prices
        reduced = y[rows] + y[graph.indices] - graph.data
        if dual.odd_sets:
            member = dual.membership(graph.n)
            weighted = member.multiply(dual.set_prices[None, :]).tocsr()
            reduced += np.asarray(
                weighted[rows].multiply(member[graph.indices]).sum(axis=1)
            ).ravel()
        short = np.zeros(graph.n)
        np.maximum.at(short, rows, -reduced)
        bad = np.flatnonzero(upper & (reduced < -tol))
        # The most short first, at most ADDED_COLUMNS per person.
        bad = bad[np.lexsort((reduced[bad], rows[bad]))]
        rank = np.arange(bad.size) - np.searchsorted(rows[bad], rows[bad])
        bad = bad[rank < ADDED_COLUMNS]
        return short, rows[bad], graph.indices[bad], graph.data[bad]

    return price


def _graph_first_columns(graph: Graph, y: FloatArray) -> Candidates:
    rows = graph_rows(graph)
    reduced = y[rows] + y[graph.indices] - graph.data
    order = np.lexsort((reduced, rows))
    rank = np.arange(order.size) - graph.indptr[rows[order]]
    pick = order[rank < FIRST_COLUMNS]
    lo = np.minimum(rows[pick], graph.indices[pick])
    hi = np.maximum(rows[pick], graph.indices[pick])
    key = np.unique(lo * graph.n + hi)
    a, b = (key // graph.n).astype(np.intp), (key % graph.n).astype(np.intp)
    c = np.array([edge_weight(graph, i, j) for i, j in zip(a.tolist(), b.tolist(), strict=True)])
    return a, b, c


def _dense_candidates(w: FloatArray, y: FloatArray, gap: float) -> Candidates:
    """Every pair ``i < j`` of positive weight with ``y[i] + y[j] - w[i, j] <= gap``."""
    a_l: list[IntArray] = []
    b_l: list[IntArray] = []
    for lo, block in gain_blocks(w):
        rows = np.arange(lo, lo + block.shape[0])
        cheap = (block > 0) & (y[rows, None] + y[None, :] - block <= gap)
        cheap &= rows[:, None] < np.arange(w.shape[0])[None, :]
        r, col = np.nonzero(cheap)
        a_l.append((r + lo).astype(np.intp))
        b_l.append(col.astype(np.intp))
    a, b = np.concatenate(a_l), np.concatenate(b_l)
    return a, b, w[a, b]


def _graph_candidates(graph: Graph, y: FloatArray, gap: float) -> Candidates:
    rows = graph_rows(graph)
    cheap = (rows < graph.indices) & (y[rows] + y[graph.indices] - graph.data <= gap)
    return rows[cheap], graph.indices[cheap], graph.data[cheap]
