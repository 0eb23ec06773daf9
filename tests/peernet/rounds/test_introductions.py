from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from peernet.attendees.models import Attendee
from peernet.i18n import catalog
from peernet.rounds.introductions import (
    PROMPT_COUNT,
    exchanged_themes,
    join_terms,
    meeting_advice,
    person,
    prompts,
    reasons_for,
)
from peernet.taxonomy.service import get_taxonomy
from tests.peernet.factories import an_attendee
from tests.peernet.rounds.explained import explanation_of

pytestmark = pytest.mark.usefixtures("empty_db", "frozen_clock")


async def member(name: str, role: str, region: str, meeting: str, **fields: Any) -> Attendee:
    return await an_attendee(name, role=role, region=region, meeting_preference=meeting, **fields)


async def advice(group: list[Attendee], locale: str = "nl") -> str:
    return meeting_advice(explanation_of(group), group[0], group[1:], locale)


# --- the meeting advice follows the group's preferences and regions ---------------------------


async def test_anyone_online_only_means_a_video_call() -> None:
    me = await member("Anouk de Vries", "municipal_policy_officer", "limburg", "either")
    ruud = await member("Ruud Bos", "community_police_officer", "limburg", "online")
    assert await advice([me, ruud]) == "Ruud spreekt alleen online af. Plan dus een videogesprek."
    assert await advice([ruud, me], "en") == "You meet online only. So plan a video call."


async def test_in_person_only_in_one_region_means_meeting_there_and_never_online() -> None:
    me = await member("Anouk de Vries", "municipal_policy_officer", "limburg", "either")
    ruud = await member("Ruud Bos", "community_police_officer", "limburg", "in_person")
    said = await advice([me, ruud])
    assert (
        said
        == "Ruud spreekt alleen fysiek af. Zoek dus een plek om af te spreken in regio Limburg."
    )
    assert "online" not in said
    assert await advice([ruud, me], "en") == (
        "You meet in person only. So find a place to meet in the Limburg region."
    )


async def test_in_person_only_in_neighbouring_regions_means_somewhere_between() -> None:
    me = await member("Anouk de Vries", "municipal_policy_officer", "limburg", "in_person")
    ruud = await member("Ruud Bos", "community_police_officer", "oost_brabant", "in_person")
    said = await advice([me, ruud])
    assert said == (
        "Jij en Ruud spreken alleen fysiek af. "
        "Zoek dus een plek om af te spreken, ergens tussen Limburg en Oost-Brabant."
    )
    assert "online" not in said


async def test_both_either_in_one_region_may_meet_there_or_online() -> None:
    me = await member("Anouk de Vries", "municipal_policy_officer", "rotterdam", "either")
    ruud = await member("Ruud Bos", "community_police_officer", "rotterdam", "either")
    assert await advice([me, ruud]) == (
        "Jullie werken in dezelfde regio, Rotterdam: spreek af op locatie, of online als dat "
        "makkelijker is."
    )


async def test_both_either_in_neighbouring_regions_may_meet_in_person_or_online() -> None:
    me = await member("Anouk de Vries", "municipal_policy_officer", "rotterdam", "either")
    ruud = await member("Ruud Bos", "community_police_officer", "den_haag", "either")
    assert await advice([me, ruud], "en") == (
        "Your regions border each other (Rotterdam and The Hague): meeting in person is "
        "possible, online works too."
    )


async def test_distant_regions_mean_a_video_call() -> None:
    me = await member("Anouk de Vries", "municipal_policy_officer", "limburg", "either")
    ruud = await member("Ruud Bos", "community_police_officer", "noord_holland", "either")
    assert await advice([me, ruud]) == (
        "Jullie werken in verschillende delen van het land: een videogesprek ligt het meest "
        "voor de hand."
    )


async def test_a_trio_with_one_in_person_member_meets_in_person_between_all_regions() -> None:
    me = await member("Anouk de Vries", "municipal_policy_officer", "midden_nederland", "either")
    ruud = await member("Ruud Bos", "community_police_officer", "amsterdam", "in_person")
    elif_ = await member("Elif Yılmaz", "teacher", "noord_holland", "either")
    said = await advice([me, ruud, elif_])
    assert said == (
        "Ruud spreekt alleen fysiek af. "
        "Zoek dus een plek om af te spreken, ergens tussen Midden-Nederland, Amsterdam en "
        "Noord-Holland."
    )
    assert "online" not in said


async def test_a_trio_names_everyone_who_meets_only_online() -> None:
    me = await member("Anouk de Vries", "municipal_policy_officer", "limburg", "either")
    ruud = await member("Ruud Bos", "community_police_officer", "amsterdam", "online")
    elif_ = await member("Elif Yılmaz", "teacher", "noord_holland", "online")
    assert await advice([me, ruud, elif_], "en") == (
        "Ruud and Elif meet online only. So plan a video call."
    )


# --- the reasons are the stored links, seen from the recipient ---------------------------------


async def anouk_and_ruud_exchanging_themes() -> tuple[Attendee, Attendee]:
    """Each knows well what the other wants to learn, in neighbouring units."""
    me = await member(
        "Anouk de Vries",
        "municipal_policy_officer",
        "rotterdam",
        "either",
        expertise=["local_policy_network"],
        gaps=["conversation_skills"],
    )
    ruud = await member(
        "Ruud Bos",
        "community_police_officer",
        "den_haag",
        "either",
        expertise=["conversation_skills"],
        gaps=["local_policy_network"],
    )
    return me, ruud


