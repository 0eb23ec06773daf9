"""The network's figures for the dashboard and the results page, from a few aggregate queries.

The number of queries does not grow with the number of attendees or rounds: counts are
grouped in the database; where a figure needs the rows themselves (a month of a timestamp,
the themes in a JSON list, the members of a group) one query reads only those columns.

"Met" follows the rounds list: a group met when at least one of its members answered "we met"
(rating a conversation counts as meeting).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus, Signup
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.outbox.undelivered import undelivered_count
from peernet.rounds.models import Match, MatchMember, Round, RoundStatus
from peernet.taxonomy.service import get_taxonomy

RECENT_ROUNDS = 6  # rounds on the dashboard; the results page shows them all
RATINGS = (1, 2, 3, 4, 5)
COUNTED = (AttendeeStatus.ACTIVE, AttendeeStatus.PAUSED, AttendeeStatus.PENDING)


@dataclass
class StatusCounts:
    """Active, paused and pending attendees in one group (a discipline or a police unit)."""

    key: str
    active: int = 0
    paused: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.active + self.paused + self.pending

    def add(self, status: str, n: int) -> None:
        setattr(self, status, getattr(self, status) + n)


@dataclass(frozen=True)
class MonthGrowth:
    month: str  # "2026-11", in the service's time zone
    new: int  # attendees who confirmed in that month
    total: int  # confirmed up to and including that month


@dataclass(frozen=True)
class ThemeCoverage:
    key: str
    wanting: int  # active attendees who want to learn it (a gap)
    knowing: int  # active attendees who know it well (expertise)

    @property
    def shortfall(self) -> int:
        return self.wanting - self.knowing


@dataclass
class RoundResult:
    id: int
    period: str
    groups: int
    met: int = 0  # groups where someone answered "we met"
    answered: int = 0  # people who answered at all
    asked: int = 0  # groups whose members were asked "have you met?" so far
    rematch: int = 0  # people who asked to be matched again
    ratings: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))

    @property
    def met_share(self) -> float | None:
        """None until someone was asked or answered: "0%" would read as nobody meeting."""
        if not self.groups or not (self.asked or self.answered):
            return None
        return self.met / self.groups

    @property
    def rating_count(self) -> int:
        return sum(self.ratings.values())

    @property
    def average_rating(self) -> float | None:
        count = self.rating_count
        return sum(r * n for r, n in self.ratings.items()) / count if count else None


@dataclass(frozen=True)
class DisciplineGrid:
    """How many pairs of the round joined each two disciplines (a trio counts as three
    pairs); ``pairs[(a, b)]`` with ``a <= b`` in the taxonomy's order."""

    period: str
    disciplines: tuple[str, ...]
    pairs: dict[tuple[str, str], int]
    duos: int = 0  # the round's groups of two
    trios: int = 0  # and of three

    def count(self, a: str, b: str) -> int:
        order = {key: i for i, key in enumerate(self.disciplines)}
        first, second = sorted((a, b), key=lambda k: order.get(k, len(order)))
        return self.pairs.get((first, second), 0)

    @property
    def total(self) -> int:
        return sum(self.pairs.values())

    @property
    def across(self) -> int:
        return sum(n for (a, b), n in self.pairs.items() if a != b)


@dataclass(frozen=True)
class Dashboard:
    totals: StatusCounts
    by_discipline: list[StatusCounts]
    by_region: list[StatusCounts]
    growth: list[MonthGrowth]
    rounds: list[RoundResult]  # the most recent first
    themes: list[ThemeCoverage]  # the themes lacking expertise most first
    grid: DisciplineGrid | None  # of the last published round
    undelivered: int
    awaiting_confirmation: int


@dataclass(frozen=True)
class NetworkPoint:
    """The network after a published round, counting every round up to it."""

    period: str
    across_disciplines: int  # people who have met someone from another discipline
    organisations: int  # organisations linked to another one by a pair that met
    organisation_links: int  # distinct pairs of organisations that met


@dataclass(frozen=True)
class Results:
    rounds: list[RoundResult]  # the oldest first
    over_time: list[NetworkPoint]


