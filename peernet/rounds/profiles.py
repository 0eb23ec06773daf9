"""An attendee as the matching engine sees them: one conversion, for planning and for advice."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from matching import MeetingPreference, PastPairing, Profile
from peernet.attendees.models import Attendee
from peernet.taxonomy.service import Taxonomy


def profile_of(
    attendee: Attendee,
    taxonomy: Taxonomy,
    *,
    past: Iterable[PastPairing] = (),
    rounds_waited: int = 0,
    in_trio_last_time: bool = False,
) -> Profile:
    """The engine's profile of ``attendee``: role mapped to discipline, lists to sets, and
    the history the caller knows (none for someone who is only signing up)."""
    return Profile(
        id=attendee.id,
        discipline=taxonomy.discipline_of(attendee.role),
        region=attendee.region,
        meeting=cast(MeetingPreference, attendee.meeting_preference),
        languages=frozenset(attendee.languages),
        expertise=frozenset(attendee.expertise),
        gaps=frozenset(attendee.gaps),
        past=tuple(past),
        rounds_waited=rounds_waited,
        in_trio_last_time=in_trio_last_time,
    )
