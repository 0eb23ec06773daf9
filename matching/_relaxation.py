"""Step 1: the assignment relaxation, its dual prices and its bound.

The assignment problem on the symmetric weight matrix has an optimum at least twice the
weight of any pairing; half of it (the sum of symmetric dual prices ``y``) bounds the best
pairing from above. Solved with scipy's sparse LAPJV on a candidate graph, with pricing
(column generation) over the whole matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from matching._graph import Graph, gain_blocks, graph_from_edges, graph_rows

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# Candidates per person in the first sparse relaxation, and added per pricing round.
_FIRST_CANDIDATES = 24
_ADDED_CANDIDATES = 8
_PRICING_ROUNDS = 8

# Scaled weights stay below 2**24. Integer costs alone are not enough: at 2**40 the solver
# still looped on some instances; at 2**24 it finished 18,000 random instances that hang
# about one in 2,700 times with raw float costs (see tests/matching/test_pairs.py).
_INTEGER_BITS = 24


@dataclass(frozen=True)
class Potentials:
    """Optimal potentials of an assignment relaxation, in its integer units: ``row[i] +
    col[j] >= gain(i, j)`` on every arc, with equality on the assignment. They warm-start
    the next solve after arcs are added (see :func:`warm_relaxation`)."""

    scale: float
    row: FloatArray
    col: FloatArray


def sparse_relaxation(graph: Graph) -> tuple[IntArray, FloatArray]:
    """The assignment relaxation, solved on weights scaled to integers.

    scipy's sparse LAPJV (``min_weight_full_bipartite_matching``) can loop forever on
    costs that are not exactly representable (seen with weights such as 3.7); on
    integer-valued costs every comparison it makes is exact and it terminates. So the
    weights are scaled by a power of two and rounded (round-off below 2**-25 of the
    largest weight; weights that are multiples of a power of two, like the round scores,
    are unchanged), and the dual prices are then raised where the rounding left a real
    pair priced too low, so that ``y`` is feasible for the real weights.
    """
    sigma, y, _ = warm_relaxation(graph, None)
    return sigma, y


def warm_relaxation(
    graph: Graph, start: Potentials | None
) -> tuple[IntArray, FloatArray, Potentials]:
    """:func:`sparse_relaxation`, started from the potentials of an earlier solve on fewer
    arcs of the same people (``None``: from scratch), and the potentials of this one.

    LAPJV is given the reduced costs ``row[i] + col[j] - gain(i, j)`` of ``start``
    (shifted to be positive): the same optimum, since every assignment gains the same
    sum of potentials, but the arcs of the earlier optimum now cost the least, so that
    only the new arcs leave work (at 14,000 people with 25 arcs each, 0.4-0.5 s per solve
    instead of 1.0-1.6 s). Costs stay integers.
    """
    top = float(graph.data.max(initial=0.0))
    scale = 2.0 ** (_INTEGER_BITS - max(math.ceil(math.log2(top + 1.0)), 0))
    if start is not None and (start.scale != scale or start.row.size != graph.n):
        start = None  # another scale: the potentials would not be integers of this one
    scaled = Graph(graph.n, graph.indptr, graph.indices, np.round(graph.data * scale))
    sigma, p, q = _integer_assignment(scaled, start)
    y = np.maximum((p + q) / 2.0, 0.0)
    return sigma, feasible(y / scale, graph), Potentials(scale, p, q)


def feasible(y: FloatArray, graph: Graph) -> FloatArray:
    """Raise prices so that ``y[i] + y[j] >= w(i, j)`` on every edge of ``graph``."""
    rows = np.repeat(np.arange(graph.n, dtype=np.intp), np.diff(graph.indptr))
    short = graph.data - y[rows] - y[graph.indices]
    need = np.zeros(graph.n)
    np.maximum.at(need, rows, short)
    # An edge short by d is stored both ways, so each end is raised by at least d / 2.
    return y + need / 2.0


def integer_relaxation(graph: Graph) -> tuple[IntArray, FloatArray]:
    """Optimal assignment on the graph (plus staying alone) and dual prices ``y``.

    ``y`` is feasible for the pairing relaxation of the graph: ``y >= 0`` and
    ``y[i] + y[j] >= w(i, j)`` for every edge, with ``sum(y)`` equal to half the
    assignment optimum.
    """
    sigma, p, q = _integer_assignment(graph, None)
    return sigma, np.maximum((p + q) / 2.0, 0.0)


def _integer_assignment(
    graph: Graph, start: Potentials | None
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Optimal assignment ``sigma`` of the integer-weighted graph (plus staying alone,
    gain 0) and its row and column potentials ``p``, ``q`` (max form: ``p[i] + q[j] >=
    gain(i, j)``, equal on the assignment)."""
    n = graph.n
    # CSR with each row's arc to itself (staying alone, gain 0) in its sorted place, and
    # int32 indices: at 60,000 people with 25 arcs each, every array of the arcs is 13 MB.
    counts = np.diff(graph.indptr)
    arc_row = np.repeat(np.arange(n, dtype=np.int32), counts)
    below = np.bincount(arc_row[graph.indices < arc_row], minlength=n)
    at = graph.indptr[:-1] + below
    del below
    cols = np.insert(graph.indices.astype(np.int32), at, np.arange(n, dtype=np.int32))
    gain = np.insert(graph.data, at, 0.0)
    del at, arc_row
    indptr = graph.indptr + np.arange(n + 1)
    rows = np.repeat(np.arange(n, dtype=np.int32), counts + 1)
    if start is None:
        # Costs are kept positive so that no stored entry reads as a missing edge.
        cost = float(graph.data.max(initial=0.0)) + 1.0 - gain
    else:
        cost = start.row[rows] + start.col[cols]
        cost -= gain
        cost += 1.0 - min(float(cost.min()), 0.0)
    matrix = sp.csr_matrix((cost, cols, indptr), shape=(n, n))
    del cost
    r, c = min_weight_full_bipartite_matching(matrix)
    del matrix
    sigma = np.empty(n, dtype=np.intp)
    sigma[r] = c
    del r, c

    # Column prices v: shortest distances in the graph with an arc sigma(i) -> j of length
    # cost(i, j) - cost(i, sigma(i)) for every edge (i, j); optimality rules out negative
    # cycles, and Bellman-Ford (vectorised over the arcs) converges in a few dozen passes.
    assigned = np.zeros(n)
    is_assigned = cols == sigma[rows]
    assigned[rows[is_assigned]] = gain[is_assigned]
    del is_assigned
    length = assigned[rows] - gain  # (big - gain) - (big - assigned)
    del gain
    src = sigma[rows].astype(np.int32)
    del rows
    order = np.argsort(cols, kind="stable")
    src, dst, length = src[order], cols[order], length[order]
    del order, cols
    starts = np.flatnonzero(np.r_[True, dst[1:] != dst[:-1]])
    targets = dst[starts]
    del dst
    v = np.zeros(n)
    for _ in range(4 * n + 10):
        best = np.minimum.reduceat(v[src] + length, starts)
        new = v.copy()
        new[targets] = np.minimum(v[targets], best)
        if np.array_equal(new, v):
            break
        v = new
    # Row prices u[i] = gain(i, sigma(i)) - v'[sigma(i)] in the maximisation form with
    # column prices q = -v; the symmetric pairing prices are the mean of both roles.
    q = -v
    p = assigned - q[sigma]
    return sigma, p, q


