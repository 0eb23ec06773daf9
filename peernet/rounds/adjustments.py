"""A coordinator's adjustments to a draft: take someone out of this round, keep two people
apart for good, pin two together for this round, choose a weighting preset. Each is stored
(repeating one changes nothing), logged, and followed by planning the draft again."""

from __future__ import annotations

import contextlib

from tortoise.exceptions import IntegrityError

from peernet import clock
from peernet.attendees.models import Attendee
from peernet.audit.service import record
from peernet.coordinators.models import Coordinator
from peernet.errors import FieldErrors, NotFound
from peernet.rounds.models import KeepApart, Round, RoundExclusion, RoundPin, RoundStatus
from peernet.rounds.planning import RoundPublished, propose_round
from peernet.rounds.presets import PRESETS
from peernet.settings import Settings


async def _draft(round_id: int) -> Round:
    rnd = await Round.get_or_none(id=round_id)
    if rnd is None:
        raise NotFound(f"no round with id {round_id}")
    if rnd.status is RoundStatus.PUBLISHED:
        raise RoundPublished(f"the round of {rnd.period} is already published")
    return rnd


async def _attendee_ids(**fields: object) -> list[int]:
    ids: list[int] = []
    errors: dict[str, str] = {}
    for field, value in fields.items():
        if isinstance(value, bool) or not isinstance(value, int):
            errors[field] = "invalid"
        elif not await Attendee.exists(id=value):
            errors[field] = "unknown_attendee"
        else:
            ids.append(value)
    if not errors and len(ids) == 2 and ids[0] == ids[1]:
        errors[list(fields)[1]] = "same_attendee"
    if errors:
        raise FieldErrors(errors)
    return ids


async def _replan(
    settings: Settings, rnd: Round, coordinator: Coordinator | None, action: str, **details: object
) -> Round:
    await record(action, coordinator=coordinator, subject=f"round:{rnd.id}", details=details)
    replanned, _ = await propose_round(settings, rnd.period, coordinator=coordinator)
    return replanned


async def exclude(
    settings: Settings, round_id: int, attendee_id: object, *, coordinator: Coordinator | None
) -> Round:
    rnd = await _draft(round_id)
    (person,) = await _attendee_ids(attendee=attendee_id)
    with contextlib.suppress(IntegrityError):  # already out of this round
        await RoundExclusion.create(round_id=rnd.id, attendee_id=person, created_at=clock.now())
    return await _replan(settings, rnd, coordinator, "round.exclude", attendee=person)


async def include(
    settings: Settings, round_id: int, attendee_id: object, *, coordinator: Coordinator | None
) -> Round:
    rnd = await _draft(round_id)
    (person,) = await _attendee_ids(attendee=attendee_id)
    await RoundExclusion.filter(round_id=rnd.id, attendee_id=person).delete()
    return await _replan(settings, rnd, coordinator, "round.include", attendee=person)


async def keep_apart(
    settings: Settings, round_id: int, a: object, b: object, *, coordinator: Coordinator | None
) -> Round:
    """Never group ``a`` and ``b`` again, in this round or any later one."""
    rnd = await _draft(round_id)
    first, second = sorted(await _attendee_ids(attendee_a=a, attendee_b=b))
    with contextlib.suppress(IntegrityError):  # already kept apart
        await KeepApart.create(attendee_a_id=first, attendee_b_id=second, created_at=clock.now())
    return await _replan(
        settings, rnd, coordinator, "round.keep_apart", attendee_a=first, attendee_b=second
    )


async def allow_together(
    settings: Settings, round_id: int, a: object, b: object, *, coordinator: Coordinator | None
) -> Round:
    rnd = await _draft(round_id)
    first, second = sorted(await _attendee_ids(attendee_a=a, attendee_b=b))
    await KeepApart.filter(attendee_a_id=first, attendee_b_id=second).delete()
    return await _replan(
        settings, rnd, coordinator, "round.allow_together", attendee_a=first, attendee_b=second
    )


async def pin(
    settings: Settings, round_id: int, a: object, b: object, *, coordinator: Coordinator | None
) -> Round:
    """Put ``a`` and ``b`` together in this round (the planner says so if a rule forbids it)."""
    rnd = await _draft(round_id)
    first, second = sorted(await _attendee_ids(attendee_a=a, attendee_b=b))
    with contextlib.suppress(IntegrityError):  # already pinned
        await RoundPin.create(
            round_id=rnd.id, attendee_a_id=first, attendee_b_id=second, created_at=clock.now()
        )
    return await _replan(
        settings, rnd, coordinator, "round.pin", attendee_a=first, attendee_b=second
    )


async def unpin(
    settings: Settings, round_id: int, a: object, b: object, *, coordinator: Coordinator | None
) -> Round:
    rnd = await _draft(round_id)
    first, second = sorted(await _attendee_ids(attendee_a=a, attendee_b=b))
    await RoundPin.filter(round_id=rnd.id, attendee_a_id=first, attendee_b_id=second).delete()
    return await _replan(
        settings, rnd, coordinator, "round.unpin", attendee_a=first, attendee_b=second
    )


async def choose_preset(
    settings: Settings, round_id: int, preset: object, *, coordinator: Coordinator | None
) -> Round:
    rnd = await _draft(round_id)
    if not isinstance(preset, str) or preset not in PRESETS:
        raise FieldErrors({"preset": "unknown_choice"})
    await Round.filter(id=rnd.id, status=RoundStatus.DRAFT).update(preset=preset)
    return await _replan(settings, rnd, coordinator, "round.preset", preset=preset)


async def recompute(settings: Settings, round_id: int, *, coordinator: Coordinator | None) -> Round:
    """Plan the draft again as it stands (new sign-ups, pauses and answers since)."""
    rnd = await _draft(round_id)
    replanned, _ = await propose_round(settings, rnd.period, coordinator=coordinator)
    return replanned
