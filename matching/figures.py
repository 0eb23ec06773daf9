"""The figures of a set of groups that a coordinator reads: how many groups of two and of
three, and the shares of people whose gaps a partner covers, of links across disciplines,
and of groups within one region. The planner states them for its plan; publishing states
them again for the groups it actually introduced, when people left or rules changed in
between."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from matching.profiles import Profile, RoundRules
from matching.scoring import is_repeat


@dataclass(frozen=True)
class GroupFigures:
    groups: int
    pairs: int
    trios: int
    grouped: int  # people in a group
    share_gap_covered: float  # of the people grouped, whose gaps a partner knows well
    share_cross_disciplinary: float  # of the links (three in a trio), across disciplines
    share_same_region: float  # of the groups, all in one region
    repeats: int  # links the rules count as a repeat of a past pairing


def group_figures(
    groups: Sequence[Sequence[Profile]], *, today: date, rules: RoundRules
) -> GroupFigures:
    links = [pair for group in groups for pair in combinations(group, 2)]
    grouped = sum(len(group) for group in groups)
    covered = sum(
        bool(me.gaps & frozenset().union(*(o.expertise for o in group if o is not me)))
        for group in groups
        for me in group
    )
    return GroupFigures(
        groups=len(groups),
        pairs=sum(len(group) == 2 for group in groups),
        trios=sum(len(group) == 3 for group in groups),
        grouped=grouped,
        share_gap_covered=covered / grouped if grouped else 0.0,
        share_cross_disciplinary=(
            sum(a.discipline != b.discipline for a, b in links) / len(links) if links else 0.0
        ),
        share_same_region=(
            sum(len({m.region for m in group}) == 1 for group in groups) / len(groups)
            if groups
            else 0.0
        ),
        repeats=sum(
            is_repeat(a, b.id, today, rules) or is_repeat(b, a.id, today, rules) for a, b in links
        ),
    )
