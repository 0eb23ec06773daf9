"""Interface text in Dutch (first) and English: per locale, one JSON catalog per part of the
service (``locales/<locale>/*.json``), merged; a key may be defined in one file only."""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from importlib.resources import files

from peernet.errors import FieldErrors
from peernet.settings import LOCALES


@cache
def catalog(locale: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = files("peernet").joinpath("locales", locale)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        part: dict[str, str] = json.loads(entry.read_text(encoding="utf-8"))
        twice = merged.keys() & part.keys()
        if twice:
            raise ValueError(f"locales/{locale}/{entry.name} repeats {', '.join(sorted(twice))}")
        merged.update(part)
    return merged


def translate(locale: str, key: str, **params: object) -> str:
    """The text for ``key`` in ``locale``, falling back to Dutch, then to the key itself."""
    text = catalog(locale).get(key) or catalog("nl").get(key) or key
    return text.format(**params) if params else text


def pick_locale(requested: str | None, default: str) -> str:
    return requested if requested in LOCALES else default


def api_locale(requested: str | None, default: str) -> str:
    """The JSON API's ``?lang=``: absent gives ``default``; anything but nl or en is refused
    (422 naming ``lang``), as the OpenAPI document says, rather than ignored."""
    if requested is None:
        return default
    if requested not in LOCALES:
        raise FieldErrors({"lang": "unknown_choice"})
    return requested


def name_order(name: str) -> str:
    """A name as it sorts in a Dutch list: accents and case aside, so that "Ümit" comes
    with the U and "Ilse Çelik" before "Ilse Yılmaz" (a database sorts by code point)."""
    flat = unicodedata.normalize("NFKD", name.replace("ı", "i"))
    return "".join(char for char in flat if not unicodedata.combining(char)).casefold()
