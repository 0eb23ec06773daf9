from __future__ import annotations

from collections import Counter

from peernet.attendees.models import Attendance, Attendee, AttendeeStatus, Consent
from peernet.demo import load_demo_data
from peernet.events.models import Event
from peernet.taxonomy.service import get_taxonomy


async def test_demo_data_is_a_realistic_confirmed_population_and_loads_once(empty_db: None) -> None:
    created, total = await load_demo_data()
    assert created == total >= 300
    again = await load_demo_data()
    assert again == (0, total)
    assert await Attendee.all().count() == total
    assert await Attendance.all().count() == total
    assert await Consent.all().count() == total
    event = await Event.get(slug="demo")
    assert event.is_open
    assert event.region == "midden_nederland"

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
