"""Logs carry ids, never email addresses."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from peernet import cli
from peernet.logs import RedactEmails, install, uvicorn_log_config


def a_record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("peernet.test", logging.WARNING, __file__, 1, msg, args, None)


@pytest.fixture
def written() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactEmails())
    logger = logging.getLogger("peernet.test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_an_address_in_the_arguments_is_replaced(
    written: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = written
    logger.warning(
        "outbox: message %d refused: %s",
        12,
        "550 5.1.1 <Anouk.de-Vries+x@mail.example.nl>: no such user",
    )
    assert stream.getvalue() == "outbox: message 12 refused: 550 5.1.1 <<email>>: no such user\n"


def test_an_address_inside_an_object_or_a_traceback_is_replaced(
    written: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = written
    try:
        raise ValueError("duplicate key carla@example.org")
    except ValueError as exc:
        logger.exception("failed: %s", exc)
    assert "carla@example.org" not in stream.getvalue()
    assert "failed: duplicate key <email>" in stream.getvalue()
    assert "ValueError: duplicate key <email>" in stream.getvalue()


def test_a_record_without_an_address_is_left_as_it_was() -> None:
    record = a_record("round %s: %d introductions", "2026-12", 320)
    assert RedactEmails().filter(record)
    assert (record.msg, record.args) == ("round %s: %d introductions", ("2026-12", 320))


def test_uvicorns_access_log_keeps_its_arguments() -> None:
    # uvicorn's access formatter unpacks record.args: the filter must leave a tuple there.
    record = a_record('%s - "%s %s HTTP/%s" %d', "127.0.0.1", "GET", "/x?e=a@b.nl", "1.1", 200)
    RedactEmails().filter(record)
    assert record.args == ("127.0.0.1", "GET", "/x?e=<email>", "1.1", 200)
    config = uvicorn_log_config()
    assert all(handler["filters"] == ["redact_emails"] for handler in config["handlers"].values())


def test_the_command_installs_the_filter_on_the_root_handlers() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        with pytest.raises(SystemExit):
            cli.main(["no-such-command"])
        assert root.handlers
        assert all(any(isinstance(f, RedactEmails) for f in h.filters) for h in root.handlers)
        install()  # a second call adds nothing
        assert all(sum(isinstance(f, RedactEmails) for f in h.filters) == 1 for h in root.handlers)
    finally:
        for handler in root.handlers:
            if handler not in before:
                root.removeHandler(handler)
            else:
                for f in [f for f in handler.filters if isinstance(f, RedactEmails)]:
                    handler.removeFilter(f)
