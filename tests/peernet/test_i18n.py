from __future__ import annotations

from peernet.i18n import catalog, translate


def test_dutch_and_english_have_the_same_keys() -> None:
    nl, en = catalog("nl"), catalog("en")
    assert sorted(nl.keys() - en.keys()) == []
    assert sorted(en.keys() - nl.keys()) == []


def test_a_missing_english_text_falls_back_to_dutch_then_to_the_key() -> None:
    assert translate("en", "site.name") == "peernet"
    assert translate("en", "no.such.key") == "no.such.key"
