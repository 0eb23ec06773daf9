from __future__ import annotations

import math

import numpy as np
import pytest

from matching._graph import Graph, graph_from_dense, graph_rows
from matching._relaxation import Potentials, sparse_relaxation, warm_relaxation
from matching.scoring import FloatArray, IntArray


def random_graph(seed: int, n: int, density: float, step: float | None) -> tuple[Graph, Graph]:
    """A random symmetric graph and a subgraph of about half its edges (same people).
    ``step``: weights are multiples of it (many ties), or any real number when ``None``."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 40.0, (n, n))
    if step is not None:
        w = np.round(w / step) * step
    w = np.triu(w, 1)
    w = w + w.T
    edge = np.triu(rng.random((n, n)) < density, 1)
    keep = edge & np.triu(rng.random((n, n)) < 0.5, 1)
    full = graph_from_dense(w, edge | edge.T)
    half = graph_from_dense(w, keep | keep.T)
    return full, half


def assignment_gain(graph: Graph, sigma: IntArray) -> float:
    rows = graph_rows(graph)
    on = graph.indices == sigma[rows]
    return math.fsum(graph.data[on].tolist())


def covers(graph: Graph, y: FloatArray) -> bool:
    rows = graph_rows(graph)
    return bool(np.all(y[rows] + y[graph.indices] >= graph.data - 1e-9)) and bool(np.all(y >= 0))


@pytest.mark.parametrize("step", [None, 0.25, 1.0])
@pytest.mark.parametrize(("n", "seed"), [(30, 1), (120, 2), (400, 3)])
def test_a_warm_start_reaches_the_same_optimum(n: int, seed: int, step: float | None) -> None:
    # Solved on half the edges, then on all of them from the first solve's potentials:
    # the same assignment value and the same bound as from scratch, prices that cover
    # every edge.
    full, half = random_graph(seed, n, 0.2, step)
    _, _, start = warm_relaxation(half, None)
    sigma_warm, y_warm, again = warm_relaxation(full, start)
    sigma_cold, y_cold = sparse_relaxation(full)
    assert np.array_equal(np.sort(sigma_warm), np.arange(n))
    assert assignment_gain(full, sigma_warm) == pytest.approx(
        assignment_gain(full, sigma_cold), rel=1e-12
    )
    assert covers(full, y_warm)
    assert float(y_warm.sum()) == pytest.approx(float(y_cold.sum()), rel=1e-9)
    assert float(y_warm.sum()) == pytest.approx(assignment_gain(full, sigma_warm) / 2, rel=1e-6)
    # The potentials returned are optimal for the full graph: the next warm start from
    # them changes nothing.
    sigma_same, y_same, _ = warm_relaxation(full, again)
    assert assignment_gain(full, sigma_same) == pytest.approx(
        assignment_gain(full, sigma_warm), rel=1e-12
    )
    assert float(y_same.sum()) == pytest.approx(float(y_warm.sum()), rel=1e-9)


def test_potentials_of_another_scale_or_size_are_ignored() -> None:
    full, half = random_graph(7, 80, 0.3, 0.25)
    _, y_cold = sparse_relaxation(full)
    _, _, start = warm_relaxation(half, None)
    for wrong in (
        Potentials(start.scale * 2, start.row, start.col),
        Potentials(start.scale, start.row[:-1], start.col[:-1]),
    ):
        _, y, used = warm_relaxation(full, wrong)
        assert float(y.sum()) == pytest.approx(float(y_cold.sum()), rel=1e-9)
        assert used.scale != wrong.scale or used.row.size == full.n
        assert covers(full, y)


def test_potentials_are_optimal_duals_of_the_assignment() -> None:
    # row[i] + col[j] >= gain(i, j) on every arc (and staying alone, gain 0), equal on
    # the assignment; in the scaled integer units.
    full, _ = random_graph(11, 150, 0.15, None)
    sigma, _, pot = warm_relaxation(full, None)
    gain = np.round(full.data * pot.scale)
    rows = graph_rows(full)
    slack = pot.row[rows] + pot.col[full.indices] - gain
    assert slack.min() >= 0
    assert np.all(pot.row + pot.col >= 0)
    alone = sigma == np.arange(full.n)
    on = full.indices == sigma[rows]
    assert np.all(slack[on] == 0)
    assert np.all((pot.row + pot.col)[alone] == 0)
