from __future__ import annotations

from collections import Counter

from peernet import clock
from peernet.attendees.consents import ANNOUNCEMENTS, COHOST, CONSENT_PURPOSE, STATISTICS
from peernet.attendees.models import Attendance, Attendee, AttendeeStatus, Consent, Signup
from peernet.demo import load_demo_data, load_demo_sessions
from peernet.events.agenda import upcoming
from peernet.events.models import Event
from peernet.outbox.models import OutboxMessage
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy


async def test_demo_data_is_a_realistic_confirmed_population_and_loads_once(empty_db: None) -> None:
    created, total = await load_demo_data()
    assert created == total >= 300
    again = await load_demo_data()
    assert again == (0, total)
    assert await Attendee.all().count() == total
    assert await Attendance.all().count() == total
    assert await Consent.filter(purpose=CONSENT_PURPOSE).count() == total
    # Issue 10: some hold the optional consents (statistics, announcements, co-hosting).
    purposes = await Consent.exclude(purpose=CONSENT_PURPOSE).values_list("purpose", flat=True)
    optional: Counter[str] = Counter(str(p) for p in purposes)
    assert optional[STATISTICS] > total / 2 and 0 < optional[ANNOUNCEMENTS] < total
    assert 0 < optional[COHOST] < optional[ANNOUNCEMENTS]
    event = await Event.get(slug="demo")
    assert event.is_open
    assert event.region == "midden_nederland"
    # The network grew from earlier afternoons (closed now): each person signed up through
    # one of them and confirmed a few days after it, never later than now.
    events = await Event.all()
    assert len(events) == 5 and [e.slug for e in events if e.is_open] == ["demo"]
    signups = await Signup.all()
    assert len(signups) == total and all(s.confirmed_at is not None for s in signups)
    per_event = Counter(s.event_id for s in signups)
    assert set(per_event) == {e.id for e in events} and min(per_event.values()) >= 50
    attendance = {(a.attendee_id, a.event_id) for a in await Attendance.all()}
    assert attendance == {(s.attendee_id, s.event_id) for s in signups}
    dates = {e.id: e.date for e in events}
    now = clock.now()
    for s in signups:
        assert s.confirmed_at is not None
        assert s.confirmed_at <= now
        assert s.confirmed_at.date() >= dates[s.event_id] or s.confirmed_at == now
    months = {a.confirmed_at.strftime("%Y-%m") for a in await Attendee.all() if a.confirmed_at}
    assert len(months) >= 4

    attendees = await Attendee.all()
    taxonomy = get_taxonomy()
    assert all(a.status is AttendeeStatus.ACTIVE for a in attendees)
    disciplines = Counter(taxonomy.discipline_of(a.role) for a in attendees)
    assert set(disciplines) == set(taxonomy.disciplines)
    assert min(disciplines.values()) >= 20
    assert set(Counter(a.region for a in attendees)) == set(taxonomy.regions)
    themes = Counter(t for a in attendees for t in a.expertise + a.gaps)
    assert set(themes) == set(taxonomy.themes)
    for a in attendees:
        assert 1 <= len(a.expertise) <= 5 and 1 <= len(a.gaps) <= 5
        assert not set(a.expertise) & set(a.gaps)


def test_every_demo_address_is_one_mail_can_deliver() -> None:
    from notifications import Address
    from peernet.demo import demo_population

    for person in demo_population():
        Address(name=str(person["name"]), email=str(person["email"]))


async def test_demo_sessions_fill_the_agenda_and_are_announced_once(
    empty_db: None, settings: Settings
) -> None:
    await load_demo_data()
    announced = await load_demo_sessions(settings)
    assert announced > 0
    assert await load_demo_sessions(settings) == 0
    items = await upcoming(settings)
    assert len({i.event.region for i in items}) >= 4
    assert await OutboxMessage.filter(kind="session_announcement").count() == announced
