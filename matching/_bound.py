"""An upper bound on the best pairing over every allowed pair of a round, from the score's
structure: no loop over the n**2 pairs.

Any dual prices ``y >= 0`` with ``y[i] + y[j] >= w(i, j)`` for every allowed pair bound
every pairing by ``sum(y)`` (the dual of the fractional matching relaxation). Prices of a
relaxation solved on candidate pairs, or per group of people, hold only for those pairs;
this module finds, for every person ``i``, ``most(i) = max_j w(i, j) - y[j]`` over everyone
else and a partner ``j`` that reaches it (:class:`Lattice`; :class:`LanguageLattice` keeps
one per language, so that partner shares a language): the pricing step of the round's
relaxation adds those partners as candidates, and :func:`covering_prices` moves the prices
towards ``most`` (lowered where they have slack, raised where they fall short) until they
hold for every pair.

The score of a pair (see :func:`matching.scoring.score_block`) is

    pair_bonus + priority[i] + priority[j] + cover(gaps_i, expertise_j)
    + cover(gaps_j, expertise_i) + place(zone_i, zone_j)

with ``cover(G, E) = gap_covered * |G & E| + any_gap_covered * [G & E nonempty]`` and a
zone (region and meeting preference) term ``place`` that also says which zones may meet.
For a column person ``j`` and each pair of small theme sets ``A`` (in ``j``'s expertise)
and ``B`` (in ``j``'s gaps), the lowest price ``y[j] - priority[j]`` per zone is kept; a row
person ``i`` then reads the cells of every ``A`` among its gaps and ``B`` among its
expertise, credited ``cover(|A|) + cover(|B|)``. The largest value read is exactly
``most(i)`` (the cell of ``A = G_i & E_j`` and ``B = E_i & G_j`` holds ``j``), except that
the check is conservative where it is simpler:

- pairs forbidden by history or by the coordinator, and pairs without a shared language,
  are checked as if allowed (only more pairs are covered);
- sets larger than ``_MAX_SUBSET`` are read through their subsets of that size, credited
  as much as the largest possible overlap;
- a person may be read as their own partner when one discipline may pair with itself.

Pure numpy; memory grows with n times the subsets per person, not with n**2.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching.scoring import Encoded, zone_tables

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Int32Array = npt.NDArray[np.int32]

# Subsets of a person's themes up to this size are keys of the lookup table.
_MAX_SUBSET = 3
# Rows read the table in chunks of this many (person, key) queries.
_CHUNK = 1 << 14
# People per chunk while the structure is built.
_BUILD_CHUNK = 8192


@dataclass(frozen=True)
class Shortfall:
    """``most[k]``: the largest ``w(i, j) - y[j]`` over every partner ``j`` of
    ``people[k]`` (``-inf`` when none), and ``short = max(most - y, 0)``."""

    most: FloatArray
    short: FloatArray


def _down(values: FloatArray) -> npt.NDArray[np.float32]:
    """``values`` as float32, rounded towards -inf (a price may only be read lower)."""
    out = values.astype(np.float32)
    above = out > values
    out[above] = np.nextafter(out[above], np.float32(-np.inf))
    return out


def _cover(count: IntArray, credit: float, any_credit: float) -> FloatArray:
    return credit * count + any_credit * (count > 0)


def _subsets(
    onehot: npt.NDArray[np.float32], people: IntArray, limit: int, bits: int
) -> tuple[IntArray, npt.NDArray[np.int64], IntArray]:
    """Every subset of at most ``limit`` themes of each person: (position of the person in
    ``people``, canonical code of the subset, its size)."""
    sets = onehot[people] > 0
    sizes = sets.sum(axis=1)
    owners: list[IntArray] = []
    codes: list[npt.NDArray[np.int64]] = []
    lengths: list[IntArray] = []
    for size in np.unique(sizes).tolist():
        who = np.flatnonzero(sizes == size)
        # Theme numbers, ascending, of everyone with this many themes.
        themes = np.nonzero(sets[who])[1].reshape(who.size, size).astype(np.int64) + 1
        for k in range(min(size, limit) + 1):
            for combo in itertools.combinations(range(size), k):
                code = np.zeros(who.size, dtype=np.int64)
                for slot, pos in enumerate(combo):
                    code |= themes[:, pos] << (bits * slot)
                owners.append(who)
                codes.append(code)
                lengths.append(np.full(who.size, k, dtype=np.intp))
    return np.concatenate(owners), np.concatenate(codes), np.concatenate(lengths)


def _zone_terms(enc: Encoded) -> tuple[IntArray, FloatArray]:
    """Zone (region, meeting preference) of everyone, and the place term of each pair of
    zones (``-inf`` where the two may not meet)."""
    region_term, meeting_term, apart = zone_tables(enc)
    place = region_term + meeting_term
    place[apart] = -np.inf
    return (enc.region * 3 + enc.meeting).astype(np.intp), place


class Lattice:
    """The lookup structure of :func:`shortfall` for one set of people, built once and
    read for any prices (the tightening in :func:`covering_prices` reads it a few times)."""

    def __init__(self, enc: Encoded, people: IntArray) -> None:
        rules = enc.rules
        m = people.size
        self.enc, self.people, self.m = enc, people, m
        themes = enc.expertise.shape[1]
        bits = max(int(themes).bit_length(), 1)
        limit = max(min(_MAX_SUBSET, 31 // bits), 1)
        zone_all, self.place = _zone_terms(enc)
        self.zone = zone_all[people]
        self.zones = self.place.shape[0]
        self.disc = enc.discipline[people].astype(np.int16)
        self.gap_sizes = gap_sizes = (enc.gaps[people] > 0).sum(axis=1)
        self.exp_sizes = exp_sizes = (enc.expertise[people] > 0).sum(axis=1)
        widest_gap, widest_exp = int(gap_sizes.max()), int(exp_sizes.max())
        widest = max(min(widest_gap, widest_exp), 0) + 1
        # Credits are read from a small table: sizes of (A, B) as one small number.
        cover = _cover(np.arange(widest), rules.gap_covered, rules.any_gap_covered)
        self.credit = (cover[:, None] + cover[None, :]).ravel()
        shift = bits * limit

        # Built in chunks of people, int32 wherever it fits: the structure holds every
        # pair of subsets of everyone, and the peak memory of a round is what limits it.
        col_parts: list[tuple[Int32Array, npt.NDArray[np.int64]]] = []
        for lo in range(0, m, _BUILD_CHUNK):
            part = people[lo : lo + _BUILD_CHUNK]
            # Column keys: A in j's expertise, B in j's gaps.
            own_a, code_a, _ = _subsets(enc.expertise, part, limit, bits)
            own_b, code_b, _ = _subsets(enc.gaps, part, limit, bits)
            owner, key, _, _ = _join(own_a, code_a, own_b, code_b, shift, part.size)
            col_parts.append((owner + np.int32(lo), key))
        row_parts = [
            self._queries(lo, limit, bits, widest, shift) for lo in range(0, m, _BUILD_CHUNK)
        ]
        # Only keys that someone holds and someone reads.
        keys = np.intersect1d(
            np.unique(np.concatenate([np.unique(key) for _, key in col_parts])),
            np.unique(np.concatenate([np.unique(q[1]) for q in row_parts])),
        )
        self.keys = keys.size
        cells: list[Int32Array] = []
        owners: list[Int32Array] = []
        for owner, key in col_parts:
            k = np.searchsorted(keys, key)
            hit = (k < keys.size) & (keys[np.minimum(k, keys.size - 1)] == key)
            zone = self.zone[owner[hit]].astype(np.int32)
            cells.append(k[hit].astype(np.int32) * np.int32(self.zones) + zone)
            owners.append(owner[hit])
        col_owner = np.concatenate(owners)
        del owners
        del col_parts
        cell = np.concatenate(cells)
        del cells
        # Cells (key, zone) of the columns; sorted once, ties broken by price on each read.
        order = np.argsort(cell, kind="stable")
        self.cell = cell[order]
        self.col_owner = col_owner[order]
        del cell, order, col_owner
        self.cell_start = np.flatnonzero(np.r_[True, self.cell[1:] != self.cell[:-1]])
        self.cell_count = np.diff(np.r_[self.cell_start, self.cell.size])
        self.col_disc = self.disc[self.col_owner]

        row_owners: list[Int32Array] = []
        row_ks: list[Int32Array] = []
        row_sizes: list[Int32Array] = []
        for owner, key, size in row_parts:
            k = np.searchsorted(keys, key)
            hit = (k < keys.size) & (keys[np.minimum(k, keys.size - 1)] == key)
            row_owners.append(owner[hit])
            row_ks.append(k[hit].astype(np.int32))
            row_sizes.append(size[hit])
        del row_parts
        row_owner = np.concatenate(row_owners)
        del row_owners
        # Queries sorted by the owner's (discipline, zone), then owner (ascending already):
        # a run of one discipline and zone reads one table of prices and one row of
        # ``place``, and each owner's queries stay one run. Permuted one array at a time:
        # these hold every query of everyone.
        group = self.zone[row_owner].astype(np.int32)
        if not rules.allow_same_discipline:
            group += self.disc[row_owner].astype(np.int32) * np.int32(self.zones)
        order = np.argsort(group, kind="stable")
        group = group[order]
        self.row_owner = row_owner[order]
        del row_owner
        self.row_k = np.concatenate(row_ks)[order]
        del row_ks
        self.row_size = np.concatenate(row_sizes)[order]
        del row_sizes, order
        runs = np.flatnonzero(np.r_[True, self.row_owner[1:] != self.row_owner[:-1]])
        groups = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        del group
        # Chunks of whole runs of owners within one group, so that each chunk gives its
        # owners' maxima.
        bounds = np.union1d(np.union1d(groups, runs[:: max(_CHUNK // 32, 1)]), [self.row_k.size])
        self.row_chunks = [
            (lo, hi, int(self.disc[self.row_owner[lo]]), int(self.zone[self.row_owner[lo]]))
            for lo, hi in itertools.pairwise(bounds.tolist())
        ]

    def _queries(
        self, lo: int, limit: int, bits: int, widest: int, shift: int
    ) -> tuple[Int32Array, npt.NDArray[np.int64], Int32Array]:
        """The row queries of people ``lo`` to ``lo + _BUILD_CHUNK``: A in i's gaps, B in
        i's expertise; owner, key and credit index (sizes of A and B as one number)."""
        enc, part = self.enc, self.people[lo : lo + _BUILD_CHUNK]
        own_ga, code_ga, len_ga = _subsets(enc.gaps, part, limit, bits)
        own_eb, code_eb, len_eb = _subsets(enc.expertise, part, limit, bits)
        g_sz, e_sz = self.gap_sizes[lo : lo + _BUILD_CHUNK], self.exp_sizes[lo : lo + _BUILD_CHUNK]
        # A subset at the size limit may stand for a larger overlap: credit the largest.
        widest_exp, widest_gap = int(self.exp_sizes.max()), int(self.gap_sizes.max())
        full_a = np.where(len_ga >= limit, np.minimum(g_sz[own_ga], widest_exp), len_ga)
        full_b = np.where(len_eb >= limit, np.minimum(e_sz[own_eb], widest_gap), len_eb)
        full_a = np.minimum(full_a, widest - 1)
        full_b = np.minimum(full_b, widest - 1)
        owner, key, ia, ib = _join(own_ga, code_ga, own_eb, code_eb, shift, part.size)
        size = (full_a[ia] * widest + full_b[ib]).astype(np.int32)
        return owner + np.int32(lo), key, size

    def most(self, y: FloatArray) -> FloatArray:
        """``max_j w(i, j) - y[j]`` for every person ``i`` (``-inf`` without partners)."""
        return self._read(y, False)[0]

    def best(self, y: FloatArray) -> tuple[FloatArray, IntArray]:
        """:meth:`most`, and a partner ``j`` (a position in ``people``, ``-1`` without
        partners) where it is reached. The partner may be forbidden by history, the
        coordinator or language, and for sets larger than ``_MAX_SUBSET`` the pair may
        score less than ``most`` (see the module docstring)."""
        most, partner, _, _ = self._read(y, True)
        return most, partner

    def columns(
        self, y: FloatArray, per_person: int, tol: float
    ) -> tuple[FloatArray, IntArray, IntArray]:
        """:meth:`most`, and pairs ``(rows[k], cols[k])`` (positions in ``people``) that the
        prices ``y`` may leave short: up to ``per_person`` distinct partners ``j`` of each
        person ``i`` with ``w(i, j) - y[j]`` read above ``y[i] + tol``, the largest first.

        One read, as :meth:`best`: every (subset, zone) cell that a person reads names the
        partner of lowest price there, so a person short on several cells gets several
        partners at once (the pricing of a relaxation converges in fewer rounds). As for
        :meth:`best`, a pair may be forbidden or score less than read: score it again."""
        if per_person < 1:
            raise ValueError("per_person must be at least 1")
        most, _, rows, cols = self._read(y, True, per_person, tol)
        return most, rows, cols

    def _read(
        self, y: FloatArray, partners: bool, per_person: int = 0, tol: float = 0.0
    ) -> tuple[FloatArray, IntArray, IntArray, IntArray]:
        enc, rules, zones, m = self.enc, self.enc.rules, self.zones, self.m
        most = np.full(m, -np.inf)
        partner = np.full(m, -1, dtype=np.intp)
        nobody = np.empty(0, dtype=np.intp)
        if m < 2 or self.row_k.size == 0:
            return most, partner, nobody, nobody
        # What is left of y[j] for the pair terms, as float32 rounded down: a price may
        # only be read lower, which can only raise ``most``.
        z = _down(y - enc.priority[self.people])
        # Per (key, zone) cell: the lowest z, its discipline, and the lowest z of any other
        # discipline (the partner of someone of that discipline); who holds each. Arrays
        # of every cell are the largest of a read: float32, int16 and int32 only.
        size = self.keys * zones
        cells = self.cell[self.cell_start]
        price = z[self.col_owner]
        cell_low, first = self._cell_low(price)
        low = np.full(size, np.inf, dtype=np.float32)
        low[cells] = cell_low
        low_disc = np.full(size, -1, dtype=np.int16)
        low_disc[cells] = self.col_disc[first]
        low_who = other_who = np.empty((0, zones), dtype=np.int32)
        if partners:
            low_who = np.full(size, -1, dtype=np.int32)
            low_who[cells] = self.col_owner[first]
            low_who = low_who.reshape(self.keys, zones)
        price[self.col_disc == low_disc[self.cell]] = np.inf
        cell_other, first = self._cell_low(price)
        del price
        other = np.full(size, np.inf, dtype=np.float32)
        other[cells] = cell_other
        if partners:
            other_who = np.full(size, -1, dtype=np.int32)
            other_who[cells] = np.where(np.isfinite(cell_other), self.col_owner[first], -1)
            other_who = other_who.reshape(self.keys, zones)
        del cell_low, cell_other, first
        low = low.reshape(self.keys, zones)
        low_disc = low_disc.reshape(self.keys, zones)
        other = other.reshape(self.keys, zones)
        # Columns: a query counts when its value (before the pair bonus and the row's own
        # priority) exceeds this.
        floor = y + tol - rules.pair_bonus - enc.priority[self.people]
        hit_who: list[Int32Array] = []
        hit_partner: list[Int32Array] = []
        hit_value: list[FloatArray] = []
        # Per discipline of the row, the price each cell offers (the lowest of another
        # discipline where the lowest shares it), made once per discipline: chunks come
        # sorted by discipline.
        table, table_who, table_disc = low, low_who, -1
        for lo, hi, disc, zone in self.row_chunks:
            if not rules.allow_same_discipline and disc != table_disc:
                same = low_disc == disc
                table = np.where(same, other, low)
                if partners:
                    table_who = np.where(same, other_who, low_who)
                table_disc = disc
                del same
            k = self.row_k[lo:hi]
            who = self.row_owner[lo:hi]
            value_z = self.place[zone] - table[k]
            run = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
            if not partners:
                value = value_z.max(axis=1) + self.credit[self.row_size[lo:hi]]
                most[who[run]] = np.maximum.reduceat(value, run)
                continue
            at = value_z.argmax(axis=1)
            rows = np.arange(k.size)
            value = value_z[rows, at] + self.credit[self.row_size[lo:hi]]
            top = np.maximum.reduceat(value, run)
            most[who[run]] = top
            if per_person:
                hit = np.flatnonzero(value > floor[who])
                hit_who.append(who[hit])
                hit_partner.append(table_who[k[hit], at[hit]])
                hit_value.append(value[hit])
                continue
            # The first query of each run that reaches its maximum names the partner.
            hit = np.flatnonzero(value == np.repeat(top, np.diff(np.r_[run, k.size])))
            first_hit = hit[np.r_[True, who[hit][1:] != who[hit][:-1]]]
            holder = table_who[k[first_hit], at[first_hit]]
            partner[who[first_hit]] = np.where(np.isfinite(value[first_hit]), holder, -1)
        most += rules.pair_bonus + enc.priority[self.people]
        if not per_person:
            return most, partner, nobody, nobody
        rows_out, cols_out = _top_distinct(hit_who, hit_partner, hit_value, m, per_person)
        return most, partner, rows_out, cols_out

    def _cell_low(
        self, price: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.intp]]:
        """Per occupied (key, zone) cell, in order: the lowest ``price`` and the first
        column entry that holds it."""
        starts = self.cell_start
        cell_low = np.minimum.reduceat(price, starts)
        at_low = np.flatnonzero(price == np.repeat(cell_low, self.cell_count))
        cell_of = np.repeat(np.arange(starts.size, dtype=np.int32), self.cell_count)
        at_cell = cell_of[at_low]
        del cell_of
        # Every cell holds an entry at its minimum (inf equals inf): one per cell.
        return cell_low, at_low[np.r_[True, at_cell[1:] != at_cell[:-1]]]


