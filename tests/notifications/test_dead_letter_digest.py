from __future__ import annotations

import pytest

from notifications import render_email
from tests.notifications.contexts import context_for


@pytest.mark.parametrize(
    ("locale", "named", "unnamed"),
    [("nl", "Hoi Coördinator,", "Hallo,"), ("en", "Hi Coördinator,", "Hello,")],
)
def test_the_digest_greets_by_name_or_without_one(locale: str, named: str, unnamed: str) -> None:
    with_name = render_email("dead_letter_digest", locale, context_for("dead_letter_digest"))
    without = render_email(
        "dead_letter_digest", locale, {**context_for("dead_letter_digest"), "name": ""}
    )
    assert with_name.text.startswith(named + "\n\n")
    assert f">{named}</" in with_name.html
    assert without.text.startswith(unnamed + "\n\n")
    assert f">{unnamed}</" in without.html
    assert " ," not in without.text and " ," not in without.html
    blank = render_email(
        "dead_letter_digest", locale, {**context_for("dead_letter_digest"), "name": "  "}
    )
    assert blank.text.startswith(unnamed + "\n\n")
