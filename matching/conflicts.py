"""Which groups of an earlier plan the rules forbid now.

A plan keeps every hard rule on the day it is made, but two of them can change while it
waits to be published, without either person changing anything: two people are kept apart
(or one blocks the other), or a round published since grouped them already, so that this
group would repeat that pair. The rules of the people's own profiles (discipline,
language, way of meeting, distance) were checked when the plan was made.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeVar

from matching.profiles import PastPairing, PersonId, RoundRules
from matching.scoring import repeats

# One kind of id throughout a call (a mapping's keys cannot be widened to PersonId).
Id = TypeVar("Id", int, str)


@dataclass(frozen=True)
class Conflict:
    """The first pair of group number ``group`` that a rule forbids now, and the rule."""

    group: int
    a: PersonId
    b: PersonId
    rule: Literal["kept_apart", "repeat"]


def conflicts(
    groups: Sequence[Sequence[Id]],
    *,
    past: Mapping[Id, Sequence[PastPairing]],
    today: date,
    kept_apart: Collection[tuple[Id, Id]] = (),
    rules: RoundRules | None = None,
) -> list[Conflict]:
    """The groups in which some pair is now kept apart or a repeat.

    Parameters
    ----------
    groups : sequence of sequences of id
        The groups of a plan (pairs, trios), as planned.
    past : mapping of id to PastPairing
        Everyone's earlier pairings as they are now (someone missing has none).
    today : datetime.date
        The day the groups would be introduced, for the repeat window.
    kept_apart : collection of (id, id)
        Pairs that may never be grouped, either way round.
    rules : RoundRules, optional
        The round's rules (defaults: ``RoundRules()``); only the repeat rules play a part.

    Returns
    -------
    list of Conflict
        One per group that breaks a rule, in the order of ``groups``: its first such pair
        (in the group's order) and the rule, ``kept_apart`` before ``repeat``.
    """
    rules = rules if rules is not None else RoundRules()
    apart = {frozenset(pair) for pair in kept_apart}
    found: list[Conflict] = []
    for number, group in enumerate(groups):
        pairs = [(a, b) for s, a in enumerate(group) for b in group[s + 1 :]]
        for a, b in pairs:
            rule = _rule_broken(a, b, past, today, apart, rules)
            if rule is not None:
                found.append(Conflict(number, a, b, rule))
                break
    return found


def _rule_broken(
    a: Id,
    b: Id,
    past: Mapping[Id, Sequence[PastPairing]],
    today: date,
    apart: Collection[frozenset[Id]],
    rules: RoundRules,
) -> Literal["kept_apart", "repeat"] | None:
    # In the order of matching.HARD_RULES, as first_rule_broken checks them.
    if frozenset((a, b)) in apart:
        return "kept_apart"
    if repeats(past.get(a, ()), b, today, rules) or repeats(past.get(b, ()), a, today, rules):
        return "repeat"
    return None
