"""An attendee's rights over their data: queued mail cancelled in one place, a JSON export of
everything kept about them, and erasure.

Erasure keeps the :class:`Attendee` row as an anonymous placeholder, so that the pairs it was
in keep their month, their disciplines and their ratings for statistics, and the partners'
histories show "a former participant". Everything that names the person goes: their profile,
sign-ups (whose details hold the profile), magic links, unsent mail (sent mail keeps only its
kind, status and dates), blocks and keep-aparts, the draft round's exclusions and pins, and
their name or address wherever it was copied into free text or JSON (emails to others, audit
details, import reports, round statistics).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from peernet import clock
from peernet.attendees.consents import (
    UnknownConsentVersion,
    consent_text,
    withdraw_consents,
)
from peernet.attendees.models import (
    Attendance,
    Attendee,
    AttendeeBlock,
    AttendeeStatus,
    Consent,
    ImportBatch,
    MagicLink,
    Signup,
    new_public_id,
)
from peernet.audit.models import AuditEntry
from peernet.audit.service import record
from peernet.coordinators.models import Coordinator
from peernet.errors import NotFound
from peernet.events.models import Event
from peernet.feedback.models import MatchFeedback
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.rounds.models import (
    KeepApart,
    Match,
    MatchMember,
    Round,
    RoundExclusion,
    RoundPin,
    RoundStatus,
)
from peernet.settings import Settings

FORMER_PARTICIPANT = "a former participant"
FORMER = {"nl": "een oud-deelnemer", "en": FORMER_PARTICIPANT}
# The audit action of a name corrected on the personal page; its details keep the former
# name, so that erasure finds it in the emails sent under it.
RENAME_ACTION = "attendee.rename_self"
# The audit action of an address changed on the personal page; its details keep the former
# address, so that export and erasure find the mail sent to it.
EMAIL_CHANGE_ACTION = "attendee.email_change_self"
# Why an erasure happened; a closed list so that no free text (which might name someone)
# reaches the audit log.
ERASURE_REASONS = ("request", "left", "inactive", "self", "unconfirmed")
QUEUED = (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.DEAD)
_CHUNK = 500


class AttendeeNotFound(NotFound):
    code = "attendee_not_found"


def erased_address(attendee_id: int) -> str:
    """A unique non-address: ``.invalid`` is reserved (RFC 2606), nothing is ever sent to it."""
    return f"erased-{attendee_id}@invalid"


def is_erased_address(address: str) -> bool:
    return address.lower().endswith("@invalid")


def _normal(address: object) -> str:
    return str(address or "").strip().lower()


async def _addresses(attendee: Attendee) -> set[str]:
    """Every address mail to this attendee may have gone to: the profile's, those typed in
    their sign-ups (a confirmation goes to the address of the sign-up) and those they had
    before changing it on their personal page.

    A former address that another attendee has since signed up with is theirs now: it is
    left out, so that nothing of theirs is cancelled, exported or erased with this one."""
    found = {_normal(attendee.email), attendee.email_normalized}
    for details in await Signup.filter(attendee_id=attendee.id).values_list("details", flat=True):
        if isinstance(details, dict):
            found.add(_normal(details.get("email")))
    former: set[str] = set()
    for details in await AuditEntry.filter(
        action=EMAIL_CHANGE_ACTION, subject=f"attendee:{attendee.id}"
    ).values_list("details", flat=True):
        if isinstance(details, dict):
            former.add(_normal(details.get("former_email")))
    former -= found
    if former:
        taken = await (
            Attendee.filter(email_normalized__in=list(former))
            .exclude(id=attendee.id)
            .values_list("email_normalized", flat=True)
        )
        found |= former - {str(a) for a in taken}
    return {a for a in found if a and not is_erased_address(a)}


def _to_any_of(addresses: Iterable[str]) -> Q:
    query = Q(id=-1)  # matches nothing: the start of an OR
    for address in addresses:
        query |= Q(recipient_email__iexact=address)
    return query


async def cancel_queued_mail(attendee_id: int, *, reason: str) -> int:
    """Cancel every email waiting for, or stuck on its way to, this attendee.

    The one place that does so (unsubscribing, erasure). Pending rows become failed with
    ``reason`` as their error ("unsubscribed" is what the undelivered page and the digest
    leave out); failed and dead ones keep their status and are marked as reported, so no
    later digest lists them. Returns how many rows were changed."""
    attendee = await Attendee.get_or_none(id=attendee_id)
    if attendee is None:
        return 0
    addressed = _to_any_of(await _addresses(attendee))
    now = clock.now()
    cancelled = await OutboxMessage.filter(addressed, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.FAILED,
        last_error=reason,
        lease_expires_at=None,
        reported_at=now,
    )
    cancelled += await OutboxMessage.filter(
        addressed, status__in=[OutboxStatus.FAILED, OutboxStatus.DEAD], reported_at__isnull=True
    ).update(reported_at=now)
    return cancelled


# --- export ---------------------------------------------------------------------------------


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _consent_text(purpose: str, version: str, locale: str) -> str | None:
    """The words they agreed to; None for a version whose text was never kept."""
    try:
        return consent_text(version, locale, purpose)
    except UnknownConsentVersion:
        return None


def _partner_name(partner: Attendee) -> str:
    return FORMER_PARTICIPANT if partner.status is AttendeeStatus.ERASED else partner.name


async def export_attendee(attendee_id: int) -> dict[str, Any]:
    """Everything kept about one attendee, JSON-serialisable; nothing of anyone else but the
    names of the partners they were matched with (and of those they blocked themselves)."""
    from peernet.rounds.introductions import reasons_for

    me = await Attendee.get_or_none(id=attendee_id)
    if me is None:
        raise AttendeeNotFound(f"no attendee with id {attendee_id}")
    profile = {
        "id": me.id,
        "name": me.name,
        "email": me.email,
        "organisation": me.organisation,
        "role": me.role,
        "region": me.region,
        "expertise": list(me.expertise or []),
        "gaps": list(me.gaps or []),
        "languages": list(me.languages or []),
        "meeting_preference": me.meeting_preference,
        "locale": me.locale,
        "status": me.status.value,
        "paused_until": _when(me.paused_until),
        "created_at": _when(me.created_at),
        "confirmed_at": _when(me.confirmed_at),
        "left_at": _when(me.left_at),
        "erased_at": _when(me.erased_at),
        "last_active_at": _when(me.last_active_at),
        "stay_asked_at": _when(me.stay_asked_at),
    }
    consents = [
        {
            "purpose": c.purpose,
            "text_version": c.text_version,
            "text": _consent_text(c.purpose, c.text_version, c.locale),
            "locale": c.locale,
            "channel": c.channel,
            "given_at": _when(c.given_at),
            "confirmed_at": _when(c.confirmed_at),
            "withdrawn_at": _when(c.withdrawn_at),
        }
        for c in await Consent.filter(attendee_id=me.id).order_by("given_at", "id")
    ]
    events = {e.id: e for e in await Event.all()}

    def event_of(event_id: int) -> dict[str, Any]:
        event = events.get(event_id)
        if event is None:
            return {"id": event_id}
        return {"title": event.title, "date": event.date.isoformat(), "place": event.place}

    attended = [
        {"event": event_of(a.event_id), "registered_at": _when(a.created_at)}
        for a in await Attendance.filter(attendee_id=me.id).order_by("created_at", "id")
    ]
    signups = [
        {
            "event": event_of(s.event_id),
            "kind": s.kind,
            "channel": s.channel,
            "details": s.details,
            "consent_version": s.consent_version,
            "locale": s.locale,
            "created_at": _when(s.created_at),
            "expires_at": _when(s.expires_at),
            "confirmed_at": _when(s.confirmed_at),
        }
        for s in await Signup.filter(attendee_id=me.id).order_by("created_at", "id")
    ]
    match_ids = await MatchMember.filter(attendee_id=me.id).values_list("match_id", flat=True)
    matches_out: list[dict[str, Any]] = []
    for match in (
        await Match.filter(id__in=list(match_ids), round__status=RoundStatus.PUBLISHED)
        .prefetch_related("round")
        .order_by("round__period", "id")
    ):
        other_ids = await MatchMember.filter(match_id=match.id).exclude(attendee_id=me.id)
        partners = await Attendee.filter(id__in=[m.attendee_id for m in other_ids]).order_by("id")
        matches_out.append(
            {
                "month": match.round.period,
                "partners": [_partner_name(p) for p in partners],
                "reasons": reasons_for(match.explanation or {}, me, partners, me.locale)
                if me.status is not AttendeeStatus.ERASED
                else [],
                "introduced_at": _when(match.introduced_at),
            }
        )
    periods = dict(await Match.filter(id__in=list(match_ids)).values_list("id", "round__period"))
    feedback = [
        {
            "month": periods.get(f.match_id),
            "answer": f.answer.value if f.answer else None,
            "rating": f.rating,
            "answered_at": _when(f.answered_at),
        }
        for f in await MatchFeedback.filter(attendee_id=me.id).order_by("answered_at", "id")
    ]
    addresses = await _addresses(me)
    emails = (
        [
            {
                "kind": m.kind,
                "status": m.status.value,
                "created_at": _when(m.created_at),
                "sent_at": _when(m.sent_at),
            }
            for m in await OutboxMessage.filter(_to_any_of(addresses)).order_by("created_at", "id")
        ]
        if addresses
        else []
    )
    blocks = [
        {"blocked": _partner_name(b.blocked), "created_at": _when(b.created_at)}
        for b in await AttendeeBlock.filter(attendee_id=me.id)
        .prefetch_related("blocked")
        .order_by("created_at", "id")
    ]
    links = [
        {
            "created_at": _when(link.created_at),
            "expires_at": _when(link.expires_at),
            "used_at": _when(link.used_at),
        }
        for link in await MagicLink.filter(attendee_id=me.id).order_by("created_at", "id")
    ]
    # Issue 10: their seats and waiting places at sessions.
    from peernet.events.models import Registration

    sessions = [
        {
            "event": r.event.slug,
            "title": r.event.title,
            "status": r.status.value,
            "queued_at": _when(r.queued_at),
            "updated_at": _when(r.updated_at),
        }
        for r in await Registration.filter(attendee_id=me.id)
        .prefetch_related("event")
        .order_by("queued_at", "id")
    ]
    return {
        "exported_at": _when(clock.now()),
        "profile": profile,
        "consents": consents,
        "events_attended": attended,
        "signups": signups,
        "matches": matches_out,
        "feedback_given": feedback,
        "emails_sent_to_you": emails,
        "your_blocks": blocks,
        "personal_page_links": links,
        "session_registrations": sessions,
    }


async def record_export(
    attendee_id: int, *, actor: str, coordinator: Coordinator | None = None
) -> None:
    """The audit entry of an export: who exported whose data (an id, never a name)."""
    await record(
        "attendee.export_data",
        coordinator=coordinator,
        actor=actor if coordinator is None else None,
        subject=f"attendee:{attendee_id}",
        details={},
    )


async def find_by_email(email: str) -> Attendee:
    attendee = await Attendee.get_or_none(email_normalized=_normal(email))
    if attendee is None or is_erased_address(attendee.email_normalized):
        raise AttendeeNotFound("no attendee with that email address")
    return attendee


# --- erasure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Traces:
    """What may not survive anywhere. ``full``: each name as typed and as escaped in HTML,
    each address; a row holding one of these is rewritten. ``words``: the parts of the names
    (an introduction says "Anouk knows ..."), replaced only in rows that hold a full trace, so
    that another Anouk elsewhere keeps her name."""

    full: list[str]
    words: re.Pattern[str] | None


def _traces(names: Iterable[str], addresses: Iterable[str]) -> _Traces:
    full: set[str] = set()
    words: set[str] = set()
    for name in names:
        name = name.strip()
        # Very short names are left out: "Jo" would blank every "Jonge" in the database.
        if len(name) >= 3:
            full |= {name, html.escape(name), html.escape(name, quote=False)}
        # Capitalised parts only: "van", "de", "der" are words of the language too.
        words |= {w for w in re.split(r"[\s,]+", name) if len(w) >= 3 and w[0].isupper()}
    full |= {a for a in addresses if a}
    pattern = (
        re.compile(
            r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b",
            re.IGNORECASE,
        )
        if words
        else None
    )
    return _Traces(sorted(full, key=len, reverse=True), pattern)


def _replace_all(text: str, traces: _Traces, replacement: str) -> str:
    lowered = text.lower()
    for needle in traces.full:
        target = needle.lower()
        start = lowered.find(target)
        while start >= 0:
            text = text[:start] + replacement + text[start + len(needle) :]
            lowered = text.lower()
            start = lowered.find(target, start + len(replacement))
    if traces.words is not None:
        text = traces.words.sub(replacement, text)
    return text


def _scrub(value: Any, needles: _Traces, replacement: str) -> Any:
    """``value`` (JSON) with every string that holds a needle rewritten."""
    if isinstance(value, str):
        return _replace_all(value, needles, replacement)
    if isinstance(value, list):
        return [_scrub(v, needles, replacement) for v in value]
    if isinstance(value, dict):
        return {
            _scrub(k, needles, replacement): _scrub(v, needles, replacement)
            for k, v in value.items()
        }
    return value


def _mentions(value: Any, needles: _Traces) -> bool:
    text = str(value).lower()
    return any(n.lower() in text for n in needles.full)


async def _scrub_json_column(model: Any, column: str, needles: _Traces, **where: Any) -> None:
    """Walk a table's JSON column in chunks; rewrite the rows that mention the person."""
    last = 0
    while True:
        rows = (
            await model.filter(id__gt=last, **where)
            .order_by("id")
            .limit(_CHUNK)
            .values_list("id", column)
        )
        if not rows:
            return
        for row_id, value in rows:
            if value is not None and _mentions(value, needles):
                await model.filter(id=row_id).update(
                    **{column: _scrub(value, needles, FORMER_PARTICIPANT)}
                )
        last = rows[-1][0]


