"""The weighted graph the engine works on, and the checks that build it from input.

Private to :mod:`matching`: a symmetric CSR graph of the pairs worth forming.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Graph:
    """Symmetric CSR graph of the pairs worth forming (positive weight), no self-loops."""

    n: int
    indptr: IntArray
    indices: IntArray
    data: FloatArray

    def neighbours(self, i: int) -> tuple[IntArray, FloatArray]:
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.indices[lo:hi], self.data[lo:hi]


def check_dense(weights: npt.ArrayLike) -> FloatArray:
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


def check_sparse(candidates: Any) -> Graph:
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
    return csr(n, row[keep], col[keep], data[keep])


def csr(n: int, row: IntArray, col: IntArray, data: FloatArray) -> Graph:
    # One stable sort on a combined key: the same order as lexsort((col, row)), faster.
    order = np.argsort(row.astype(np.int64) * max(n, 1) + col, kind="stable")
    row, col, data = row[order], col[order], data[order]
    indptr = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    return Graph(n, indptr, col.astype(np.intp), data)


def graph_from_dense(gain: FloatArray, positive: npt.NDArray[np.bool_]) -> Graph:
    row, col = np.nonzero(positive)
    return csr(gain.shape[0], row.astype(np.intp), col.astype(np.intp), gain[row, col])


def gain_blocks(w: FloatArray, size: int = 1024) -> Iterator[tuple[int, FloatArray]]:
    """Row blocks of the matrix with non-positive weights and the diagonal set to 0."""
    n = w.shape[0]
    for lo in range(0, n, size):
        block = np.maximum(w[lo : lo + size], 0.0)
        local = np.arange(block.shape[0])
        block[local, lo + local] = 0.0
        yield lo, block


def graph_rows(graph: Graph) -> IntArray:
    return np.repeat(np.arange(graph.n, dtype=np.intp), np.diff(graph.indptr))


def graph_from_edges(w: FloatArray, rows: IntArray, cols: IntArray) -> Graph:
    """Symmetric graph of the given (row, col) pairs that have positive weight."""
    n = w.shape[0]
    both_r = np.concatenate([rows, cols])
    both_c = np.concatenate([cols, rows])
    key = np.sort(both_r * n + both_c)
    key = key[np.r_[True, key[1:] != key[:-1]]]
    r, c = key // n, key % n
    values = w[r, c]
    keep = (values > 0) & (r != c)
    return csr(n, r[keep].astype(np.intp), c[keep].astype(np.intp), values[keep])


def edge_weight(graph: Graph, i: int, j: int) -> float:
    nbrs, wts = graph.neighbours(i)
    k = int(np.searchsorted(nbrs, j))
    if k < nbrs.size and nbrs[k] == j:
        return float(wts[k])
    return 0.0
