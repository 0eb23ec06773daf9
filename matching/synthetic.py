"""Seeded synthetic populations built like the demo data (for the benchmark and tests).

17 roles in 6 disciplines, the 10 police regions with their neighbours, 19 themes, mostly
Dutch speakers with some English, Arabic and Turkish, and a mix of meeting preferences.
Pure: everything comes from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from matching.profiles import MeetingPreference, PastPairing, Profile

ROLES: dict[str, str] = {
    "community_police_officer": "police_enforcement",
    "youth_police_officer": "police_enforcement",
    "enforcement_officer": "police_enforcement",
    "youth_worker": "youth_social_work",
    "social_team_worker": "youth_social_work",
    "social_worker": "youth_social_work",
    "teacher": "education",
    "school_care_coordinator": "education",
    "school_attendance_officer": "education",
    "youth_care_worker": "care",
    "mental_health_professional": "care",
    "probation_officer": "care",
    "neighbourhood_coordinator": "municipality_policy",
    "municipal_policy_officer": "municipality_policy",
    "radicalisation_focal_point": "municipality_policy",
    "safety_house_case_director": "municipality_policy",
    "community_key_figure": "community",
}

NEIGHBOURS: dict[str, frozenset[str]] = {
    "noord_nederland": frozenset({"midden_nederland", "noord_holland", "oost_nederland"}),
    "oost_nederland": frozenset(
        {"limburg", "midden_nederland", "noord_nederland", "oost_brabant", "rotterdam"}
    ),
    "midden_nederland": frozenset(
        {"amsterdam", "den_haag", "noord_holland", "noord_nederland", "oost_nederland", "rotterdam"}
    ),
    "noord_holland": frozenset({"amsterdam", "den_haag", "midden_nederland", "noord_nederland"}),
    "amsterdam": frozenset({"den_haag", "midden_nederland", "noord_holland"}),
    "den_haag": frozenset({"amsterdam", "midden_nederland", "noord_holland", "rotterdam"}),
    "rotterdam": frozenset(
        {"den_haag", "midden_nederland", "oost_nederland", "zeeland_west_brabant"}
    ),
    "zeeland_west_brabant": frozenset({"oost_brabant", "rotterdam"}),
    "oost_brabant": frozenset({"limburg", "oost_nederland", "zeeland_west_brabant"}),
    "limburg": frozenset({"oost_brabant", "oost_nederland"}),
}
REGIONS: tuple[str, ...] = tuple(NEIGHBOURS)
# Rough share of attendees per region (larger units, more professionals).
REGION_WEIGHTS = np.array([0.08, 0.13, 0.14, 0.09, 0.12, 0.11, 0.12, 0.08, 0.07, 0.06])

THEMES: tuple[str, ...] = (
    "right_wing_extremism",
    "islamist_extremism",
    "left_wing_extremism",
    "anti_institutional_conspiracy",
    "online_radicalisation",
    "polarisation",
    "signalling_assessment",
    "conversation_skills",
    "pedagogical_boundaries",
    "triggers_breeding_ground",
    "information_sharing_privacy",
    "escalation_referral",
    "case_conference",
    "cross_domain_cooperation",
    "family_approach",
    "intercultural_religious_literacy",
    "professional_resilience",
    "organisational_embedding",
    "local_policy_network",
)

MEETINGS: tuple[MeetingPreference, ...] = ("in_person", "online", "either")
MEETING_WEIGHTS = np.array([0.3, 0.2, 0.5])

TODAY = date(2025, 6, 1)


def population(
    n: int, seed: int = 0, *, history: bool = True, today: date = TODAY
) -> list[Profile]:
    """``n`` attendee profiles with ids ``"p0"``, ``"p1"``, ...; the same seed, the same people.

    Each discipline leans towards its own themes of expertise; gaps are drawn from the
    other themes. With ``history``, about a third of the people have one to three past
    partners (some rated, some reported as not met), a few waited one to three rounds and
    a few were in a trio last time.
    """
    rng = np.random.default_rng(seed)
    roles = list(ROLES)
    disciplines = sorted(set(ROLES.values()))
    # Each discipline has its own theme leaning, so that disciplines complement each other.
    leaning = {d: rng.dirichlet(np.full(len(THEMES), 0.6)) for d in disciplines}

    role_of = rng.integers(0, len(roles), n)
    region_of = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS)
    meeting_of = rng.choice(len(MEETINGS), size=n, p=MEETING_WEIGHTS)
    n_exp = rng.integers(1, 5, n)
    n_gap = rng.integers(1, 4, n)
    lang_draw = rng.random((n, 4))
    waited = np.where(rng.random(n) < 0.05, rng.integers(1, 4, n), 0)
    trio = rng.random(n) < 0.02

    people: list[Profile] = []
    for i in range(n):
        discipline = ROLES[roles[role_of[i]]]
        lean = leaning[discipline]
        expertise = rng.choice(len(THEMES), size=n_exp[i], replace=False, p=lean)
        rest = np.setdiff1d(np.arange(len(THEMES)), expertise)
        gap_p = (1.0 - lean[rest]) / (1.0 - lean[rest]).sum()
        gaps = rng.choice(rest, size=n_gap[i], replace=False, p=gap_p)
        languages = set()
        if lang_draw[i, 0] > 0.03:
            languages.add("nl")
        if lang_draw[i, 1] < 0.15 or not languages:
            languages.add("en")
        if lang_draw[i, 2] < 0.05:
            languages.add("ar")
        if lang_draw[i, 3] < 0.04:
            languages.add("tr")
        people.append(
            Profile(
                id=f"p{i}",
                discipline=discipline,
                region=REGIONS[region_of[i]],
                meeting=MEETINGS[meeting_of[i]],
                languages=frozenset(languages),
                expertise=frozenset(THEMES[t] for t in expertise),
                gaps=frozenset(THEMES[t] for t in gaps),
                rounds_waited=int(waited[i]),
                in_trio_last_time=bool(trio[i]),
            )
        )
    if history and n > 1:
        people = _with_history(people, rng, today)
    return people


def _with_history(people: list[Profile], rng: np.random.Generator, today: date) -> list[Profile]:
    n = len(people)
    past: list[list[PastPairing]] = [[] for _ in range(n)]
    for i in np.flatnonzero(rng.random(n) < 0.33):
        for j in rng.choice(n, size=min(int(rng.integers(1, 4)), n), replace=False):
            if j == i:
                continue
            on = today - timedelta(days=int(rng.integers(20, 720)))
            met = bool(rng.random() < 0.9)
            rating = int(rng.integers(1, 6)) if met and rng.random() < 0.7 else None
            past[i].append(PastPairing(people[j].id, on, met, rating))
            past[j].append(PastPairing(people[i].id, on, met, None))
    return [
        Profile(
            id=p.id,
            discipline=p.discipline,
            region=p.region,
            meeting=p.meeting,
            languages=p.languages,
            expertise=p.expertise,
            gaps=p.gaps,
            past=tuple(past[i]),
            rounds_waited=p.rounds_waited,
            in_trio_last_time=p.in_trio_last_time,
        )
        for i, p in enumerate(people)
    ]
