"""The attendee an emailed link names: links carry the random ``public_id``, never the row id."""

from __future__ import annotations

from peernet.attendees.models import Attendee
from peernet.links import LinkInvalid


async def attendee_of_link(public_id: str) -> Attendee:
    """The attendee with this public id; :class:`LinkInvalid` if there is none (any more:
    erasure gives the placeholder a new public id, so every link they were sent dies)."""
    attendee = await Attendee.get_or_none(public_id=public_id)
    if attendee is None:
        raise LinkInvalid("the link names no attendee")
    return attendee
