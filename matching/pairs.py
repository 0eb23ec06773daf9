"""Maximum-weight pairing in a general graph, with a proven upper bound.

The pairing is rounded from the assignment relaxation: the assignment problem on the
symmetric weight matrix has an optimum at least twice the weight of any pairing, so half of
it bounds the best pairing from above. Its permutation splits into cycles; each cycle gives
its best pairs (an even cycle one of its alternating halves, an odd cycle all but one of its
people), and short augmenting paths then re-match whoever was left over. Up to
``CERTIFY_LIMIT`` people the result is then made exact and proven with odd-set cuts on the
few pairs the relaxation's prices leave open (:mod:`matching._blossom`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from matching._blossom import solve_candidates, tolerance

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# Up to this size the pairing is made exact and proven (see matching._blossom).
CERTIFY_LIMIT = 4000
# Up to this size the best pairing is found exactly, by dynamic programming over subsets.
EXACT_LIMIT = 12
# Candidates per person in the first sparse relaxation, and added per pricing round.
_FIRST_CANDIDATES = 24
_ADDED_CANDIDATES = 8
_PRICING_ROUNDS = 8


@dataclass(frozen=True)
class PairingResult:
    """Pairs ``(i, j)`` with ``i < j`` sorted, who is left ``unmatched`` (sorted), the
    total ``weight`` of the pairs, and an ``upper_bound`` on the best possible total.

    ``exact`` is true when the pairing is proven to be a best one; ``upper_bound`` then
    equals ``weight`` (to within round-off of ``1e-9`` relative, see
    :mod:`matching._blossom`)."""

    pairs: list[tuple[int, int]]
    unmatched: list[int]
    weight: float
    upper_bound: float
    exact: bool = False


@dataclass(frozen=True)
class _Graph:
    """Symmetric CSR graph of the pairs worth forming (positive weight), no self-loops."""

    n: int
    indptr: IntArray
    indices: IntArray
    data: FloatArray

    def neighbours(self, i: int) -> tuple[IntArray, FloatArray]:
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.indices[lo:hi], self.data[lo:hi]


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
        cover every pair (see :mod:`matching._blossom`). Otherwise, or where that proof
        would take too long, ``upper_bound`` comes from the assignment relaxation and
        ``weight / upper_bound`` says how close to the best the pairing is at least.

    Raises
    ------
    ValueError
        If ``weights`` is not a square two-dimensional float matrix, is not symmetric,
        or contains NaN or ``+inf``.

    Notes
    -----
    Up to ``n = 12`` the best pairing is found by dynamic programming over subsets.
    Deterministic: the same matrix always gives the same result. Runs in well under a
    second for round scores at ``n = 2000`` (see ``benchmarks/matching_shapes.py``).

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[0, 3, 1], [3, 0, 2], [1, 2, 0]], dtype=float)
    >>> max_weight_pairs(w).pairs
    [(0, 1)]
    """
    if method not in ("auto", "dense", "pricing"):
        raise ValueError(f"method must be 'auto', 'dense' or 'pricing', not {method!r}")
    w = _check_dense(weights)
    n = w.shape[0]
    if n < 2:
        return PairingResult([], list(range(n)), 0.0, 0.0, True)
    if n <= EXACT_LIMIT:
        gain = np.maximum(w, 0.0)
        np.fill_diagonal(gain, 0.0)
        graph = _graph_from_dense(gain, gain > 0)
        mate = _exact_small(gain)
        best = _result(mate, graph, 0.0)
        return PairingResult(best.pairs, best.unmatched, best.weight, best.weight, True)
    if method == "dense":
        gain = np.maximum(w, 0.0)
        np.fill_diagonal(gain, 0.0)
        graph = _graph_from_dense(gain, gain > 0)
        if graph.data.size == 0:
            return PairingResult([], list(range(n)), 0.0, 0.0, True)
        sigma, y = _sparse_relaxation(graph)
        bound = _safe_sum(y, graph)
    else:
        priced = _pricing(w)
        if priced is None:
            return PairingResult([], list(range(n)), 0.0, 0.0, True)
        graph, sigma, y, bound = priced
    mate = _round_cycles(sigma, graph)
    mate = _improve(mate, graph)
    if n > CERTIFY_LIMIT or not prove:
        return _result(mate, graph, bound)
    return _certify(mate, graph, y, bound, lambda gap: _dense_candidates(w, y, gap))


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
    graph = _check_sparse(candidates)
    if graph.n < 2 or graph.data.size == 0:
        return PairingResult([], list(range(graph.n)), 0.0, 0.0)
    sigma, y = _sparse_relaxation(graph)
    bound = _safe_sum(y, graph)
    mate = _round_cycles(sigma, graph)
    mate = _improve(mate, graph)
    if graph.n > CERTIFY_LIMIT:
        return _result(mate, graph, bound)
    return _certify(mate, graph, y, bound, lambda gap: _graph_candidates(graph, y, gap))


