"""Which groups of an earlier plan the rules forbid now.

A plan keeps every hard rule on the day it is made, but each can change while it waits to
be published: two people are kept apart (or one blocks the other), a round published since
grouped them already, so that this group would repeat that pair, or someone changed their
profile (a new role in the same discipline as their partner, a language, meeting online
only, a region too far to meet in person).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from matching.profiles import HardRule, PastPairing, PersonId, Profile, RoundRules
from matching.scoring import repeats

# One kind of id throughout a call (a mapping's keys cannot be widened to PersonId).
Id = TypeVar("Id", int, str)


@dataclass(frozen=True)
class Conflict:
    """The first pair of group number ``group`` that a rule forbids now, and the rule."""

    group: int
    a: PersonId
    b: PersonId
    rule: HardRule


def conflicts(
    groups: Sequence[Sequence[Id]],
    *,
    past: Mapping[Id, Sequence[PastPairing]],
    today: date,
    kept_apart: Collection[tuple[Id, Id]] = (),
    rules: RoundRules | None = None,
    profiles: Mapping[Id, Profile] | None = None,
    neighbours: Mapping[str, Collection[str]] | None = None,
) -> list[Conflict]:
    """The groups in which some pair now breaks a hard rule.

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
        The round's rules (defaults: ``RoundRules()``).
    profiles : mapping of id to Profile, optional
        Everyone's profile as it is now; with it, the profile rules are checked too (the
        discipline, a shared language, the ways of meeting and the distance). Someone
        missing from it is checked on the other rules only.
    neighbours : mapping of region to regions, optional
        The regions near each region (either way round), for the distance rule.

    Returns
    -------
    list of Conflict
        One per group that breaks a rule, in the order of ``groups``: its first such pair
        (in the group's order) and the first rule it breaks, in the order of
        :data:`matching.HARD_RULES`.
    """
    rules = rules if rules is not None else RoundRules()
    apart = {frozenset(pair) for pair in kept_apart}
    near = {
        frozenset((region, other))
        for region, others in (neighbours or {}).items()
        for other in others
    }
    found: list[Conflict] = []
    for number, group in enumerate(groups):
        pairs = [(a, b) for s, a in enumerate(group) for b in group[s + 1 :]]
        for a, b in pairs:
            known = (profiles.get(a), profiles.get(b)) if profiles is not None else (None, None)
            rule = _rule_broken(a, b, past, today, apart, rules, known, near)
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
    known: tuple[Profile | None, Profile | None],
    near: Collection[frozenset[str]],
) -> HardRule | None:
    # In the order of matching.HARD_RULES, as first_rule_broken checks them.
    if frozenset((a, b)) in apart:
        return "kept_apart"
    first, second = known
    if (
        first is not None
        and second is not None
        and not rules.allow_same_discipline
        and first.discipline == second.discipline
    ):
        return "same_discipline"
    if repeats(past.get(a, ()), b, today, rules) or repeats(past.get(b, ()), a, today, rules):
        return "repeat"
    if first is None or second is None:
        return None
    if not first.languages & second.languages:
        return "no_shared_language"
    ways = {first.meeting, second.meeting}
    if ways == {"in_person", "online"}:
        return "meeting_incompatible"
    close = first.region == second.region or frozenset((first.region, second.region)) in near
    if "in_person" in ways and not close:
        return "too_far_for_in_person"
    return None
