"""Answer links from the nudges: GET shows what will be recorded, POST records it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from peernet.feedback.service import answering, record_answer
from peernet.web.rendering import message_page, render, settings_of, speak_to


async def answer_form(request: Request) -> Response:
    answer, attendee = await answering(settings_of(request), request.path_params["token"])
    speak_to(request, attendee.locale)
    return render(request, "answer.html", {"answer": answer})


async def answer_submit(request: Request) -> Response:
    await record_answer(settings_of(request), request.path_params["token"])
    return message_page(request, "answer.thanks.title", "answer.thanks.body", 200)
