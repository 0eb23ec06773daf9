"""Choosing a transport from the MAIL_* settings."""

from __future__ import annotations

from pathlib import Path

from notifications.delivery import Transport
from notifications.file_transport import FileTransport
from notifications.http_transport import HTTPTransport
from notifications.smtp_transport import SMTPTransport

BACKENDS = ("file", "smtp", "http")


def transport_from_settings(
    backend: str,
    *,
    mail_dir: Path,
    smtp_url: str,
    http_url: str,
    http_token: str,
    http_provider: str,
) -> Transport:
    """``file`` (MAIL_DIR), ``smtp`` (SMTP_URL) or ``http`` (MAIL_HTTP_URL/TOKEN/PROVIDER).

    Only the chosen backend's settings are checked; errors name the variable first.
    """
    if backend == "file":
        return FileTransport(mail_dir)
    if backend == "smtp":
        return SMTPTransport(smtp_url)
    if backend == "http":
        return HTTPTransport(http_url, http_token, provider=http_provider)
    raise ValueError(f"MAIL_BACKEND: must be one of {', '.join(BACKENDS)}, not {backend!r}")
