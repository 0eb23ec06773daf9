"""The exact step's separation of odd-set cuts, on fractional points with a known answer."""

from __future__ import annotations

import numpy as np

from matching._blossom import _linkage_cuts, _min_odd_cuts, _violated_odd_sets


def five_cycle() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = np.array([0, 1, 2, 3, 0], dtype=np.intp)
    b = np.array([1, 2, 3, 4, 4], dtype=np.intp)
    return a, b, np.full(5, 0.5)


def test_exact_separation_finds_the_whole_odd_cycle() -> None:
    # x = 1/2 around a 5-cycle: only the set of all five is violated (2.5 > 2).
    a, b, x = five_cycle()
    found = _min_odd_cuts(5, a, b, x)
    assert [s.tolist() for s in found] == [[0, 1, 2, 3, 4]]


def test_exact_separation_finds_nothing_at_an_integral_point() -> None:
    a, b, _ = five_cycle()
    x = np.array([1.0, 0.0, 1.0, 0.0, 0.0])
    assert _min_odd_cuts(5, a, b, x) == []


def test_every_violated_triangle_is_found_by_both() -> None:
    # Two triangles at 1/2 joined by a pair at 0: each triangle is violated (1.5 > 1).
    a = np.array([0, 1, 0, 3, 4, 3, 2], dtype=np.intp)
    b = np.array([1, 2, 2, 4, 5, 5, 5], dtype=np.intp)
    x = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0])
    fractional = (x > 1e-7) & (x < 1 - 1e-7)
    quick = {tuple(s.tolist()) for s in _violated_odd_sets(6, a, b, x, fractional)}
    exact = {tuple(s.tolist()) for s in _min_odd_cuts(6, a, b, x)}
    assert quick == exact == {(0, 1, 2), (3, 4, 5)}


def test_linkage_finds_the_odd_group_around_a_cycle() -> None:
    # A triangle at 1/2 and a pair at 1 beside it, all cheap to each other, far from the
    # rest: the group of five is violated (1.5 + 1 > 2) and found as one set.
    a = np.array([0, 1, 0, 3, 0, 4, 5], dtype=np.intp)
    b = np.array([1, 2, 2, 4, 3, 5, 6], dtype=np.intp)
    x = np.array([0.5, 0.5, 0.5, 1.0, 0.0, 0.0, 1.0])
    reduced = np.array([0.0, 0.0, 0.0, 0.0, 0.1, 5.0, 0.0])
    found = {tuple(s.tolist()) for s in _linkage_cuts(7, a, b, x, reduced)}
    assert (0, 1, 2, 3, 4) in found
