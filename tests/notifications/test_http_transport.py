from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from notifications import Address, DeliveryStatus, HTTPTransport, build_message, compose_message

POSTMARK = "https://api.postmarkapp.com/email"


def arguments(to: str = "umit@example.nl", name: str = "Ümit Çelik") -> dict[str, Any]:
    return {
        "sender": Address("peernet", "noreply@peernet.example.nl"),
        "recipient": Address(name, to),
        "reply_to": Address("Ruud van 't Hoff", "ruud@example.nl"),
        "subject": "Maak kennis met Ruud van 't Hoff",
        "text": "Hoi Ümit,\n",
        "html": "<p>Hoi Ümit,</p>",
        "message_id": "<abc@peernet.example.nl>",
        "date": datetime(2025, 3, 30, 9, 0, tzinfo=UTC),
        "list_unsubscribe_url": "https://peernet.example.nl/u/t0k3n",
    }


def message(to: str = "umit@example.nl", name: str = "Ümit Çelik") -> EmailMessage:
    return build_message(**arguments(to, name))


def transport_answering(
    answer: Callable[[httpx.Request], httpx.Response], provider: str = "postmark"
) -> tuple[HTTPTransport, list[httpx.Request]]:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return answer(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    url = POSTMARK if provider == "postmark" else "https://api.sendgrid.com/v3/mail/send"
    return HTTPTransport(url, "server-token", provider=provider, client=client), requests


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"ErrorCode": 0, "Message": "OK", "MessageID": "b7bc"})


async def test_postmark_payload_and_headers() -> None:
    transport, requests = transport_answering(ok)
    results = await transport.send([message()])
    assert results[0].status is DeliveryStatus.SENT
    [request] = requests
    assert request.method == "POST" and str(request.url) == POSTMARK
    assert request.headers["X-Postmark-Server-Token"] == "server-token"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    payload = json.loads(request.content)
    assert payload == {
        "From": "peernet <noreply@peernet.example.nl>",
        "To": "Ümit Çelik <umit@example.nl>",
        "ReplyTo": "Ruud van 't Hoff <ruud@example.nl>",
        "Subject": "Maak kennis met Ruud van 't Hoff",
        "TextBody": "Hoi Ümit,\n",
        "HtmlBody": "<p>Hoi Ümit,</p>\n",
        "Headers": [
            {"Name": "Message-ID", "Value": "<abc@peernet.example.nl>"},
            {"Name": "List-Unsubscribe", "Value": "<https://peernet.example.nl/u/t0k3n>"},
            {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"},
        ],
        "MessageStream": "outbound",
        "TrackOpens": False,
        "TrackLinks": "None",
    }


async def test_a_name_with_specials_is_quoted_in_the_payload() -> None:
    transport, requests = transport_answering(ok)
    await transport.send([message(name="Çelik, Ümit")])
    assert json.loads(requests[0].content)["To"] == '"Çelik, Ümit" <umit@example.nl>'


async def test_sendgrid_payload() -> None:
    transport, requests = transport_answering(lambda r: httpx.Response(202), provider="sendgrid")
    results = await transport.send([message()])
    assert results[0].status is DeliveryStatus.SENT
    assert requests[0].headers["Authorization"] == "Bearer server-token"
    payload: dict[str, Any] = json.loads(requests[0].content)
    assert payload["personalizations"] == [
        {"to": [{"email": "umit@example.nl", "name": "Ümit Çelik"}]}
    ]
    assert payload["from"] == {"email": "noreply@peernet.example.nl", "name": "peernet"}
    assert payload["reply_to"] == {"email": "ruud@example.nl", "name": "Ruud van 't Hoff"}
    assert payload["content"] == [
        {"type": "text/plain", "value": "Hoi Ümit,\n"},
        {"type": "text/html", "value": "<p>Hoi Ümit,</p>\n"},
    ]
    assert payload["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert payload["tracking_settings"]["open_tracking"] == {"enable": False}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, DeliveryStatus.SENT),
        (429, DeliveryStatus.TEMPORARY),
        (500, DeliveryStatus.TEMPORARY),
        (503, DeliveryStatus.TEMPORARY),
        (401, DeliveryStatus.TEMPORARY),  # a bad token is ours to fix, not the message's fault
        (422, DeliveryStatus.PERMANENT),
        (400, DeliveryStatus.PERMANENT),
        (404, DeliveryStatus.PERMANENT),
    ],
)
async def test_status_codes_are_classified(status: int, expected: DeliveryStatus) -> None:
    transport, _ = transport_answering(
        lambda r: httpx.Response(status, json={"ErrorCode": 406, "Message": "Inactive recipient"})
    )
    [result] = await transport.send([message()])
    assert result.status is expected
    assert result.detail.startswith(str(status))
    if status != 200:
        assert "ErrorCode 406: Inactive recipient" in result.detail


