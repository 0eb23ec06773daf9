"""Benchmarks: run each with ``python -m benchmarks.<name>`` (``make bench`` runs them all)."""

from __future__ import annotations

import time

import numpy as np


def machine_speed() -> str:
    """How fast this machine is at the two kinds of work the engine does, so that figures
    from different machines can be compared: a pure-Python loop and a numpy sort (the
    machines our sessions run on have differed by a factor of three)."""
    start = time.perf_counter()
    total = 0
    for k in range(2_000_000):
        total += k
    loop = time.perf_counter() - start
    values = np.random.default_rng(0).random(5_000_000)
    start = time.perf_counter()
    np.sort(values)
    sort = time.perf_counter() - start
    return (
        f"machine: a Python loop of 2,000,000 additions in {loop:.2f} s, "
        f"numpy sorts 5,000,000 floats in {sort:.2f} s"
    )