class LanguageLattice:
    """One :class:`Lattice` per language, over the people who speak it: a pair is allowed
    only with a shared language, so every allowed pair meets in one of them, and the
    partner that :meth:`best` names always shares a language."""

    def __init__(self, enc: Encoded, people: IntArray) -> None:
        self.m = people.size
        speaks = enc.languages[people] > 0
        self.parts: list[tuple[IntArray, Lattice]] = []
        for language in range(speaks.shape[1]):
            where = np.flatnonzero(speaks[:, language])
            if where.size >= 2:
                self.parts.append((where, Lattice(enc, people[where])))

    def most(self, y: FloatArray) -> FloatArray:
        """As :meth:`Lattice.most`, over pairs with a shared language."""
        most = np.full(self.m, -np.inf)
        for where, lattice in self.parts:
            # Without partners: a read without the argmax and holders.
            most[where] = np.maximum(most[where], lattice.most(y[where]))
        return most

    def best(self, y: FloatArray) -> tuple[FloatArray, IntArray]:
        """As :meth:`Lattice.best`, over pairs with a shared language."""
        most = np.full(self.m, -np.inf)
        partner = np.full(self.m, -1, dtype=np.intp)
        for where, lattice in self.parts:
            got, at = lattice.best(y[where])
            better = got > most[where]
            most[where[better]] = got[better]
            partner[where[better]] = np.where(at[better] >= 0, where[at[better]], -1)
        return most, partner

    def columns(
        self, y: FloatArray, per_person: int, tol: float
    ) -> tuple[FloatArray, IntArray, IntArray]:
        """As :meth:`Lattice.columns`, over pairs with a shared language: up to
        ``per_person`` partners per language, each pair once."""
        most = np.full(self.m, -np.inf)
        rows_l: list[IntArray] = [np.empty(0, dtype=np.intp)]
        cols_l: list[IntArray] = [np.empty(0, dtype=np.intp)]
        for where, lattice in self.parts:
            got, rows, cols = lattice.columns(y[where], per_person, tol)
            most[where] = np.maximum(most[where], got)
            rows_l.append(where[rows])
            cols_l.append(where[cols])
        # A pair that shares two languages is named once.
        key = np.unique(np.concatenate(rows_l).astype(np.int64) * self.m + np.concatenate(cols_l))
        return most, (key // self.m).astype(np.intp), (key % self.m).astype(np.intp)


def shortfall(enc: Encoded, people: IntArray, y: FloatArray) -> Shortfall:
    """How far the prices ``y`` (one per person of ``people``) fall short of covering every
    pair among ``people`` (see the module docstring: forbidden pairs count as allowed)."""
    most = Lattice(enc, people).most(y)
    return Shortfall(most, np.maximum(most - y, 0.0))


def covering_prices(lattice: Lattice | LanguageLattice, y: FloatArray, steps: int) -> FloatArray:
    """Prices that cover every pair, from prices ``y`` that may not: ``steps`` rounds of
    ``y <- (y + max(most(y), 0)) / 2`` (each lowers prices with slack and raises short
    ones; from the first round on they cover every pair), then a last raise of any
    shortfall left by round-off."""
    for _ in range(steps):
        y = (y + np.maximum(lattice.most(y), 0.0)) / 2.0
    return np.maximum(y, lattice.most(y))


def _top_distinct(
    who: list[Int32Array],
    partner: list[Int32Array],
    value: list[FloatArray],
    m: int,
    per_person: int,
) -> tuple[IntArray, IntArray]:
    """Up to ``per_person`` distinct partners per person other than themself, the largest
    value first (ties: the lower partner)."""
    if not who:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    rows = np.concatenate(who).astype(np.int64)
    cols = np.concatenate(partner).astype(np.int64)
    values = np.concatenate(value)
    ok = (cols >= 0) & (cols != rows)
    key = rows[ok] * m + cols[ok]
    values = values[ok]
    if key.size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    # One entry per pair (its largest value), then per person by value.
    order = np.lexsort((-values, key))
    key, values = key[order], values[order]
    keep = np.r_[True, key[1:] != key[:-1]]
    key, values = key[keep], values[keep]
    order = np.lexsort((key, -values, key // m))
    key = key[order]
    rows = key // m
    rank = np.arange(rows.size) - np.searchsorted(rows, rows)
    key = key[rank < per_person]
    return (key // m).astype(np.intp), (key % m).astype(np.intp)


def _join(
    own_a: IntArray,
    code_a: npt.NDArray[np.int64],
    own_b: IntArray,
    code_b: npt.NDArray[np.int64],
    shift: int,
    m: int,
) -> tuple[Int32Array, npt.NDArray[np.int64], Int32Array, Int32Array]:
    """Every (subset A, subset B) of the same person: owner, the key ``A << shift | B``,
    and the positions of A and B in their lists; sorted by owner."""
    # int32 throughout: these arrays hold every subset pair of everyone.
    oa = np.argsort(own_a, kind="stable").astype(np.int32)
    ob = np.argsort(own_b, kind="stable").astype(np.int32)
    count_a = np.bincount(own_a, minlength=m).astype(np.int32)
    count_b = np.bincount(own_b, minlength=m).astype(np.int32)
    start_a = np.r_[0, np.cumsum(count_a)[:-1]].astype(np.int32)
    start_b = np.r_[0, np.cumsum(count_b)[:-1]].astype(np.int32)
    per = count_a * count_b
    owner = np.repeat(np.arange(m, dtype=np.int32), per)
    # Position within the owner's block of |A| * |B| combinations.
    offset = np.arange(owner.size, dtype=np.int32)
    offset -= np.repeat(np.r_[0, np.cumsum(per)[:-1]].astype(np.int32), per)
    nb = np.maximum(count_b, 1)[owner]
    ia = oa[start_a[owner] + offset // nb]
    ib = ob[start_b[owner] + offset % nb]
    del offset, nb
    key = (code_a[ia] << shift) | code_b[ib]
    return owner, key, ia, ib


def padded_sum(y: FloatArray) -> float:
    """``sum(y)``, padded for the round-off of prices that cover every pair."""
    top = float(np.max(y, initial=0.0))
    return float(math.fsum(y)) + y.size * 8 * float(np.finfo(float).eps) * top
