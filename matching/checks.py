"""Invariant checkers for pairings and round plans, independent of how they were made.

Each returns a list of human-readable problems (empty: valid). The tests and the benchmark
use them; they re-derive every hard rule from the inputs instead of trusting the solver.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import date

import numpy as np
import numpy.typing as npt

from matching.pairs import PairingResult
from matching.profiles import PersonId, Profile, RoundPlan, RoundRules
from matching.scoring import is_repeat


def check_pairing(weights: npt.ArrayLike, result: PairingResult) -> list[str]:
    """Problems with ``result`` as a pairing of the dense ``weights``."""
    w = np.asarray(weights, dtype=float)
    n = w.shape[0]
    problems: list[str] = []
    seen: list[int] = [v for pair in result.pairs for v in pair]
    if len(seen) != len(set(seen)):
        problems.append("someone is in two pairs")
    for i, j in result.pairs:
        if not 0 <= i < j < n:
            problems.append(f"pair {(i, j)} is not (i, j) with 0 <= i < j < n")
        elif not w[i, j] > 0:
            problems.append(f"pair {(i, j)} has weight {w[i, j]} (forbidden or not positive)")
    if sorted(set(range(n)) - set(seen)) != sorted(result.unmatched):
        problems.append("unmatched is not everyone outside the pairs")
    total = math.fsum(float(w[i, j]) for i, j in result.pairs if 0 <= i < j < n)
    if not math.isclose(total, result.weight, rel_tol=1e-9, abs_tol=1e-9):
        problems.append(f"weight {result.weight} is not the sum of the pairs {total}")
    if result.upper_bound < result.weight - 1e-9 * max(1.0, abs(result.weight)):
        problems.append(f"upper bound {result.upper_bound} is below the weight {result.weight}")
    return problems


def check_plan(
    profiles: Collection[Profile],
    plan: RoundPlan,
    *,
    today: date,
    neighbours: Mapping[str, Collection[str]],
    kept_apart: Collection[tuple[PersonId, PersonId]] = (),
    excluded: Collection[PersonId] = (),
    rules: RoundRules | None = None,
) -> list[str]:
    """Hard-rule violations and bookkeeping errors in ``plan`` for these ``profiles``."""
    rules = rules if rules is not None else RoundRules()
    by_id = {p.id: p for p in profiles}
    near = {r: set(n) for r, n in neighbours.items()}
    for r, ns in neighbours.items():
        for other in ns:
            near.setdefault(other, set()).add(r)
    apart = {frozenset(pair) for pair in kept_apart}
    problems: list[str] = []
    members = [m for g in plan.groups for m in g.members]
    if len(members) != len(set(members)):
        problems.append("someone is in two groups")
    if set(members) & set(excluded):
        problems.append("an excluded person is in a group")
    accounted = set(members) | {u.person for u in plan.unmatched}
    if accounted != set(by_id) or len(plan.unmatched) + len(members) != len(by_id):
        problems.append("not everyone is either in one group or unmatched once")
    if sum(len(g.members) == 3 for g in plan.groups) > rules.max_trios:
        problems.append("more trios than allowed")
    for g in plan.groups:
        if len(g.members) not in (2, 3):
            problems.append(f"group {g.members} is not a pair or a trio")
        for s, a_id in enumerate(g.members):
            for b_id in g.members[s + 1 :]:
                a, b = by_id[a_id], by_id[b_id]
                broken = _broken_rules(a, b, rules=rules, today=today, near=near, apart=apart)
                problems += [f"{a_id}-{b_id}: {rule}" for rule in broken]
    return problems


def _broken_rules(
    a: Profile,
    b: Profile,
    *,
    rules: RoundRules,
    today: date,
    near: Mapping[str, set[str]],
    apart: set[frozenset[PersonId]],
) -> list[str]:
    out: list[str] = []
    if frozenset((a.id, b.id)) in apart:
        out.append("kept apart")
    if not rules.allow_same_discipline and a.discipline == b.discipline:
        out.append("same discipline")
    if is_repeat(a, b.id, today, rules) or is_repeat(b, a.id, today, rules):
        out.append("repeat")
    if not a.languages & b.languages:
        out.append("no shared language")
    if {a.meeting, b.meeting} == {"in_person", "online"}:
        out.append("in person with online only")
    close = a.region == b.region or b.region in near.get(a.region, set())
    if "in_person" in (a.meeting, b.meeting) and not close:
        out.append("in person but too far")
    return out
