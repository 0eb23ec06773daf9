"""Answers to the follow-up nudges, kept for coordinators and for the next round's scoring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from peernet import clock
from peernet.attendees.models import Attendee
from peernet.errors import FieldErrors
from peernet.feedback.models import MatchFeedback, MeetingAnswer
from peernet.links import LinkInvalid, read_answer
from peernet.rounds.models import MatchMember
from peernet.settings import Settings

RATINGS = range(1, 6)


@dataclass(frozen=True)
class Answer:
    match_id: int
    public_id: str  # the answering attendee's (links never carry the row id)
    answer: MeetingAnswer
    rating: int | None


def parse_answer(settings: Settings, token: str) -> Answer:
    """What an answer link stands for; raises LinkInvalid for a forged or expired one."""
    data = read_answer(settings, token)
    value = data["a"]
    if isinstance(value, str) and value in MeetingAnswer.__members__.values():
        return Answer(data["m"], data["p"], MeetingAnswer(value), None)
    if isinstance(value, str) and value.startswith("rating:"):
        digits = value.removeprefix("rating:")
        if digits.isdigit() and int(digits) in RATINGS:
            # Rating a conversation means it took place.
            return Answer(data["m"], data["p"], MeetingAnswer.MET, int(digits))
        raise FieldErrors({"rating": "must be 1 to 5"})
    raise LinkInvalid("the answer link is invalid")


async def answering(settings: Settings, token: str) -> tuple[Answer, Attendee]:
    """What an answer link stands for and who answers; LinkInvalid unless the attendee it
    names (still) exists and is a member of its match."""
    answer = parse_answer(settings, token)
    attendee = await Attendee.get_or_none(public_id=answer.public_id)
    if attendee is None or not await MatchMember.exists(
        match_id=answer.match_id, attendee_id=attendee.id
    ):
        raise LinkInvalid("the answer link does not belong to a match")
    return answer, attendee


async def record_answer(settings: Settings, token: str) -> Answer:
    answer, attendee = await answering(settings, token)
    now = clock.now()
    changes: dict[str, Any] = {"answer": answer.answer, "answered_at": now}
    if answer.rating is not None:
        changes["rating"] = answer.rating
    # Answering is a sign of life (for the retention check).
    await Attendee.filter(id=attendee.id).update(last_active_at=now)
    key: dict[str, Any] = {"match_id": answer.match_id, "attendee_id": attendee.id}
    if not await MatchFeedback.filter(**key).update(**changes):
        try:
            await MatchFeedback.create(**key, **changes)
        except IntegrityError:  # a double click: the other request created it first
            await MatchFeedback.filter(**key).update(**changes)
    return answer
