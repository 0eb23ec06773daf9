"""Benchmark: :func:`matching.max_weight_pairs` on every score shape, against networkx.

    python -m benchmarks.matching_shapes [--quick | --full] [--seed 1]

For every shape of :mod:`matching.shapes` and n = 100 to 2,000: the engine's time (a run
without tracemalloc), its peak memory (a second run under tracemalloc), its weight,
whether it claims the pairing exact (bound == weight) and whether its dual certificate
checks (:func:`matching.checks.check_certificate`, independent of the engine), and the
exact optimum from
networkx's ``max_weight_matching`` wherever that finishes in reasonable time (up to
n = 500 by default, 1,000 with ``--full``). The machine's load average is printed with
the table: the 2-core machine is shared, and times grow with the load.
"""

from __future__ import annotations

import argparse
import math
import os
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np

from benchmarks import machine_speed
from benchmarks.matching_round import exact as networkx_exact
from matching import max_weight_pairs
from matching.checks import check_certificate, check_pairing
from matching.shapes import SHAPES


@dataclass
class Row:
    shape: str
    n: int
    seconds: float
    peak_mb: float
    weight: float
    bound: float
    exact: bool
    certified: bool
    problems: int
    optimum: float | None
    networkx_seconds: float | None


def run(shape: str, n: int, seed: int, with_networkx: bool) -> Row:
    w = SHAPES[shape](n, seed)
    start = time.perf_counter()
    result = max_weight_pairs(w)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    max_weight_pairs(w)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    optimum = nx_seconds = None
    if with_networkx:
        start = time.perf_counter()
        optimum = networkx_exact(w).weight
        nx_seconds = time.perf_counter() - start
    problems = len(check_pairing(w, result))
    certified = result.exact and check_certificate(w, result) == []
    return Row(
        shape,
        n,
        seconds,
        peak,
        result.weight,
        result.upper_bound,
        result.exact,
        certified,
        problems,
        optimum,
        nx_seconds,
    )


def table(rows: list[Row]) -> str:
    head = (
        f"{'shape':<37} {'n':>5} {'time s':>7} {'peak MB':>8} {'weight':>14} {'exact':>5} "
        f"{'dual':>4} "
        f"{'of bound':>9} {'of optimum':>10} {'networkx s':>10}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        of_bound = r.weight / r.bound if r.bound > 0 else 1.0
        of_opt = "-" if r.optimum is None else f"{r.weight / r.optimum if r.optimum else 1.0:.4%}"
        nx_s = "-" if r.networkx_seconds is None else f"{r.networkx_seconds:.2f}"
        lines.append(
            f"{r.shape:<37} {r.n:>5} {r.seconds:>7.3f} {r.peak_mb:>8.1f} {r.weight:>14.4f} "
            f"{'yes' if r.exact else 'no':>5} {'ok' if r.certified else '-':>4} "
            f"{of_bound:>9.4%} {of_opt:>10} {nx_s:>10}"
        )
    return "\n".join(lines)


def checks(rows: list[Row]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    out.append(("every pairing valid, no forbidden pair", all(r.problems == 0 for r in rows)))
    out.append(("every bound at or above its weight", all(r.bound >= r.weight for r in rows)))
    out.append(
        (
            "exact claims have bound == weight",
            all(r.bound == r.weight for r in rows if r.exact),
        )
    )
    compared = [r for r in rows if r.optimum is not None]
    out.append(
        (
            f"exact claims equal networkx's optimum ({sum(r.exact for r in compared)} compared)",
            all(
                math.isclose(r.weight, r.optimum or 0.0, rel_tol=1e-9, abs_tol=1e-9)
                for r in compared
                if r.exact
            ),
        )
    )
    out.append(
        (
            "every exact claim carries a dual certificate that checks",
            all(r.certified for r in rows if r.exact),
        )
    )
    out.append(("every shape exact at every size", all(r.exact for r in rows)))
    for r in rows:
        if r.n == 2000:
            out.append((f"{r.shape} n=2,000 under 1 s ({r.seconds:.2f} s)", r.seconds < 1.0))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.matching_shapes")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="n = 100 and 200 only")
    size.add_argument("--full", action="store_true", help="networkx up to n = 1,000 too")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--networkx-up-to", type=int, help="largest n solved by networkx")
    args = parser.parse_args(argv)
    sizes = [100, 200] if args.quick else [100, 200, 500, 1000, 2000]
    networkx_up_to = 1000 if args.full else 500
    if args.networkx_up_to is not None:
        networkx_up_to = args.networkx_up_to

    load_before = os.getloadavg()
    rows: list[Row] = []
    for n in sizes:
        for shape in SHAPES:
            rows.append(run(shape, n, args.seed, n <= networkx_up_to))
        print(f"n={n}: done", flush=True)
    load_after = os.getloadavg()
    print()
    print(table(rows))
    print(
        f"\nload average (1, 5, 15 min) before {tuple(round(v, 2) for v in load_before)}, "
        f"after {tuple(round(v, 2) for v in load_after)}; cores: {os.cpu_count()}"
    )
    print(machine_speed())
    print()
    results = checks(rows)
    for name, ok in results:
        print(f"[{'met' if ok else 'NOT MET'}] {name}")
    not_exact = sorted({(r.shape, r.n) for r in rows if not r.exact})
    if not_exact:
        print(
            "not proven exact (relaxation bound shown):",
            ", ".join(f"{s} n={n}" for s, n in not_exact),
        )
    all_ok = all(ok for _, ok in results)
    print("\nall targets met" if all_ok else "\nSOME TARGETS NOT MET")
    return 0 if all_ok else 1


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