def _ordered(groups: dict[str, StatusCounts], keys: Iterable[str]) -> list[StatusCounts]:
    """The taxonomy's order, every known key shown (zeros too), unknown keys after it."""
    known = list(keys)
    extra = sorted(k for k in groups if k not in known)
    return [groups.get(k) or StatusCounts(k) for k in known + extra]


async def _status_counts() -> tuple[StatusCounts, list[StatusCounts], list[StatusCounts]]:
    taxonomy = get_taxonomy()
    rows = (
        await Attendee.filter(status__in=COUNTED)
        .annotate(n=Count("id"))
        .group_by("role", "region", "status")
        .values("role", "region", "status", "n")
    )
    totals = StatusCounts("all")
    disciplines: dict[str, StatusCounts] = {}
    regions: dict[str, StatusCounts] = {}
    for row in rows:
        status = AttendeeStatus(row["status"]).value
        role = taxonomy.roles.get(row["role"])
        discipline = role.discipline if role else row["role"]
        for groups, key in ((disciplines, discipline), (regions, row["region"])):
            groups.setdefault(key, StatusCounts(key)).add(status, row["n"])
        totals.add(status, row["n"])
    return (
        totals,
        _ordered(disciplines, taxonomy.disciplines),
        _ordered(regions, taxonomy.regions),
    )


def _month(moment: datetime, timezone: ZoneInfo) -> tuple[int, int]:
    local = moment.astimezone(timezone)
    return local.year, local.month


async def _growth(timezone: ZoneInfo) -> list[MonthGrowth]:
    """Every month from the first confirmation to this one, empty months included."""
    moments: list[Any] = await Attendee.filter(confirmed_at__isnull=False).values_list(
        "confirmed_at", flat=True
    )
    per_month = Counter(_month(m, timezone) for m in moments if isinstance(m, datetime))
    if not per_month:
        return []
    year, month = min(per_month)
    last = max(*per_month, _month(clock.now(), timezone))
    out: list[MonthGrowth] = []
    total = 0
    while (year, month) <= last:
        new = per_month.get((year, month), 0)
        total += new
        out.append(MonthGrowth(f"{year}-{month:02d}", new, total))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


async def _themes() -> list[ThemeCoverage]:
    wanting: Counter[str] = Counter()
    knowing: Counter[str] = Counter()
    rows = await Attendee.filter(status=AttendeeStatus.ACTIVE).values_list("gaps", "expertise")
    for gaps, expertise in rows:
        wanting.update(set(gaps or ()))
        knowing.update(set(expertise or ()))
    order = list(get_taxonomy().themes)
    keys = order + sorted((wanting.keys() | knowing.keys()) - set(order))
    coverage = [ThemeCoverage(k, wanting[k], knowing[k]) for k in keys]
    position = {k: i for i, k in enumerate(keys)}
    # Most wanted and least known first; ties keep the taxonomy's order.
    return sorted(coverage, key=lambda c: (-c.shortfall, -c.wanting, position[c.key]))


async def round_results(rounds: list[Round]) -> list[RoundResult]:
    """Groups, meetings, answers and ratings of these rounds, in the same order."""
    ids = [r.id for r in rounds]
    if not ids:
        return []
    # Per round: its groups, and those asked "have you met?" so far (COUNT skips nulls).
    counted = {
        row["round_id"]: (row["n"], row["asked"])
        for row in await Match.filter(round_id__in=ids)
        .annotate(n=Count("id"), asked=Count("nudge_met_done_at"))
        .group_by("round_id")
        .values("round_id", "n", "asked")
    }
    results: dict[int, RoundResult] = {}
    for r in rounds:
        groups, asked = counted.get(r.id, (0, 0))
        results[r.id] = RoundResult(r.id, r.period, groups, asked=asked)
    met = (
        await MatchFeedback.filter(match__round_id__in=ids, answer=MeetingAnswer.MET)
        .annotate(n=Count("match_id", distinct=True))
        .group_by("match__round_id")
        .values("match__round_id", "n")
    )
    for row in met:
        results[row["match__round_id"]].met = row["n"]
    answers = (
        await MatchFeedback.filter(match__round_id__in=ids)
        .annotate(n=Count("id"))
        .group_by("match__round_id", "answer", "rating")
        .values("match__round_id", "answer", "rating", "n")
    )
    for row in answers:
        result = results[row["match__round_id"]]
        if row["answer"] is not None:
            result.answered += row["n"]
        if row["answer"] == MeetingAnswer.REMATCH.value:
            result.rematch += row["n"]
        if row["rating"] in result.ratings:
            result.ratings[row["rating"]] += row["n"]
    return [results[i] for i in ids]


