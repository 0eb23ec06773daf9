"""Application logs carry ids, never email addresses: a filter that blanks any address that
slipped into a record (an SMTP server's reply, an exception message) before it is written."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

# The addresses people have, not every form RFC 5322 allows: a URL's path around an
# address is kept ("/x?e=<email>").
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
REDACTED = "<email>"


def redact(text: str) -> str:
    return EMAIL.sub(REDACTED, text)


def _clean(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactEmails(logging.Filter):
    """Attach to a handler: it then sees every record that handler writes, whichever logger
    it came from (a logger's own filters skip records propagated from its children)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Clean the arguments one by one first: some formatters (uvicorn's access log) read
        # them rather than the message.
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _clean(value) for key, value in record.args.items()}
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed call: logging reports it as it would without us
        cleaned = redact(message)
        if cleaned != message:  # an address inside an argument that is not a string
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Format the traceback now, so that the handler writes the cleaned text.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of ``logger`` (the root logger by default), once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactEmails) for f in handler.filters):
            handler.addFilter(RedactEmails())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with the filter on each of its handlers."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG}
    config["filters"] = {"redact_emails": {"()": RedactEmails}}
    config["handlers"] = {
        name: {**handler, "filters": ["redact_emails"]}
        for name, handler in LOGGING_CONFIG["handlers"].items()
    }
    return config
