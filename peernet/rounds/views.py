"""A round as coordinators see it (the round page and the JSON API read the same view):
the groups with their members and reasons, who is unmatched and why, the figures in plain
words, and what changed since the previous version of the draft."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.errors import NotFound
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.i18n import translate
from peernet.rounds.introductions import (
    join_terms,
    lower_first,
    meeting_advice,
    reasons_for,
    term_label,
)
from peernet.rounds.models import (
    KeepApart,
    Match,
    MatchMember,
    Round,
    RoundExclusion,
    RoundPin,
    RoundStatus,
)
from peernet.rounds.service import as_published
from peernet.rounds.unmatched import describe_unmatched
from peernet.taxonomy.service import get_taxonomy
from peernet.web.dates import percent


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    role: str
    role_label: str
    discipline_label: str
    region: str
    region_label: str
    organisation: str
    status: str = "active"  # a draft's member may have paused, left or been erased since


@dataclass(frozen=True)
class GroupView:
    match_id: int
    members: tuple[Member, ...]
    reasons: tuple[str, ...]
    pinned: bool
    meeting: str
    explanation: Mapping[str, Any]


@dataclass(frozen=True)
class UnmatchedView:
    member: Member
    reason: str  # the engine's reason: excluded, no_allowed_partner, partners_taken
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class Change:
    member: Member
    before: tuple[str, ...]  # names of the partners in the previous version
    after: tuple[str, ...]


@dataclass(frozen=True)
class RoundView:
    id: int
    period: str
    status: str
    version: int
    preset: str
    published_at: datetime | None
    stats: Mapping[str, Any]
    previous_stats: Mapping[str, Any] | None
    groups: tuple[GroupView, ...]
    unmatched: tuple[UnmatchedView, ...]
    changes: tuple[Change, ...]
    excluded: tuple[Member, ...]
    pins: tuple[tuple[Member, Member], ...]
    kept_apart: tuple[tuple[Member, Member], ...]
    rejected_pins: tuple[tuple[Member, Member, str], ...]
    figures: tuple[str, ...] = field(default=())


def _member(attendee: Attendee, locale: str) -> Member:
    taxonomy = get_taxonomy()
    role = taxonomy.roles.get(attendee.role)
    discipline = taxonomy.disciplines.get(taxonomy.discipline_of(attendee.role)) if role else None
    region = taxonomy.regions.get(attendee.region)
    return Member(
        id=attendee.id,
        # Someone who erased their data is named as a former participant everywhere.
        name=attendee.name or translate(locale, "rights.former"),
        role=attendee.role,
        role_label=role.label(locale) if role else attendee.role,
        discipline_label=discipline.label(locale) if discipline else "",
        region=attendee.region,
        region_label=region.label(locale) if region else attendee.region,
        organisation=attendee.organisation,
        status=attendee.status.value,
    )


def _themes(keys: Sequence[str], locale: str) -> str:
    themes = get_taxonomy().themes
    return join_terms([lower_first(term_label(themes, k, locale)) for k in keys], locale)


def neutral_reasons(
    explanation: Mapping[str, Any], names: Mapping[int, str], locale: str
) -> list[str]:
    """Why the group was formed, about its members in the third person, from the
    explanation stored when it was planned (the same one the introductions are written from)."""
    taxonomy = get_taxonomy()
    out: list[str] = []
    for link in explanation.get("links", []):
        a, b = names.get(link["a"], "?"), names.get(link["b"], "?")
        if link["a_gaps_covered_by_b"]:
            out.append(
                translate(
                    locale,
                    "rounds.reason.covers",
                    expert=b,
                    learner=a,
                    themes=_themes(link["a_gaps_covered_by_b"], locale),
                )
            )
        if link["b_gaps_covered_by_a"]:
            out.append(
                translate(
                    locale,
                    "rounds.reason.covers",
                    expert=a,
                    learner=b,
                    themes=_themes(link["b_gaps_covered_by_a"], locale),
                )
            )
        da, db = link["disciplines"]
        if da != db:
            out.append(
                translate(
                    locale,
                    "rounds.reason.disciplines",
                    a=a,
                    b=b,
                    da=lower_first(term_label(taxonomy.disciplines, da, locale)),
                    db=lower_first(term_label(taxonomy.disciplines, db, locale)),
                )
            )
        ra, rb = link["regions"]
        if link["region_relation"] == "same":
            region = term_label(taxonomy.regions, ra, locale)
            out.append(translate(locale, "rounds.reason.same_region", region=region))
        elif link["region_relation"] == "neighbour":
            out.append(
                translate(
                    locale,
                    "rounds.reason.neighbour_region",
                    ra=term_label(taxonomy.regions, ra, locale),
                    rb=term_label(taxonomy.regions, rb, locale),
                )
            )
    return list(dict.fromkeys(out))


def at_least(certificate: float) -> str:
    """The certificate as a floor, never rounded up: 0.99996 -> "99.9"."""
    return f"{math.floor(certificate * 1000) / 10:.1f}"


def figures(stats: Mapping[str, Any], locale: str) -> list[str]:
    """The round's figures as sentences a coordinator reads at a glance."""
    if not stats or "people" not in stats:
        return []

    def t(key: str, **params: object) -> str:
        return translate(locale, key, **params)

    shown = as_published(stats)
    changed = shown is not stats
    quality = at_least(float(stats.get("certificate", 1.0)))
    if locale == "nl":
        quality = quality.replace(".", ",")

    def counted(key: str, count: int) -> str:
        return t(f"{key}_one" if count == 1 else key, count=count)

    out = [t("rounds.figures.as_sent")] if changed else []
    out += [
        t(
            "rounds.figures.groups",
            people=counted("rounds.figures.people", shown["people"]),
            pairs=counted("rounds.figures.pairs", shown["pairs"]),
            trios=counted("rounds.figures.trios", shown["trios"]),
            unmatched=shown["unmatched"],
        ),
        t("rounds.figures.gaps", share=percent(shown["share_gap_covered"], locale, 1)),
        t(
            "rounds.figures.disciplines",
            share=percent(shown["share_cross_disciplinary"], locale, 1),
        ),
        t("rounds.figures.region", share=percent(shown["share_same_region"], locale, 1)),
        t("rounds.figures.repeats", repeats=shown["repeats"]),
    ]
    # The quality is proven of the plan (over every allowed pair, or within region blocks);
    # of groups changed at publishing there is no bound.
    certificate = float(stats.get("certificate", 1.0))
    covers_all = stats.get("bound_covers_all_pairs", True)
    if certificate >= 1.0 and covers_all:
        key = "rounds.figures.optimal"
    else:
        key = "rounds.figures.quality" if covers_all else "rounds.figures.quality_blocks"
    out.append(t(f"{key}_plan" if changed else key, share=quality))
    return out


