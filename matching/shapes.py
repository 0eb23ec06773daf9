"""Seeded weight matrices of many shapes, for the property tests and the benchmark.

The engine must be exact on every kind of score, not only on the project's own round
scores: weights and rules change (presets, pins, new themes, feedback). Every shape
returns a symmetric dense matrix with ``-inf`` for forbidden pairs (diagonal included).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from matching.profiles import RoundRules
from matching.scoring import encode, score_block
from matching.synthetic import NEIGHBOURS, TODAY, population

FloatArray = npt.NDArray[np.float64]


def _symmetric(upper: FloatArray, forbidden: npt.NDArray[np.bool_]) -> FloatArray:
    w = np.triu(upper, 1)
    w = w + w.T
    mask = np.triu(forbidden, 1)
    w[mask | mask.T] = -np.inf
    np.fill_diagonal(w, -np.inf)
    return w


def uniform(n: int, seed: int) -> FloatArray:
    """Uniform random weights in (0, 1), 30% of pairs forbidden."""
    rng = np.random.default_rng(seed)
    return _symmetric(rng.random((n, n)), rng.random((n, n)) < 0.3)


def geometric(n: int, seed: int) -> FloatArray:
    """Points in the unit square; weight falls with distance, far pairs forbidden (about
    12 allowed partners each)."""
    rng = np.random.default_rng(seed)
    points = rng.random((n, 2))
    reach = np.sqrt(12.0 / (np.pi * max(n, 1)))
    d = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=-1))
    return _symmetric(1.0 - d / reach, d >= reach)


def clustered(n: int, seed: int) -> FloatArray:
    """Groups of about 25 who value each other (weight about 10), little across groups
    (about 1); 20% of pairs forbidden."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, max(1, n // 25), n)
    same = group[:, None] == group[None, :]
    w = np.where(same, 10.0, 1.0) + rng.random((n, n))
    return _symmetric(w, rng.random((n, n)) < 0.2)


def heavy_tailed(n: int, seed: int) -> FloatArray:
    """Pareto weights (shape 1.2): a few pairs are worth far more than the rest."""
    rng = np.random.default_rng(seed)
    return _symmetric(rng.pareto(1.2, (n, n)) + 0.01, rng.random((n, n)) < 0.1)


def integer_ties(n: int, seed: int) -> FloatArray:
    """Whole numbers 1 to 4: many equally good pairings."""
    rng = np.random.default_rng(seed)
    return _symmetric(rng.integers(1, 5, (n, n)).astype(float), rng.random((n, n)) < 0.1)


def sparse(n: int, seed: int) -> FloatArray:
    """Most pairs forbidden (about 6 allowed partners each), whole weights 1 to 100."""
    rng = np.random.default_rng(seed)
    allowed = rng.random((n, n)) < 6.0 / max(n, 1)
    return _symmetric(rng.integers(1, 101, (n, n)).astype(float), ~allowed)


def attendees(
    n: int, seed: int, *, same_discipline: bool = False, history: bool = True
) -> FloatArray:
    """The round scores of a synthetic population (see :mod:`matching.synthetic`)."""
    people = population(n, seed, history=history)
    rules = RoundRules(allow_same_discipline=same_discipline)
    enc = encode(people, neighbours=NEIGHBOURS, kept_apart=(), today=TODAY, rules=rules)
    everyone = np.arange(n, dtype=np.intp)
    w = np.empty((n, n))
    for lo in range(0, n, 1000):
        w[lo : lo + 1000] = score_block(enc, everyone[lo : lo + 1000], everyone)
    return w


SHAPES: dict[str, Callable[[int, int], FloatArray]] = {
    "uniform": uniform,
    "geometric": geometric,
    "clustered": clustered,
    "heavy_tailed": heavy_tailed,
    "integer_ties": integer_ties,
    "sparse": sparse,
    "attendees": attendees,
    "attendees_no_history": lambda n, seed: attendees(n, seed, history=False),
    "attendees_same_discipline": lambda n, seed: attendees(n, seed, same_discipline=True),
    "attendees_same_discipline_no_history": lambda n, seed: attendees(
        n, seed, same_discipline=True, history=False
    ),
}
