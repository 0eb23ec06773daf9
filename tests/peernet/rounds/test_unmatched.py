from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest

from matching import PastPairing, explain_unmatched
from notifications import render_email
from peernet.attendees.models import Attendee
from peernet.attendees.personal import footer_links
from peernet.rounds.profiles import profile_of
from peernet.rounds.unmatched import (
    UnmatchedText,
    describe_unmatched,
    period_label,
    unmatched_context,
)
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy
from tests.peernet.factories import an_attendee

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")


async def shanti(**fields: Any) -> Attendee:
    defaults: dict[str, Any] = {
        "role": "community_key_figure",
        "region": "limburg",
        "meeting_preference": "in_person",
        "languages": ["nl"],
    }
    return await an_attendee("Shanti Martina", **{**defaults, **fields})


async def others(count: int, **fields: Any) -> list[Attendee]:
    defaults: dict[str, Any] = {"role": "teacher", "region": "noord_holland"}
    return [
        await an_attendee(f"Collega {n}", **{**defaults, **fields}, email=f"c{n}@example.org")
        for n in range(count)
    ]


def detail_for(
    me: Attendee,
    people: list[Attendee],
    reason: str = "no_allowed_partner",
    *,
    past: tuple[PastPairing, ...] = (),
    kept_apart: tuple[tuple[int, int], ...] = (),
) -> dict[str, Any]:
    """What the planner stores for an unmatched person, through JSON as in the database."""
    taxonomy = get_taxonomy()
    explained = explain_unmatched(
        profile_of(me, taxonomy, past=past),
        [profile_of(p, taxonomy) for p in people],
        today=date(2026, 12, 7),
        neighbours={key: region.neighbours for key, region in taxonomy.regions.items()},
        kept_apart=kept_apart,
    )
    stored: dict[str, Any] = json.loads(
        json.dumps({**dataclasses.asdict(explained), "reason": reason})
    )
    return stored


async def test_in_person_only_in_limburg_with_everyone_far_away() -> None:
    me = await shanti()
    text = describe_unmatched(detail_for(me, await others(3)), me, "nl")
    assert text == UnmatchedText(
        reason=(
            "Je spreekt alleen fysiek af, en alle anderen die deze maand meededen, werken niet "
            "in of naast Limburg."
        ),
        suggestions=(
            "Kun je ook online afspreken? Dan kunnen we je aan mensen in het hele land koppelen.",
            "Volgende maand krijg je voorrang.",
        ),
    )


async def test_the_coordinator_reads_the_same_about_the_person_by_first_name() -> None:
    me = await shanti()
    text = describe_unmatched(detail_for(me, await others(3)), me, "en", person="third")
    assert text.reason == (
        "Shanti meets in person only, and all the others taking part this month do not work "
        "in or next to Limburg."
    )
    assert text.suggestions[-1] == "Next month Shanti will have priority."
    assert not any("you" in s.lower().split() for s in (text.reason, *text.suggestions))


async def test_nobody_sharing_a_language_suggests_adding_one() -> None:
    me = await shanti(languages=["pap"], meeting_preference="either")
    text = describe_unmatched(detail_for(me, await others(2, region="limburg")), me, "nl")
    assert text.reason == (
        "Alle anderen die deze maand meededen, spreken geen taal die jij ook spreekt (Papiaments)."
    )
    assert text.suggestions == (
        "Spreek je nog een andere taal? Voeg die toe, dan kunnen we je aan meer mensen koppelen.",
        "Volgende maand krijg je voorrang.",
    )


async def test_the_main_rule_is_said_of_most_when_it_is_not_everyone() -> None:
    me = await shanti(languages=["pap"], meeting_preference="either")
    people = [
        *await others(2, region="limburg"),
        await an_attendee("Sam Key", role="community_key_figure", languages=["pap"]),
    ]
    text = describe_unmatched(detail_for(me, people), me, "nl")
    assert text.reason.startswith("De meeste anderen die deze maand meededen, spreken geen taal")


async def test_everyone_matched_before() -> None:
    me = await shanti(meeting_preference="either")
    people = await others(2)
    past = tuple(PastPairing(p.id, date(2026, 5, 4)) for p in people)
    text = describe_unmatched(detail_for(me, people, past=past), me, "nl")
    assert text.reason == (
        "Alle anderen die deze maand meededen, zijn al eerder aan jou gekoppeld geweest, en we "
        "koppelen je niet opnieuw aan dezelfde persoon."
    )
    assert text.suggestions == ("Volgende maand krijg je voorrang.",)