def pricing(w: FloatArray) -> tuple[Graph, IntArray, FloatArray, float] | None:
    """Assignment relaxation of a dense matrix by column generation on sparse candidates.

    Starts from each person's best partners, solves the sparse relaxation, and adds every
    pair whose weight exceeds the sum of its dual prices; when none does, the sparse
    optimum is the dense one. The bound is the dual sum, raised where a pair is still
    priced too low after the last round, so it always holds for the whole matrix.
    Returns ``None`` when no pair has positive weight. The matrix is read in row blocks
    and never copied whole.
    """
    n = w.shape[0]
    k = min(_FIRST_CANDIDATES, n - 1)
    rows_l: list[IntArray] = []
    cols_l: list[IntArray] = []
    for lo, block in gain_blocks(w):
        top = np.argpartition(-block, k - 1, axis=1)[:, :k]
        rows_l.append(np.repeat(np.arange(lo, lo + block.shape[0], dtype=np.intp), k))
        cols_l.append(top.ravel().astype(np.intp))
    graph = graph_from_edges(w, np.concatenate(rows_l), np.concatenate(cols_l))
    if graph.data.size == 0:
        return None
    for attempt in range(_PRICING_ROUNDS + 1):
        sigma, y = sparse_relaxation(graph)
        worst, add_rows, add_cols = violations(w, y, _ADDED_CANDIDATES)
        if add_rows.size == 0 or attempt == _PRICING_ROUNDS:
            break
        rows = np.concatenate([graph_rows(graph), add_rows])
        cols = np.concatenate([graph.indices, add_cols])
        graph = graph_from_edges(w, rows, cols)
    y = y + np.maximum(worst, 0.0)
    return graph, sigma, y, safe_sum(y, graph)


def violations(w: FloatArray, y: FloatArray, per_row: int) -> tuple[FloatArray, IntArray, IntArray]:
    """Largest ``w[i, j] - y[i] - y[j]`` per row, and up to ``per_row`` violated pairs."""
    n = w.shape[0]
    worst = np.empty(n)
    add_rows: list[IntArray] = []
    add_cols: list[IntArray] = []
    tol = 1e-9 * max(1.0, float(y.max()))
    for lo, block in gain_blocks(w):
        slack = block - y[lo : lo + block.shape[0], None]
        slack -= y[None, :]
        worst[lo : lo + block.shape[0]] = slack.max(axis=1)
        bad_rows = np.flatnonzero(worst[lo : lo + block.shape[0]] > tol)
        if bad_rows.size == 0:
            continue
        sub = slack[bad_rows]
        k = min(per_row, n - 1)
        top = np.argpartition(-sub, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(sub, top, axis=1)
        ok = (vals > tol).ravel()
        add_rows.append(np.repeat(bad_rows + lo, k)[ok])
        add_cols.append(top.ravel()[ok].astype(np.intp))
    if not add_rows:
        return worst, np.empty(0, np.intp), np.empty(0, np.intp)
    return worst, np.concatenate(add_rows), np.concatenate(add_cols)


def safe_sum(y: FloatArray, graph: Graph) -> float:
    # Rounding in the dual prices must never let the bound dip below a true optimum.
    scale = float(graph.data.max()) if graph.data.size else 0.0
    return float(math.fsum(y)) + graph.n * 8 * float(np.finfo(float).eps) * scale
