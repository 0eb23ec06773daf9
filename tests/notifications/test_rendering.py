from __future__ import annotations

import copy
import re
from datetime import UTC, datetime

import jinja2
import pytest

from notifications import KINDS, LOCALES, Address, build_message, render_email
from tests.notifications.contexts import context_for

EVERY_KIND_AND_LOCALE = [(kind, locale) for kind in KINDS for locale in LOCALES]


@pytest.mark.parametrize(("kind", "locale"), EVERY_KIND_AND_LOCALE)
def test_every_kind_renders_in_both_locales(kind: str, locale: str) -> None:
    rendered = render_email(kind, locale, context_for(kind))
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.subject == " ".join(rendered.subject.split())
    assert rendered.text.endswith("\n") and "\n\n\n" not in rendered.text
    assert f'<html lang="{locale}"' in rendered.html
    assert "max-width:600px" in rendered.html
    # No external images or style sheets: everything inline.
    assert "<img" not in rendered.html and "<link" not in rendered.html
    # Every rendered email can become a message.
    build_message(
        sender=Address("peernet", "noreply@peernet.example.nl"),
        recipient=Address("Ümit Çelik", "umit@example.nl"),
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id="<x@peernet.example.nl>",
        date=datetime.now(UTC),
    )


@pytest.mark.parametrize(("kind", "locale"), EVERY_KIND_AND_LOCALE)
def test_every_link_in_the_context_is_in_text_and_html(kind: str, locale: str) -> None:
    context = context_for(kind)
    urls = [value for value in _strings(context) if value.startswith("https://")]
    rendered = render_email(kind, locale, context)
    assert urls
    for url in urls:
        assert url in rendered.text
        assert f'href="{url}"' in rendered.html


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_introduction_tells_who_why_how_and_what_to_talk_about(locale: str) -> None:
    context = context_for("introduction")
    rendered = render_email("introduction", locale, context)
    partner = context["partners"][0]
    assert partner["name"] in rendered.subject
    for part in (rendered.text, rendered.html):
        for value in (
            partner["name"],
            partner["role_label"],
            partner["organisation"],
            partner["region_label"],
            partner["email"],
            partner["meeting_preference_label"],
            context["meeting_hint"],
            *context["reasons"],
            *context["prompts"],
        ):
            assert value.replace("'", "&#39;") in part or value in part


@pytest.mark.parametrize("locale", LOCALES)
def test_a_trio_introduction_names_both_partners(locale: str) -> None:
    context = context_for("introduction")
    second = {**context["partners"][0], "name": "Ümit Çelik", "email": "umit@example.nl"}
    context["partners"] = [*context["partners"], second]
    rendered = render_email("introduction", locale, context)
    joined = {"nl": "Ruud van 't Hoff en Ümit Çelik", "en": "Ruud van 't Hoff and Ümit Çelik"}
    assert joined[locale] in rendered.subject
    assert "umit@example.nl" in rendered.text and "ruud.vanthoff@example.nl" in rendered.text
    assert "trio" in rendered.subject


@pytest.mark.parametrize("locale", LOCALES)
def test_the_unmatched_email_says_the_month_why_and_what_helps(locale: str) -> None:
    context = context_for("unmatched")
    rendered = render_email("unmatched", locale, context)
    assert "december 2026" in rendered.subject
    assert ("voorrang" if locale == "nl" else "priority") in rendered.subject
    for part in (rendered.text, rendered.html):
        first_name = context["name"].split()[0]  # greeted by first name
        for value in (first_name, context["reason"], *context["suggestions"]):
            assert value in " ".join(part.split())


def test_the_dutch_is_informal_professional() -> None:
    for kind in KINDS:
        rendered = render_email(kind, "nl", context_for(kind))
        prose = re.sub(r"\S+@\S+|https://\S+", "", rendered.text.lower())
        words = set(re.findall(r"\w+", prose))
        assert not words & {"u", "uw", "uzelf"}, kind


def test_the_digest_formats_dates_per_locale() -> None:
    context = context_for("dead_letter_digest")
    assert "30-03-2025 01:30" in render_email("dead_letter_digest", "nl", context).text
    assert "2025-03-30 01:30" in render_email("dead_letter_digest", "en", context).text


@pytest.mark.parametrize("locale", LOCALES)
def test_singular_and_plural(locale: str) -> None:
    context = context_for("dead_letter_digest")
    context["messages"] = context["messages"][:1]
    subject = render_email("dead_letter_digest", locale, context).subject
    expected = {"nl": "peernet: 1 e-mail kon niet", "en": "peernet: 1 email could not"}
    assert subject.startswith(expected[locale])
    confirmation = {**context_for("confirmation"), "expires_days": 1}
    text = render_email("confirmation", locale, confirmation).text
    assert ("1 dag geldig" if locale == "nl" else "valid for 1 day and") in text


@pytest.mark.parametrize(("kind", "locale"), EVERY_KIND_AND_LOCALE)
def test_user_data_is_escaped_in_html_and_left_alone_in_text(kind: str, locale: str) -> None:
    evil = '<script>alert("x")</script>'
    context = copy.deepcopy(context_for(kind))
    if kind == "introduction":
        context["recipient"]["name"] = evil
        context["partners"][0]["name"] = evil
        context["partners"][0]["organisation"] = evil
        context["reasons"] = [evil]
    elif kind in ("nudge_met", "feedback_request"):
        context["name"] = evil
        context["partner_names"] = [evil]
    elif kind == "dead_letter_digest":
        context["name"] = evil
        context["messages"][0]["last_error"] = evil
    elif kind == "unmatched":
        context["name"] = evil
        context["reason"] = evil
        context["suggestions"] = [evil]
    else:
        context["name"] = evil
        context["event_title"] = evil
    rendered = render_email(kind, locale, context)
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert evil in rendered.text


@pytest.mark.parametrize(("kind", "locale"), EVERY_KIND_AND_LOCALE)
def test_a_missing_variable_fails_loudly(kind: str, locale: str) -> None:
    context = context_for(kind)
    for key in list(context):
        incomplete = {k: v for k, v in context.items() if k != key}
        with pytest.raises(jinja2.UndefinedError):
            render_email(kind, locale, incomplete)


def test_an_unknown_kind_is_named() -> None:
    with pytest.raises(ValueError, match="'welcome'"):
        render_email("welcome", "nl", {})


@pytest.mark.parametrize("locale", ["de", "NL", "", "nl_NL"])
def test_only_nl_and_en_are_locales(locale: str) -> None:
    with pytest.raises(ValueError, match=f"locale {locale!r}"):
        render_email("confirmation", locale, context_for("confirmation"))
