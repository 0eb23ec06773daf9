"""The words of the emails as a new user reads them: greeted by first name and never
"Hoi ,", each person's own email, clicks counted honestly, events named with their article."""

from __future__ import annotations

import copy

import pytest

from notifications import KINDS, render_email
from tests.notifications.contexts import context_for

LOCALES = ("nl", "en")
GREETING = {"nl": ("Hoi", "Hallo,"), "en": ("Hi", "Hello,")}


def with_name(kind: str, name: str) -> dict[str, object]:
    context = copy.deepcopy(context_for(kind))
    if kind == "introduction":
        context["recipient"]["name"] = name
    else:
        context["name"] = name
    return context


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("locale", LOCALES)
def test_every_email_greets_by_first_name_or_without_a_name(kind: str, locale: str) -> None:
    hoi, hallo = GREETING[locale]
    named = render_email(kind, locale, with_name(kind, "Fatima Test phone"))
    assert f"{hoi} Fatima,\n" in named.text
    assert f">{hoi} Fatima,</" in named.html
    assert "Test phone" not in named.text
    for blank in ("", "   "):
        rendered = render_email(kind, locale, with_name(kind, blank))
        assert f"{hallo}\n" in rendered.text
        for part in (rendered.text, rendered.html):
            assert f"{hoi} ," not in part and f"{hoi} ," not in part


@pytest.mark.parametrize("locale", LOCALES)
def test_the_nudge_says_what_answering_takes_rather_than_one_click(locale: str) -> None:
    rendered = render_email("nudge_met", locale, context_for("nudge_met"))
    for part in (rendered.text, rendered.html):
        flat = " ".join(part.split()).lower()
        assert "één klik" not in flat and "one click" not in flat
        assert ("bevestig je het met een knop" if locale == "nl" else "confirm it with") in flat


def test_an_introduction_says_each_gets_their_own_email() -> None:
    pair = render_email("introduction", "nl", context_for("introduction"))
    for part in (pair.text, pair.html):
        flat = " ".join(part.split())
        assert "allebei deze e-mail" not in flat
        assert "Jullie krijgen elk een eigen e-mail zoals deze" in flat
    english = render_email("introduction", "en", context_for("introduction"))
    assert "You have both received this email" not in " ".join(english.text.split())
    trio = copy.deepcopy(context_for("introduction"))
    trio["partners"].append({**trio["partners"][0], "name": "Ruud van 't Hoff"})
    three = render_email("introduction", "nl", trio)
    assert "Ieder van jullie krijgt een eigen e-mail" in " ".join(three.text.split())


def test_an_invitation_names_the_event_with_its_article() -> None:
    context = {**context_for("invitation"), "event_title": "Terugkomdag OMEI Utrecht"}
    rendered = render_email("invitation", "nl", context)
    assert "Je was bij de Terugkomdag OMEI Utrecht." in rendered.text
    assert "Je was bij de <strong>Terugkomdag OMEI Utrecht</strong>." in rendered.html
