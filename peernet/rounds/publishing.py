"""Publishing a round: exactly once, for the people who are still in.

One transaction claims the draft (a conditional update from draft to published: of two
publishers at the same moment, one wins and the other is told it is already published),
then re-reads every member. Whoever left, paused, withdrew consent or was excluded since the
draft was planned is dropped; so is every group that the rules forbid now (two people kept
apart or blocked since, or a pair that a round published since already grouped: an older
draft published after a newer one). A partner left alone, and the members of such a group,
are re-paired with the others left alone where the rules allow, and otherwise told, like
everyone the plan could not match. Then every member is introduced by email and the
follow-up nudges get their due dates.
"""

from __future__ import annotations

import contextlib
import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from matching import group_figures, plan_round
from notifications import Address
from peernet import clock
from peernet.attendees.consents import CONSENT_PURPOSE, RENEWAL_REASON, renewal_due
from peernet.attendees.models import Attendee, AttendeeStatus, Consent
from peernet.attendees.personal import footer_links, manage_links, privacy_url
from peernet.audit.service import record
from peernet.coordinators.models import Coordinator
from peernet.errors import NotFound
from peernet.links import subscription_url
from peernet.outbox.service import Email, enqueue, enqueue_many
from peernet.rounds.conflicts import conflicting_groups
from peernet.rounds.introductions import introduction_context
from peernet.rounds.models import Match, MatchMember, Round, RoundExclusion, RoundStatus
from peernet.rounds.planning import (
    History,
    RoundPublished,
    explanation_of,
    kept_apart_pairs,
    load_history,
    local_today,
    neighbours,
    profiles_of,
)
from peernet.rounds.presets import PRESETS
from peernet.rounds.service import due_at, store_groups
from peernet.rounds.unmatched import period_label, unmatched_context
from peernet.settings import LOCALES, Settings

# What an introduction reads of its recipient and their partners (introduction_context).
INTRODUCED_FIELDS = (
    "id",
    "public_id",
    "name",
    "email",
    "organisation",
    "role",
    "region",
    "meeting_preference",
    "locale",
    # For the profile rules, checked again as the round is published (conflicts.py).
    "languages",
)


@dataclass(frozen=True)
class PublishOutcome:
    round_id: int
    period: str
    introductions: int
    groups: int
    dropped: tuple[int, ...]  # members who were no longer available at publishing
    # Groups the rules forbid now (kept apart or a repeat since the draft), as planned.
    dissolved: tuple[tuple[int, ...], ...]
    regrouped: tuple[tuple[int, ...], ...]  # new groups of partners left alone
    told_unmatched: tuple[int, ...]  # people emailed that they have no match this month


async def _available(round_id: int, left_out: set[int]) -> dict[int, Attendee]:
    """Who of the round's members and of ``left_out`` (whom the plan could not match) may
    still be introduced: active, consenting, and not excluded from this round; each with
    what an introduction reads of them (:data:`INTRODUCED_FIELDS`)."""

    def named(column: str) -> Q:
        # The members by a subquery: ten thousand ids in the statement cost more to build.
        members = Subquery(MatchMember.filter(match__round_id=round_id).values("attendee_id"))
        lookups: dict[str, Any] = {f"{column}__in": members}
        query = Q(**lookups)
        if not left_out:
            return query
        others: dict[str, Any] = {f"{column}__in": sorted(left_out)}
        return query | Q(**others)

    # The cards only: ten thousand full rows cost more to decode (their JSON and dates)
    # than the rest of the reading together.
    active = {
        a.id: a
        for a in await Attendee.filter(named("id"), status=AttendeeStatus.ACTIVE).only(
            *INTRODUCED_FIELDS
        )
    }
    consents = await Consent.filter(named("attendee_id")).values_list(
        "attendee_id", "withdrawn_at", "purpose", "text_version"
    )
    # Someone whose every consent is withdrawn is out, whatever their status says.
    holding = {person for person, withdrawn_at, _, _ in consents if withdrawn_at is None}
    withdrawn = {person for person, _, _, _ in consents} - holding
    # So is whoever must first agree to a new consent text (read with the rest, rather than
    # asked for again by ten thousand ids).
    renewing = renewal_due(
        (person, version)
        for person, withdrawn_at, purpose, version in consents
        if withdrawn_at is None and purpose == CONSENT_PURPOSE
    )
    excluded = set(
        await RoundExclusion.filter(round_id=round_id).values_list("attendee_id", flat=True)
    )
    out = withdrawn | excluded | renewing
    return {person: card for person, card in active.items() if person not in out}


