"""The audit log page: newest first, a hundred entries a page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from peernet.audit.models import AuditEntry
from peernet.audit.service import recent
from peernet.coordinators.auth import coordinator_page
from peernet.errors import NotFound
from peernet.i18n import translate
from peernet.web.dates import local_time
from peernet.web.rendering import render_coordinator, request_locale, settings_of

PAGE_SIZE = 100


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise NotFound(f"no audit page {raw!r}")
    return int(raw)


def _label(locale: str, kind: str, name: str) -> str:
    """An action or actor in plain words; one without a label shows its own name."""
    key = f"audit.{kind}.{name}"
    text = translate(locale, key)
    return name if text == key else text


def _details(details: object) -> str:
    if not isinstance(details, dict):
        return ""
    return ", ".join(f"{key}={value}" for key, value in details.items())


def _row(entry: AuditEntry, request: Request, locale: str) -> dict[str, str]:
    coordinator = entry.coordinator
    return {
        "when": local_time(entry.at, settings_of(request).timezone, locale),
        "who": coordinator.name
        if coordinator is not None
        else _label(locale, "actor", entry.actor),
        "action": _label(locale, "action", entry.action),
        "subject": entry.subject,
        "details": _details(entry.details),
    }


@coordinator_page
async def audit_log(request: Request) -> Response:
    page = _page_number(request)
    # One more than a page tells whether there is an older page.
    entries = await recent(limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    locale = request_locale(request)
    return render_coordinator(
        request,
        "coordinator/audit.html",
        {
            "rows": [_row(entry, request, locale) for entry in entries[:PAGE_SIZE]],
            "page": page,
            "older": page + 1 if len(entries) > PAGE_SIZE else None,
            "newer": page - 1 if page > 1 else None,
        },
        section="audit",
    )