# --- input checks ---------------------------------------------------------------------


def _check_dense(weights: npt.ArrayLike) -> FloatArray:
    if sp.issparse(weights):
        raise ValueError("weights must be a dense array; use max_weight_pairs_sparse")
    w = np.asarray(weights)
    if w.ndim != 2:
        raise ValueError(f"weights must be a 2-D matrix, got {w.ndim} dimension(s)")
    if w.shape[0] != w.shape[1]:
        raise ValueError(f"weights must be square, got shape {w.shape}")
    if w.dtype.kind not in "biuf":
        raise ValueError(f"weights must be real numbers, got dtype {w.dtype}")
    # No copy when the caller passes float64 already: large matrices are only read.
    w = np.asarray(w, dtype=np.float64)
    n = w.shape[0]
    tile = 512
    for lo in range(0, n, tile):
        rows = w[lo : lo + tile]
        if np.isnan(rows).any():
            raise ValueError("weights must not contain NaN")
        if np.isposinf(rows).any():
            raise ValueError("weights must not contain +inf (use -inf for forbidden pairs)")
    for lo in range(0, n, tile):
        for hi in range(lo, n, tile):
            if not np.array_equal(
                w[lo : lo + tile, hi : hi + tile], w[hi : hi + tile, lo : lo + tile].T
            ):
                raise ValueError("weights must be symmetric")
    return w


def _check_sparse(candidates: Any) -> _Graph:
    if not sp.issparse(candidates):
        raise ValueError("candidates must be a scipy.sparse matrix")
    if candidates.ndim != 2 or candidates.shape[0] != candidates.shape[1]:
        raise ValueError(f"candidates must be square, got shape {candidates.shape}")
    if candidates.dtype.kind not in "biuf":
        raise ValueError(f"candidates must be real numbers, got dtype {candidates.dtype}")
    coo = sp.coo_matrix(candidates)
    coo.sum_duplicates()
    data = coo.data.astype(np.float64)
    if np.isnan(data).any():
        raise ValueError("candidates must not contain NaN")
    if np.isinf(data).any():
        raise ValueError("candidates must not contain infinite weights (leave pairs out)")
    n = coo.shape[0]
    row, col = coo.row.astype(np.intp), coo.col.astype(np.intp)
    keep = (row != col) & (data != 0)
    row, col, data = row[keep], col[keep], data[keep]
    forward = np.lexsort((col, row))
    backward = np.lexsort((row, col))
    same = (
        np.array_equal(row[forward], col[backward])
        and np.array_equal(col[forward], row[backward])
        and np.array_equal(data[forward], data[backward])
    )
    if not same:
        raise ValueError("candidates must be symmetric")
    keep = data > 0
    return _csr(n, row[keep], col[keep], data[keep])


def _csr(n: int, row: IntArray, col: IntArray, data: FloatArray) -> _Graph:
    order = np.lexsort((col, row))
    row, col, data = row[order], col[order], data[order]
    indptr = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    return _Graph(n, indptr, col.astype(np.intp), data)


def _graph_from_dense(gain: FloatArray, positive: npt.NDArray[np.bool_]) -> _Graph:
    row, col = np.nonzero(positive)
    return _csr(gain.shape[0], row.astype(np.intp), col.astype(np.intp), gain[row, col])


# --- the relaxation ---------------------------------------------------------------------


# Scaled weights stay below 2**24. Integer costs alone are not enough: at 2**40 the solver
# still looped on some instances; at 2**24 it finished 18,000 random instances that hang
# about one in 2,700 times with raw float costs (see tests/matching/test_pairs.py).
_INTEGER_BITS = 24


