"""Whether a sign-up's choices leave enough people to be matched with, said at sign-up time.

Computed from the submitted choices and the people active now, never from what is stored
about the address: the page reads the same whether or not the address was known.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matching import explain_unmatched
from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.attendees.schemas import SignupIn
from peernet.attendees.service import normalize_email
from peernet.i18n import translate
from peernet.rounds.introductions import join_words, term_label
from peernet.rounds.profiles import profile_of
from peernet.taxonomy.service import get_taxonomy

# Fewer people than this to be matched with, and the sign-up page says so.
FEW_PARTNERS = 3
_PROFILE_FIELDS = ("id", "role", "region", "meeting_preference", "languages", "expertise", "gaps")


@dataclass(frozen=True)
class MatchingOutlook:
    """How many people active now could be matched with the sign-up, and which of its own
    choices rule people out (``"in_person"``, ``"online"``, ``"languages"``)."""

    possible_partners: int
    limiting_choices: tuple[str, ...]

    @property
    def is_poor(self) -> bool:
        return self.possible_partners < FEW_PARTNERS and bool(self.limiting_choices)


async def matching_outlook(signup: SignupIn) -> MatchingOutlook:
    """Count, under the hard rules, the active attendees the sign-up could be matched with."""
    taxonomy = get_taxonomy()
    others = (
        await Attendee.filter(status=AttendeeStatus.ACTIVE)
        .exclude(email_normalized=normalize_email(signup.email))
        .order_by("id")
        .only(*_PROFILE_FIELDS)
    )
    newcomer = Attendee(**signup.details())
    explained = explain_unmatched(
        # A fresh id that no attendee has: the sign-up is not in the database yet (or is, and
        # that must not show).
        dataclasses.replace(profile_of(newcomer, taxonomy), id="sign-up"),
        [profile_of(a, taxonomy) for a in others],
        today=clock.now().date(),
        neighbours={key: region.neighbours for key, region in taxonomy.regions.items()},
    )
    ruled_out = explained.ruled_out
    limiting: list[str] = []
    if signup.meeting_preference == "in_person" and (
        ruled_out["too_far_for_in_person"] or ruled_out["meeting_incompatible"]
    ):
        limiting.append("in_person")
    if signup.meeting_preference == "online" and ruled_out["meeting_incompatible"]:
        limiting.append("online")
    if ruled_out["no_shared_language"]:
        limiting.append("languages")
    return MatchingOutlook(explained.allowed, tuple(limiting))


def outlook_notice(
    outlook: MatchingOutlook, signup: SignupIn, locale: str, key: str = "signup.outlook.few"
) -> str | None:
    """The warning for the sign-up page when its choices make matching unlikely, else None."""
    if not outlook.is_poor:
        return None
    return limits_notice(outlook.limiting_choices, signup.region, signup.languages, locale, key)


def limits_notice(
    limiting_choices: Sequence[str],
    region: str,
    languages: Sequence[str],
    locale: str,
    key: str = "signup.outlook.few",
) -> str | None:
    """The warning in words, from what a poor outlook is made of (kept for the page that
    follows the sign-up, in whichever language it is read)."""
    if not limiting_choices:
        return None
    taxonomy = get_taxonomy()
    choices: list[str] = []
    for choice in limiting_choices:
        if choice == "in_person":
            label = term_label(taxonomy.regions, region, locale)
            choices.append(translate(locale, "signup.outlook.in_person", region=label))
        elif choice == "online":
            choices.append(translate(locale, "signup.outlook.online"))
        else:
            labels = [term_label(taxonomy.languages, k, locale) for k in languages]
            which = "signup.outlook.language" if len(labels) == 1 else "signup.outlook.languages"
            choices.append(translate(locale, which, languages=join_words(labels, locale)))
    return translate(locale, key, choices=join_words(choices, locale))


async def form_notice(values: Mapping[str, Any], locale: str) -> str | None:
    """The same warning for a form shown again (with errors, or after it expired), once the
    choices that decide it (role, police unit, how to meet, languages) are known choices;
    None otherwise. Nothing is stored: the form is only being filled in."""
    taxonomy = get_taxonomy()
    languages = values.get("languages") or []
    if (
        values.get("role") not in taxonomy.roles
        or values.get("region") not in taxonomy.regions
        or values.get("meeting_preference") not in taxonomy.meeting_preferences
        or not languages
        or any(language not in taxonomy.languages for language in languages)
    ):
        return None
    choices = SignupIn.model_construct(
        name="",
        email=str(values.get("email") or ""),
        organisation="",
        role=values["role"],
        region=values["region"],
        expertise=[],
        gaps=[],
        languages=list(languages),
        meeting_preference=values["meeting_preference"],
        consent=True,
        locale="en" if locale == "en" else "nl",
    )
    return outlook_notice(await matching_outlook(choices), choices, locale, "signup.outlook.form")