async def test_everyone_else_in_the_same_discipline() -> None:
    me = await shanti(meeting_preference="either")
    people = await others(2, role="community_key_figure")
    text = describe_unmatched(detail_for(me, people), me, "en")
    assert text.reason == (
        "All the others taking part this month work in the same field as you (community), and "
        "we only match people from different fields."
    )


async def test_online_only_against_in_person_only_suggests_meeting_in_person() -> None:
    me = await shanti(meeting_preference="online")
    people = await others(2, meeting_preference="in_person")
    text = describe_unmatched(detail_for(me, people), me, "nl")
    assert text.reason == (
        "Je spreekt alleen online af, en alle anderen die deze maand meededen, spreken alleen "
        "fysiek af."
    )
    assert text.suggestions[0].startswith("Kun je ook fysiek afspreken?")


async def test_others_who_meet_only_in_person_far_away() -> None:
    me = await shanti(meeting_preference="either")
    people = await others(2, meeting_preference="in_person")
    text = describe_unmatched(detail_for(me, people), me, "nl")
    assert text.reason == (
        "Alle anderen die deze maand meededen, spreken alleen fysiek af en werken te ver van "
        "jouw regio, Limburg."
    )


async def test_being_kept_apart_is_not_revealed() -> None:
    me = await shanti(meeting_preference="either")
    people = await others(1)
    detail = detail_for(me, people, kept_apart=((me.id, people[0].id),))
    assert detail["main_rule"] == "kept_apart"
    text = describe_unmatched(detail, me, "nl")
    assert text.reason == "Deze maand was er niemand met wie we je konden koppelen."


async def test_nobody_else_took_part() -> None:
    me = await shanti()
    text = describe_unmatched(detail_for(me, []), me, "nl")
    assert text.reason == "Er deed deze maand niemand anders mee."


async def test_partners_taken_is_an_odd_count_not_a_rule() -> None:
    me = await shanti()
    people = await others(3, region="limburg")
    text = describe_unmatched(detail_for(me, people, "partners_taken"), me, "nl")
    assert text.reason == (
        "Er waren deze maand wel mensen met wie je gekoppeld kon worden, maar die waren allemaal "
        "al aan iemand anders gekoppeld."
    )
    assert text.suggestions[-1] == "Volgende maand krijg je voorrang."


async def test_excluded_people_are_only_told_about_their_priority() -> None:
    me = await shanti()
    text = describe_unmatched({"reason": "excluded"}, me, "nl", person="third")
    assert text == UnmatchedText(
        reason="Shanti is door de coördinator uit deze ronde gehaald.",
        suggestions=("Volgende maand krijgt Shanti voorrang.",),
    )


@pytest.mark.parametrize(
    ("period", "locale", "label"),
    [
        ("2026-12", "nl", "december 2026"),
        ("2026-12", "en", "December 2026"),
        ("2027-03", "nl", "maart 2027"),
    ],
)
def test_period_labels(period: str, locale: str, label: str) -> None:
    assert period_label(period, locale) == label


def test_a_period_must_be_a_month() -> None:
    with pytest.raises(ValueError) as error:
        period_label("2026-13", "nl")
    assert str(error.value) == "period must be YYYY-MM, not '2026-13'"


async def test_the_unmatched_email_renders_in_the_attendees_language(settings: Settings) -> None:
    me = await shanti(locale="en")
    context = {
        **unmatched_context(settings, me, detail_for(me, await others(2)), "2026-12"),
        **await footer_links(settings, me.id, me.locale),
    }
    assert context["pause_url"].startswith("https://peernet.test/pause/")
    # The privacy page carries no token: the link itself asks for English.
    assert context["privacy_url"] == "https://peernet.test/privacy?lang=en"
    rendered = render_email("unmatched", me.locale, context)
    assert rendered.subject == "No peer for you in December 2026: you have priority in January 2027"
    text = " ".join(rendered.text.split())
    assert "Hi Shanti," in text
    assert "You meet in person only, and all the others taking part this month" in text
    assert "- Could you also meet online?" in text
    assert context["unsubscribe_url"] in rendered.text
    # Changing one's choices is done on the personal page, not by signing up again.
    assert "You can do so on your personal page" in text and "Sign up again" not in text
    assert context["manage_url"] in rendered.text
