"""What an introduction says: who the others are, why they were matched, how to meet.

Built from the members' profiles when a round is published, in the recipient's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from peernet.attendees.models import Attendee
from peernet.i18n import translate
from peernet.links import subscription_url
from peernet.settings import Settings
from peernet.taxonomy.service import Taxonomy, get_taxonomy

PROMPT_COUNT = 4  # intro.prompt.1 .. intro.prompt.4 in the catalogs


def _join(items: Sequence[str], locale: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {translate(locale, 'list.and')} {items[-1]}"


def lower_first(label: str) -> str:
    """A label inside a sentence: "Informatie delen, privacy & AVG" -> "informatie delen,
    privacy & AVG"; acronyms ("AVG", "GGZ") and names keep their capitals."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _themes(taxonomy: Taxonomy, keys: Sequence[str], locale: str) -> str:
    return _join([lower_first(taxonomy.themes[k].label(locale)) for k in keys], locale)


def _in_order(source: Sequence[str], wanted: set[str]) -> list[str]:
    return [key for key in source if key in wanted]


def reasons(me: Attendee, partner: Attendee, locale: str) -> list[str]:
    """Plain sentences on why ``me`` was matched with ``partner``."""
    taxonomy = get_taxonomy()

    def t(key: str, **params: object) -> str:
        return translate(locale, key, **params)

    first_name = partner.name.split()[0]
    out: list[str] = []
    they_cover = _in_order(partner.expertise, set(me.gaps))
    you_cover = _in_order(me.expertise, set(partner.gaps))
    if they_cover:
        out.append(
            t(
                "intro.reason.they_cover",
                partner=first_name,
                themes=_themes(taxonomy, they_cover, locale),
            )
        )
    if you_cover:
        out.append(
            t(
                "intro.reason.you_cover",
                partner=first_name,
                themes=_themes(taxonomy, you_cover, locale),
            )
        )
    shared_gaps = _in_order(me.gaps, set(partner.gaps))
    if not they_cover and not you_cover and shared_gaps:
        out.append(t("intro.reason.shared_gap", themes=_themes(taxonomy, shared_gaps, locale)))
    mine, theirs = taxonomy.discipline_of(me.role), taxonomy.discipline_of(partner.role)
    if mine != theirs:
        out.append(
            t(
                "intro.reason.disciplines",
                mine=lower_first(taxonomy.disciplines[mine].label(locale)),
                theirs=lower_first(taxonomy.disciplines[theirs].label(locale)),
            )
        )
    relation = taxonomy.region_relation(me.region, partner.region)
    if relation == "same":
        out.append(t("intro.reason.same_region", region=taxonomy.regions[me.region].label(locale)))
    elif relation == "neighbour":
        out.append(
            t(
                "intro.reason.neighbour_region",
                mine=taxonomy.regions[me.region].label(locale),
                theirs=taxonomy.regions[partner.region].label(locale),
            )
        )
    return out


def meeting_hint(members: Sequence[Attendee], locale: str) -> str:
    taxonomy = get_taxonomy()
    if any(m.meeting_preference == "online" for m in members):
        return translate(locale, "intro.hint.online")
    regions = {m.region for m in members}
    if len(regions) == 1:
        region = taxonomy.regions[members[0].region].label(locale)
        return translate(locale, "intro.hint.same_region", region=region)
    if all(
        taxonomy.region_relation(a.region, b.region) != "distant" for a in members for b in members
    ):
        return translate(locale, "intro.hint.neighbour_region")
    return translate(locale, "intro.hint.distant")


def prompts(match_id: int, locale: str, count: int = 3) -> list[str]:
    """Three of the conversation prompts, rotating from match to match."""
    keys = [(match_id + i) % PROMPT_COUNT + 1 for i in range(count)]
    return [translate(locale, f"intro.prompt.{k}") for k in keys]


def person(attendee: Attendee, locale: str, *, with_contact: bool) -> dict[str, Any]:
    taxonomy = get_taxonomy()
    card: dict[str, Any] = {
        "name": attendee.name,
        "role_label": taxonomy.roles[attendee.role].label(locale),
        "organisation": attendee.organisation,
        "region_label": taxonomy.regions[attendee.region].label(locale),
    }
    if with_contact:
        card["email"] = attendee.email
        card["meeting_preference_label"] = taxonomy.meeting_preferences[
            attendee.meeting_preference
        ].label(locale)
    return card


def introduction_context(
    settings: Settings, match_id: int, me: Attendee, others: Sequence[Attendee]
) -> dict[str, Any]:
    locale = me.locale
    why: list[str] = []
    for other in others:
        for sentence in reasons(me, other, locale):
            if sentence not in why:
                why.append(sentence)
    return {
        "recipient": person(me, locale, with_contact=False),
        "partners": [person(o, locale, with_contact=True) for o in others],
        "reasons": why,
        "prompts": prompts(match_id, locale),
        "meeting_hint": meeting_hint([me, *others], locale),
        "pause_url": subscription_url(settings, "pause", me.id),
        "unsubscribe_url": subscription_url(settings, "unsubscribe", me.id),
    }
