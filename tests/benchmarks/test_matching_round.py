from __future__ import annotations

import numpy as np
import pytest

from benchmarks import machine_speed
from benchmarks import matching_round as bench


def test_baselines_against_the_exact_optimum() -> None:
    w = bench.weights(60, 2)
    best = bench.exact(w)
    greedy = bench.greedy(w)
    shuffled = bench.random_pairs(w, 2)
    assert bench.violations(w, best) == 0
    assert bench.violations(w, greedy) == 0
    assert greedy.weight <= best.weight
    assert shuffled.weight <= best.weight
    assert len(shuffled.pairs) == 30


def test_compare_and_table() -> None:
    rows = bench.compare(40, True, 1)
    assert [r.method for r in rows] == ["engine", "exact (networkx)", "greedy", "random"]
    engine = rows[0]
    assert engine.optimum is not None and engine.weight == pytest.approx(engine.optimum)
    text = bench.table(rows)
    assert "exact (networkx)" in text and "100.0000%" in text


def test_weights_forbid_same_discipline() -> None:
    w = bench.weights(30, 3)
    assert np.array_equal(w, w.T)
    assert np.isneginf(w).any()


def test_machine_speed_reports_both_figures() -> None:
    line = machine_speed()
    assert line.startswith("machine: a Python loop of 2,000,000 additions in ")
    figures = [
        float(word) for word in line.replace(",", " ").split() if word[0].isdigit() and "." in word
    ]
    assert len(figures) == 2 and all(f > 0 for f in figures)
