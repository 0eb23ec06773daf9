"""Rendering an email of a given kind in Dutch (``nl``) or English (``en``).

Every kind has three templates under ``templates/<locale>/``: ``<kind>.subject.txt``,
``<kind>.txt`` and ``<kind>.html`` (the HTML extends ``_base.html``). Variables are
strict: a missing one raises :class:`jinja2.UndefinedError` instead of rendering a hole.
Text the caller passes (names, reasons, prompts) is plain text: the HTML templates
escape it, so nothing a person typed becomes markup.

The context each kind receives
------------------------------
``confirmation``
    name, event_title, confirm_url, expires_days (int)
``introduction``
    month: str (the round's month, e.g. "januari 2027", when it is not this month: a round
    published ahead; empty for "this month");
    recipient: {name, role_label, organisation, region_label};
    partners: list of {name, role_label, organisation, region_label, email,
    meeting_preference_label} (one partner, or two for a trio; the label describes the
    partner in the third person, e.g. "Spreekt alleen fysiek af");
    reasons: list[str] (why they were matched, plain sentences, already localised);
    prompts: list[str] (two or three conversation prompts, already localised);
    meeting_hint: str (how to meet, one or two sentences that never contradict the members'
    preferences, e.g. "Ruud spreekt alleen fysiek af. Zoek dus een plek om af te spreken in
    regio Rotterdam."); pause_url, unsubscribe_url
``nudge_met``
    name, partner_names: list[str], answer_urls: {met, not_yet, rematch},
    pause_url, unsubscribe_url
``feedback_request``
    name, partner_names: list[str], rating_urls: {1: url, ..., 5: url},
    answer_urls: {met, not_yet, rematch}, pause_url, unsubscribe_url
``dead_letter_digest``
    name, messages: list of {kind, recipient, attempts (int), last_error,
    created_at (aware datetime or str)}, admin_url
``round_ready``
    name (may be empty), period_label (e.g. "december 2026"), groups (int), unmatched (int),
    auto_published (bool), round_url, admin_url
``unmatched``
    name, period_label: str (the month, e.g. "december 2026" / "December 2026");
    next_period_label: str (the month after it, when they have priority);
    reason: str (why they were not matched, one plain sentence, already localised);
    suggestions: list[str] (what would help, ending with their priority next month,
    already localised); pause_url, unsubscribe_url

``invitation``
    name, event_title, invite_url, expires_days (int): a coordinator imported them from
    the event's registration list; they join (and consent) through the link, or ignore it
``stay_check``
    name, inactive_months (int), erase_after_days (int), stay_url, pause_url,
    unsubscribe_url: the retention check asks an inactive attendee whether to stay
``consent_renewal``
    name, consent_url (the signed link whose page shows the new consent text and a button),
    privacy_url, pause_url, unsubscribe_url: the consent text changed and they are left out
    of rounds until they agree to the new one

``session_moved_up``, ``session_reminder``
    name, event_title, event_when (str, already localised, e.g. "10 december 2026,
    13:00–17:00"), event_place, event_description (may be empty), registration_url (the
    signed link to register or cancel), agenda_url, privacy_url
``session_announcement``
    the same, plus unit_label and announcements_off_url (the signed link that stops these
    emails and nothing else); sent with the session as an ``.ics`` attachment

``email_change``
    name, new_email, confirm_url (the signed link that changes the address once opened and
    confirmed), expires_hours (int), privacy_url: sent to the new address an attendee typed
    on their personal page
``email_changed``
    name, new_email, contact (the privacy contact's address), privacy_url: sent to the
    former address once the change is confirmed, so that its owner can object

Mappings may be dicts or objects with those attributes (Jinja looks up both).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

KINDS = (
    "confirmation",
    "introduction",
    "nudge_met",
    "feedback_request",
    "dead_letter_digest",
    "round_ready",
    "unmatched",
    "invitation",
    "stay_check",
    "consent_renewal",
    "magic_link",
    "session_moved_up",
    "session_reminder",
    "session_announcement",
    "email_change",
    "email_changed",
)
LOCALES = ("nl", "en")

_AND = {"nl": "en", "en": "and"}
_DATETIME_FORMAT = {"nl": "%d-%m-%Y %H:%M", "en": "%Y-%m-%d %H:%M"}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def join_names(names: Iterable[str], locale: str) -> str:
    """``"Ruud"``, ``"Ruud en Ümit"``, ``"Ruud, Ümit en Fatima"``."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {_AND[locale]} {names[-1]}"


