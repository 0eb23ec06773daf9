"""Plan a round: attendee profiles in, explained pairs (and one trio) out."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt

from matching._bound import LanguageLattice, covering_prices, padded_sum
from matching._graph import Graph, edge_weight
from matching._relaxation import Potentials, warm_relaxation
from matching._rounding import improve, round_cycles
from matching.figures import group_figures
from matching.pairs import max_weight_pairs
from matching.profiles import (
    MEETING_PREFERENCES,
    Group,
    LinkExplanation,
    PersonId,
    PinRejection,
    Profile,
    RegionRelation,
    RejectedPin,
    RoundPlan,
    RoundRules,
    RoundStats,
    Unmatched,
)
from matching.scoring import (
    IN_PERSON,
    ONLINE,
    RELATION_NAMES,
    Encoded,
    FloatArray,
    IntArray,
    encode,
    first_rule_broken,
    link_components,
    score_block,
    score_pairs,
)

# Rounds in groups: steps that lower the groups' dual prices towards a bound over every
# pair (each costs one pass over the lattice of :mod:`matching._bound`, about 1 s at
# n = 100,000: 3 steps leave 99.895% of the bound, 6 steps 99.916%, 10 steps 99.918%).
_TIGHTEN_STEPS = 6
# Rounds up to this many people (after pins) solve one assignment relaxation over all of
# them; scipy's LAPJV grows faster than linearly (about 0.5 s at 10,000 people with 12
# candidates each, 45 s at 100,000 on this machine), so larger rounds go by groups.
_GLOBAL_LIMIT = 20_000
# The relaxation: candidates per person within their block (8 instead of 12: 0.1% less
# certificate at n = 100,000, hardly faster).
_GLOBAL_CANDIDATES = 12
# Pricing: partners added per person whom the prices leave short (every short cell of
# the lattice names one; four instead of one reach the same certificate in half the
# rounds), rounds at most, and when to stop: once covering every pair would raise the
# prices by at most this share of their sum.
_PRICED_PER_PERSON = 4
_PRICING_ROUNDS = 8
_CONVERGED = 2e-4
# Pricing rounds per region group of a round over _GLOBAL_LIMIT: pairs across groups leave
# a larger gap than the last rounds close (at n = 100,000: 3 rounds 99.58% in 59 s, 4
# rounds 99.59% in 64 s, up to 8 rounds 99.59% in 72 s).
_GROUP_ROUNDS = 3
# The relaxation over those whom the groups' prices leave short (_repair): at most this
# many people (at n = 100,000 about 62,000 are in it), the partners named per person
# short, and its pricing rounds. At n = 100,000, with new candidates within blocks: 8
# partners and 1 round 62.8 s, 99.871%; 8 and 2: 80.4 s, 99.911%; 4 and 3: 75.0 s,
# 99.916%; with the groups' arcs instead (kept), 4 and 3: 65.3 s, 99.917% (without the
# repair: 35 s, 99.58%). Most of its time is LAPJV over those 62,000 (4 to 6 s a solve).
_REPAIR_LIMIT = 80_000
_REPAIR_PER_PERSON = 4
_REPAIR_ROUNDS = 3


def plan_round(
    profiles: Sequence[Profile],
    *,
    today: date,
    neighbours: Mapping[str, Collection[str]],
    kept_apart: Collection[tuple[PersonId, PersonId]] = (),
    pins: Sequence[tuple[PersonId, PersonId]] = (),
    excluded: Collection[PersonId] = (),
    rules: RoundRules | None = None,
) -> RoundPlan:
    """Group the attendees of a round into the best cross-disciplinary pairs.

    Parameters
    ----------
    profiles : sequence of Profile
        Everyone who may take part; ids must be unique.
    today : datetime.date
        The day of the round, for the repeat window (the engine never reads the clock).
    neighbours : mapping of region key to region keys
        Which regions border which; the relation is made symmetric. A region missing from
        it has no neighbours.
    kept_apart : collection of (id, id)
        The coordinator's "keep apart" rules: these two are never grouped.
    pins : sequence of (id, id)
        Coordinator pins: these two form a pair, unless the pin names someone unknown or
        excluded, repeats a person of an earlier pin, or breaks a hard rule; then it is
        listed in ``rejected_pins`` with the reason and the two are planned as usual.
    excluded : collection of id
        People left out of this round (reported as unmatched with reason ``excluded``).
    rules : RoundRules, optional
        The hard rules and score weights (defaults: ``RoundRules()``).

    Returns
    -------
    RoundPlan
        Groups (pairs, and a trio when one person is left over and can join a pair: at
        most ``rules.max_trios``), who is unmatched and why, rejected pins, and the round's
        figures with the certificate ``weight / upper_bound``.

    Raises
    ------
    ValueError
        On duplicate ids, an unknown meeting preference, a rating outside 1..5, a negative
        number of rounds waited, or invalid rules.

    Notes
    -----
    The pairing maximises the total score (see :class:`RoundRules`) with
    :func:`matching.max_weight_pairs`. Up to ``rules.block_size`` people (after pins and
    exclusions) are planned in one block, proven exact where affordable. Larger rounds
    solve one assignment relaxation over everyone: candidates are each person's best
    partners within their block (regions split evenly into blocks of at most
    ``block_size``), and pricing over every pair through the score's structure (see
    :mod:`matching._bound`) adds the partners the dual prices show to be missing, each
    solve started from the last one's potentials. Rounds over 20,000 people are solved
    per region group (regions split evenly into groups of at most 20,000), each rounded
    to pairs on its own; then the people whom the groups' prices leave short of some pair
    (most of them short of a pair across groups), their partners and the mates of both
    are planned again as one relaxation, and those still left over are paired among
    themselves. The pairs come from rounding the relaxation, and its prices, lowered
    where they have slack and raised wherever they still fall short of a pair (pairs
    across groups included), bound every pairing over all allowed pairs
    (``stats.bound_covers_all_pairs``). In-person rules are always met within a region.
    With everyone who is left over after that, the one with the highest priority (rounds
    waited, trio last time) joins the pair where the two new links score best, preferring
    pairs whose members were not in a trio last time.
    """
    rules = rules if rules is not None else RoundRules()
    check_input(profiles, rules)
    excluded_ids = set(excluded)
    known = {p.id for p in profiles}
    active = [p for p in profiles if p.id not in excluded_ids]
    enc = encode(active, neighbours=neighbours, kept_apart=kept_apart, today=today, rules=rules)
    index = {pid: i for i, pid in enumerate(enc.ids)}
    apart_pairs = {frozenset((a, b)) for a, b in kept_apart}

    pinned: list[tuple[int, int]] = []
    rejected: list[RejectedPin] = []
    taken: set[int] = set()
    for a, b in pins:
        reason: PinRejection | None = None
        if a not in known or b not in known:
            reason = "unknown_person"
        elif a == b:
            reason = "same_person"
        elif a in excluded_ids or b in excluded_ids:
            reason = "excluded"
        elif index[a] in taken or index[b] in taken:
            reason = "conflicting_pin"
        else:
            reason = first_rule_broken(enc, index[a], index[b], apart_pairs, today)
        if reason is not None:
            rejected.append(RejectedPin(a, b, reason))
            continue
        pinned.append((index[a], index[b]))
        taken.update((index[a], index[b]))

    free = np.array([i for i in range(enc.n) if i not in taken], dtype=np.intp)
    pairs, leftover, bound, exact = _pair_up(enc, free)
    weight = math.fsum(_score(enc, i, j) for i, j in pairs)
    weight += math.fsum(_score(enc, i, j) for i, j in pinned)
    bound += math.fsum(_score(enc, i, j) for i, j in pinned)

    trios, leftover = _add_trios(enc, pairs, leftover)
    groups = [_group(enc, (i, j), True) for i, j in pinned]
    trio_of = {(t[0], t[1]): t for t in trios}
    groups += [_group(enc, trio_of.get((i, j), (i, j)), False) for i, j in pairs]

    unmatched = [Unmatched(p.id, "excluded") for p in profiles if p.id in excluded_ids]
    if leftover:
        left = np.array(sorted(leftover), dtype=np.intp)
        everyone = np.arange(enc.n, dtype=np.intp)
        for row, i in zip(score_block(enc, left, everyone), left.tolist(), strict=True):
            has_partner = bool(np.isfinite(row).any())
            unmatched.append(
                Unmatched(enc.ids[i], "partners_taken" if has_partner else "no_allowed_partner")
            )
    if exact:
        bound = weight  # the same sum, added up in another order: proven equal
    stats = _stats(enc, profiles, groups, unmatched, weight, bound, exact, today)
    return RoundPlan(tuple(groups), tuple(unmatched), tuple(rejected), stats, rules)


def check_input(profiles: Sequence[Profile], rules: RoundRules) -> None:
    """Raise ValueError on invalid profiles or rules (see :func:`plan_round`)."""
    seen: set[PersonId] = set()
    for p in profiles:
        if p.id in seen:
            raise ValueError(f"duplicate profile id: {p.id!r}")
        seen.add(p.id)
        if p.meeting not in MEETING_PREFERENCES:
            raise ValueError(
                f"profile {p.id!r}: meeting must be one of in_person, online, either, "
                f"not {p.meeting!r}"
            )
        if p.rounds_waited < 0:
            raise ValueError(f"profile {p.id!r}: rounds_waited must not be negative")
        for past in p.past:
            if past.rating is not None and not 1 <= past.rating <= 5:
                raise ValueError(f"profile {p.id!r}: rating must be 1 to 5, not {past.rating!r}")
    weights = {
        "pair_bonus": rules.pair_bonus,
        "gap_covered": rules.gap_covered,
        "any_gap_covered": rules.any_gap_covered,
        "same_region": rules.same_region,
        "neighbour_region": rules.neighbour_region,
        "same_meeting": rules.same_meeting,
        "waited": rules.waited,
        "trio_last_time": rules.trio_last_time,
    }
    for name, value in weights.items():
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"rules.{name} must be a finite number >= 0, not {value!r}")
    if rules.pair_bonus <= 0:
        raise ValueError("rules.pair_bonus must be positive")
    if rules.block_size < 2:
        raise ValueError("rules.block_size must be at least 2")
    if rules.max_trios < 0:
        raise ValueError("rules.max_trios must not be negative")
    if rules.repeat_window_months is not None and rules.repeat_window_months < 0:
        raise ValueError("rules.repeat_window_months must not be negative")


def _score(enc: Encoded, i: int, j: int) -> float:
    return math.fsum(link_components(enc, i, j).values())


def _blocks(enc: Encoded, free: IntArray, size: int | None = None) -> list[IntArray]:
    """``free`` by region, regions split evenly into parts of at most ``size`` people
    (``rules.block_size`` by default); one part when everyone fits."""
    size = enc.rules.block_size if size is None else size
    if free.size <= size:
        return [free]
    out: list[IntArray] = []
    for region in np.unique(enc.region[free]):
        members = free[enc.region[free] == region]
        parts = -(-members.size // size)
        # Round-robin keeps each block a mix of the region's people.
        out.extend(members[k::parts] for k in range(parts))
    return out


def _pair_up(enc: Encoded, free: IntArray) -> tuple[list[tuple[int, int]], list[int], float, bool]:
    """Best pairs among ``free`` people, who is left over, a bound over every allowed pair
    among them, and whether the pairs are proven best (a single block only)."""
    blocks = _blocks(enc, free)
    if len(blocks) == 1:
        one_pairs, one_left, bound, exact = _solve(enc, blocks[0], True)
        return one_pairs, one_left, bound, exact
    if free.size <= _GLOBAL_LIMIT:
        lattice = LanguageLattice(enc, free)
        relaxed = _relax(enc, free, lattice, _candidates(enc, free, blocks))
        pairs, leftover = _round(enc, free, relaxed)
        # Prices still short (pricing stopped at its round cap) are raised.
        y = covering_prices(lattice, relaxed.y, 0)
        return pairs, leftover, padded_sum(y), False
    # Larger rounds: one relaxation per region (regions split evenly into groups of at
    # most _GLOBAL_LIMIT), each rounded to pairs on its own and let go before the next
    # (LAPJV over everyone, even started from the groups' potentials, takes 20 to 50 s at
    # 100,000 people: each step of its augmenting-path search scans every column). Then
    # one more relaxation over everyone whom the prices leave short of some pair (most of
    # them across groups), with their partners and mates (see _repair).
    pairs, y = _repair(enc, free, _by_groups(enc, free))
    # Those still left over may pair among themselves (blocks of people in the order of
    # their index, which keeps regions together).
    paired = np.zeros(enc.n, dtype=bool)
    paired[np.array(pairs, dtype=np.intp).reshape(-1)] = True
    pool = free[~paired[free]]
    leftover = []
    for lo in range(0, pool.size, enc.rules.block_size):
        got_pairs, got_left, _, _ = _solve(enc, pool[lo : lo + enc.rules.block_size], False)
        pairs += got_pairs
        leftover += got_left
    y = covering_prices(LanguageLattice(enc, free), y, _TIGHTEN_STEPS)
    return pairs, leftover, padded_sum(y), False


@dataclass(frozen=True)
class _Grouped:
    """A round planned per region group: pairs (of people of ``enc``) and, by position
    in ``free``, the groups' prices, their LAPJV potentials (``None`` when the groups'
    integer scales differ) and the edges of their last relaxations (each once, int32:
    11 MB at n = 100,000; their weights are scored again where they are used)."""

    pairs: list[tuple[int, int]]
    y: FloatArray
    start: Potentials | None
    arcs: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]


def _by_groups(enc: Encoded, free: IntArray) -> _Grouped:
    """One relaxation per region group of at most ``_GLOBAL_LIMIT`` people, each rounded
    to pairs and let go before the next (but for its edges)."""
    pairs: list[tuple[int, int]] = []
    position = np.full(enc.n, -1, dtype=np.intp)
    position[free] = np.arange(free.size)
    y, row, col = np.zeros(free.size), np.zeros(free.size), np.zeros(free.size)
    scales = set()
    arc_rows: list[npt.NDArray[np.int32]] = [np.empty(0, dtype=np.int32)]
    arc_cols: list[npt.NDArray[np.int32]] = [np.empty(0, dtype=np.int32)]
    for group in _blocks(enc, free, _GLOBAL_LIMIT):
        relaxed = _relax(
            enc,
            group,
            LanguageLattice(enc, group),
            _candidates(enc, group, _blocks(enc, group)),
            _GROUP_ROUNDS,
        )
        pairs += _round(enc, group, relaxed)[0]
        at = position[group]
        y[at] = relaxed.y
        row[at] = relaxed.potentials.row
        col[at] = relaxed.potentials.col
        scales.add(relaxed.potentials.scale)
        graph = relaxed.graph
        owner = np.repeat(np.arange(graph.n, dtype=np.int32), np.diff(graph.indptr))
        upper = owner < graph.indices
        arc_rows.append(at[owner[upper]].astype(np.int32))
        arc_cols.append(at[graph.indices[upper]].astype(np.int32))
        del relaxed, graph, owner, upper
    start = Potentials(scales.pop(), row, col) if len(scales) == 1 else None
    return _Grouped(pairs, y, start, (np.concatenate(arc_rows), np.concatenate(arc_cols)))


def _repair(
    enc: Encoded, free: IntArray, grouped: _Grouped
) -> tuple[list[tuple[int, int]], FloatArray]:
    """The groups' pairs and prices (by position in ``free``) improved by one relaxation
    over the people whom those prices leave short of some pair, the partners the lattice
    names for them, and the mates of both: a neighbourhood that holds every pair it
    changes.

    Its candidates are the groups' arcs among them (their candidates and what pricing
    added), their current pairs and the short pairs; it starts from the groups'
    potentials and is priced by a lattice of its own. Its pairs replace theirs
    when they weigh more; its prices replace theirs (the bound covers every pair after
    :func:`covering_prices` either way). At most ``_REPAIR_LIMIT`` people: those short by
    the most first."""
    pairs, y, start = grouped.pairs, grouped.y, grouped.start
    tol = 1e-9 * max(1.0, float(y.max(initial=0.0)))
    # The lattice over everyone is let go before the neighbourhood's own is built (both
    # at once: 499 MB at n = 100,000, against 228 MB for the groups).
    most, short, partner = LanguageLattice(enc, free).columns(y, _REPAIR_PER_PERSON, tol)
    if short.size == 0:
        return pairs, y
    mate = np.full(free.size, -1, dtype=np.intp)
    position = np.full(enc.n, -1, dtype=np.intp)
    position[free] = np.arange(free.size)
    if pairs:
        at = position[np.array(pairs, dtype=np.intp)]
        mate[at[:, 0]], mate[at[:, 1]] = at[:, 1], at[:, 0]
    # The short arcs, of the people short by the most first.
    order = np.argsort(-(most - y)[short], kind="stable")
    short, partner = short[order], partner[order]
    arcs = short.size
    inside = _neighbourhood(short[:arcs], partner[:arcs], mate)
    if inside.sum() > _REPAIR_LIMIT:
        low, high = 0, arcs  # the largest number of arcs within the limit
        while low < high:
            middle = (low + high + 1) // 2
            if _neighbourhood(short[:middle], partner[:middle], mate).sum() <= _REPAIR_LIMIT:
                low = middle
            else:
                high = middle - 1
        arcs = low
        inside = _neighbourhood(short[:arcs], partner[:arcs], mate)
    if arcs == 0:
        return pairs, y
    people = free[inside]
    local = np.full(free.size, -1, dtype=np.intp)
    local[inside] = np.arange(people.size)
    kept = [pair for pair in pairs if not inside[position[pair[0]]]]
    old = [pair for pair in pairs if inside[position[pair[0]]]]
    old_at = local[position[np.array(old, dtype=np.intp).reshape(-1, 2)]]
    # Reusing the groups' arcs instead of new candidates within blocks: as good, and the
    # repair takes 23 s instead of 40 s at n = 100,000 (its LAPJV starts closer).
    arc_rows, arc_cols = grouped.arcs
    among = inside[arc_rows] & inside[arc_cols]
    short_rows, short_cols = local[short[:arcs]], local[partner[:arcs]]
    rows = np.concatenate([local[arc_rows[among]], old_at[:, 0], short_rows])
    cols = np.concatenate([local[arc_cols[among]], old_at[:, 1], short_cols])
    vals = score_pairs(enc, people[rows], people[cols])
    ok = vals > 0
    arcs_in = (rows[ok], cols[ok], vals[ok])
    # Let go of what the relaxation does not need: it holds the peak memory of the round.
    del rows, cols, vals, ok, short, partner, short_rows, short_cols, most, mate, order, among
    if start is not None:
        start = Potentials(start.scale, start.row[inside], start.col[inside])
    relaxed = _relax(enc, people, LanguageLattice(enc, people), arcs_in, _REPAIR_ROUNDS, start)
    del arcs_in
    new, _ = _round(enc, people, relaxed)
    y = y.copy()
    y[inside] = relaxed.y
    new_at = np.array(new, dtype=np.intp).reshape(-1, 2)
    gained = math.fsum(score_pairs(enc, new_at[:, 0], new_at[:, 1]).tolist())
    if gained > math.fsum(score_pairs(enc, people[old_at[:, 0]], people[old_at[:, 1]]).tolist()):
        return kept + new, y
    return pairs, y


@dataclass(frozen=True)
class _Relaxed:
    """An assignment relaxation over some people (positions in their array): its graph,
    optimal permutation and dual prices."""

    graph: Graph
    sigma: IntArray
    y: FloatArray
    potentials: Potentials


def _neighbourhood(short: IntArray, partner: IntArray, mate: IntArray) -> npt.NDArray[np.bool_]:
    """Who is in the neighbourhood of the arcs ``(short[k], partner[k])``: both ends and
    their mates (``-1``: none)."""
    inside = np.zeros(mate.size, dtype=bool)
    ends = np.concatenate([short, partner])
    inside[ends] = True
    inside[mate[ends][mate[ends] >= 0]] = True
    return inside


def _candidates(
    enc: Encoded, free: IntArray, blocks: list[IntArray]
) -> tuple[IntArray, IntArray, FloatArray]:
    """Each person's ``_GLOBAL_CANDIDATES`` best partners within their block: arcs
    ``(rows, cols, weights)`` between positions in ``free``."""
    position = np.full(enc.n, -1, dtype=np.intp)
    position[free] = np.arange(free.size)
    rows_l: list[IntArray] = [np.empty(0, dtype=np.intp)]
    cols_l: list[IntArray] = [np.empty(0, dtype=np.intp)]
    vals_l: list[FloatArray] = [np.empty(0)]
    for block in blocks:
        if block.size < 2:
            continue
        w = score_block(enc, block, block)
        k = min(_GLOBAL_CANDIDATES, block.size - 1)
        top = np.argpartition(-w, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(w, top, axis=1).ravel()
        ok = vals > 0
        rows_l.append(np.repeat(position[block], k)[ok])
        cols_l.append(position[block][top.ravel()][ok])
        vals_l.append(vals[ok])
    return np.concatenate(rows_l), np.concatenate(cols_l), np.concatenate(vals_l)


def _relax(
    enc: Encoded,
    free: IntArray,
    lattice: LanguageLattice,
    arcs: tuple[IntArray, IntArray, FloatArray],
    rounds: int = _PRICING_ROUNDS,
    start: Potentials | None = None,
) -> _Relaxed:
    """The assignment relaxation over ``free`` people on the candidate ``arcs``, priced
    over every pair by ``lattice`` (built over ``free``). Its prices may still fall short
    of covering every pair: raise them with :func:`covering_prices`.

    Pricing (:meth:`LanguageLattice.columns`) adds the partners that each person priced
    too low would rather have, and the relaxation is solved again from the potentials of
    the last solve, until covering every pair costs at most ``_CONVERGED`` of the prices,
    no allowed partner is missing, or after ``rounds`` rounds. The first solve starts
    from the potentials ``start`` when given (of an earlier solve over the same people,
    on other arcs)."""
    m = free.size
    rows, cols, vals = arcs
    for attempt in range(rounds + 1):
        graph = _symmetric_graph(m, rows, cols, vals)
        sigma, y, potentials = warm_relaxation(graph, start)
        start = potentials
        if attempt == rounds:
            break
        tol = 1e-9 * max(1.0, float(y.max()))
        most, short, partner = lattice.columns(y, _PRICED_PER_PERSON, tol)
        if short.size == 0 or np.maximum(most - y, 0.0).sum() <= _CONVERGED * y.sum():
            break
        got = score_pairs(enc, free[short], free[partner])
        ok = got > 0
        if not ok.any():
            break
        rows = np.concatenate([rows, short[ok]])
        cols = np.concatenate([cols, partner[ok]])
        vals = np.concatenate([vals, got[ok]])
    return _Relaxed(graph, sigma, y, potentials)


def _round(
    enc: Encoded, free: IntArray, relaxed: _Relaxed
) -> tuple[list[tuple[int, int]], list[int]]:
    """Pairs (of people of ``enc``) from the relaxation, and who is left over."""
    graph = relaxed.graph
    mate = improve(round_cycles(relaxed.sigma, graph), graph)
    pairs = []
    for i in np.flatnonzero(mate > np.arange(free.size)).tolist():
        if edge_weight(graph, i, int(mate[i])) > 0:
            pairs.append((int(free[i]), int(free[mate[i]])))
    paired = np.zeros(enc.n, dtype=bool)
    paired[np.array(pairs, dtype=np.intp).reshape(-1)] = True
    leftover = [int(p) for p in free.tolist() if not paired[p]]
    return pairs, leftover


def _symmetric_graph(m: int, rows: IntArray, cols: IntArray, vals: FloatArray) -> Graph:
    """The graph of the edges ``(rows[k], cols[k])`` both ways, each once (the weights
    are symmetric: any copy of an edge gives its weight)."""
    # Each edge once as (lower, higher) first: pricing repeats many, and every array here
    # is one of the largest of a round (160 MB at 60,000 people when made both ways).
    key = np.minimum(rows, cols).astype(np.int64) * m + np.maximum(rows, cols)
    key, first = np.unique(key, return_index=True)
    value = vals[first]
    del first
    low, high = key // m, key % m
    other = high[low != high] * m + low[low != high]
    value = np.concatenate([value, value[low != high]])
    del low, high
    both = np.concatenate([key, other])
    del key, other
    order = np.argsort(both, kind="stable")
    both, value = both[order], value[order]
    del order
    indptr = np.zeros(m + 1, dtype=np.intp)
    np.cumsum(np.bincount(both // m, minlength=m), out=indptr[1:])
    return Graph(m, indptr, (both % m).astype(np.intp), value)


def _solve(
    enc: Encoded, people: IntArray, prove: bool
) -> tuple[list[tuple[int, int]], list[int], float, bool]:
    """Best pairs of one block, with their bound; proven exact when ``prove``."""
    if people.size == 0:
        return [], [], 0.0, True
    result = max_weight_pairs(score_block(enc, people, people), prove=prove)
    pairs = [(int(people[i]), int(people[j])) for i, j in result.pairs]
    return pairs, [int(people[i]) for i in result.unmatched], result.upper_bound, result.exact


def _add_trios(
    enc: Encoded, pairs: list[tuple[int, int]], leftover: list[int]
) -> tuple[list[tuple[int, int, int]], list[int]]:
    """Let the highest-priority people left over join the pair that suits them best."""
    trios: list[tuple[int, int, int]] = []
    if not pairs or not leftover or enc.rules.max_trios == 0:
        return trios, leftover
    order = sorted(leftover, key=lambda i: (-enc.priority[i], i))
    hosts = np.array(pairs, dtype=np.intp)
    open_host = np.ones(len(pairs), dtype=bool)
    trio_before = np.array([p.in_trio_last_time for p in enc.profiles])
    remaining = list(leftover)
    for x in order:
        if len(trios) == enc.rules.max_trios:
            break
        row = score_block(enc, np.array([x], dtype=np.intp), hosts.ravel())[0].reshape(-1, 2)
        value = row.sum(axis=1)
        fits = np.isfinite(value) & open_host
        if not fits.any():
            continue
        # Hosts who were in a trio last time only when no other pair fits.
        fresh = fits & ~trio_before[hosts].any(axis=1)
        pool = fresh if fresh.any() else fits
        best = int(np.argmax(np.where(pool, value, -np.inf)))
        open_host[best] = False
        trios.append((int(hosts[best, 0]), int(hosts[best, 1]), x))
        remaining.remove(x)
    return trios, remaining


def _relation(enc: Encoded, i: int, j: int) -> RegionRelation:
    name = RELATION_NAMES[int(enc.relation[enc.region[i], enc.region[j]])]
    assert name in ("same", "neighbour", "distant")
    return name  # type: ignore[return-value]


def _link(enc: Encoded, i: int, j: int) -> LinkExplanation:
    a, b = enc.profiles[i], enc.profiles[j]
    components = link_components(enc, i, j)
    return LinkExplanation(
        a=a.id,
        b=b.id,
        a_gaps_covered_by_b=tuple(sorted(a.gaps & b.expertise)),
        b_gaps_covered_by_a=tuple(sorted(b.gaps & a.expertise)),
        disciplines=(a.discipline, b.discipline),
        regions=(a.region, b.region),
        region_relation=_relation(enc, i, j),
        shared_languages=tuple(sorted(a.languages & b.languages)),
        components=components,
        score=math.fsum(components.values()),
    )


def _group(enc: Encoded, members: tuple[int, ...], pinned: bool) -> Group:
    links = tuple(
        _link(enc, members[s], members[t])
        for s in range(len(members))
        for t in range(s + 1, len(members))
    )
    prefs = {int(enc.meeting[m]) for m in members}
    meeting: Literal["in_person", "online"]
    if IN_PERSON in prefs:
        meeting = "in_person"
    elif ONLINE in prefs:
        meeting = "online"
    else:
        near = all(link.region_relation != "distant" for link in links)
        meeting = "in_person" if near else "online"
    return Group(
        members=tuple(enc.ids[m] for m in members),
        score=math.fsum(link.score for link in links),
        meeting=meeting,
        pinned=pinned,
        links=links,
    )


def _stats(
    enc: Encoded,
    profiles: Sequence[Profile],
    groups: list[Group],
    unmatched: list[Unmatched],
    weight: float,
    bound: float,
    exact: bool,
    today: date,
) -> RoundStats:
    by_id = {p.id: p for p in profiles}
    figures = group_figures(
        [[by_id[m] for m in g.members] for g in groups], today=today, rules=enc.rules
    )
    return RoundStats(
        people=len(profiles),
        groups=figures.groups,
        pairs=figures.pairs,
        trios=figures.trios,
        unmatched=len(unmatched),
        share_gap_covered=figures.share_gap_covered,
        share_cross_disciplinary=figures.share_cross_disciplinary,
        share_same_region=figures.share_same_region,
        repeats=figures.repeats,
        weight=weight,
        upper_bound=bound,
        certificate=_certificate(weight, bound, exact),
        bound_covers_all_pairs=True,
        exact=exact,
    )


def _certificate(weight: float, bound: float, exact: bool) -> float:
    """``weight / bound``: 1.0 only with a proof, otherwise just below it at most."""
    if exact:
        return 1.0
    if bound <= 0:
        return 1.0 if weight <= 0 else math.nextafter(1.0, 0.0)
    return min(weight / bound, math.nextafter(1.0, 0.0))


def explain_group(
    members: Sequence[Profile],
    *,
    today: date,
    neighbours: Mapping[str, Collection[str]],
    rules: RoundRules | None = None,
) -> Group:
    """Explain a group that was formed elsewhere (by hand, or kept from an earlier plan).

    Parameters
    ----------
    members : sequence of Profile
        The two or three members, in the order the group lists them.
    today, neighbours, rules
        As for :func:`plan_round`.

    Returns
    -------
    Group
        With one link per pair of members; hard rules are not checked, only described.

    Raises
    ------
    ValueError
        When the group does not have two or three members, or as :func:`plan_round` does for
        invalid profiles.
    """
    rules = rules if rules is not None else RoundRules()
    if not 2 <= len(members) <= 3:
        raise ValueError(f"a group has 2 or 3 members, not {len(members)}")
    check_input(members, rules)
    enc = encode(members, neighbours=neighbours, kept_apart=(), today=today, rules=rules)
    return _group(enc, tuple(range(len(members))), False)
