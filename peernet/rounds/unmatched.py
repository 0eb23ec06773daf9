"""Telling someone, in plain words, why they were not matched this month and what would help.

The planner stores, per unmatched person, the engine's reason (``"excluded"``,
``"no_allowed_partner"``, ``"partners_taken"``; publishing adds ``"partner_left"`` for
whoever lost their partner at the last moment and could not be regrouped) with
:func:`matching.explain_unmatched`'s counts (``dataclasses.asdict(UnmatchedExplanation)``
plus ``"reason"``). The same sentences go into the ``unmatched`` email (second person) and
onto the coordinator's round page (third person, with the person's first name).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from peernet.attendees.models import Attendee
from peernet.i18n import translate
from peernet.links import subscription_url
from peernet.rounds.introductions import first_name, join_words, lower_first, term_label
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy

MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class UnmatchedText:
    """Why someone was not matched (one sentence) and what could help (the last suggestion
    is always their priority next month)."""

    reason: str
    suggestions: tuple[str, ...]


def period_label(period: str, locale: str) -> str:
    """``"2026-12"`` -> ``"december 2026"`` (nl) or ``"December 2026"`` (en)."""
    found = _PERIOD.match(period)
    if not found:
        raise ValueError(f"period must be YYYY-MM, not {period!r}")
    months = MONTHS.get(locale, MONTHS["nl"])
    return f"{months[int(found.group(2)) - 1]} {found.group(1)}"


def next_period(period: str) -> str:
    """``"2026-12"`` -> ``"2027-01"``."""
    year, month = (int(part) for part in period.split("-"))
    return f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"


def describe_unmatched(
    detail: Mapping[str, Any],
    me: Attendee,
    locale: str,
    *,
    person: Literal["second", "third"] = "second",
) -> UnmatchedText:
    """The reason ``me`` was not matched and what they can change, in ``locale``.

    ``person="second"`` addresses them ("je"); ``"third"`` speaks about them by first name,
    for the coordinator.
    """
    name = first_name(me)

    def t(key: str, **params: object) -> str:
        return translate(locale, f"{key}.third" if person == "third" else key, name=name, **params)

    reason = detail.get("reason")
    ruled_out: Mapping[str, int] = detail.get("ruled_out") or {}
    main_rule = detail.get("main_rule")
    meeting = me.meeting_preference

    suggestions: list[str] = []
    if reason == "consent_renewal":
        # Nothing else to suggest: agreeing to the new text puts them back in.
        return UnmatchedText(reason=t("unmatched.reason.consent_renewal"), suggestions=())
    if reason != "excluded":
        if meeting == "in_person":
            suggestions.append(t("unmatched.suggest.online"))
        elif meeting == "online" and main_rule == "meeting_incompatible":
            suggestions.append(t("unmatched.suggest.in_person"))
        if reason == "no_allowed_partner" and int(ruled_out.get("no_shared_language", 0)) > 0:
            suggestions.append(t("unmatched.suggest.language"))
    suggestions.append(t("unmatched.suggest.priority"))
    return UnmatchedText(reason=_reason(detail, me, locale, t), suggestions=tuple(suggestions))


def _reason(detail: Mapping[str, Any], me: Attendee, locale: str, t: Callable[..., str]) -> str:
    reason = detail.get("reason")
    if reason == "excluded":
        return t("unmatched.reason.excluded")
    if reason == "partners_taken":
        return t("unmatched.reason.partners_taken")
    if reason == "partner_left":
        return t("unmatched.reason.partner_left")
    candidates = int(detail.get("candidates") or 0)
    if candidates == 0:
        return t("unmatched.reason.alone")

    taxonomy = get_taxonomy()
    ruled_out: Mapping[str, int] = detail.get("ruled_out") or {}
    main_rule = detail.get("main_rule")
    count = int(ruled_out.get(str(main_rule), 0))
    share = "all" if count >= candidates else "most" if 2 * count > candidates else "some"
    others = translate(locale, f"unmatched.others.{share}")
    words: dict[str, object] = {"others": others, "others_lc": lower_first(others)}
    region = term_label(taxonomy.regions, me.region, locale)
    meeting = me.meeting_preference
    if main_rule == "same_discipline":
        discipline = term_label(taxonomy.disciplines, taxonomy.discipline_of(me.role), locale)
        return t("unmatched.reason.same_discipline", discipline=lower_first(discipline), **words)
    if main_rule == "repeat":
        return t("unmatched.reason.repeat", **words)
    if main_rule == "no_shared_language":
        labels = [term_label(taxonomy.languages, k, locale) for k in me.languages]
        languages = join_words(labels, locale)
        return t("unmatched.reason.no_shared_language", languages=languages, **words)
    if main_rule == "too_far_for_in_person" and meeting == "in_person":
        return t("unmatched.reason.too_far_for_in_person", region=region, **words)
    if main_rule == "too_far_for_in_person":
        return t("unmatched.reason.others_too_far_for_in_person", region=region, **words)
    if main_rule == "meeting_incompatible" and meeting == "in_person":
        return t("unmatched.reason.in_person_but_others_online", **words)
    if main_rule == "meeting_incompatible" and meeting == "online":
        return t("unmatched.reason.online_but_others_in_person", **words)
    # Kept apart by the coordinator (not theirs to know), or no rule recorded.
    return t("unmatched.reason.nobody")


def unmatched_context(
    settings: Settings, me: Attendee, detail: Mapping[str, Any], period: str
) -> dict[str, Any]:
    """The context of the ``unmatched`` email to ``me`` for the round of ``period``."""
    text = describe_unmatched(detail, me, me.locale)
    return {
        "name": me.name,
        "period_label": period_label(period, me.locale),
        # The month they have priority in: named, since the round may be published ahead.
        "next_period_label": period_label(next_period(period), me.locale),
        "reason": text.reason,
        "suggestions": list(text.suggestions),
        "pause_url": subscription_url(settings, "pause", me.public_id),
        "unsubscribe_url": subscription_url(settings, "unsubscribe", me.public_id),
    }