_GREETING = {"nl": ("Hoi {name},", "Hallo,"), "en": ("Hi {name},", "Hello,")}


def greeting(name: str | None, locale: str) -> str:
    """``"Hoi Fatima,"`` by first name, as one colleague writes to another; ``"Hallo,"``
    when there is no name (never ``"Hoi ,"``)."""
    words = (name or "").split()
    personal, anonymous = _GREETING[locale]
    return personal.format(name=words[0]) if words else anonymous


def format_datetime(value: datetime | str, locale: str) -> str:
    if isinstance(value, datetime):
        return value.strftime(_DATETIME_FORMAT[locale])
    return value


_environment = Environment(
    loader=PackageLoader("notifications", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    # The templates ship with the package: no file-system check on every email.
    auto_reload=False,
)
_environment.filters["join_names"] = join_names
_environment.filters["datetime"] = format_datetime
_environment.filters["greeting"] = greeting


def render_email(kind: str, locale: str, context: Mapping[str, Any]) -> RenderedEmail:
    """Subject (one line), plain text and HTML for ``kind`` in ``locale``."""
    return render_with(_environment, kind, locale, context)


def render_with(
    environment: Environment, kind: str, locale: str, context: Mapping[str, Any]
) -> RenderedEmail:
    """:func:`render_email` through ``environment`` (the tests compare the introduction's
    inlined templates with the macro-built ones they replace)."""
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r} (known: {', '.join(KINDS)})")
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r} (known: {', '.join(LOCALES)})")
    subject, text, html = (
        _render(environment, template, {**globals_, **context, "locale": locale})
        for template, globals_ in _templates(environment, kind, locale)
    )
    subject = " ".join(subject.split())
    text = "\n".join([line.rstrip() for line in text.strip().split("\n")])
    return RenderedEmail(subject=subject, text=single_blank_lines(text) + "\n", html=html)


_Templates = tuple[tuple[Template, dict[str, Any]], ...]
_loaded: dict[tuple[Environment, str, str], _Templates] = {}


def _templates(environment: Environment, kind: str, locale: str) -> _Templates:
    """The subject, text and HTML templates of ``kind`` in ``locale``, each with its
    globals as a plain dict; kept once loaded where the environment never reloads them."""
    key = (environment, kind, locale)
    found = _loaded.get(key)
    if found is None:
        found = tuple(
            (template, dict(template.globals))
            for template in (
                environment.get_template(f"{locale}/{kind}.{suffix}")
                for suffix in ("subject.txt", "txt", "html")
            )
        )
        if not environment.auto_reload:
            _loaded[key] = found
    return found


def _render(environment: Environment, template: Template, values: dict[str, Any]) -> str:
    """``template.render(values)`` where ``values`` already holds the template's globals.

    Jinja's own render copies the globals (a ChainMap, slow to iterate) into a new dict and
    lists their names for every render: a third of a short template's time, and a round
    renders thirty thousand. The context made here holds the same names and values."""
    context = environment.context_class(environment, values, template.name, template.blocks)
    try:
        return environment.concat(template.root_render_func(context))
    except Exception:
        return environment.handle_exception()


def single_blank_lines(text: str) -> str:
    """Runs of blank lines shortened to one (faster than a regular expression here: the
    text is rarely ASCII, and most have no run at all)."""
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text
