"""Protecting small counts in the themes of a region, without a database.

    python -m benchmarks.themes_suppression [--people 300 1000 3000] [--target-seconds 2]

Builds a seeded population (every unit, role and theme; joined over four half-years) of each
size, times :func:`peernet.themes.service._figures` (every equation of every unit, with the
national total) and checks that no shown count is below 5. Fails when a size takes longer
than ``--target-seconds`` (a public page computes it once per change of the population).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.taxonomy.service import get_taxonomy
from peernet.themes.service import _figures


def population(size: int, seed: int = 10) -> list[Attendee]:
    rng = np.random.default_rng(seed)
    taxonomy = get_taxonomy()
    units, roles, themes = list(taxonomy.regions), list(taxonomy.roles), list(taxonomy.themes)
    joined = [datetime(2025, m, 1, tzinfo=UTC) for m in (2, 8)] + [
        datetime(2026, m, 1, tzinfo=UTC) for m in (2, 8)
    ]
    people = []
    for i in range(size):
        picked = [str(t) for t in rng.choice(themes, size=6, replace=False)]
        moment = joined[int(rng.integers(len(joined)))]
        people.append(
            Attendee(
                id=i + 1,
                region=units[int(rng.integers(len(units)))],
                role=roles[int(rng.integers(len(roles)))],
                gaps=picked[:3],
                expertise=picked[3:],
                status=AttendeeStatus.ACTIVE,
                created_at=moment,
                confirmed_at=moment,
            )
        )
    return people


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, nargs="+", default=[300, 1000, 3000])
    parser.add_argument("--target-seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    failed = False
    for size in args.people:
        people = population(size)
        started = time.perf_counter()
        overview = _figures(people)
        took = time.perf_counter() - started
        cells = [
            c
            for f in overview.units.values()
            for c in (*f.want.values(), *f.know.values(), *f.roles.values(), f.counted)
        ]
        shown = [c.value for c in cells if c.value is not None]
        assert all(v >= 5 for v in shown), "a count below 5 is shown"
        print(f"{size:>6} people: {took:6.2f} s, {len(shown)} of {len(cells)} cells shown")
        failed |= took > args.target_seconds
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
