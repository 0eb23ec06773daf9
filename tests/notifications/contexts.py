"""Realistic contexts for every email kind, shared by the tests and the benchmark."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

BASE = "https://peernet.example.nl"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def answer_urls(token: str) -> dict[str, str]:
    return {answer: f"{BASE}/a/{token}/{answer}" for answer in ("met", "not_yet", "rematch")}


def context_for(kind: str) -> dict[str, Any]:
    subscription = {
        "pause_url": f"{BASE}/pause/t0k3n",
        "unsubscribe_url": f"{BASE}/u/t0k3n",
        "manage_url": f"{BASE}/me/link/m4g1c",
        "privacy_url": f"{BASE}/privacy",
    }
    if kind == "confirmation":
        return {
            "name": "Ümit Çelik",
            "event_title": "Omgaan met Extreme Idealen – Rotterdam",
            "confirm_url": f"{BASE}/confirm/abc123",
            "expires_days": 7,
        }
    if kind in ("session_moved_up", "session_reminder", "session_announcement"):
        session: dict[str, Any] = {
            "name": "Ümit Çelik",
            "event_title": "Terugkomdag OMEI – Rotterdam",
            "event_when": "10 december 2026, 13:00–17:00",
            "event_place": "Stadhuis Rotterdam",
            "event_description": "Workshops en een brainstorm.",
            "registration_url": f"{BASE}/register/abc123",
            "agenda_url": f"{BASE}/agenda",
            "privacy_url": f"{BASE}/privacy",
        }
        if kind == "session_announcement":
            session["unit_label"] = "Rotterdam"
            session["announcements_off_url"] = f"{BASE}/announcements/off/abc123"
        return session
    if kind == "stay_check":
        return {
            "name": "Ümit Çelik",
            "inactive_months": 24,
            "erase_after_days": 30,
            "stay_url": f"{BASE}/stay/abc123",
            **subscription,
        }
    if kind == "invitation":
        return {
            "name": "Ümit Çelik",
            "event_title": "Omgaan met Extreme Idealen – Rotterdam",
            "invite_url": f"{BASE}/invite/abc123",
            "expires_days": 30,
        }
    if kind == "consent_renewal":
        return {
            "name": "Ümit Çelik",
            "consent_url": f"{BASE}/consent/abc123",
            "privacy_url": f"{BASE}/privacy",
            **subscription,
        }
    if kind == "introduction":
        return {
            "month": "",
            "recipient": {
                "name": "Fatima Zahra El Amrani",
                "role_label": "Jongerenwerker",
                "organisation": "Stichting Jong Rotterdam",
                "region_label": "Rotterdam",
            },
            "partners": [
                {
                    "name": "Ruud van 't Hoff",
                    "role_label": "Wijkagent",
                    "organisation": "Politie Eenheid Rotterdam",
                    "region_label": "Rotterdam",
                    "email": "ruud.vanthoff@example.nl",
                    "meeting_preference_label": "Spreekt alleen fysiek af",
                },
            ],
            "reasons": [
                "Ruud weet veel van signaleren en duiden; jij wilt daar meer over leren.",
                "Jullie werken in dezelfde regio, in verschillende vakgebieden.",
            ],
            "prompts": [
                "Beschrijf een casus feitelijk en anoniem.",
                "Welke signalen pleiten hier juist tégen radicalisering?",
                "Hoe ver reikt jouw rol, en wie zou je erbij halen?",
            ],
            "meeting_hint": (
                "Ruud spreekt alleen fysiek af. "
                "Zoek dus een plek om af te spreken in regio Rotterdam."
            ),
            **subscription,
        }
    if kind == "nudge_met":
        return {
            "name": "Ruud van 't Hoff",
            "partner_names": ["Fatima Zahra El Amrani"],
            "answer_urls": answer_urls("n1"),
            **subscription,
        }
    if kind == "feedback_request":
        return {
            "name": "محمد",
            "partner_names": ["Ümit Çelik", "Ruud van 't Hoff"],
            "rating_urls": {score: f"{BASE}/r/f1/{score}" for score in range(1, 6)},
            "answer_urls": answer_urls("f1"),
            **subscription,
        }
    if kind == "dead_letter_digest":
        return {
            "name": "Coördinator Noord",
            "messages": [
                {
                    "kind": "introduction",
                    "recipient": "ruud.vanthoff@example.nl",
                    "attempts": 12,
                    "last_error": "451 4.7.1 try later",
                    "created_at": datetime(2025, 3, 30, 1, 30, tzinfo=AMSTERDAM),
                },
                {
                    "kind": "nudge_met",
                    "recipient": "u.celik@example.nl",
                    "attempts": 1,
                    "last_error": "connect: SMTPConnectError: connection refused",
                    "created_at": "2025-03-31 09:00",
                },
            ],
            "admin_url": f"{BASE}/admin/outbox",
        }
    if kind == "round_ready":
        return {
            "name": "Carla Coördinator",
            "period_label": "december 2026",
            "groups": 160,
            "unmatched": 1,
            "auto_published": False,
            "round_url": f"{BASE}/coordinator/rounds/4",
            "admin_url": f"{BASE}/coordinator/",
        }
    if kind == "unmatched":
        return {
            "name": "Shanti Martina",
            "period_label": "december 2026",
            "next_period_label": "januari 2027",
            "reason": (
                "Je spreekt alleen fysiek af, en alle anderen die deze maand meededen, werken "
                "niet in of naast Limburg."
            ),
            "suggestions": [
                "Kun je ook online afspreken? Dan kunnen we je aan mensen in het hele land "
                "koppelen.",
                "Spreek je nog een andere taal? Voeg die toe, dan kunnen we je aan meer mensen "
                "koppelen.",
                "Volgende maand krijg je voorrang.",
            ],
            **subscription,
        }
    if kind == "magic_link":
        return {
            "name": "Ümit Çelik",
            "manage_url": f"{BASE}/me/link/m4g1c",
            "expires_days": 30,
            "privacy_url": f"{BASE}/privacy",
        }
    if kind == "email_change":
        return {
            "name": "Ümit Çelik",
            "new_email": "umit.celik@example.nl",
            "confirm_url": f"{BASE}/me/email/s1gn3d.t0k3n",
            "expires_hours": 24,
            "privacy_url": f"{BASE}/privacy",
        }
    if kind == "email_changed":
        return {
            "name": "Ümit Çelik",
            "new_email": "umit.celik@example.nl",
            "contact": "privacy@peernet.example.nl",
            "privacy_url": f"{BASE}/privacy",
        }
    raise ValueError(kind)
