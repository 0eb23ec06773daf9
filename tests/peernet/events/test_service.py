"""Event rules without the browser: slugs, the last sign-up day in local time, closing that
is safe when repeated or raced, edits against a version."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from peernet.audit.models import AuditEntry
from peernet.errors import Conflict, FieldErrors
from peernet.events import service
from peernet.events.models import Event
from peernet.events.service import EventClosed, StaleEdit
from peernet.settings import Settings
from tests.peernet.conftest import Clock, make_settings
from tests.peernet.factories import an_event, an_event_in


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Terugkomdag OMEI Utrecht", "terugkomdag-omei-utrecht-2026-12-03"),
        ("Café « Öztürk » & co.", "cafe-ozturk-co-2026-12-03"),
        ("!!!", "2026-12-03"),
        (
            "Een heel lange titel " * 10,
            "een-heel-lange-titel-een-heel-lange-titel-een-heel-2026-12-03",
        ),
    ],
)
def test_a_slug_is_made_from_the_title_and_date(title: str, slug: str) -> None:
    made = service.slug_base(title, date(2026, 12, 3))
    assert made == slug
    assert service.SLUG.match(made) and len(made) + len("-99") <= 64


async def test_the_same_title_and_date_get_numbered_slugs(empty_db: None) -> None:
    made = [
        await service.create_event(title="OMEI", on=date(2026, 12, 3), place="Breda")
        for _ in range(3)
    ]
    assert [e.slug for e in made] == ["omei-2026-12-03", "omei-2026-12-03-2", "omei-2026-12-03-3"]
    with pytest.raises(Conflict):
        await service.create_event(
            slug="omei-2026-12-03", title="x", on=date(2026, 12, 3), place="p"
        )


async def test_a_new_event_needs_a_police_unit_when_asked(empty_db: None) -> None:
    with pytest.raises(FieldErrors) as caught:
        await service.create_event(
            title="OMEI", on=date(2026, 12, 3), place="Breda", region_required=True
        )
    assert caught.value.errors == {"region": "required"}
    assert await Event.all().count() == 0


@pytest.mark.parametrize(
    ("utc", "open_"),
    [
        # 12 November is the last day; Amsterdam is UTC+1 in November.
        (datetime(2026, 11, 12, 22, 59, tzinfo=UTC), True),
        (datetime(2026, 11, 12, 23, 0, tzinfo=UTC), False),
    ],
)
async def test_the_last_sign_up_day_ends_at_local_midnight(
    empty_db: None, frozen_clock: Clock, settings: Settings, utc: datetime, open_: bool
) -> None:
    await an_event_in("limburg", "maastricht", signup_until=date(2026, 11, 12))
    frozen_clock.set(utc)
    if open_:
        assert (await service.get_open_event(settings, "maastricht")).slug == "maastricht"
    else:
        with pytest.raises(EventClosed):
            await service.get_open_event(settings, "maastricht")
    # In a time zone where it is still the 12th, the link is open.
    lagging = make_settings(TIMEZONE="America/New_York")
    assert await service.get_open_event(lagging, "maastricht")


async def test_closing_twice_at_once_closes_and_logs_once(empty_db: None) -> None:
    await an_event("breda")
    results = await asyncio.gather(*(service.set_open("breda", False, actor="t") for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    assert await AuditEntry.filter(action="event.close").count() == 1
    assert not (await Event.get(slug="breda")).is_open
    assert await service.set_open("breda", True, actor="t") is True
    assert await service.set_open("breda", True, actor="t") is False
    assert await AuditEntry.filter(action="event.reopen").count() == 1


async def test_an_edit_against_an_old_version_is_refused(
    empty_db: None, frozen_clock: Clock
) -> None:
    event = await an_event_in("limburg", "maastricht")
    old = service.version_of(event)
    raw = {"title": "Nieuw", "date": "2026-12-03", "place": "Maastricht", "region": "limburg"}
    # The clock stands still, yet the version moves on.
    saved = await service.update_event("maastricht", raw, version=old, actor="t")
    assert service.version_of(saved) != old
    with pytest.raises(StaleEdit):
        await service.update_event("maastricht", {**raw, "title": "Ander"}, version=old, actor="t")
    with pytest.raises(FieldErrors) as caught:
        await service.update_event("maastricht", raw, version="gisteren", actor="t")
    assert caught.value.errors == {"version": "invalid"}
    assert (await Event.get(slug="maastricht")).title == "Nieuw"


async def test_an_old_event_without_a_version_or_unit_can_be_edited(empty_db: None) -> None:
    await an_event("oud")
    await Event.filter(slug="oud").update(updated_at=None, region=None)
    raw = {"title": "Oud", "date": "2026-11-12", "place": "Utrecht", "region": ""}
    saved = await service.update_event("oud", raw, version="", actor="t")
    assert saved.region is None and saved.updated_at is not None
    with pytest.raises(StaleEdit):
        await service.update_event("oud", raw, version="", actor="t")
