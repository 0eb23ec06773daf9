"""A demo event and a realistic, seeded population of confirmed attendees.

Running it twice changes nothing: the population is generated from a fixed seed and each
attendee is keyed on their email address.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import UTC, date, datetime, time, timedelta

from tortoise.transactions import in_transaction

from peernet import clock
from peernet.attendees.consents import (
    ANNOUNCEMENTS,
    COHOST,
    STATISTICS,
    NewConsent,
    current_version,
    optional_consent,
    record_consents,
)
from peernet.attendees.models import Attendance, Attendee, AttendeeStatus, Signup
from peernet.attendees.service import CONFIRMATION_VALID_FOR, hash_token, normalize_email
from peernet.coordinators.models import Coordinator
from peernet.coordinators.service import create_coordinator
from peernet.events.models import Event
from peernet.rounds.models import Round
from peernet.rounds.planning import create_round
from peernet.rounds.publishing import publish_round
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy

DEMO_SLUG = "demo"
# The afternoons the demo network grew from, before the open demo event (12 November 2026):
# (slug, title, date, place, police unit). Each demo attendee signed up after one of them,
# so the dashboard's growth, the events list and the sign-up counts have a history to show.
EARLIER_AFTERNOONS = (
    (
        "training-oost-nederland-2026-05-21",
        "Training Omgaan met Extreme Idealen",
        date(2026, 5, 21),
        "Apeldoorn",
        "oost_nederland",
    ),
    (
        "terugkomdag-rotterdam-2026-06-18",
        "Terugkomdag Omgaan met Extreme Idealen",
        date(2026, 6, 18),
        "Rotterdam",
        "rotterdam",
    ),
    (
        "training-amsterdam-2026-09-17",
        "Training Omgaan met Extreme Idealen",
        date(2026, 9, 17),
        "Amsterdam",
        "amsterdam",
    ),
    (
        "terugkomdag-breda-2026-10-15",
        "Terugkomdag Omgaan met Extreme Idealen",
        date(2026, 10, 15),
        "Breda",
        "zeeland_west_brabant",
    ),
)
# The demo's coordinator account: for trying peernet on your own machine only; the command
# refuses to create it when PEERNET_ENV=production.
DEMO_COORDINATOR_EMAIL = "coordinator@example.org"
DEMO_COORDINATOR_PASSWORD = "peernet-demo-coordinator"  # noqa: S105
SEED = 20261128

FIRST_NAMES = [
    "Anouk",
    "Bram",
    "Daan",
    "Eva",
    "Fleur",
    "Joris",
    "Lieke",
    "Maarten",
    "Noor",
    "Ruud",
    "Sanne",
    "Thijs",
    "Wouter",
    "Yara",
    "Mohammed",
    "Fatima",
    "Yusuf",
    "Khadija",
    "Ümit",
    "Elif",
    "Mehmet",
    "Zeynep",
    "Aïcha",
    "Saïd",
    "Priya",
    "Rajesh",
    "Chantal",
    "Dewi",
    "Gerrit",
    "Hanneke",
    "Ilse",
    "Jeroen",
    "Kübra",
    "Latifa",
    "Mirjam",
    "Nadia",
    "Orhan",
    "Petra",
    "Rachid",
    "Sevda",
    "Tom",
    "Valerie",
    "Wim",
    "Zoë",
    "Amal",
    "Björn",
    "Céline",
]
LAST_NAMES = [
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "El Amrani",
    "Bouzid",
    "Yılmaz",
    "Kaya",
    "Demir",
    "Çelik",
    "Öztürk",
    "Benali",
    "Haddou",
    "van 't Hoff",
    "Ramdin",
    "Koster",
    "Prins",
    "Huisman",
    "Kuipers",
    "Dekker",
    "Brouwer",
]
ORGANISATIONS = {
    "police_enforcement": ["Politie {region}", "Gemeente {place} – Handhaving"],
    "youth_social_work": ["Welzijn {place}", "Jongerenwerk {place}", "Sociaal Wijkteam {place}"],
    "education": ["{place} College", "ROC {place}", "Scholengemeenschap {place}"],
    "care": ["Jeugdzorg {region}", "GGZ {region}", "Reclassering Nederland"],
    "municipality_policy": ["Gemeente {place}", "Zorg- en Veiligheidshuis {region}"],
    "community": [
        "Moskee-vereniging {place}",
        "Sportvereniging {place}",
        "Cultureel Centrum {place}",
    ],
}
# What each discipline tends to know well; their gaps lean towards the rest.
STRENGTHS = {
    "police_enforcement": [
        "signalling_assessment",
        "escalation_referral",
        "case_conference",
        "right_wing_extremism",
        "islamist_extremism",
    ],
    "youth_social_work": [
        "conversation_skills",
        "triggers_breeding_ground",
        "family_approach",
        "online_radicalisation",
        "intercultural_religious_literacy",
    ],
    "education": [
        "polarisation",
        "pedagogical_boundaries",
        "conversation_skills",
        "online_radicalisation",
        "professional_resilience",
    ],
    "care": [
        "family_approach",
        "professional_resilience",
        "triggers_breeding_ground",
        "information_sharing_privacy",
        "case_conference",
    ],
    "municipality_policy": [
        "local_policy_network",
        "cross_domain_cooperation",
        "information_sharing_privacy",
        "organisational_embedding",
        "escalation_referral",
    ],
    "community": [
        "intercultural_religious_literacy",
        "islamist_extremism",
        "family_approach",
        "conversation_skills",
        "polarisation",
    ],
}
REGION_WEIGHTS = {
    "noord_nederland": 8,
    "oost_nederland": 14,
    "midden_nederland": 12,
    "noord_holland": 8,
    "amsterdam": 11,
    "den_haag": 11,
    "rotterdam": 12,
    "zeeland_west_brabant": 9,
    "oost_brabant": 8,
    "limburg": 7,
}


def _ascii(name: str) -> str:
    """Zoë Öztürk -> zoe.ozturk: mailboxes are ASCII (see notifications.Address)."""
    flat = unicodedata.normalize("NFKD", name.replace("ı", "i")).encode("ascii", "ignore")
    return flat.decode().lower().replace(" ", "").replace("'", "")


def demo_population(size: int = 320) -> list[dict[str, object]]:
    rng = random.Random(SEED)
    taxonomy = get_taxonomy()
    roles = list(taxonomy.roles.values())
    themes = list(taxonomy.themes)
    regions = list(REGION_WEIGHTS)
    people: list[dict[str, object]] = []
    for number in range(size):
        role = roles[number % len(roles)] if number < len(roles) * 2 else rng.choice(roles)
        discipline = role.discipline
        region = rng.choices(regions, weights=[REGION_WEIGHTS[r] for r in regions])[0]
        place = rng.choice(taxonomy.regions[region].places)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        strengths = STRENGTHS[discipline]
        expertise = rng.sample(strengths, rng.randint(2, 4))
        if rng.random() < 0.4:
            extra = rng.choice(themes)
            if extra not in expertise:
                expertise.append(extra)
        others = [t for t in themes if t not in expertise and t not in strengths]
        gaps = rng.sample(others, rng.randint(2, 4))
        languages = ["nl"]
        for language, share in (("en", 0.6), ("ar", 0.08), ("tr", 0.08), ("ber", 0.04)):
            if rng.random() < share:
                languages.append(language)
        if number % 50 == 49:
            languages = ["en"]  # a few international colleagues
        local = _ascii(f"{first}.{last}")
        people.append(
            {
                "name": f"{first} {last}",
                "email": f"{local}.{number:03d}@example.org",
                "organisation": rng.choice(ORGANISATIONS[discipline]).format(
                    region=taxonomy.regions[region].labels["nl"], place=place
                ),
                "role": role.key,
                "region": region,
                "expertise": expertise,
                "gaps": gaps,
                "languages": languages,
                "meeting_preference": rng.choices(
                    ["either", "in_person", "online"], weights=[6, 2, 2]
                )[0],
                "locale": "en" if languages == ["en"] else "nl",
            }
        )
    return people


async def load_demo_data(size: int = 320) -> tuple[int, int]:
    """Create the demo events and population; returns (attendees created, attendees present).

    Every demo attendee signed up through one of the afternoons (the earlier ones are closed,
    the demo event is open) and confirmed a few days later, never after "now"."""
    now = clock.now()
    async with in_transaction():
        events = [
            (
                await Event.get_or_create(
                    slug=slug,
                    defaults={
                        "title": title,
                        "date": on,
                        "place": place,
                        "organiser": "peernet demo",
                        "region": region,
                        "is_open": False,
                        "signup_until": on + timedelta(days=14),
                        "created_at": min(now, _moment(on, -14)),
                        "updated_at": min(now, _moment(on, -14)),
                    },
                )
            )[0]
            for slug, title, on, place, region in EARLIER_AFTERNOONS
        ]
        event, _ = await Event.get_or_create(
            slug=DEMO_SLUG,
            defaults={
                "title": "Terugkomdag Omgaan met Extreme Idealen",
                "date": date(2026, 11, 12),
                "place": "Utrecht",
                "organiser": "peernet demo",
                "region": "midden_nederland",
                "is_open": True,
                "created_at": now,
                "updated_at": now,
            },
        )
        events.append(event)
        people = demo_population(size)
        known: set[str] = {
            str(email)
            for email in await Attendee.filter(
                email_normalized__in=[normalize_email(str(p["email"])) for p in people]
            ).values_list("email_normalized", flat=True)
        }
        # Who came to which afternoon, and when they confirmed (a few days after it).
        joined: dict[str, tuple[Event, datetime]] = {}
        for number, person in enumerate(people):
            afternoon = events[number % len(events)]
            joined[normalize_email(str(person["email"]))] = (
                afternoon,
                min(now, _moment(afternoon.date, number % 4)),
            )
        new = [p for p in people if normalize_email(str(p["email"])) not in known]
        await Attendee.bulk_create(
            [
                Attendee(
                    **person,
                    email_normalized=normalize_email(str(person["email"])),
                    status=AttendeeStatus.ACTIVE,
                    created_at=joined[normalize_email(str(person["email"]))][1],
                    updated_at=joined[normalize_email(str(person["email"]))][1],
                    confirmed_at=joined[normalize_email(str(person["email"]))][1],
                )
                for person in new
            ]
        )
        created = await Attendee.filter(
            email_normalized__in=[normalize_email(str(p["email"])) for p in new]
        )
        await Attendance.bulk_create(
            [
                Attendance(
                    attendee=a,
                    event=joined[a.email_normalized][0],
                    created_at=joined[a.email_normalized][1],
                )
                for a in created
            ]
        )
        await Signup.bulk_create(
            [
                Signup(
                    attendee=a,
                    event=joined[a.email_normalized][0],
                    details={
                        "name": a.name,
                        "email": a.email,
                        "organisation": a.organisation,
                        "role": a.role,
                        "region": a.region,
                        "expertise": a.expertise,
                        "gaps": a.gaps,
                        "languages": a.languages,
                        "meeting_preference": a.meeting_preference,
                        "locale": a.locale,
                    },
                    channel="form",
                    kind="signup",
                    consent_version=current_version(),
                    locale=a.locale,
                    # Demo sign-ups were never emailed: the hash is of no token anyone holds.
                    token_hash=hash_token(f"demo-signup:{a.email_normalized}"),
                    created_at=joined[a.email_normalized][1] - timedelta(minutes=10),
                    expires_at=joined[a.email_normalized][1] + CONFIRMATION_VALID_FOR,
                    confirmed_at=joined[a.email_normalized][1],
                )
                for a in created
            ]
        )
        await record_consents(
            [
                NewConsent(
                    attendee_id=a.id,
                    version=current_version(),
                    locale=a.locale,
                    channel=f"demo:{joined[a.email_normalized][0].id}",
                    given_at=joined[a.email_normalized][1],
                    confirmed_at=joined[a.email_normalized][1],
                )
                for a in created
            ]
        )
        await record_consents(
            [
                NewConsent(
                    attendee_id=a.id,
                    version=optional_consent(purpose).version,
                    locale=a.locale,
                    channel=f"demo:{joined[a.email_normalized][0].id}",
                    given_at=joined[a.email_normalized][1],
                    confirmed_at=joined[a.email_normalized][1],
                    purpose=purpose,
                )
                for number, a in enumerate(created)
                for purpose in _demo_optional_consents(number)
            ]
        )
    return len(new), len(people)


def _demo_optional_consents(number: int) -> list[str]:
    """Seven in ten count in the statistics, four in ten want announcements, one in seven
    may be asked to co-host."""
    chosen = []
    if number % 10 < 7:
        chosen.append(STATISTICS)
    if number % 5 in (0, 2):
        chosen.append(ANNOUNCEMENTS)
    if number % 7 == 3:
        chosen.append(COHOST)
    return chosen


# Upcoming sessions: (slug, title, days from today, start, end, place, unit, seats).
DEMO_SESSIONS = (
    ("demo-intervisie-utrecht", "Intervisieavond Midden-Nederland", 10, "18:30", "21:00",
     "Stadskantoor Utrecht", "midden_nederland", 24),
    ("demo-terugkomdag-rotterdam", "Terugkomdag Omgaan met Extreme Idealen", 17, "13:00", "17:00",
     "Stadhuis Rotterdam", "rotterdam", 3),
    ("demo-training-groningen", "Basistraining Omgaan met Extreme Idealen", 24, "09:30", "16:30",
     "Groningen, Forum", "noord_nederland", 60),
    ("demo-netwerk-maastricht", "Netwerkbijeenkomst Limburg", 31, "14:00", "17:00",
     "Maastricht, Centre Céramique", "limburg", 30),
)  # fmt: skip


async def load_demo_sessions(settings: Settings) -> int:
    """Published sessions in several units, weeks ahead; the Rotterdam one (three seats, so
    the waiting list shows) is announced to those nearby who asked. Idempotent."""
    from peernet.events.announcements import announce
    from peernet.events.service import check_details, create_event, local_today

    today = local_today(settings)
    for slug, title, days, starts, ends, place, unit, seats in DEMO_SESSIONS:
        if await Event.exists(slug=slug):
            continue
        details = check_details(
            {
                "title": title,
                "date": today + timedelta(days=days),
                "place": place,
                "organiser": "peernet demo",
                "region": unit,
                "starts": starts,
                "ends": ends,
                "capacity": str(seats),
                "description": "Praktijkcasussen, een workshop gesprekstechnieken en een"
                " afsluitende brainstorm over wat je nodig hebt.",
                "published": True,
            },
            region_required=True,
            tz=settings.timezone,
        )
        await create_event(
            slug=slug,
            title=details.title,
            on=details.on,
            place=details.place,
            region=unit,
            details=details,
            actor="demo",
        )
    return await announce(settings, "demo-terugkomdag-rotterdam", actor="demo")


def _moment(on: date, days_after: int) -> datetime:
    """Late afternoon (15:00 UTC, 16:00 or 17:00 in the Netherlands) ``days_after`` days
    after ``on``."""
    return datetime.combine(on + timedelta(days=days_after), time(15, 0), tzinfo=UTC)


async def publish_synthetic_round(settings: Settings, pairs: int) -> Round:
    """``pairs`` * 2 identical active attendees, paired and published: a load of
    introductions in the outbox, for the worker's tests and the delivery benchmark."""
    now = clock.now()
    await Attendee.bulk_create(
        [
            Attendee(
                name=f"Deelnemer {n}",
                email=f"deelnemer{n}@example.org",
                email_normalized=f"deelnemer{n}@example.org",
                organisation="Gemeente Utrecht",
                role="teacher" if n % 2 else "youth_worker",
                region="midden_nederland",
                expertise=["polarisation"],
                gaps=["family_approach"],
                languages=["nl"],
                meeting_preference="either",
                status=AttendeeStatus.ACTIVE,
                created_at=now,
                updated_at=now,
            )
            for n in range(pairs * 2)
        ],
        batch_size=1000,
    )
    ids = sorted(a.id for a in await Attendee.filter(email__startswith="deelnemer").only("id"))
    rnd = await create_round(
        now.strftime("%Y-%m"), [list(p) for p in zip(ids[::2], ids[1::2], strict=True)]
    )
    await publish_round(settings, rnd.id)
    return rnd


async def ensure_demo_coordinator() -> Coordinator:
    """The demo coordinator, created once."""
    existing = await Coordinator.get_or_none(email_normalized=DEMO_COORDINATOR_EMAIL)
    if existing is not None:
        return existing
    return await create_coordinator(
        DEMO_COORDINATOR_EMAIL, DEMO_COORDINATOR_PASSWORD, name="Demo Coördinator"
    )