async def _scrub_mail(attendee_id: int, addresses: set[str], needles: _Traces) -> None:
    """Unsent mail to them goes; sent mail to them keeps only its kind, status and dates;
    mail to others that names them (a partner's introduction, a coordinators' digest) says
    "a former participant" instead."""
    if addresses:
        addressed = _to_any_of(addresses)
        await OutboxMessage.filter(addressed).exclude(status=OutboxStatus.SENT).delete()
        for row in await OutboxMessage.filter(addressed).only("id"):
            await OutboxMessage.filter(id=row.id).update(**scrubbed_mail(attendee_id, row.id))
    mentioning = Q(id=-1)
    for needle in needles.full:
        mentioning |= (
            Q(text__icontains=needle)
            | Q(html__icontains=needle)
            | Q(subject__icontains=needle)
            | Q(recipient_name__icontains=needle)
            | Q(last_error__icontains=needle)
            | Q(idempotency_key__icontains=needle)
        )
    for row in await OutboxMessage.filter(mentioning):
        former = FORMER.get(row.locale, FORMER_PARTICIPANT)
        await OutboxMessage.filter(id=row.id).update(
            subject=_replace_all(row.subject, needles, former),
            text=_replace_all(row.text, needles, former),
            html=_replace_all(row.html, needles, html.escape(former)),
            recipient_name=_replace_all(row.recipient_name, needles, former),
            last_error=_replace_all(row.last_error, needles, former),
            idempotency_key=_replace_all(row.idempotency_key, needles, f"erased-{row.id}"),
        )