def _sparse_relaxation(graph: _Graph) -> tuple[IntArray, FloatArray]:
    """The assignment relaxation, solved on weights scaled to integers.

    scipy's sparse LAPJV (``min_weight_full_bipartite_matching``) can loop forever on
    costs that are not exactly representable (seen with weights such as 3.7); on
    integer-valued costs every comparison it makes is exact and it terminates. So the
    weights are scaled by a power of two and rounded (round-off below 2**-25 of the
    largest weight; weights that are multiples of a power of two, like the round scores,
    are unchanged), and the dual prices are then raised where the rounding left a real
    pair priced too low, so that ``y`` is feasible for the real weights.
    """
    top = float(graph.data.max())
    scale = 2.0 ** (_INTEGER_BITS - max(math.ceil(math.log2(top + 1.0)), 0))
    scaled = _Graph(graph.n, graph.indptr, graph.indices, np.round(graph.data * scale))
    sigma, y = _integer_relaxation(scaled)
    return sigma, _feasible(y / scale, graph)


def _feasible(y: FloatArray, graph: _Graph) -> FloatArray:
    """Raise prices so that ``y[i] + y[j] >= w(i, j)`` on every edge of ``graph``."""
    rows = np.repeat(np.arange(graph.n, dtype=np.intp), np.diff(graph.indptr))
    short = graph.data - y[rows] - y[graph.indices]
    need = np.zeros(graph.n)
    np.maximum.at(need, rows, short)
    # An edge short by d is stored both ways, so each end is raised by at least d / 2.
    return y + need / 2.0


def _integer_relaxation(graph: _Graph) -> tuple[IntArray, FloatArray]:
    """Optimal assignment on the graph (plus staying alone) and dual prices ``y``.

    ``y`` is feasible for the pairing relaxation of the graph: ``y >= 0`` and
    ``y[i] + y[j] >= w(i, j)`` for every edge, with ``sum(y)`` equal to half the
    assignment optimum.
    """
    n = graph.n
    big = float(graph.data.max()) + 1.0
    row = np.repeat(np.arange(n, dtype=np.intp), np.diff(graph.indptr))
    rows = np.concatenate([row, np.arange(n, dtype=np.intp)])
    cols = np.concatenate([graph.indices, np.arange(n, dtype=np.intp)])
    gain = np.concatenate([graph.data, np.zeros(n)])
    # Costs are kept positive so that no stored entry reads as a missing edge.
    cost = sp.csr_matrix((big - gain, (rows, cols)), shape=(n, n))
    r, c = min_weight_full_bipartite_matching(cost)
    sigma = np.empty(n, dtype=np.intp)
    sigma[r] = c

    # Column prices v: shortest distances in the graph with an arc sigma(i) -> j of length
    # cost(i, j) - cost(i, sigma(i)) for every edge (i, j); optimality rules out negative
    # cycles, and Bellman-Ford (vectorised over the arcs) converges in a few dozen passes.
    assigned = np.zeros(n)
    is_assigned = cols == sigma[rows]
    assigned[rows[is_assigned]] = gain[is_assigned]
    src = sigma[rows]
    length = assigned[rows] - gain  # (big - gain) - (big - assigned)
    order = np.argsort(cols, kind="stable")
    src, dst, length = src[order], cols[order], length[order]
    starts = np.flatnonzero(np.r_[True, dst[1:] != dst[:-1]])
    targets = dst[starts]
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
    y = np.maximum((p + q) / 2.0, 0.0)
    return sigma, y


def _pricing(w: FloatArray) -> tuple[_Graph, IntArray, FloatArray, float] | None:
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
    for lo, block in _gain_blocks(w):
        top = np.argpartition(-block, k - 1, axis=1)[:, :k]
        rows_l.append(np.repeat(np.arange(lo, lo + block.shape[0], dtype=np.intp), k))
        cols_l.append(top.ravel().astype(np.intp))
    graph = _graph_from_edges(w, np.concatenate(rows_l), np.concatenate(cols_l))
    if graph.data.size == 0:
        return None
    for attempt in range(_PRICING_ROUNDS + 1):
        sigma, y = _sparse_relaxation(graph)
        worst, add_rows, add_cols = _violations(w, y, _ADDED_CANDIDATES)
        if add_rows.size == 0 or attempt == _PRICING_ROUNDS:
            break
        rows = np.concatenate([graph_rows(graph), add_rows])
        cols = np.concatenate([graph.indices, add_cols])
        graph = _graph_from_edges(w, rows, cols)
    y = y + np.maximum(worst, 0.0)
    return graph, sigma, y, _safe_sum(y, graph)


def _gain_blocks(w: FloatArray, size: int = 1024) -> Iterator[tuple[int, FloatArray]]:
    """Row blocks of the matrix with non-positive weights and the diagonal set to 0."""
    n = w.shape[0]
    for lo in range(0, n, size):
        block = np.maximum(w[lo : lo + size], 0.0)
        local = np.arange(block.shape[0])
        block[local, lo + local] = 0.0
        yield lo, block