def _published() -> QuerySet[Round]:
    return Round.filter(status=RoundStatus.PUBLISHED)


async def _grid(last: Round | None) -> DisciplineGrid | None:
    if last is None:
        return None
    taxonomy = get_taxonomy()
    members: dict[int, list[str]] = defaultdict(list)
    rows = await MatchMember.filter(match__round_id=last.id).values_list(
        "match_id", "attendee__role"
    )
    for match_id, role in rows:
        known = taxonomy.roles.get(role)
        members[match_id].append(known.discipline if known else role)
    order = list(taxonomy.disciplines)
    position = {k: i for i, k in enumerate(order)}
    pairs: Counter[tuple[str, str]] = Counter()
    for disciplines in members.values():
        for a, b in combinations(disciplines, 2):
            first, second = sorted((a, b), key=lambda k: (position.get(k, len(order)), k))
            pairs[(first, second)] += 1
    extra = sorted({k for pair in pairs for k in pair} - set(order))
    sizes = Counter(len(disciplines) for disciplines in members.values())
    return DisciplineGrid(
        last.period, tuple(order + extra), dict(pairs), duos=sizes[2], trios=sizes[3]
    )


async def dashboard(timezone: ZoneInfo) -> Dashboard:
    totals, by_discipline, by_region = await _status_counts()
    recent = await _published().order_by("-period").limit(RECENT_ROUNDS)
    awaiting = await Signup.filter(confirmed_at__isnull=True, expires_at__gt=clock.now()).count()
    return Dashboard(
        totals=totals,
        by_discipline=by_discipline,
        by_region=by_region,
        growth=await _growth(timezone),
        rounds=await round_results(recent),
        themes=await _themes(),
        grid=await _grid(recent[0] if recent else None),
        undelivered=await undelivered_count(),
        awaiting_confirmation=awaiting,
    )


def _organisation(name: str) -> str:
    return " ".join(name.split()).casefold()


async def results() -> Results:
    """Every published round's results, and how the network grew through the pairs that met."""
    rounds = await _published().order_by("period")
    per_round = await round_results(rounds)
    period_of = {r.id: r.period for r in rounds}
    met_groups = (
        await MatchFeedback.filter(
            answer=MeetingAnswer.MET, match__round__status=RoundStatus.PUBLISHED
        )
        .distinct()
        .values_list("match_id", "match__round_id")
    )
    round_of = {match_id: round_id for match_id, round_id in met_groups}
    members: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    taxonomy = get_taxonomy()
    rows = await MatchMember.filter(match_id__in=list(round_of)).values_list(
        "match_id", "attendee_id", "attendee__role", "attendee__organisation"
    )
    for match_id, attendee_id, role, organisation in rows:
        known = taxonomy.roles.get(role)
        members[match_id].append(
            (attendee_id, known.discipline if known else role, _organisation(organisation))
        )
    by_period: dict[str, list[list[tuple[int, str, str]]]] = defaultdict(list)
    for match_id, group in members.items():
        by_period[period_of[round_of[match_id]]].append(group)
    across: set[int] = set()
    links: set[tuple[str, str]] = set()
    over_time: list[NetworkPoint] = []
    for rnd in rounds:
        for group in by_period.get(rnd.period, []):
            for (a, discipline_a, org_a), (b, discipline_b, org_b) in combinations(group, 2):
                if discipline_a != discipline_b:
                    across.update((a, b))
                if org_a and org_b and org_a != org_b:
                    links.add((min(org_a, org_b), max(org_a, org_b)))
        organisations = {org for link in links for org in link}
        over_time.append(NetworkPoint(rnd.period, len(across), len(organisations), len(links)))
    return Results(rounds=per_round, over_time=over_time)
