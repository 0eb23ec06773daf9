"""The coordinators' page of undelivered email, and its retry button."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from peernet.coordinators.auth import coordinator_page, current_coordinator
from peernet.i18n import translate
from peernet.outbox.digest import OUTBOX_PAGE
from peernet.outbox.undelivered import (
    RetryRefused,
    UndeliveredMessage,
    UndeliveredPage,
    retry_message,
    undelivered_page,
)
from peernet.web import csrf
from peernet.web.dates import local_time
from peernet.web.rendering import render_coordinator, request_locale, settings_of

# Enough for any SMTP answer; a longer text is a transport's stack of details, and the
# table must stay readable.
REASON_SHOWN = 200


def _page_number(raw: object) -> int:
    try:
        return int(str(raw)) if raw else 1
    except ValueError:
        return 1


def _row(request: Request, undelivered: UndeliveredMessage) -> dict[str, Any]:
    locale = request_locale(request)
    zone = settings_of(request).timezone
    message = undelivered.message

    def local(moment: datetime) -> dict[str, str]:
        at = moment.astimezone(zone)
        return {"iso": at.isoformat(), "shown": local_time(moment, zone, locale)}

    key = f"outbox.kind.{message.kind}"
    kind = translate(locale, key)
    return {
        "id": message.id,
        "kind": message.kind if kind == key else kind,
        "status": message.status.value,
        "recipient_name": message.recipient_name,
        "recipient_email": message.recipient_email,
        "created": local(message.created_at),
        # A dead or failed row keeps the due time of the attempt that ended it.
        "last_attempt": local(message.next_attempt_at) if message.attempts else None,
        "attempts": message.attempts,
        "reason": message.last_error,
        "recipient_left": undelivered.recipient_left,
    }


def _show(
    request: Request,
    page: UndeliveredPage,
    *,
    notice: str = "",
    refusal: str = "",
    status_code: int = 200,
) -> Response:
    context = {
        "messages": [_row(request, m) for m in page.messages],
        "page": page,
        "notice": notice,
        "refusal": refusal,
        "reason_shown": REASON_SHOWN,
    }
    return render_coordinator(
        request, "coordinator/outbox.html", context, section="outbox", status_code=status_code
    )


@coordinator_page
async def outbox_page(request: Request) -> Response:
    page = await undelivered_page(_page_number(request.query_params.get("page")))
    notice = "queued" if request.query_params.get("queued") else ""
    return _show(request, page, notice=notice)


@coordinator_page
async def retry(request: Request) -> Response:
    settings = settings_of(request)
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings)
    number = _page_number(form.get("page"))
    try:
        await retry_message(
            settings, request.path_params["id"], coordinator=current_coordinator(request)
        )
    except RetryRefused as refused:
        page = await undelivered_page(number)
        return _show(request, page, refusal=refused.reason, status_code=refused.status_code)
    query = f"page={number}&queued=1" if number > 1 else "queued=1"
    return RedirectResponse(f"{OUTBOX_PAGE}?{query}", status_code=303)