async def test_a_network_error_is_temporary() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    transport, _ = transport_answering(refuse)
    [result] = await transport.send([message()])
    assert result.status is DeliveryStatus.TEMPORARY
    assert result.detail == "ConnectError: connection refused"


async def test_a_timeout_is_temporary() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("", request=request)

    transport, _ = transport_answering(slow)
    [result] = await transport.send([message()])
    assert (result.status, result.detail) == (DeliveryStatus.TEMPORARY, "ReadTimeout")


async def test_one_refused_recipient_does_not_hold_back_the_others() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if "gone@example.nl" in json.loads(request.content)["To"]:
            return httpx.Response(422, json={"ErrorCode": 406, "Message": "Inactive recipient"})
        return ok(request)

    transport, requests = transport_answering(answer)
    recipients = ["a@example.nl", "gone@example.nl", "b@example.nl", "c@example.nl"]
    results = await transport.send([message(to) for to in recipients])
    assert [r.status.value for r in results] == ["sent", "permanent", "sent", "sent"]
    assert len(requests) == 4


async def test_a_non_json_error_body_is_kept_short() -> None:
    transport, _ = transport_answering(lambda r: httpx.Response(502, text="<html>" * 500))
    [result] = await transport.send([message()])
    assert result.status is DeliveryStatus.TEMPORARY
    assert len(result.detail) < 400


async def test_an_own_client_is_closed_a_given_one_is_not() -> None:
    given = httpx.AsyncClient(transport=httpx.MockTransport(ok))
    await HTTPTransport(POSTMARK, "t", client=given).aclose()
    assert not given.is_closed
    await given.aclose()
    own = HTTPTransport(POSTMARK, "t")
    await own.aclose()


@pytest.mark.parametrize(
    ("url", "token", "provider", "prefix"),
    [
        ("api.postmarkapp.com/email", "t", "postmark", "MAIL_HTTP_URL: "),
        ("ftp://x/email", "t", "postmark", "MAIL_HTTP_URL: "),
        (POSTMARK, "", "postmark", "MAIL_HTTP_TOKEN: "),
        (POSTMARK, "t", "mailchump", "MAIL_HTTP_PROVIDER: "),
    ],
)
def test_bad_settings_name_the_variable(url: str, token: str, provider: str, prefix: str) -> None:
    with pytest.raises(ValueError, match=f"^{prefix}"):
        HTTPTransport(url, token, provider=provider)


@pytest.mark.parametrize("provider", ["postmark", "sendgrid"])
async def test_a_composed_message_is_posted_as_the_built_one(provider: str) -> None:
    # What the outbox hands over: the same message composed straight to its wire bytes.
    built = message()
    composed = compose_message(**arguments())
    transport, requests = transport_answering(ok, provider)
    results = await transport.send([built, composed])
    assert [r.status for r in results] == [DeliveryStatus.SENT] * 2
    first, second = (json.loads(request.content) for request in requests)
    assert second == first