async def _members_by_match(round_id: int) -> dict[int, list[int]]:
    by_match: dict[int, list[int]] = defaultdict(list)
    for member in await MatchMember.filter(match__round_id=round_id).order_by("match_id", "id"):
        by_match[member.match_id].append(member.attendee_id)
    return by_match


def _partners(groups: Sequence[Sequence[int]]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for group in groups:
        for person in group:
            out[person] = {o for o in group if o != person}
    return out


async def round_view(round_id: int, locale: str) -> RoundView:
    rnd = await Round.get_or_none(id=round_id)
    if rnd is None:
        raise NotFound(f"no round with id {round_id}")
    matches = await Match.filter(round_id=round_id).order_by("id")
    by_match = await _members_by_match(round_id)
    stats: dict[str, Any] = dict(rnd.stats or {})
    unmatched_entries = list(stats.get("unmatched_people", []))
    published = stats.get("published") or {}
    if published.get("changed"):
        # Whom publishing told they have no match (the plan's unmatched who were still
        # there, and whoever lost a partner), and those the coordinator left out.
        unmatched_entries = [
            *published.get("told", []),
            *(e for e in unmatched_entries if e.get("reason") == "excluded"),
        ]
    exclusions = await RoundExclusion.filter(round_id=round_id).order_by("id")
    pins = await RoundPin.filter(round_id=round_id).order_by("id")
    apart = await KeepApart.all().order_by("id")
    previous = rnd.previous or None
    before_groups: list[list[int]] = previous["groups"] if previous else []
    rejected = stats.get("rejected_pins", [])
    refused = {frozenset((int(r["a"]), int(r["b"]))) for r in rejected}

    ids: set[int] = {a for g in by_match.values() for a in g}
    ids |= {int(e["person"]) for e in unmatched_entries}
    ids |= {e.attendee_id for e in exclusions}
    ids |= {p.attendee_a_id for p in pins} | {p.attendee_b_id for p in pins}
    ids |= {a for g in before_groups for a in g}
    ids |= {int(r["a"]) for r in rejected} | {int(r["b"]) for r in rejected}
    apart_ids = {k.attendee_a_id for k in apart} | {k.attendee_b_id for k in apart}
    people = {a.id: _member(a, locale) for a in await Attendee.filter(id__in=list(ids | apart_ids))}
    names = {pid: m.name for pid, m in people.items()}

    groups = tuple(
        GroupView(
            match_id=match.id,
            members=tuple(people[a] for a in by_match.get(match.id, []) if a in people),
            reasons=tuple(neutral_reasons(match.explanation, names, locale)),
            pinned=bool(match.explanation.get("pinned")),
            meeting=str(match.explanation.get("meeting", "")),
            explanation=match.explanation,
        )
        for match in matches
    )
    unmatched = tuple(
        UnmatchedView(member=people[int(e["person"])], reason=str(e["reason"]), detail=e)
        for e in unmatched_entries
        if int(e["person"]) in people
    )
    changes: list[Change] = []
    if previous:
        before = _partners(before_groups)
        after = _partners(list(by_match.values()))
        for person in sorted(before.keys() | after.keys(), key=lambda p: names.get(p, "")):
            was, now = before.get(person, set()), after.get(person, set())
            if was != now and person in people:
                changes.append(
                    Change(
                        member=people[person],
                        before=tuple(sorted(names[p] for p in was if p in names)),
                        after=tuple(sorted(names[p] for p in now if p in names)),
                    )
                )
    return RoundView(
        id=rnd.id,
        period=rnd.period,
        status=rnd.status.value,
        version=rnd.version,
        preset=rnd.preset,
        published_at=rnd.published_at,
        stats=stats,
        previous_stats=previous["stats"] if previous else None,
        groups=groups,
        unmatched=unmatched,
        changes=tuple(changes),
        excluded=tuple(people[e.attendee_id] for e in exclusions if e.attendee_id in people),
        # The pins the plan kept; those it refused are listed with their reason instead.
        pins=tuple(
            (people[p.attendee_a_id], people[p.attendee_b_id])
            for p in pins
            if p.attendee_a_id in people
            and p.attendee_b_id in people
            and frozenset((p.attendee_a_id, p.attendee_b_id)) not in refused
        ),
        kept_apart=tuple(
            (people[k.attendee_a_id], people[k.attendee_b_id])
            for k in apart
            if k.attendee_a_id in people and k.attendee_b_id in people
        ),
        rejected_pins=tuple(
            (people[int(r["a"])], people[int(r["b"])], str(r["reason"]))
            for r in rejected
            if int(r["a"]) in people and int(r["b"]) in people
        ),
        figures=tuple(figures(stats, locale)),
    )


@dataclass(frozen=True)
class RoundSummary:
    id: int
    period: str
    status: str
    version: int
    people: int
    groups: int
    unmatched: int
    met_share: float | None  # of the groups, the share where someone answered "we met"
    answered_share: float | None  # of the groups, the share where someone answered at all
    average_rating: float | None
    ratings: int
    rematch_requests: int


async def list_rounds() -> list[RoundSummary]:
    rounds = await Round.all().order_by("-period")
    group_counts: dict[int, int] = defaultdict(int)
    match_round: dict[int, int] = {}
    asked: set[int] = set()  # rounds whose members were asked "have you met?" already
    for match in await Match.all().only("id", "round_id", "nudge_met_done_at"):
        group_counts[match.round_id] += 1
        match_round[match.id] = match.round_id
        if match.nudge_met_done_at is not None:
            asked.add(match.round_id)
    met: dict[int, set[int]] = defaultdict(set)
    answered: dict[int, set[int]] = defaultdict(set)
    ratings: dict[int, list[int]] = defaultdict(list)
    rematch: dict[int, int] = defaultdict(int)
    for f in await MatchFeedback.all():
        round_id = match_round.get(f.match_id)
        if round_id is None:
            continue
        if f.answer is not None:
            answered[round_id].add(f.match_id)
        if f.answer is MeetingAnswer.MET:
            met[round_id].add(f.match_id)
        if f.answer is MeetingAnswer.REMATCH:
            rematch[round_id] += 1
        if f.rating is not None:
            ratings[round_id].append(f.rating)
    out: list[RoundSummary] = []
    for rnd in rounds:
        groups = group_counts[rnd.id]
        # Until anyone was asked or answered, "0%" would read as nobody meeting.
        published = (
            rnd.status is RoundStatus.PUBLISHED
            and groups > 0
            and (rnd.id in asked or bool(answered[rnd.id]))
        )
        out.append(
            RoundSummary(
                id=rnd.id,
                period=rnd.period,
                status=rnd.status.value,
                version=rnd.version,
                people=int(as_published(rnd.stats).get("people", 0)),
                groups=groups,
                unmatched=int(as_published(rnd.stats).get("unmatched", 0)),
                met_share=len(met[rnd.id]) / groups if published else None,
                answered_share=len(answered[rnd.id]) / groups if published else None,
                average_rating=(
                    sum(ratings[rnd.id]) / len(ratings[rnd.id]) if ratings[rnd.id] else None
                ),
                ratings=len(ratings[rnd.id]),
                rematch_requests=rematch[rnd.id],
            )
        )
    return out


@dataclass(frozen=True)
class Preview:
    """What one member reads in the introduction: the same function writes both."""

    id: int
    name: str
    locale: str
    reasons: tuple[str, ...]
    advice: str


async def member_texts(
    view: RoundView, locale: str
) -> tuple[dict[int, list[Preview]], dict[int, str]]:
    """Per group, each member's introduction preview (in the member's own language, exactly
    as it will be sent); per unmatched person, why, in plain words for the coordinator."""
    ids = {m.id for g in view.groups for m in g.members} | {u.member.id for u in view.unmatched}
    attendees = {a.id: a for a in await Attendee.filter(id__in=list(ids))}
    previews: dict[int, list[Preview]] = {}
    for group in view.groups:
        members = [attendees[m.id] for m in group.members if m.id in attendees]
        if any(m.status is AttendeeStatus.ERASED for m in members):
            # Nobody is introduced to someone who erased their data: publishing regroups
            # the others, so there is no introduction to show.
            continue
        previews[group.match_id] = [
            Preview(
                id=me.id,
                name=me.name,
                locale=me.locale,
                reasons=tuple(reasons_for(group.explanation, me, others, me.locale)),
                advice=meeting_advice(group.explanation, me, others, me.locale),
            )
            for me in members
            for others in [[o for o in members if o.id != me.id]]
        ]
    why = {
        u.member.id: describe_unmatched(
            u.detail, attendees[u.member.id], locale, person="third"
        ).reason
        for u in view.unmatched
        if u.member.id in attendees
    }
    return previews, why
