from __future__ import annotations

from pathlib import Path

import pytest

from notifications import FileTransport, HTTPTransport, SMTPTransport, transport_from_settings

SETTINGS = {
    "mail_dir": Path("var/mail"),
    "smtp_url": "smtp://user:pass@mail.example.nl:587?starttls=1",
    "http_url": "https://api.postmarkapp.com/email",
    "http_token": "token",
    "http_provider": "postmark",
}


async def test_each_backend_gets_its_transport() -> None:
    assert isinstance(transport_from_settings("file", **SETTINGS), FileTransport)  # type: ignore[arg-type]
    assert isinstance(transport_from_settings("smtp", **SETTINGS), SMTPTransport)  # type: ignore[arg-type]
    http = transport_from_settings("http", **SETTINGS)  # type: ignore[arg-type]
    assert isinstance(http, HTTPTransport)
    await http.aclose()


@pytest.mark.parametrize("backend", ["", "SMTP", "sendmail", "console"])
def test_an_unknown_backend_is_named(backend: str) -> None:
    with pytest.raises(
        ValueError, match=f"^MAIL_BACKEND: must be one of file, smtp, http, not {backend!r}"
    ):
        transport_from_settings(backend, **SETTINGS)  # type: ignore[arg-type]


def test_only_the_chosen_backend_is_checked() -> None:
    broken = {**SETTINGS, "smtp_url": "nonsense", "http_token": ""}
    assert isinstance(transport_from_settings("file", **broken), FileTransport)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^SMTP_URL: "):
        transport_from_settings("smtp", **broken)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^MAIL_HTTP_TOKEN: "):
        transport_from_settings("http", **broken)  # type: ignore[arg-type]
