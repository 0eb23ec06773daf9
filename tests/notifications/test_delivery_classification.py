"""Which delivery errors are retried (temporary) and which are given up (permanent).

SMTP (RFC 5321, 4.2.1): a 5yz reply is a permanent failure, a 4yz one transient; anything
else a server says is not trusted to be final. HTTP providers: a 5xx, a timeout (408), too
many requests (429) and a rejected token (401, 403) are ours or theirs to fix and are
retried; any other 4xx is about the message and is not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import EmailMessage

import httpx
import pytest

from notifications import DeliveryStatus, HTTPTransport
from notifications.smtp_transport import _classify
from tests.notifications.test_http_transport import POSTMARK, message

PERMANENT = DeliveryStatus.PERMANENT
TEMPORARY = DeliveryStatus.TEMPORARY


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (0, TEMPORARY),  # no reply code at all
        (421, TEMPORARY),
        (450, TEMPORARY),
        (451, TEMPORARY),
        (452, TEMPORARY),
        (499, TEMPORARY),
        (500, PERMANENT),
        (501, PERMANENT),
        (550, PERMANENT),
        (552, PERMANENT),
        (554, PERMANENT),
        (599, PERMANENT),
        (600, TEMPORARY),  # not a reply RFC 5321 knows: not proof that retrying is useless
    ],
)
def test_smtp_reply_codes_are_classified_at_their_bounds(
    code: int, expected: DeliveryStatus
) -> None:
    result = _classify(code, f"{code} 5.1.1 <ann@example.nl>: unknown")
    assert result.status is expected
    assert result.detail == f"{code} 5.1.1 <ann@example.nl>: unknown"


def transport(
    answer: Callable[[httpx.Request], httpx.Response], *, timeout: float = 30.0
) -> tuple[HTTPTransport, list[httpx.Request]]:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return answer(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HTTPTransport(POSTMARK, "token", client=client, timeout=timeout), requests


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (399, PERMANENT),
        (400, PERMANENT),
        (401, TEMPORARY),
        (402, PERMANENT),
        (403, TEMPORARY),
        (404, PERMANENT),
        (407, PERMANENT),
        (408, TEMPORARY),
        (409, PERMANENT),
        (410, PERMANENT),
        (422, PERMANENT),
        (428, PERMANENT),
        (429, TEMPORARY),
        (430, PERMANENT),
        (499, PERMANENT),
        (500, TEMPORARY),
        (502, TEMPORARY),
        (599, TEMPORARY),
    ],
)
async def test_http_status_codes_are_classified_at_their_bounds(
    status: int, expected: DeliveryStatus
) -> None:
    sender, _ = transport(lambda r: httpx.Response(status, json={"Message": "no"}))
    [result] = await sender.send([message()])
    assert result.status is expected
    assert result.detail.startswith(f"{status} ")


@pytest.mark.parametrize("status", [200, 201, 202, 299])
async def test_every_2xx_is_sent(status: int) -> None:
    sender, _ = transport(lambda r: httpx.Response(status, json={"MessageID": "b7bc"}))
    [result] = await sender.send([message()])
    assert result.status is DeliveryStatus.SENT


async def test_a_message_that_cannot_be_represented_is_permanent_and_never_posted() -> None:
    sender, requests = transport(lambda r: httpx.Response(200))
    [result] = await sender.send([EmailMessage()])
    assert result.status is PERMANENT
    assert result.detail.startswith("malformed message: AttributeError(")
    assert requests == []


async def test_a_bug_while_posting_is_temporary_and_logged_with_the_message_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")

    sender, _ = transport(broken)
    with caplog.at_level(logging.ERROR, logger="notifications.http_transport"):
        [result] = await sender.send([message()])
    assert (result.status, result.detail) == (TEMPORARY, "unexpected RuntimeError: boom")
    [record] = caplog.records
    assert record.getMessage() == "unexpected error sending <abc@peernet.example.nl>"
    assert record.exc_info is not None


async def test_a_network_error_keeps_its_whole_text() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("no route to API.POSTMARKAPP.BOX", request=request)

    sender, _ = transport(refuse)
    [result] = await sender.send([message()])
    assert (result.status, result.detail) == (
        TEMPORARY,
        "ConnectError: no route to API.POSTMARKAPP.BOX",
    )


async def test_the_transports_timeout_applies_to_a_given_client_too() -> None:
    sender, requests = transport(lambda r: httpx.Response(200, json={}), timeout=7.5)
    await sender.send([message()])
    [request] = requests
    assert request.extensions["timeout"] == {
        "connect": 7.5,
        "read": 7.5,
        "write": 7.5,
        "pool": 7.5,
    }