def _links_among(explanation: dict[str, Any], stay: set[int]) -> dict[str, Any]:
    links = [link for link in explanation.get("links", []) if {link["a"], link["b"]} <= stay]
    return {**explanation, "links": links}


async def publish_round(
    settings: Settings,
    round_id: int,
    *,
    coordinator: Coordinator | None = None,
    actor: str | None = None,
) -> PublishOutcome:
    now = clock.now()
    with _collection_paused():
        return await _publish(settings, round_id, now, coordinator=coordinator, actor=actor)


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """Python's cycle collector off while a round is published: the tens of thousands of
    contexts and rows made on the way set it off again and again, each time scanning the
    whole heap, for about an eighth of the publishing's CPU; what it would have freed is
    freed once it is on again. Left off if someone else turned it off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def _publish(
    settings: Settings,
    round_id: int,
    now: datetime,
    *,
    coordinator: Coordinator | None,
    actor: str | None,
) -> PublishOutcome:
    async with in_transaction():
        rnd = await Round.get_or_none(id=round_id)
        if rnd is None:
            raise NotFound(f"no round with id {round_id}")
        if rnd.status is RoundStatus.PUBLISHED:
            raise RoundPublished(f"the round of {rnd.period} is already published")
        claimed = await Round.filter(id=round_id, status=RoundStatus.DRAFT).update(
            status=RoundStatus.PUBLISHED, published_at=now
        )
        if not claimed:
            raise RoundPublished(f"the round of {rnd.period} is already published")
        # The published history as it is now, but for this round (its own groups would
        # read as repeats of themselves); read once the claim is won, which also keeps a
        # second publisher of this round waiting on the claim rather than reading it.
        history = await load_history(leaving_out=round_id)

        members: dict[int, list[int]] = defaultdict(list)
        round_members = MatchMember.filter(match__round_id=round_id)
        stored = round_members.order_by("match_id", "id")
        for match_id, attendee_id in await stored.values_list("match_id", "attendee_id"):
            members[int(match_id)].append(int(attendee_id))
        planned_groups = {frozenset(group) for group in members.values()}
        planned_unmatched = [
            entry
            for entry in rnd.stats.get("unmatched_people", [])
            # Whoever must first agree to a new consent text was asked that instead.
            if entry.get("reason") not in ("excluded", RENEWAL_REASON)
        ]
        available = await _available(round_id, {int(e["person"]) for e in planned_unmatched})

        dropped: list[int] = []
        alone: list[int] = []
        matches = await Match.filter(round_id=round_id).order_by("id")
        kept: list[Match] = []
        for match in matches:
            group = members.get(match.id, [])
            stay = [a for a in group if a in available]
            gone = [a for a in group if a not in available]
            if not gone:
                kept.append(match)
                continue
            dropped += gone
            await MatchMember.filter(match_id=match.id, attendee_id__in=gone).delete()
            if len(stay) >= 2:
                match.explanation = _links_among(match.explanation, set(stay))
                await match.save(update_fields=["explanation"])
                members[match.id] = stay
                kept.append(match)
            else:
                alone += stay
                await MatchMember.filter(match_id=match.id).delete()
                await match.delete()

        # A group the rules forbid now is not introduced: its members are regrouped below.
        broken = await conflicting_groups(
            settings,
            rnd,
            {m.id: members[m.id] for m in kept},
            history=history,
            attendees=available.values(),
        )
        dissolved = [(members[m.id], broken[m.id]) for m in kept if m.id in broken]
        if broken:
            await MatchMember.filter(match_id__in=list(broken)).delete()
            await Match.filter(id__in=list(broken)).delete()
            kept = [m for m in kept if m.id not in broken]
            alone += [a for group, _ in dissolved for a in group]

        # Whoever lost a partner may still be grouped with another such person, or with
        # someone the plan could not match; everyone left after that is told why.
        waiting = {int(e["person"]): e for e in planned_unmatched if e["person"] in available}
        regrouped, left_over = await _regroup(settings, rnd, [*alone, *waiting], history)
        for match, group in regrouped:
            members[match.id] = group
            kept.append(match)
        told: list[tuple[int, dict[str, Any]]] = [
            (a, waiting.get(a) or {"person": a, "reason": "partner_left"}) for a in left_over
        ]

        # Everyone introduced is available (read above); those told they have no match are
        # read in full (the email says what would help, from their whole profile).
        attendees = dict(available)
        if told:
            attendees |= {a.id: a for a in await Attendee.filter(id__in=[t for t, _ in told])}
        introductions = await _introduce(settings, rnd, kept, members, attendees)
        # Being in a published round is a sign of life (for the retention check). The round's
        # members are now exactly those of its kept groups: named by a subquery rather than
        # by ten thousand ids.
        await Attendee.filter(id__in=Subquery(round_members.values("attendee_id"))).update(
            last_active_at=now
        )
        for person, detail in told:
            me = attendees[person]
            await enqueue(
                settings,
                key=f"unmatched:{round_id}:{person}",
                kind="unmatched",
                locale=me.locale,
                recipient=Address(name=me.name, email=me.email),
                context={
                    **unmatched_context(settings, me, detail, rnd.period),
                    **await footer_links(settings, me.id, me.locale),
                },
                unsubscribe_url=subscription_url(settings, "unsubscribe", me.public_id),
            )
        # What was sent differs from the plan when people left or rules changed in between:
        # the round's figures are then stated again, for the groups introduced.
        introduced = [members[m.id] for m in kept]
        changed = {frozenset(g) for g in introduced} != planned_groups or {t for t, _ in told} != {
            int(e["person"]) for e in planned_unmatched
        }
        as_sent: dict[str, Any] = {}
        if changed:
            excluded = sum(
                e.get("reason") == "excluded" for e in rnd.stats.get("unmatched_people", [])
            )
            as_sent = {
                "told": [detail for _, detail in told],
                "figures": await _figures_as_sent(
                    settings, rnd, introduced, history, unmatched=len(told) + excluded
                ),
            }
        outcome = PublishOutcome(
            round_id=round_id,
            period=rnd.period,
            introductions=introductions,
            groups=len(kept),
            dropped=tuple(dropped),
            dissolved=tuple(tuple(group) for group, _ in dissolved),
            regrouped=tuple(tuple(g) for _, g in regrouped),
            told_unmatched=tuple(t for t, _ in told),
        )
        stats = {
            **rnd.stats,
            "published": {
                "dropped": list(outcome.dropped),
                "dissolved": [{"members": group, "rule": c.rule} for group, c in dissolved],
                "regrouped": [list(g) for g in outcome.regrouped],
                "told_unmatched": list(outcome.told_unmatched),
                "introductions": introductions,
                "groups": len(kept),
                "changed": changed,
                **as_sent,
            },
        }
        await Round.filter(id=round_id).update(stats=stats)
        await record(
            "round.publish",
            coordinator=coordinator,
            actor=actor,
            subject=f"round:{round_id}",
            details={
                "period": rnd.period,
                "groups": len(kept),
                "introductions": introductions,
                "dropped": len(dropped),
                "dissolved": [{"members": group, "rule": c.rule} for group, c in dissolved],
                "regrouped": len(regrouped),
                "told_unmatched": len(told),
            },
        )
    return outcome


async def _figures_as_sent(
    settings: Settings,
    rnd: Round,
    groups: Sequence[Sequence[int]],
    history: History,
    *,
    unmatched: int,
) -> dict[str, Any]:
    """The plan's figures (:class:`matching.RoundStats`) of the groups introduced, with
    ``unmatched`` the people told they have no match and those the coordinator left out."""
    # Their profiles whole (what an introduction reads of them is less), by a subquery: the
    # round's members are now exactly those of ``groups``.
    members = MatchMember.filter(match__round_id=rnd.id).values("attendee_id")
    attendees = await Attendee.filter(id__in=Subquery(members))
    profiles = {p.id: p for p in profiles_of(attendees, history)}
    figures = group_figures(
        [[profiles[a] for a in group] for group in groups],
        today=local_today(settings),
        rules=PRESETS.get(rnd.preset, PRESETS["balanced"]),
    )
    return {
        "people": figures.grouped + unmatched,
        "groups": figures.groups,
        "pairs": figures.pairs,
        "trios": figures.trios,
        "unmatched": unmatched,
        "share_gap_covered": figures.share_gap_covered,
        "share_cross_disciplinary": figures.share_cross_disciplinary,
        "share_same_region": figures.share_same_region,
        "repeats": figures.repeats,
    }


async def _regroup(
    settings: Settings, rnd: Round, alone: Sequence[int], history: History
) -> tuple[list[tuple[Match, list[int]]], list[int]]:
    """Group the people in ``alone`` among themselves, where the rules allow."""
    if len(alone) < 2:
        return [], list(alone)
    attendees = await Attendee.filter(id__in=list(alone)).order_by("id")
    profiles = profiles_of(attendees, history)
    today = local_today(settings)
    apart = await kept_apart_pairs()
    plan = plan_round(
        profiles,
        today=today,
        neighbours=neighbours(),
        kept_apart=apart,
        rules=PRESETS.get(rnd.preset, PRESETS["balanced"]),
    )
    groups = [[int(m) for m in g.members] for g in plan.groups]
    matches = await store_groups(
        rnd.id,
        groups,
        scores=[g.score for g in plan.groups],
        explanations=[explanation_of(g) for g in plan.groups],
    )
    grouped = {a for g in groups for a in g}
    return list(zip(matches, groups, strict=True)), [a for a in alone if a not in grouped]


async def _introduce(
    settings: Settings,
    rnd: Round,
    matches: Sequence[Match],
    members: dict[int, list[int]],
    attendees: dict[int, Attendee],
) -> int:
    now = clock.now()
    zone = settings.timezone
    # A round published ahead of its month says which month, and its nudges count from the
    # month's first day rather than coming with those of the month before.
    year, month = (int(part) for part in rnd.period.split("-"))
    month_starts = datetime(year, month, 1, tzinfo=zone)
    ahead = month_starts > now
    months = {locale: period_label(rnd.period, locale) if ahead else "" for locale in LOCALES}
    recipients = [
        (match, attendees[me], [attendees[o] for o in members[match.id] if o != me])
        for match in matches
        for me in members[match.id]
    ]
    links = await manage_links(settings, [me.id for _, me, _ in recipients])
    privacy = {locale: privacy_url(settings, locale) for locale in LOCALES}
    emails: list[Email] = []
    for (match, me, others), manage_url in zip(recipients, links, strict=True):
        context = introduction_context(settings, match, me, others, month=months[me.locale])
        emails.append(
            Email(
                key=f"intro:{match.id}:{me.id}",
                kind="introduction",
                locale=me.locale,
                recipient=Address(name=me.name, email=me.email),
                context={**context, "manage_url": manage_url, "privacy_url": privacy[me.locale]},
                # The same link as the one in the text (signing it again costs as much).
                unsubscribe_url=context["unsubscribe_url"],
            )
        )
    await enqueue_many(settings, emails)
    counted_from = max(now, month_starts)
    nudge_met_due_at = due_at(counted_from, settings.nudge_met_after_days, zone)
    feedback_due_at = due_at(counted_from, settings.feedback_after_days, zone)
    # ``matches`` are all the round's groups that are left (the others were deleted): one
    # statement for the round rather than one per batch of ids.
    await Match.filter(round_id=rnd.id).update(
        introduced_at=now, nudge_met_due_at=nudge_met_due_at, feedback_due_at=feedback_due_at
    )
    for match in matches:
        match.introduced_at = now
        match.nudge_met_due_at = nudge_met_due_at
        match.feedback_due_at = feedback_due_at
    return len(recipients)