def graph_rows(graph: _Graph) -> IntArray:
    return np.repeat(np.arange(graph.n, dtype=np.intp), np.diff(graph.indptr))


def _graph_from_edges(w: FloatArray, rows: IntArray, cols: IntArray) -> _Graph:
    """Symmetric graph of the given (row, col) pairs that have positive weight."""
    n = w.shape[0]
    both_r = np.concatenate([rows, cols])
    both_c = np.concatenate([cols, rows])
    key = np.sort(both_r * n + both_c)
    key = key[np.r_[True, key[1:] != key[:-1]]]
    r, c = key // n, key % n
    values = w[r, c]
    keep = (values > 0) & (r != c)
    return _csr(n, r[keep].astype(np.intp), c[keep].astype(np.intp), values[keep])


def _violations(
    w: FloatArray, y: FloatArray, per_row: int
) -> tuple[FloatArray, IntArray, IntArray]:
    """Largest ``w[i, j] - y[i] - y[j]`` per row, and up to ``per_row`` violated pairs."""
    n = w.shape[0]
    worst = np.empty(n)
    add_rows: list[IntArray] = []
    add_cols: list[IntArray] = []
    tol = 1e-9 * max(1.0, float(y.max()))
    for lo, block in _gain_blocks(w):
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


def _safe_sum(y: FloatArray, graph: _Graph) -> float:
    # Rounding in the dual prices must never let the bound dip below a true optimum.
    scale = float(graph.data.max()) if graph.data.size else 0.0
    return float(math.fsum(y)) + graph.n * 8 * float(np.finfo(float).eps) * scale


# --- from the relaxation to pairs -------------------------------------------------------


def _exact_small(gain: FloatArray) -> IntArray:
    """Best pairing of a few people: the lowest person of each subset stays alone or pairs."""
    n = gain.shape[0]
    values = gain.tolist()
    best: dict[int, tuple[float, int]] = {0: (0.0, -1)}

    def solve(mask: int) -> float:
        if mask in best:
            return best[mask][0]
        i = (mask & -mask).bit_length() - 1
        rest = mask & ~(1 << i)
        value, partner = solve(rest), -1
        for j in range(i + 1, n):
            if rest >> j & 1 and values[i][j] > 0:
                option = values[i][j] + solve(rest & ~(1 << j))
                if option > value:
                    value, partner = option, j
        best[mask] = (value, partner)
        return value

    mask = (1 << n) - 1
    solve(mask)
    mate = np.full(n, -1, dtype=np.intp)
    while mask:
        i = (mask & -mask).bit_length() - 1
        partner = best[mask][1]
        mask &= ~(1 << i)
        if partner >= 0:
            mate[i], mate[partner] = partner, i
            mask &= ~(1 << partner)
    return mate


def _edge_weight(graph: _Graph, i: int, j: int) -> float:
    nbrs, wts = graph.neighbours(i)
    k = int(np.searchsorted(nbrs, j))
    if k < nbrs.size and nbrs[k] == j:
        return float(wts[k])
    return 0.0


def _round_cycles(sigma: IntArray, graph: _Graph) -> IntArray:
    """Best pairs along each cycle of the permutation (exact dynamic programme per cycle)."""
    n = sigma.size
    mate = np.full(n, -1, dtype=np.intp)
    two = np.flatnonzero((sigma[sigma] == np.arange(n)) & (sigma != np.arange(n)))
    # The relaxation may also swap two people at no gain; only pairs worth forming count.
    two = np.array([i for i in two.tolist() if _edge_weight(graph, i, int(sigma[i])) > 0], np.intp)
    mate[two] = sigma[two]
    seen = np.zeros(n, dtype=bool)
    seen[two] = True
    seen[sigma == np.arange(n)] = True
    for start in np.flatnonzero(~seen):
        if seen[start]:
            continue
        cycle = [int(start)]
        seen[start] = True
        nxt = int(sigma[start])
        while nxt != start:
            cycle.append(nxt)
            seen[nxt] = True
            nxt = int(sigma[nxt])
        edges = [
            _edge_weight(graph, cycle[t], cycle[(t + 1) % len(cycle)]) for t in range(len(cycle))
        ]
        for t in _best_cycle_matching(edges):
            a, b = cycle[t], cycle[(t + 1) % len(cycle)]
            mate[a], mate[b] = b, a
    return mate


