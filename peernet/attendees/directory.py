"""The coordinators' view of the attendees: search and filter the directory, and one
person's page (profile, consents, events, match history, feedback)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from tortoise.expressions import Q

from peernet.attendees.models import Attendance, Attendee, AttendeeStatus, Consent, Signup
from peernet.errors import FieldErrors, NotFound
from peernet.events.models import Event
from peernet.events.service import get_event
from peernet.feedback.models import MatchFeedback
from peernet.i18n import name_order
from peernet.rounds.models import KeepApart, MatchMember, Round, RoundExclusion, RoundStatus
from peernet.taxonomy.service import get_taxonomy

PAGE_SIZE = 50
MAX_QUERY = 120


@dataclass(frozen=True)
class AttendeeFilter:
    """A search in the directory; every field optional, all given ones must hold."""

    query: str = ""
    status: str = ""
    discipline: str = ""
    region: str = ""
    event: str = ""  # an event's slug
    page: int = 1


def parse_filter(params: dict[str, str]) -> AttendeeFilter:
    """Validate the query string of the directory; unknown choices name their field."""
    taxonomy = get_taxonomy()
    errors: dict[str, str] = {}
    query = params.get("q", "").strip()
    if len(query) > MAX_QUERY:
        errors["q"] = "too_long"
    status = params.get("status", "")
    if status and status not in {s.value for s in AttendeeStatus}:
        errors["status"] = "unknown_choice"
    discipline = params.get("discipline", "")
    if discipline and discipline not in taxonomy.disciplines:
        errors["discipline"] = "unknown_choice"
    region = params.get("region", "")
    if region and region not in taxonomy.regions:
        errors["region"] = "unknown_choice"
    page_text = params.get("page", "1") or "1"
    page = int(page_text) if page_text.isdigit() and 0 < int(page_text) < 100_000 else 0
    if not page:
        errors["page"] = "invalid"
    if errors:
        raise FieldErrors(errors)
    return AttendeeFilter(query, status, discipline, region, params.get("event", ""), page)


def _filtered(search: AttendeeFilter) -> Any:
    rows = Attendee.all()
    if search.query:
        rows = rows.filter(
            Q(name__icontains=search.query)
            | Q(email_normalized__icontains=search.query.lower())
            | Q(organisation__icontains=search.query)
        )
    if search.status:
        rows = rows.filter(status=search.status)
    if search.discipline:
        roles = [r.key for r in get_taxonomy().roles.values() if r.discipline == search.discipline]
        rows = rows.filter(role__in=roles)
    if search.region:
        rows = rows.filter(region=search.region)
    return rows


async def _event_people(slug: str) -> set[int] | None:
    if not slug:
        return None
    try:
        event = await get_event(slug)
    except NotFound:
        raise FieldErrors({"event": "unknown_choice"}) from None
    people: set[int] = set()
    for model in (Attendance, Signup):
        ids = await model.filter(event_id=event.id).values_list("attendee_id", flat=True)
        people.update(cast(list[int], ids))
    return people


@dataclass(frozen=True)
class DirectoryPage:
    attendees: list[Attendee]
    total: int
    page: int
    pages: int


async def search_attendees(search: AttendeeFilter, *, page_size: int = PAGE_SIZE) -> DirectoryPage:
    rows = _filtered(search)
    people = await _event_people(search.event)
    if people is not None:
        rows = rows.filter(id__in=sorted(people))
    # The page's ids in Dutch name order (a database sorts by code point, "Ümit" after "Z"):
    # two short columns of every row found, then the page's rows whole.
    named: list[tuple[int, str]] = await rows.values_list("id", "name")
    ordered = [i for i, _ in sorted(named, key=lambda row: (name_order(row[1]), row[0]))]
    total = len(ordered)
    pages = max(1, -(-total // page_size))
    wanted = ordered[(search.page - 1) * page_size : search.page * page_size]
    found = {a.id: a for a in await Attendee.filter(id__in=wanted)} if wanted else {}
    return DirectoryPage([found[i] for i in wanted if i in found], total, search.page, pages)


async def all_attendees(search: AttendeeFilter | None = None) -> list[Attendee]:
    """Every attendee the filter finds, for the exports (no paging)."""
    search = search or AttendeeFilter()
    rows = _filtered(search)
    people = await _event_people(search.event)
    if people is not None:
        rows = rows.filter(id__in=sorted(people))
    return sorted(await rows, key=lambda a: (name_order(a.name), a.id))


async def event_choices() -> list[Event]:
    return list(await Event.all().order_by("-date", "id"))


@dataclass
class MatchHistory:
    period: str
    round_id: int
    partners: list[Attendee]
    answer: str | None = None
    rating: int | None = None
    feedback_due: bool = False
    draft: bool = False  # a draft's group: nobody has been introduced yet


@dataclass
class PersonView:
    attendee: Attendee
    consents: list[Consent]
    events: list[tuple[Event, datetime]]
    pending_signups: list[Signup]
    history: list[MatchHistory]
    kept_apart: list[Attendee]
    draft: Round | None
    excluded_from_draft: bool
    others: list[Attendee] = field(default_factory=list)


async def get_attendee(attendee_id: int) -> Attendee:
    attendee = await Attendee.get_or_none(id=attendee_id)
    if attendee is None:
        raise NotFound(f"no attendee with id {attendee_id}")
    return attendee


async def current_draft() -> Round | None:
    """The draft round the person actions apply to: the latest month still in draft."""
    return await Round.filter(status=RoundStatus.DRAFT).order_by("-period").first()


async def person_view(attendee_id: int) -> PersonView:
    attendee = await get_attendee(attendee_id)
    consents = list(await Consent.filter(attendee_id=attendee.id).order_by("given_at", "id"))
    events = [
        (a.event, a.created_at)
        for a in await Attendance.filter(attendee_id=attendee.id)
        .order_by("created_at", "id")
        .prefetch_related("event")
    ]
    pending = list(
        await Signup.filter(attendee_id=attendee.id, confirmed_at__isnull=True).order_by("-id")
    )
    history: list[MatchHistory] = []
    memberships = (
        await MatchMember.filter(attendee_id=attendee.id)
        .prefetch_related("match__round")
        .order_by("-match__round__period")
    )
    for membership in memberships:
        match = membership.match
        partners = [
            m.attendee
            for m in await MatchMember.filter(match_id=match.id)
            .exclude(attendee_id=attendee.id)
            .order_by("id")
            .prefetch_related("attendee")
        ]
        feedback = (
            await MatchFeedback.filter(match_id=match.id, attendee_id=attendee.id)
            .order_by("-id")
            .first()
        )
        history.append(
            MatchHistory(
                period=match.round.period,
                round_id=match.round_id,
                partners=partners,
                answer=str(feedback.answer) if feedback and feedback.answer else None,
                rating=feedback.rating if feedback else None,
                feedback_due=feedback is None and match.feedback_due_at is not None,
                draft=match.round.status is RoundStatus.DRAFT,
            )
        )
    apart_ids = [
        k.attendee_b_id if k.attendee_a_id == attendee.id else k.attendee_a_id
        for k in await KeepApart.filter(Q(attendee_a_id=attendee.id) | Q(attendee_b_id=attendee.id))
    ]
    kept_apart = sorted(
        await Attendee.filter(id__in=apart_ids) if apart_ids else [],
        key=lambda a: (name_order(a.name), a.id),
    )
    draft = await current_draft()
    excluded = bool(
        draft and await RoundExclusion.exists(round_id=draft.id, attendee_id=attendee.id)
    )
    return PersonView(attendee, consents, events, pending, history, kept_apart, draft, excluded)
