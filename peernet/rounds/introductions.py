"""What an introduction says: who the others are, why they were matched, how to meet.

The reasons come from the explanation stored with the group when it was planned
(``Match.explanation``: ``{"meeting", "links": [...]}``, one link per two members, see
:class:`matching.LinkExplanation`), never from the profiles a second time: the sentences the
coordinator previews are the sentences that are sent. Everything is in the recipient's
language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from peernet.attendees.models import Attendee
from peernet.i18n import catalog, translate
from peernet.links import subscription_url
from peernet.rounds.models import Match
from peernet.settings import Settings
from peernet.taxonomy.service import Taxonomy, get_taxonomy

PROMPT_COUNT = 10  # intro.prompt.1 .. intro.prompt.10 in the catalogs
# Of the three prompts, at most this many fit the themes the group exchanges
# (intro.prompt.theme.<theme key>); the others rotate through the general ones.
THEME_PROMPTS = 2


def join_words(items: Sequence[str], locale: str) -> str:
    """``"a"``, ``"a en b"``, ``"a, b en c"``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {translate(locale, 'list.and')} {items[-1]}"


def join_terms(labels: Sequence[str], locale: str) -> str:
    """Taxonomy labels in a sentence. Labels that hold their own "," or "&" ("informatie
    delen, privacy & AVG") are quoted when there are several, so that the list's "en" is
    not lost in the labels': "‘informatie delen, privacy & AVG’ en ‘gezin & ouders
    betrekken’"."""
    if len(labels) > 1 and any("," in label or "&" in label for label in labels):
        return join_words([f"‘{label}’" for label in labels], locale)
    return join_words(labels, locale)


