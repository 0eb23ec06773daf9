"""The introduction's templates write the shared macros out inline (a round renders 10,000
of them while it publishes, and each macro call costs more than the HTML it writes), and
look up the cards' fields as items (``partner["name"]``: Jinja tries an attribute first,
and on a dict that costs an exception per field). They must say exactly what the templates
they replace said: those are kept in ``reference_templates/`` and rendered with today's
``_macros.html`` and footers, so a change to a macro that the inlined copies miss fails
here."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import ChoiceLoader, Environment, FileSystemLoader

from notifications import LOCALES, render_email
from notifications.rendering import _environment, render_with, single_blank_lines
from tests.notifications.contexts import context_for

REFERENCE = Path(__file__).parent / "reference_templates"


def _reference_environment() -> Environment:
    # The reference introduction, with the package's own _base, _macros and footers.
    loader = ChoiceLoader([FileSystemLoader(REFERENCE), _environment.loader])  # type: ignore[list-item]
    return _environment.overlay(loader=loader, cache_size=50)


_REFERENCE = _reference_environment()

# Text a person typed or a catalog holds: markup, quotes, ampersands, accents, spaces at
# the ends of lines, and empty strings.
_words = st.text(alphabet=st.sampled_from(list("aZ09 'é&<>\"\n\tü-.,ß")), min_size=0, max_size=24)
_urls = st.sampled_from(
    [
        "https://peernet.example.nl/pause/abc.def_ghi-jkl",
        "https://peernet.example.nl/u/x?a=1&b=<2>",
        'https://peernet.example.nl/me/link/"quoted"',
    ]
)


@st.composite
def _partners(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "name": draw(_words),
        "role_label": draw(_words),
        "organisation": draw(_words),
        "region_label": draw(_words),
        "email": draw(st.sampled_from(["ruud@example.nl", "a&b@example.nl", "x'<y>@example.nl"])),
        "meeting_preference_label": draw(_words),
    }


@st.composite
def _contexts(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "month": draw(st.sampled_from(["", "januari 2027", "January 2027"])),
        "recipient": {
            "name": draw(_words),
            "role_label": draw(_words),
            "organisation": draw(_words),
            "region_label": draw(_words),
        },
        "partners": draw(st.lists(_partners(), min_size=1, max_size=2)),
        "reasons": draw(st.lists(_words, max_size=4)),
        "prompts": draw(st.lists(_words, max_size=3)),
        "meeting_hint": draw(_words),
        "pause_url": draw(_urls),
        "unsubscribe_url": draw(_urls),
        "manage_url": draw(_urls),
        "privacy_url": draw(_urls),
    }


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("partners", [1, 2])
def test_the_inlined_introduction_matches_the_macro_built_one(locale: str, partners: int) -> None:
    context = copy.deepcopy(context_for("introduction"))
    context["partners"] = [
        {**context["partners"][0], "name": name} for name in ["Ruud van 't Hoff", "Ümit"]
    ][:partners]
    assert render_email("introduction", locale, context) == render_with(
        _REFERENCE, "introduction", locale, context
    )


@settings(max_examples=150, deadline=None)
@given(context=_contexts(), locale=st.sampled_from(LOCALES))
def test_the_inlined_introduction_matches_on_any_input(
    context: dict[str, Any], locale: str
) -> None:
    assert render_email("introduction", locale, context) == render_with(
        _REFERENCE, "introduction", locale, context
    )


@given(st.text(alphabet=st.sampled_from(list("a \n")), max_size=40))
def test_runs_of_blank_lines_shorten_to_one(text: str) -> None:
    assert single_blank_lines(text) == re.sub(r"\n{3,}", "\n\n", text)