def _best_cycle_matching(edges: list[float]) -> list[int]:
    """Indices of the edges of a maximum-weight matching in a cycle with these edges."""

    def path(ws: list[float], offset: int) -> tuple[float, list[int]]:
        # Classic take-or-skip recurrence on a path of edges.
        best = [0.0] * (len(ws) + 1)
        for t, wt in enumerate(ws):
            take = (best[t - 1] if t >= 1 else 0.0) + wt if wt > 0 else -math.inf
            best[t + 1] = max(best[t], take)
        chosen: list[int] = []
        t = len(ws)
        while t > 0:
            if best[t] != best[t - 1]:
                chosen.append(offset + t - 1)
                t -= 2
            else:
                t -= 1
        return best[-1], chosen

    m = len(edges)
    without_first = path(edges[1:], 1)
    if edges[0] > 0 and m >= 3:
        rest = path(edges[2 : m - 1], 2)
        with_first = (edges[0] + rest[0], [0, *rest[1]])
        if with_first[0] > without_first[0]:
            return with_first[1]
    return without_first[1]


def _improve(mate: IntArray, graph: _Graph, depth: int = 12, passes: int = 50) -> IntArray:
    """Apply the best improving alternating paths from people left over, while any exists.

    An alternating path starts at a free person, takes a pair edge, gives up the partner's
    current pair, takes a new edge from the freed partner, and so on; it ends at another
    free person (one pair more) or just after freeing someone (the free place moves). The
    best gain of every path of at most ``depth`` new edges is found for all free people at
    once by a Bellman-Ford style recurrence over the edges; the paths that turn out simple
    and vertex-disjoint are applied, and the search repeats.
    """
    mate = mate.copy()
    n = graph.n
    src = graph_rows(graph)
    dst, wt = graph.indices, graph.data
    if wt.size == 0:
        return mate
    tol = 1e-9 * float(wt.max())
    for _ in range(passes):
        own = np.zeros(n)
        matched = mate >= 0
        # Weight of each person's current pair, read off the arcs to their mate.
        to_mate = dst == mate[src]
        own[src[to_mate]] = wt[to_mate]
        gain = np.where(~matched, 0.0, -np.inf)  # best gain of a path that frees this person
        root = np.where(~matched, np.arange(n), -1)
        pred_z = np.full(n, -1, dtype=np.intp)  # the path entered mate[x] via arc z -> x
        pred_x = np.full(n, -1, dtype=np.intp)
        # Arcs z -> x into a matched x, other than z's own pair.
        into = matched[dst] & (mate[src] != dst)
        a_src, a_dst, a_wt = src[into], dst[into], wt[into]
        freed = mate[a_dst]
        for _ in range(depth):
            cand = gain[a_src] + a_wt - own[a_dst]
            ok = (cand > gain[freed] + tol) & (root[a_src] >= 0) & (freed != root[a_src])
            if not ok.any():
                break
            order = np.flatnonzero(ok)
            order = order[np.lexsort((-cand[order], freed[order]))]
            first = order[np.r_[True, freed[order][1:] != freed[order][:-1]]]
            tgt = freed[first]
            gain[tgt] = cand[first]
            root[tgt] = root[a_src[first]]
            pred_z[tgt] = a_src[first]
            pred_x[tgt] = a_dst[first]
        # Ends: at a free person (one more pair), or at a freed person (a move).
        end_free = (~matched[dst]) & (root[src] >= 0) & (root[src] != dst) & (src != dst)
        options: list[tuple[float, int, int]] = []
        for k in np.flatnonzero(end_free & (gain[src] + wt > tol)).tolist():
            options.append((float(gain[src[k]] + wt[k]), int(src[k]), int(dst[k])))
        for v in np.flatnonzero(matched & (gain > tol) & (root >= 0)).tolist():
            options.append((float(gain[v]), v, -1))
        if not options:
            break
        options.sort(key=lambda o: (-o[0], o[1], o[2]))
        used = np.zeros(n, dtype=bool)
        applied = 0
        for _total, z, f in options:
            path = _trace(z, pred_z, pred_x, root, mate)
            if path is None:
                continue
            touched = np.array([v for step in path for v in step] + [z] + ([f] if f >= 0 else []))
            if used[touched].any() or np.unique(touched).size != touched.size:
                continue
            # Labels may have changed after a path was recorded: recount its real gain.
            real = sum(_edge_weight(graph, a, x) - own[x] for a, x in path)
            if f >= 0:
                real += _edge_weight(graph, z, f)
            if real <= tol:
                continue
            used[touched] = True
            _apply(mate, path, f)
            applied += 1
        if applied == 0:
            break
    return mate