def lower_first(label: str) -> str:
    """A label inside a sentence: "Informatie delen, privacy & AVG" -> "informatie delen,
    privacy & AVG"; acronyms ("AVG", "GGZ") and names keep their capitals."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def first_name(attendee: Attendee) -> str:
    return attendee.name.split()[0] if attendee.name.strip() else attendee.name


def term_label(terms: Mapping[str, Any], key: str, locale: str) -> str:
    """The label of a taxonomy key; a key the taxonomy no longer knows (in an old
    explanation) shows as itself rather than failing the whole email."""
    term = terms.get(key)
    return str(term.label(locale)) if term is not None else key


def _themes(taxonomy: Taxonomy, keys: Sequence[str], locale: str) -> str:
    return join_terms([lower_first(term_label(taxonomy.themes, k, locale)) for k in keys], locale)


@dataclass(frozen=True)
class _Side:
    """One stored link seen from the recipient: what each side brings the other."""

    my_gaps_covered: tuple[str, ...]
    their_gaps_covered: tuple[str, ...]
    my_discipline: str
    their_discipline: str
    my_region: str
    their_region: str
    relation: str
    shared_languages: tuple[str, ...]

    @classmethod
    def of(cls, link: Mapping[str, Any], *, me_first: bool) -> _Side:
        mine, theirs = (0, 1) if me_first else (1, 0)
        a_by_b, b_by_a = tuple(link["a_gaps_covered_by_b"]), tuple(link["b_gaps_covered_by_a"])
        return cls(
            my_gaps_covered=a_by_b if me_first else b_by_a,
            their_gaps_covered=b_by_a if me_first else a_by_b,
            my_discipline=link["disciplines"][mine],
            their_discipline=link["disciplines"][theirs],
            my_region=link["regions"][mine],
            their_region=link["regions"][theirs],
            relation=link["region_relation"],
            shared_languages=tuple(link.get("shared_languages", ())),
        )


def _links(explanation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(explanation.get("links") or ())


def _side(explanation: Mapping[str, Any], me_id: int, other_id: int) -> _Side | None:
    for link in _links(explanation):
        if (link["a"], link["b"]) == (me_id, other_id):
            return _Side.of(link, me_first=True)
        if (link["a"], link["b"]) == (other_id, me_id):
            return _Side.of(link, me_first=False)
    return None


def reasons_for(
    explanation: Mapping[str, Any], me: Attendee, others: Sequence[Attendee], locale: str
) -> list[str]:
    """Plain sentences on why ``me`` was grouped with ``others``, from the stored links only.

    Per other member: what they know of my gaps, what I know of theirs, and the language we
    share when it is not Dutch; then the disciplines of the group, then the regions.
    """
    taxonomy = get_taxonomy()

    def t(key: str, **params: object) -> str:
        return translate(locale, key, **params)

    sides = [(other, _side(explanation, me.id, other.id)) for other in others]
    known = [(other, side) for other, side in sides if side is not None]
    out: list[str] = []
    for other, side in known:
        name = first_name(other)
        if side.my_gaps_covered:
            themes = _themes(taxonomy, side.my_gaps_covered, locale)
            out.append(t("intro.reason.they_cover", partner=name, themes=themes))
        if side.their_gaps_covered:
            themes = _themes(taxonomy, side.their_gaps_covered, locale)
            out.append(t("intro.reason.you_cover", partner=name, themes=themes))
        if side.shared_languages and "nl" not in side.shared_languages:
            languages = join_words(
                [term_label(taxonomy.languages, k, locale) for k in side.shared_languages], locale
            )
            out.append(t("intro.reason.languages", partner=name, languages=languages))
    if not known:
        return out

    mine = known[0][1].my_discipline
    fields = list(dict.fromkeys([mine, *(side.their_discipline for _, side in known)]))
    if len(fields) > 1:
        labels = [lower_first(term_label(taxonomy.disciplines, d, locale)) for d in fields]
        out.append(t("intro.reason.disciplines", fields=join_terms(labels, locale)))

    def region(key: str) -> str:
        return term_label(taxonomy.regions, key, locale)

    if len(known) == 1:
        side = known[0][1]
        if side.relation == "same":
            out.append(t("intro.reason.same_region", region=region(side.my_region)))
        elif side.relation == "neighbour":
            out.append(
                t(
                    "intro.reason.neighbour_region",
                    mine=region(side.my_region),
                    theirs=region(side.their_region),
                )
            )
    elif all(side.relation == "same" for _, side in known):
        out.append(t("intro.reason.same_region.all_three", region=region(known[0][1].my_region)))
    else:
        for other, side in known:
            if side.relation == "same":
                out.append(
                    t(
                        "intro.reason.same_region.with",
                        partner=first_name(other),
                        region=region(side.my_region),
                    )
                )
            elif side.relation == "neighbour":
                out.append(
                    t(
                        "intro.reason.neighbour_region.with",
                        partner=first_name(other),
                        mine=region(side.my_region),
                        theirs=region(side.their_region),
                    )
                )
    return list(dict.fromkeys(out))


def _who(me: Attendee, others: Sequence[Attendee], wanted: str, locale: str) -> str:
    """ "Je spreekt alleen fysiek af." / "Ruud spreekt ..." / "Jij en Ruud spreken ..."."""
    names = [first_name(o) for o in others if o.meeting_preference == wanted]
    if me.meeting_preference == wanted:
        if not names:
            return translate(locale, f"intro.hint.{wanted}.you")
        names.insert(0, translate(locale, "intro.you"))
    form = "one" if len(names) == 1 else "many"
    return translate(locale, f"intro.hint.{wanted}.{form}", who=join_words(names, locale))


def meeting_advice(
    explanation: Mapping[str, Any], me: Attendee, others: Sequence[Attendee], locale: str
) -> str:
    """How to meet, following the group's preferences and regions and never against them.

    Anyone online only: a video call. Anyone in person only: in person (in the region, or
    somewhere between the regions), and online is not offered. Everyone fine with either:
    in person or online when the regions are the same or neighbours, otherwise a video call.
    The regions and their relations are the stored links'.
    """
    taxonomy = get_taxonomy()
    members = [me, *others]
    links = _links(explanation)
    if links:
        mine = [s.my_region for o in others if (s := _side(explanation, me.id, o.id))]
        regions = list(dict.fromkeys([*mine, *(r for link in links for r in link["regions"])]))
        relations = {link["region_relation"] for link in links}
    else:
        regions = list(dict.fromkeys(m.region for m in members))
        relations = {taxonomy.region_relation(a.region, b.region) for a in members for b in members}
    labels = [term_label(taxonomy.regions, r, locale) for r in regions]
    preferences = {m.meeting_preference for m in members}

    if "online" in preferences:
        return f"{_who(me, others, 'online', locale)} {translate(locale, 'intro.hint.video_call')}"
    if "in_person" in preferences:
        if len(regions) == 1:
            how = translate(locale, "intro.hint.meet_in_region", region=labels[0])
        else:
            how = translate(locale, "intro.hint.meet_between", regions=join_words(labels, locale))
        return f"{_who(me, others, 'in_person', locale)} {how}"
    if "distant" in relations:
        return translate(locale, "intro.hint.either.distant")
    if len(regions) == 1:
        return translate(locale, "intro.hint.either.same_region", region=labels[0])
    return translate(
        locale, "intro.hint.either.neighbour_region", regions=join_words(labels, locale)
    )


def exchanged_themes(explanation: Mapping[str, Any], me_id: int) -> list[str]:
    """The themes the group exchanges, from the stored links: first what ``me`` wants to
    learn from the others, then what the others want to learn from ``me``, then the rest."""
    mine: list[str] = []
    theirs: list[str] = []
    rest: list[str] = []
    for link in _links(explanation):
        a_learns, b_learns = link["a_gaps_covered_by_b"], link["b_gaps_covered_by_a"]
        if link["a"] == me_id:
            mine += a_learns
            theirs += b_learns
        elif link["b"] == me_id:
            mine += b_learns
            theirs += a_learns
        else:
            rest += [*a_learns, *b_learns]
    return list(dict.fromkeys([*mine, *theirs, *rest]))


def prompts(match_id: int, locale: str, themes: Sequence[str] = (), count: int = 3) -> list[str]:
    """Three conversation prompts: up to two that fit the themes the group exchanges, then
    general ones, rotating from match to match."""
    chosen = [
        translate(locale, key)
        for key in (f"intro.prompt.theme.{theme}" for theme in themes)
        if key in catalog("nl")
    ][:THEME_PROMPTS]
    general = [(match_id + i) % PROMPT_COUNT + 1 for i in range(PROMPT_COUNT)]
    # Only as many as are still wanted: a round asks for ten thousand of these.
    chosen += [
        translate(locale, f"intro.prompt.{k}") for k in general[: max(count - len(chosen), 0)]
    ]
    return chosen[:count]


def person(attendee: Attendee, locale: str, *, with_contact: bool) -> dict[str, Any]:
    """A member's card; with contact details, as the others read it (in the third person)."""
    taxonomy = get_taxonomy()
    card: dict[str, Any] = {
        "name": attendee.name,
        "role_label": taxonomy.roles[attendee.role].label(locale),
        "organisation": attendee.organisation,
        "region_label": taxonomy.regions[attendee.region].label(locale),
    }
    if with_contact:
        card["email"] = attendee.email
        card["meeting_preference_label"] = translate(
            locale, f"intro.meeting.{attendee.meeting_preference}"
        )
    return card


def introduction_context(
    settings: Settings,
    match: Match,
    me: Attendee,
    others: Sequence[Attendee],
    *,
    month: str = "",
) -> dict[str, Any]:
    """The context of the ``introduction`` email to ``me`` about the ``others`` of ``match``;
    ``month`` names the round's month in ``me``'s language when it is not this month (a
    round published ahead), else empty ("this month")."""
    locale = me.locale
    explanation: Mapping[str, Any] = match.explanation or {}
    return {
        "month": month,
        "recipient": person(me, locale, with_contact=False),
        "partners": [person(o, locale, with_contact=True) for o in others],
        "reasons": reasons_for(explanation, me, others, locale),
        "prompts": prompts(match.id, locale, exchanged_themes(explanation, me.id)),
        "meeting_hint": meeting_advice(explanation, me, others, locale),
        "pause_url": subscription_url(settings, "pause", me.public_id),
        "unsubscribe_url": subscription_url(settings, "unsubscribe", me.public_id),
    }
