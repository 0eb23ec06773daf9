"""Small-count protection for published tables: no count from 0 to 4 is shown, nor can it be
worked out from the figures that are shown.

The tables are described as cells (any hashable key with its true count) and *groups*: a
total and the cells that add up to it (a unit's professionals and their roles; the people
who want to learn a theme, know it well, or neither). The reader sees every published cell
that is not suppressed; of a suppressed cell they know only its label: "fewer than 5"
(primary: its own count is below 5, zero included) or "hidden" (secondary: suppressed so
that another cannot be worked out; at least 5). Cells that are never published at all
(e.g. "neither") are unknowns from 0 up.

:func:`protect` suppresses every published count below 5, then keeps adding the smallest
published cell of a group through which a suppressed count could be worked out, exactly or
as a sum below 5, until no group allows it. "Worked out" is checked by propagating what the
reader can derive from every group's equation (exact values and bounds) until nothing
changes, so chains through several groups are caught too.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

THRESHOLD = 5
PRIMARY = "fewer_than_5"
SECONDARY = "hidden"


@dataclass(frozen=True)
class Group:
    total: Hashable
    members: tuple[Hashable, ...]


def _bounds(key: Hashable, primary: set[Hashable], secondary: set[Hashable]) -> tuple[float, float]:
    if key in primary:
        return 0.0, float(THRESHOLD - 1)
    if key in secondary:
        return float(THRESHOLD), math.inf
    return 0.0, math.inf  # never published


def _leak(
    values: Mapping[Hashable, int],
    groups: Sequence[Group],
    published: set[Hashable],
    primary: set[Hashable],
    secondary: set[Hashable],
) -> Group | None:
    """The first group through which a small count can be worked out, given what is shown."""
    shown = published - primary - secondary
    low: dict[Hashable, float] = {}
    high: dict[Hashable, float] = {}
    for group in groups:
        for key in (group.total, *group.members):
            if key in shown:
                low[key] = high[key] = float(values[key])
            elif key not in low:
                low[key], high[key] = _bounds(key, primary, secondary)

    def narrow(key: Hashable, lo: float, hi: float) -> bool:
        new_low, new_high = max(low[key], lo), min(high[key], hi)
        if new_low > low[key] or new_high < high[key]:
            low[key], high[key] = new_low, new_high
            return True
        return False

    changed = True
    while changed:
        changed = False
        for group in groups:
            # total = sum(members): each unknown is narrowed by the others' bounds.
            narrowed = [
                group.total
                if narrow(
                    group.total,
                    sum(low[m] for m in group.members),
                    sum(high[m] for m in group.members),
                )
                else None
            ]
            for key in group.members:
                others = [m for m in group.members if m != key]
                if narrow(
                    key,
                    low[group.total] - sum(high[m] for m in others),
                    high[group.total] - sum(low[m] for m in others),
                ):
                    narrowed.append(key)
            for key in narrowed:
                if key is None:
                    continue
                changed = True
                if key in primary and low[key] == high[key]:
                    return group
        for group in groups:
            if low[group.total] != high[group.total]:
                continue
            closed = [m for m in group.members if low[m] != high[m]]
            if closed:
                worked_out = low[group.total] - sum(
                    low[m] for m in group.members if low[m] == high[m]
                )
                if worked_out < THRESHOLD:
                    return group
    for key in primary:
        if low[key] == high[key]:
            return next(g for g in groups if key in (g.total, *g.members))
    return None


def protect(
    values: Mapping[Hashable, int], groups: Sequence[Group], published: set[Hashable]
) -> dict[Hashable, str]:
    """Which published cells to suppress, and how each is labelled (PRIMARY or SECONDARY)."""
    primary = {k for k in published if values[k] < THRESHOLD}
    secondary: set[Hashable] = set()
    while True:
        group = _leak(values, groups, published, primary, secondary)
        if group is None:
            break
        open_members = sorted(
            (m for m in group.members if m in published and m not in primary | secondary),
            key=lambda m: (values[m], repr(m)),
        )
        if open_members:
            secondary.add(open_members[0])
        elif group.total in published and group.total not in primary | secondary:
            secondary.add(group.total)
        else:
            # Nothing left to hide in this group: hide the whole of every group it touches.
            touched = {
                k
                for g in groups
                if group.total in (g.total, *g.members)
                for k in (g.total, *g.members)
            }
            extra = {k for k in touched if k in published} - primary - secondary
            if not extra:
                raise RuntimeError("small counts cannot be protected in these tables")
            secondary |= extra
    return {**dict.fromkeys(primary, PRIMARY), **dict.fromkeys(secondary, SECONDARY)}
