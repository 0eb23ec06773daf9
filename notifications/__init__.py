"""Rendering and delivering peernet's emails. Knows nothing of the database."""

from __future__ import annotations

from notifications.backends import BACKENDS, transport_from_settings
from notifications.delivery import DeliveryResult, DeliveryStatus, Message, Transport
from notifications.file_transport import FileTransport
from notifications.headers import Address, HeaderInjectionError, check_header_text
from notifications.http_transport import PROVIDERS, HTTPTransport
from notifications.messages import (
    Attachment,
    OutgoingMessage,
    build_message,
    compose_message,
    make_message_id,
)
from notifications.rendering import KINDS, LOCALES, RenderedEmail, render_email
from notifications.smtp_transport import SMTPTransport, parse_smtp_url

__all__ = [
    "BACKENDS",
    "KINDS",
    "LOCALES",
    "PROVIDERS",
    "Address",
    "Attachment",
    "DeliveryResult",
    "DeliveryStatus",
    "FileTransport",
    "HTTPTransport",
    "HeaderInjectionError",
    "Message",
    "OutgoingMessage",
    "RenderedEmail",
    "SMTPTransport",
    "Transport",
    "build_message",
    "check_header_text",
    "compose_message",
    "make_message_id",
    "parse_smtp_url",
    "render_email",
    "transport_from_settings",
]
