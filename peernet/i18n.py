"""Interface text in Dutch (first) and English, from one JSON catalog per locale."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from peernet.settings import LOCALES


@cache
def catalog(locale: str) -> dict[str, str]:
    text = files("peernet").joinpath("locales", f"{locale}.json").read_text(encoding="utf-8")
    data: dict[str, str] = json.loads(text)
    return data


def translate(locale: str, key: str, **params: object) -> str:
    """The text for ``key`` in ``locale``, falling back to Dutch, then to the key itself."""
    text = catalog(locale).get(key) or catalog("nl").get(key) or key
    return text.format(**params) if params else text


def pick_locale(requested: str | None, default: str) -> str:
    return requested if requested in LOCALES else default
