"""Benchmark: this engine next to the exact optimum, a greedy baseline and random pairing.

Run ``python -m benchmarks.matching_round`` (about 3 minutes; ``--quick`` for a smoke run,
``--full`` adds the exact optimum at n = 2,000, about 11 more minutes). Populations come from
:mod:`matching.synthetic`; weights are the round scores of :func:`matching.plan_round`.
networkx (a development dependency) is imported here only.
"""

from __future__ import annotations

import argparse
import math
import os
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from benchmarks import machine_speed
from matching.checks import check_pairing, check_plan
from matching.pairs import PairingResult, max_weight_pairs
from matching.profiles import RoundPlan, RoundRules
from matching.rounds import plan_round
from matching.scoring import encode, score_block
from matching.synthetic import NEIGHBOURS, TODAY, population

T = TypeVar("T")
FloatArray = npt.NDArray[np.float64]


@dataclass
class Row:
    n: int
    method: str
    seconds: float
    peak_mb: float | None
    weight: float
    optimum: float | None
    bound: float | None
    violations: int


def measure(fn: Callable[[], T], memory: bool = True) -> tuple[T, float, float | None]:
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    peak = None
    if memory:
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return out, seconds, peak


def weights(n: int, seed: int) -> FloatArray:
    """The round scores of a synthetic population as a dense matrix (-inf: forbidden)."""
    people = population(n, seed)
    enc = encode(people, neighbours=NEIGHBOURS, kept_apart=(), today=TODAY, rules=RoundRules())
    everyone = np.arange(n, dtype=np.intp)
    w = np.empty((n, n))
    for lo in range(0, n, 1000):
        w[lo : lo + 1000] = score_block(enc, everyone[lo : lo + 1000], everyone)
    return w


def exact(w: FloatArray) -> PairingResult:
    import networkx as nx

    n = w.shape[0]
    rows, cols = np.nonzero(np.triu(w > 0, 1))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from(
        (int(i), int(j), float(w[i, j])) for i, j in zip(rows, cols, strict=True)
    )
    matching = nx.max_weight_matching(graph)
    pairs = sorted((min(i, j), max(i, j)) for i, j in matching)
    return _result(w, pairs)


def greedy(w: FloatArray) -> PairingResult:
    """Heaviest allowed pair first, as long as both are free."""
    rows, cols = np.nonzero(np.triu(w > 0, 1))
    order = np.argsort(-w[rows, cols], kind="stable")
    free = np.ones(w.shape[0], dtype=bool)
    pairs = []
    for i, j in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        if free[i] and free[j]:
            free[i] = free[j] = False
            pairs.append((i, j))
    return _result(w, sorted(pairs))


def random_pairs(w: FloatArray, seed: int) -> PairingResult:
    """Everyone paired at random, hard rules ignored (forbidden pairs count 0)."""
    order = np.random.default_rng(seed).permutation(w.shape[0])
    pairs = sorted(
        (int(min(a, b)), int(max(a, b))) for a, b in zip(order[0::2], order[1::2], strict=False)
    )
    return _result(w, pairs)


def _result(w: FloatArray, pairs: list[tuple[int, int]]) -> PairingResult:
    paired = {v for p in pairs for v in p}
    total = math.fsum(float(w[i, j]) for i, j in pairs if np.isfinite(w[i, j]))
    return PairingResult(pairs, [i for i in range(w.shape[0]) if i not in paired], total, math.nan)


def violations(w: FloatArray, result: PairingResult) -> int:
    people = [v for p in result.pairs for v in p]
    return sum(not np.isfinite(w[i, j]) for i, j in result.pairs) + len(people) - len(set(people))


def compare(n: int, with_exact: bool, seed: int) -> list[Row]:
    w = weights(n, seed)
    mine, t, peak = measure(lambda: max_weight_pairs(w))
    assert not check_pairing(w, mine), check_pairing(w, mine)
    best = None
    rows = []
    if with_exact:
        best, t_exact, _ = measure(lambda: exact(w), memory=False)
        rows.append(Row(n, "exact (networkx)", t_exact, None, best.weight, best.weight, None, 0))
    optimum = best.weight if best else None
    bound = mine.upper_bound
    rows.insert(0, Row(n, "engine", t, peak, mine.weight, optimum, bound, violations(w, mine)))
    g, t_g, p_g = measure(lambda: greedy(w))
    rows.append(Row(n, "greedy", t_g, p_g, g.weight, optimum, bound, violations(w, g)))
    r, t_r, p_r = measure(lambda: random_pairs(w, seed))
    rows.append(Row(n, "random", t_r, p_r, r.weight, optimum, bound, violations(w, r)))
    return rows


def dense_only(n: int, seed: int) -> Row:
    w = weights(n, seed)
    mine, t, peak = measure(lambda: max_weight_pairs(w))
    return Row(
        n, "engine (dense)", t, peak, mine.weight, None, mine.upper_bound, violations(w, mine)
    )


