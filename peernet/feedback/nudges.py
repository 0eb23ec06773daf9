"""Follow-up nudges: "have you met?" and the feedback request, queued when due.

The due dates are columns of the match, so a worker that was down when one passed sends
it on its next pass, and marking a nudge done in the same transaction as queueing it (with
idempotency keys on the messages) means it goes out once, however many workers run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.transactions import in_transaction

from notifications import Address
from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.attendees.personal import footer_links
from peernet.attendees.rights import FORMER, FORMER_PARTICIPANT
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.feedback.service import RATINGS
from peernet.links import answer_url, subscription_url
from peernet.outbox.service import enqueue
from peernet.rounds.models import Match, MatchMember
from peernet.settings import Settings

NUDGES = {
    # kind: (due column, done column)
    "nudge_met": ("nudge_met_due_at", "nudge_met_done_at"),
    "feedback_request": ("feedback_due_at", "feedback_done_at"),
}


def _answer_urls(settings: Settings, match_id: int, public_id: str) -> dict[str, str]:
    return {
        answer.value: answer_url(
            settings, match_id=match_id, public_id=public_id, answer=answer.value
        )
        for answer in MeetingAnswer
    }


def _context(
    settings: Settings, kind: str, match_id: int, me: Attendee, others: Sequence[Attendee]
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "name": me.name,
        # An erased partner has no name left: "a former participant" in the reader's language.
        "partner_names": [o.name or FORMER.get(me.locale, FORMER_PARTICIPANT) for o in others],
        "answer_urls": _answer_urls(settings, match_id, me.public_id),
        "pause_url": subscription_url(settings, "pause", me.public_id),
        "unsubscribe_url": subscription_url(settings, "unsubscribe", me.public_id),
    }
    if kind == "feedback_request":
        context["rating_urls"] = {
            r: answer_url(settings, match_id=match_id, public_id=me.public_id, answer=f"rating:{r}")
            for r in RATINGS
        }
    return context


def _still_to_ask(kind: str, feedback: MatchFeedback | None) -> bool:
    if feedback is None:
        return True
    if kind == "nudge_met":
        return feedback.answer is None
    return feedback.rating is None


async def queue_due_nudges(settings: Settings) -> int:
    """Queue every nudge whose due time has passed; returns how many emails were queued."""
    now = clock.now()
    queued = 0
    for kind, (due, done) in NUDGES.items():
        due_matches = await Match.filter(**{f"{due}__lte": now, f"{done}__isnull": True}).only("id")
        for match in due_matches:
            queued += await _queue_for_match(settings, kind, match.id, done)
    return queued


async def _queue_for_match(settings: Settings, kind: str, match_id: int, done: str) -> int:
    now = clock.now()
    queued = 0
    async with in_transaction():
        claimed = await Match.filter(id=match_id, **{f"{done}__isnull": True}).update(**{done: now})
        if not claimed:
            return 0  # another worker took it
        member_ids = await MatchMember.filter(match_id=match_id).values_list(
            "attendee_id", flat=True
        )
        members = await Attendee.filter(id__in=list(member_ids)).order_by("id")
        feedback = {f.attendee_id: f for f in await MatchFeedback.filter(match_id=match_id)}
        for me in members:
            gone = me.status in (AttendeeStatus.LEFT, AttendeeStatus.ERASED)
            if gone or not _still_to_ask(kind, feedback.get(me.id)):
                continue
            others = [o for o in members if o.id != me.id]
            await enqueue(
                settings,
                key=f"{kind}:{match_id}:{me.id}",
                kind=kind,
                locale=me.locale,
                recipient=Address(name=me.name, email=me.email),
                context={
                    **_context(settings, kind, match_id, me, others),
                    **await footer_links(settings, me.id, me.locale),
                },
                unsubscribe_url=subscription_url(settings, "unsubscribe", me.public_id),
            )
            queued += 1
    return queued