def _trace(
    z: int, pred_z: IntArray, pred_x: IntArray, root: IntArray, mate: IntArray
) -> list[tuple[int, int]] | None:
    """The new edges (z_k, x_k) of the path that freed ``z``, from its root; ``None``
    when the recorded path is not simple."""
    steps: list[tuple[int, int]] = []
    seen = {z}
    cur = z
    while pred_z[cur] >= 0:
        zz, xx = int(pred_z[cur]), int(pred_x[cur])
        if zz in seen or xx in seen or len(steps) > 64:
            return None
        seen.update((zz, xx))
        steps.append((zz, xx))
        cur = zz
    if cur != root[z]:
        return None
    steps.reverse()
    # Each new edge (a, x) frees mate[x], which is where the next edge starts.
    for (_a, x), (nxt, _b) in itertools.pairwise(steps):
        if int(mate[x]) != nxt:
            return None
    if steps and int(mate[steps[-1][1]]) != z:
        return None
    return steps


def _apply(mate: IntArray, steps: list[tuple[int, int]], end: int) -> None:
    freed = [int(mate[x]) for _a, x in steps]
    for (a, x), m in zip(steps, freed, strict=True):
        mate[m] = -1
        mate[a], mate[x] = x, a
    if end >= 0 and freed:
        last = freed[-1]
        mate[last], mate[end] = end, last


def _result(mate: IntArray, graph: _Graph, bound: float) -> PairingResult:
    n = mate.size
    first = np.flatnonzero(mate > np.arange(n))
    pairs: list[tuple[int, int]] = []
    values: list[float] = []
    for i in first.tolist():
        value = _edge_weight(graph, i, int(mate[i]))
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
    graph: _Graph,
    y: FloatArray,
    bound: float,
    candidates: Callable[[float], Candidates],
) -> PairingResult:
    """Make the pairing exact and prove it, or keep it with the relaxation's bound.

    ``y`` are dual prices feasible for every allowed pair, ``bound`` their (padded) sum.
    ``candidates(gap)`` lists every pair whose reduced cost is at most ``gap``: the only
    pairs that any pairing heavier than the one in hand can use (see
    :mod:`matching._blossom`).
    """
    first = _result(mate, graph, bound)
    gap = bound - first.weight
    if gap <= tolerance(first.weight):
        return PairingResult(first.pairs, first.unmatched, first.weight, first.weight, True)
    a, b, c = candidates(gap + tolerance(first.weight))
    found = solve_candidates(graph.n, a, b, c)
    if found is None or found.weight < first.weight:
        return first
    # The pairs may lie outside ``graph`` (dense candidates): take their weights as found.
    order = np.argsort(np.minimum(found.a, found.b), kind="stable")
    pairs = [
        (min(i, j), max(i, j))
        for i, j in zip(found.a[order].tolist(), found.b[order].tolist(), strict=True)
    ]
    paired = np.zeros(graph.n, dtype=bool)
    paired[found.a] = paired[found.b] = True
    unmatched = np.flatnonzero(~paired).tolist()
    # A pairing that uses a pair outside the candidates weighs less than the first one.
    proven = found.weight if found.exact else min(bound, max(found.bound, first.weight))
    return PairingResult(pairs, unmatched, found.weight, proven, found.exact)


def _dense_candidates(w: FloatArray, y: FloatArray, gap: float) -> Candidates:
    """Every pair ``i < j`` of positive weight with ``y[i] + y[j] - w[i, j] <= gap``."""
    a_l: list[IntArray] = []
    b_l: list[IntArray] = []
    for lo, block in _gain_blocks(w):
        rows = np.arange(lo, lo + block.shape[0])
        cheap = (block > 0) & (y[rows, None] + y[None, :] - block <= gap)
        cheap &= rows[:, None] < np.arange(w.shape[0])[None, :]
        r, col = np.nonzero(cheap)
        a_l.append((r + lo).astype(np.intp))
        b_l.append(col.astype(np.intp))
    a, b = np.concatenate(a_l), np.concatenate(b_l)
    return a, b, w[a, b]


def _graph_candidates(graph: _Graph, y: FloatArray, gap: float) -> Candidates:
    rows = graph_rows(graph)
    cheap = (rows < graph.indices) & (y[rows] + y[graph.indices] - graph.data <= gap)
    return rows[cheap], graph.indices[cheap], graph.data[cheap]