def round_row(n: int, seed: int) -> tuple[Row, RoundPlan]:
    people = population(n, seed)
    load = os.getloadavg()
    # Timed without tracemalloc (it slows the Python parts), then a second run for memory.
    plan, t, _ = measure(lambda: plan_round(people, today=TODAY, neighbours=NEIGHBOURS), False)
    _, _, peak = measure(lambda: plan_round(people, today=TODAY, neighbours=NEIGHBOURS))
    print(
        f"plan_round n={n:,}: {t:.2f} s at load average {tuple(round(v, 2) for v in load)} "
        f"(1, 5, 15 min, before), peak {peak:.0f} MB",
        flush=True,
    )
    bad = check_plan(people, plan, today=TODAY, neighbours=NEIGHBOURS)
    stats = plan.stats
    row = Row(n, "plan_round", t, peak, stats.weight, None, stats.upper_bound, len(bad))
    return row, plan


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(rows: list[Row]) -> str:
    head = (
        f"{'n':>7} {'method':<17} {'time s':>8} {'peak MB':>8} {'weight':>12} "
        f"{'of optimum':>10} {'of bound':>9} {'violations':>10}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        of_opt = r.weight / r.optimum if r.optimum else None
        of_bound = r.weight / r.bound if r.bound else None
        lines.append(
            f"{r.n:>7} {r.method:<17} {r.seconds:>8.2f} {_fmt(r.peak_mb, '>8.0f'):>8} "
            f"{r.weight:>12.1f} {_fmt(of_opt, '>10.4%'):>10} {_fmt(of_bound, '>9.4%'):>9} "
            f"{r.violations:>10}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.matching_round", description=__doc__
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes only (under a minute)")
    size.add_argument("--full", action="store_true", help="also the exact optimum at n = 2000")
    size.add_argument(
        "--round-only",
        action="store_true",
        help="only plan_round on 100,000 profiles (about a minute)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    exact_sizes = [100, 200] if args.quick else [100, 200, 500, 1000]
    if args.full:
        exact_sizes.append(2000)
    dense_sizes = [2000] if args.quick else [2000, 10000]
    round_size = 10_000 if args.quick else 100_000

    if args.round_only:
        exact_sizes, dense_sizes = [], []
    rows: list[Row] = []
    for n in exact_sizes:
        rows += compare(n, True, args.seed)
        print(f"n={n}: done", flush=True)
    if 2000 not in exact_sizes and not args.round_only:
        rows += compare(2000, False, args.seed)
    dense = [dense_only(n, args.seed) for n in dense_sizes if n != 2000]
    rows += dense
    round_result, plan = round_row(round_size, args.seed)
    rows.append(round_result)

    print()
    print(table(rows))
    print()
    s = plan.stats
    print(
        f"plan_round n={round_size:,}: {s.groups:,} groups ({s.trios} trio), {s.unmatched} "
        f"unmatched, gap covered {s.share_gap_covered:.1%}, cross-disciplinary "
        f"{s.share_cross_disciplinary:.1%}, same region {s.share_same_region:.1%}, repeats "
        f"{s.repeats}, certificate {s.certificate:.4%} (bound over all pairs: "
        f"{s.bound_covers_all_pairs})"
    )

    engine = [r for r in rows if r.method in ("engine", "engine (dense)", "plan_round")]
    checks: list[tuple[str, bool]] = []
    for r in engine:
        if r.optimum:
            checks.append(
                (f"n={r.n}: >= 99.9% of the exact optimum", r.weight >= 0.999 * r.optimum)
            )
        if r.bound:
            checks.append(
                (f"n={r.n} {r.method}: >= 99.5% of own upper bound", r.weight >= 0.995 * r.bound)
            )
        checks.append((f"n={r.n} {r.method}: no hard-rule violations", r.violations == 0))
    for r in engine:
        if r.method != "plan_round" and r.n == 2000:
            checks.append(("max_weight_pairs n=2,000 under 1 s", r.seconds < 1.0))
        if r.method != "plan_round" and r.n == 10000:
            checks.append(("max_weight_pairs n=10,000 under 15 s", r.seconds < 15.0))
        if r.method == "plan_round" and r.n == 100_000:
            checks.append(("plan_round n=100,000 under 10 s (issue 11)", r.seconds < 10.0))
            checks.append(("plan_round n=100,000 under 300 MB peak", (r.peak_mb or 0) < 300))
            checks.append(
                ("plan_round n=100,000 bound reported", math.isfinite(r.bound or math.nan))
            )
            checks.append(
                (
                    "plan_round n=100,000 bound covers every allowed pair (issue 11)",
                    plan.stats.bound_covers_all_pairs,
                )
            )
            checks.append(
                ("plan_round n=100,000 >= 99.9% of its bound", r.weight >= 0.999 * (r.bound or 0))
            )
    print(f"\nload average (1, 5, 15 min): {tuple(round(v, 2) for v in os.getloadavg())}")
    print(machine_speed())
    print()
    for name, ok in checks:
        print(f"[{'met' if ok else 'NOT MET'}] {name}")
    all_ok = all(ok for _, ok in checks)
    print("\nall targets met" if all_ok else "\nSOME TARGETS NOT MET")
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
