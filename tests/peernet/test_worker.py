"""The worker process for real: SIGKILL in the middle of a batch, and two workers at once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import pytest

from peernet.demo import publish_synthetic_round
from peernet.outbox.dispatch import BATCH_SIZE
from peernet.outbox.models import OutboxMessage, OutboxStatus
from peernet.settings import Settings
from peernet.worker import JOB_DEFAULTS, RunningJobs, build_scheduler, make_transport
from tests.notifications.smtp_server import ScriptedHandler, smtp_server
from tests.peernet.conftest import DATABASE_URL, make_settings

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("empty_db")]


@pytest.fixture
def handler() -> ScriptedHandler:
    return ScriptedHandler(data_delay=0.004)


@pytest.fixture
def smtp_port(handler: ScriptedHandler) -> Iterator[int]:
    with smtp_server(handler) as port:
        yield port


@asynccontextmanager
async def worker(
    smtp_port: int, lease_seconds: int = 2
) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {
        **os.environ,
        "PEERNET_ENV": "test",
        "DATABASE_URL": DATABASE_URL,
        "MAIL_BACKEND": "smtp",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "OUTBOX_LEASE_SECONDS": str(lease_seconds),
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "BASE_URL": "https://peernet.test",
        "MAIL_FROM": "peernet <peernet@peernet.test>",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "peernet.cli",
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=20)


async def until(condition: Callable[[], object], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def all_sent() -> bool:
    return not await OutboxMessage.exclude(status=OutboxStatus.SENT).exists()


def recipients(handler: ScriptedHandler) -> Counter[str]:
    return Counter(rcpt for _, rcpts, _ in handler.received for rcpt in rcpts)


async def test_sigkill_mid_batch_loses_nothing_and_duplicates_at_most_the_batch_in_flight(
    settings: Settings, handler: ScriptedHandler, smtp_port: int
) -> None:
    await publish_synthetic_round(settings, 500)
    async with worker(smtp_port) as first:
        await until(lambda: len(handler.received) >= 250)
        first.send_signal(signal.SIGKILL)
        await first.wait()
    killed_at = len(handler.received)
    assert killed_at < 1000
    assert await OutboxMessage.filter(status=OutboxStatus.SENDING).exists()  # caught mid-batch

    async with worker(smtp_port):
        await until(all_sent)
    counts = recipients(handler)
    expected = {m.recipient_email for m in await OutboxMessage.all().only("recipient_email")}
    assert len(expected) == 1000
    assert set(counts) == expected  # everyone has at least one copy
    duplicates = sum(counts.values()) - len(counts)
    assert duplicates <= BATCH_SIZE


@pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres", "asyncpg")),
    reason="several workers are supported on PostgreSQL only",
)
async def test_two_workers_on_postgres_drain_2000_messages_without_duplicates(
    settings: Settings, handler: ScriptedHandler, smtp_port: int
) -> None:
    handler.data_delay = 0.001
    await publish_synthetic_round(settings, 1000)
    # A lease long enough that no batch outlives it on a loaded machine: a duplicate here can
    # only come from two workers claiming the same row, which is what this test is about.
    async with worker(smtp_port, lease_seconds=60), worker(smtp_port, lease_seconds=60):
        await until(all_sent, seconds=240)
    counts = recipients(handler)
    assert len(counts) == 2000
    assert max(counts.values()) == 1
    message_ids = Counter(
        raw.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0] for *_, raw in handler.received
    )
    assert max(message_ids.values()) == 1
    # Both workers did part of the work: the handler saw two client connections at least.
    assert len(handler.peers) >= 2


def test_every_job_runs_alone_coalesces_and_is_never_dropped_as_misfired() -> None:
    settings = make_settings()
    scheduler = build_scheduler(settings, make_transport(settings))
    assert JOB_DEFAULTS == {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "dispatch",
        "nudges",
        "pauses",
        "dead_letter_digest",
        "monthly_round",
        "retention",
        "consent_renewals",
        "session_reminders",
    }
    assert str(scheduler.timezone) == "Europe/Amsterdam"


async def test_stopping_lets_a_running_job_finish_and_cuts_short_only_after_the_grace() -> None:
    # Ctrl-C on `make demo` used to cancel a dispatch pass mid-transaction (a traceback in
    # the log); now the scheduler is paused and what runs may finish first.
    running = RunningJobs()
    finished: list[str] = []

    async def quick() -> None:
        await asyncio.sleep(0.2)
        finished.append("quick")

    async def endless() -> None:
        await asyncio.sleep(3600)

    quick_task = asyncio.create_task(running.track(quick)())
    await asyncio.sleep(0)  # it has started
    assert await running.finish(5) == 0
    assert finished == ["quick"] and not quick_task.cancelled()
    endless_task = asyncio.create_task(running.track(endless)())
    await asyncio.sleep(0)
    assert await running.finish(0.05) == 1  # still running after the grace: reported
    endless_task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await endless_task
    assert await running.finish(0.05) == 0  # and forgotten once it ended