async def test_reasons_are_read_from_the_stored_explanation_only() -> None:
    me, ruud = await anouk_and_ruud_exchanging_themes()
    explanation = explanation_of([me, ruud])
    assert reasons_for(explanation, me, [ruud], "nl") == [
        "Ruud weet veel van gesprekstechnieken: daar wil jij meer over leren.",
        "Jij weet veel van lokaal beleid & netwerk: daar wil Ruud meer over leren.",
        "Jullie kijken vanuit verschillende vakgebieden: ‘gemeente & beleid’ en "
        "‘politie & handhaving’.",
        "Jullie regio's liggen naast elkaar: Rotterdam en Den Haag.",
    ]
    # Seen from the other side of the same link.
    assert reasons_for(explanation, ruud, [me], "en")[0] == (
        "Anouk knows a lot about local policy & network: something you want to learn more about."
    )
    # Nothing is derived from the profiles again: without a stored link, no reasons.
    assert reasons_for({}, me, [ruud], "nl") == []


async def test_a_shared_language_other_than_dutch_is_a_reason() -> None:
    me = await member("Anouk de Vries", "teacher", "limburg", "either", languages=["pap"])
    ruud = await member(
        "Ruud Bos", "community_police_officer", "limburg", "either", languages=["nl", "pap"]
    )
    assert "Jij en Ruud spreken allebei Papiaments." in reasons_for(
        explanation_of([me, ruud]), me, [ruud], "nl"
    )


async def test_a_trio_in_one_region_says_so_once() -> None:
    me = await member("Anouk de Vries", "municipal_policy_officer", "rotterdam", "either")
    ruud = await member("Ruud Bos", "community_police_officer", "rotterdam", "either")
    elif_ = await member("Elif Yılmaz", "teacher", "rotterdam", "either")
    found = reasons_for(explanation_of([me, ruud, elif_]), me, [ruud, elif_], "nl")
    assert "Jullie werken alle drie in regio Rotterdam." in found
    assert len(found) == len(set(found))


@pytest.mark.parametrize(
    ("meeting", "nl", "en"),
    [
        ("in_person", "Spreekt alleen fysiek af", "Meets in person only"),
        ("online", "Spreekt alleen online af", "Meets online only"),
        ("either", "Fysiek of online, allebei goed", "In person or online, either is fine"),
    ],
)
async def test_the_partner_card_describes_the_partner_in_the_third_person(
    meeting: str, nl: str, en: str
) -> None:
    ruud = await member("Ruud Bos", "community_police_officer", "rotterdam", meeting)
    assert person(ruud, "nl", with_contact=True)["meeting_preference_label"] == nl
    assert person(ruud, "en", with_contact=True)["meeting_preference_label"] == en


# --- lists of labels, and conversation prompts that fit the pair ------------------------------


async def test_labels_with_their_own_commas_and_ampersands_stay_readable_in_a_list() -> None:
    me = await member(
        "Anouk de Vries",
        "municipal_policy_officer",
        "rotterdam",
        "either",
        expertise=["local_policy_network"],
        gaps=["information_sharing_privacy", "escalation_referral"],
    )
    khadija = await member(
        "Khadija El Amrani",
        "youth_worker",
        "rotterdam",
        "either",
        expertise=["information_sharing_privacy", "escalation_referral"],
        gaps=["local_policy_network"],
    )
    reasons = reasons_for(explanation_of([me, khadija]), me, [khadija], "nl")
    assert reasons[0] in {
        f"Khadija weet veel van {a} en {b}: daar wil jij meer over leren."
        for a, b in itertools.permutations(
            ["‘informatie delen, privacy & AVG’", "‘opschalen, melden & doorverwijzen’"]
        )
    }
    assert (
        "Jullie kijken vanuit verschillende vakgebieden: ‘gemeente & beleid’ en "
        "‘jongeren- & sociaal werk’."
    ) in reasons
    # One label alone, or labels without commas or ampersands, read as they are.
    assert join_terms(["gesprekstechnieken"], "nl") == "gesprekstechnieken"
    assert join_terms(["rechts-extremisme", "links-extremisme"], "nl") == (
        "rechts-extremisme en links-extremisme"
    )


def test_there_are_more_prompts_and_one_for_every_theme_in_both_languages() -> None:
    general = [k for k in catalog("nl") if re.fullmatch(r"intro\.prompt\.\d+", k)]
    assert len(general) == PROMPT_COUNT >= 8
    for locale in ("nl", "en"):
        for theme in get_taxonomy().themes:
            assert f"intro.prompt.theme.{theme}" in catalog(locale), (locale, theme)
        texts = [catalog(locale)[f"intro.prompt.{n}"] for n in range(1, PROMPT_COUNT + 1)]
        assert len(set(texts)) == PROMPT_COUNT
    # "hier" must refer to something: the prompt names the young person it is about.
    against = next(t for t in catalog("nl").values() if "tégen radicalisering" in t)
    assert " hier " not in against and "jongere" in against


async def test_the_prompts_fit_the_themes_the_pair_exchanges() -> None:
    me, ruud = await anouk_and_ruud_exchanging_themes()
    explanation = explanation_of([me, ruud])
    assert exchanged_themes(explanation, me.id) == ["conversation_skills", "local_policy_network"]
    assert exchanged_themes(explanation, ruud.id) == ["local_policy_network", "conversation_skills"]
    said = prompts(7, "nl", exchanged_themes(explanation, me.id))
    assert said[:2] == [
        catalog("nl")["intro.prompt.theme.conversation_skills"],
        catalog("nl")["intro.prompt.theme.local_policy_network"],
    ]
    assert len(said) == len(set(said)) == 3
    assert said[2] in {catalog("nl")[f"intro.prompt.{n}"] for n in range(1, PROMPT_COUNT + 1)}
    # Without themes: three general prompts that rotate from match to match.
    assert prompts(1, "en") != prompts(2, "en")
    assert len(set(prompts(1, "en"))) == 3
