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


def check_certificate(weights: npt.ArrayLike, result: PairingResult) -> list[str]:
    """Problems with ``result.dual`` as a proof that ``result`` is a best pairing of the
    dense ``weights``: prices and set prices not negative, every set odd, every allowed
    pair covered (``y[i] + y[j] + z(sets holding both) >= w[i, j]``), and the bound
    ``sum(y) + sum(z * (|S| - 1) / 2)`` equal to the weight. Round-off of ``1e-9``
    relative to the largest weight (per pair) and to the weight (for the bound) is allowed.
    """
    dual = result.dual
    if dual is None:
        return ["no dual certificate"]
    w = np.asarray(weights, dtype=float)
    n = w.shape[0]
    y = np.asarray(dual.prices, dtype=float)
    z = np.asarray(dual.set_prices, dtype=float)
    problems: list[str] = []
    if y.shape != (n,):
        return [f"prices have shape {y.shape}, not ({n},)"]
    if len(dual.odd_sets) != z.size:
        return ["not one price per odd set"]
    if (y < 0).any() or (z < 0).any():
        problems.append("a price is negative")
    cover = y[:, None] + y[None, :]
    for price, members in zip(z.tolist(), dual.odd_sets, strict=True):
        s = np.unique(np.asarray(members))
        if s.size != len(members) or s.size % 2 == 0 or s.min() < 0 or s.max() >= n:
            problems.append(f"odd set {sorted(s.tolist())[:5]}... is not odd distinct people")
            continue
        cover[np.ix_(s, s)] += price
    allowed = w > 0
    np.fill_diagonal(allowed, False)
    top = float(w[allowed].max()) if allowed.any() else 0.0
    short = np.where(allowed, w - cover, -np.inf)
    if allowed.any() and short.max() > 1e-9 * max(1.0, top):
        i, j = np.unravel_index(int(np.argmax(short)), short.shape)
        problems.append(f"pair {(int(i), int(j))} is not covered: short by {short[i, j]}")
    sets = [price * (len(s) // 2) for price, s in zip(z.tolist(), dual.odd_sets, strict=True)]
    bound = math.fsum([*y.tolist(), *sets])
    if not math.isclose(bound, result.weight, rel_tol=1e-9, abs_tol=1e-9):
        problems.append(f"dual bound {bound} is not the weight {result.weight}")
    return problems
