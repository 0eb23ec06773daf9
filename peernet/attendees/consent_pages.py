"""The privacy statement, and the link that asks an attendee to agree to a new consent text:
GET shows the text and a button, only the POST records the agreement."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from peernet.attendees.consents import current_consent, renew_consent, renewal_offer
from peernet.web import csrf
from peernet.web.dates import local_date
from peernet.web.rendering import message_page, render, request_locale, settings_of, speak_to

# Inactive attendees are asked whether to stay after this many months (issue 9, item 5).


async def privacy(request: Request) -> Response:
    settings = settings_of(request)
    consent = current_consent()
    return render(
        request,
        "privacy.html",
        {
            "controller": settings.privacy_controller,
            "contact": settings.privacy_contact,
            "inactive_months": settings.retention_inactive_months,
            "consent": consent,
            "consent_date": local_date(consent.published, request_locale(request)),
        },
    )


async def renewal_form(request: Request) -> Response:
    settings = settings_of(request)
    offer = await renewal_offer(settings, request.path_params["token"])
    speak_to(request, offer.locale)
    cookie, token = csrf.issue_token(request, settings)
    response = render(
        request,
        "consent_renewal.html",
        {
            "offer": offer,
            "consent_date": local_date(offer.consent.published, request_locale(request)),
            "csrf_token": token,
        },
    )
    csrf.set_cookie(response, cookie, settings)
    return response


async def renewal_submit(request: Request) -> Response:
    settings = settings_of(request)
    form = await request.form()
    csrf.check_token(request, form.get(csrf.FIELD), settings)
    consent = await renew_consent(
        settings, request.path_params["token"], locale=request_locale(request)
    )
    return message_page(
        request,
        "consent.renew.done.title",
        "consent.renew.done.body",
        200,
        version=consent.text_version,
    )