def scrubbed_mail(attendee_id: int, row_id: int) -> dict[str, Any]:
    """The columns of a message to an erased attendee once only its kind and dates remain."""
    return {
        "recipient_name": "",
        "recipient_email": erased_address(attendee_id),
        "subject": "",
        "text": "",
        "html": "",
        "headers": {},
        "last_error": "",
        "idempotency_key": f"erased:{row_id}",
    }


def _forgotten_link(link: dict[str, Any], person: int) -> dict[str, Any]:
    """A stored link (see :func:`peernet.rounds.planning.explanation_of`) without what it
    says of ``person``: the themes either of them covered (each list names some of that
    person's gaps or expertise) and their region, with the relation of the two regions
    (which, for a pair in one region, gives theirs). The disciplines stay, as the role
    does."""
    if person not in (link.get("a"), link.get("b")):
        return link
    side = 0 if link.get("a") == person else 1
    regions = list(link.get("regions") or ["", ""])
    if len(regions) == 2:
        regions[side] = ""
    return {
        **link,
        "a_gaps_covered_by_b": [],
        "b_gaps_covered_by_a": [],
        "regions": regions,
        "region_relation": "distant",
    }


async def _forget_in_explanations(attendee_id: int, match_ids: Sequence[int]) -> None:
    for match in await Match.filter(id__in=list(match_ids) or [-1]):
        links = match.explanation.get("links", [])
        forgotten = [_forgotten_link(link, attendee_id) for link in links]
        if forgotten != links:
            match.explanation = {**match.explanation, "links": forgotten}
            await match.save(update_fields=["explanation"])


