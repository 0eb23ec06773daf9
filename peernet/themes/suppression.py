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
published cell of each group through which a suppressed count could be worked out, exactly
or as a sum below 5, until no group allows it. "Worked out" is checked by propagating what the
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


def _leaks(
    values: Mapping[Hashable, int],
    groups: Sequence[Group],
    published: set[Hashable],
    primary: set[Hashable],
    secondary: set[Hashable],
) -> list[Group]:
    """The groups through which a small count can be worked out, given what is shown."""
    shown = published - primary - secondary
    low: dict[Hashable, float] = {}
    high: dict[Hashable, float] = {}
    for group in groups:
        for key in (group.total, *group.members):
            if key in shown:
                low[key] = high[key] = float(values[key])
            elif key not in low:
                low[key], high[key] = _bounds(key, primary, secondary)
    pinned_by: dict[Hashable, Group] = {}

    def narrow(key: Hashable, lo: float, hi: float, group: Group) -> bool:
        new_low, new_high = max(low[key], lo), min(high[key], hi)
        if new_low > low[key] or new_high < high[key]:
            low[key], high[key] = new_low, new_high
            if key in primary and new_low == new_high:
                pinned_by.setdefault(key, group)
            return True
        return False

    changed = True
    while changed:
        changed = False
        for group in groups:
            # total = sum(members): each unknown is narrowed by the others' bounds.
            changed |= narrow(
                group.total,
                sum(low[m] for m in group.members),
                sum(high[m] for m in group.members),
                group,
            )
            for key in group.members:
                others = [m for m in group.members if m != key]
                changed |= narrow(
                    key,
                    low[group.total] - sum(high[m] for m in others),
                    high[group.total] - sum(low[m] for m in others),
                    group,
                )
    leaking = {id(g): g for g in pinned_by.values()}
    for group in groups:
        if low[group.total] != high[group.total]:
            continue
        closed = [m for m in group.members if low[m] != high[m]]
        if closed:
            worked_out = low[group.total] - sum(low[m] for m in group.members if low[m] == high[m])
            if worked_out < THRESHOLD:
                leaking[id(group)] = group
    return list(leaking.values())


def _hide_one_more(
    values: Mapping[Hashable, int],
    groups: Sequence[Group],
    published: set[Hashable],
    primary: set[Hashable],
    secondary: set[Hashable],
    group: Group,
) -> bool:
    """Hide one more published cell of ``group`` (or around it); ``False`` if none is left."""
    open_members = sorted(
        (m for m in group.members if m in published and m not in primary | secondary),
        key=lambda m: (values[m], repr(m)),
    )
    if open_members:
        secondary.add(open_members[0])
        return True
    if group.total in published and group.total not in primary | secondary:
        secondary.add(group.total)
        return True
    # Nothing left to hide in this group: hide the whole of every group it touches.
    touched = {
        k for g in groups if group.total in (g.total, *g.members) for k in (g.total, *g.members)
    }
    extra = {k for k in touched if k in published} - primary - secondary
    secondary |= extra
    return bool(extra)


def protect(
    values: Mapping[Hashable, int], groups: Sequence[Group], published: set[Hashable]
) -> dict[Hashable, str]:
    """Which published cells to suppress, and how each is labelled (PRIMARY or SECONDARY)."""
    primary = {k for k in published if values[k] < THRESHOLD}
    secondary: set[Hashable] = set()
    while True:
        # Every leaking group gets one more hidden cell per pass (hiding more than the least
        # possible is safe; a pass over a few thousand equations is what costs time).
        leaking = _leaks(values, groups, published, primary, secondary)
        if not leaking:
            break
        hid = [
            _hide_one_more(values, groups, published, primary, secondary, group)
            for group in leaking
        ]
        if not any(hid):
            # Nothing left to hide where it leaks (a group with no members pins its total
            # to 0): then nothing is shown at all, which cannot give anything away.
            secondary |= published - primary
            break
    return {**dict.fromkeys(primary, PRIMARY), **dict.fromkeys(secondary, SECONDARY)}