async def erase_attendee(
    settings: Settings,
    attendee_id: int,
    *,
    actor: str,
    coordinator_id: int | None = None,
    reason: str,
) -> bool:
    """Erase one attendee's personal data everywhere it lives; True if this call erased it,
    False if it was already erased (also when another erasure of them won the race)."""
    if reason not in ERASURE_REASONS:
        raise ValueError(f"unknown erasure reason {reason!r} (known: {ERASURE_REASONS})")
    attendee = await Attendee.get_or_none(id=attendee_id)
    if attendee is None:
        raise AttendeeNotFound(f"no attendee with id {attendee_id}")
    if attendee.status is AttendeeStatus.ERASED:
        return False
    now = clock.now()
    async with in_transaction():
        addresses = await _addresses(attendee)
        names = {attendee.name}
        for details in await Signup.filter(attendee_id=attendee_id).values_list(
            "details", flat=True
        ):
            if isinstance(details, dict) and details.get("name"):
                names.add(str(details["name"]))
        # The names they had before correcting it on their personal page.
        for details in await AuditEntry.filter(
            action=RENAME_ACTION, subject=f"attendee:{attendee_id}"
        ).values_list("details", flat=True):
            if isinstance(details, dict) and details.get("former_name"):
                names.add(str(details["former_name"]))
        placeholder = erased_address(attendee_id)
        await cancel_queued_mail(attendee_id, reason="erased")
        # The conditional update is the lock: of two erasures at once, one does the work.
        claimed = (
            await Attendee.filter(id=attendee_id)
            .exclude(status=AttendeeStatus.ERASED)
            .update(
                status=AttendeeStatus.ERASED,
                # A new public id: every link they were ever sent (pause, unsubscribe,
                # answers, consent) names the old one, and now names nobody.
                public_id=new_public_id(),
                erased_at=now,
                left_at=attendee.left_at or now,
                name="",
                email=placeholder,
                email_normalized=placeholder,
                organisation="",
                # The role stays: it gives the discipline, which pairs are counted by ("a
                # police officer met a teacher"); alone it names no one among hundreds.
                # The region goes: with the role and the month it can single someone out
                # (the only youth worker in Zeeland).
                region="",
                expertise=[],
                gaps=[],
                languages=[],
                meeting_preference="",
                paused_until=None,
                last_active_at=None,
                stay_asked_at=None,
                updated_at=now,
            )
        )
        if not claimed:
            return False
        needles = _traces(names, addresses)
        await _scrub_mail(attendee_id, addresses, needles)
        await Signup.filter(attendee_id=attendee_id).delete()
        await MagicLink.filter(attendee_id=attendee_id).delete()
        # Consent records stay as the anonymous proof of what was agreed, and are withdrawn
        # (through the one consent service).
        await withdraw_consents(attendee_id)
        # Attendance stays: an event's count survives; the row names only the placeholder.
        await AttendeeBlock.filter(Q(attendee_id=attendee_id) | Q(blocked_id=attendee_id)).delete()
        await KeepApart.filter(Q(attendee_a_id=attendee_id) | Q(attendee_b_id=attendee_id)).delete()
        drafts = list(await Round.filter(status=RoundStatus.DRAFT).values_list("id", flat=True))
        await RoundExclusion.filter(round_id__in=drafts, attendee_id=attendee_id).delete()
        await RoundPin.filter(
            Q(attendee_a_id=attendee_id) | Q(attendee_b_id=attendee_id), round_id__in=drafts
        ).delete()
        # Nudges are due per match; the nudge job skips erased members, so their partner's
        # still go out and nothing goes to them.
        match_ids = [m.match_id for m in await MatchMember.filter(attendee_id=attendee_id)]
        await _forget_in_explanations(attendee_id, match_ids)
        if needles.full:
            await _scrub_json_column(Match, "explanation", needles, id__in=match_ids or [-1])
            await _scrub_json_column(Round, "stats", needles)
            await _scrub_json_column(Round, "previous", needles)
            await _scrub_json_column(ImportBatch, "report", needles)
            await _scrub_json_column(AuditEntry, "details", needles)
        coordinator = await Coordinator.get_or_none(id=coordinator_id) if coordinator_id else None
        await record(
            "attendee.erase",
            coordinator=coordinator,
            actor=None if coordinator else actor,
            subject=f"attendee:{attendee_id}",
            details={"reason": reason},
        )
    return True
