"""The worker process: APScheduler 3 runs jobs that only call services.

Due dates live in the database, never as APScheduler date jobs, so a restart loses
nothing and a second worker does no harm. The web process never starts a scheduler.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from notifications import Transport, transport_from_settings
from peernet import db
from peernet.attendees.consents import queue_consent_renewals
from peernet.attendees.retention import run_retention
from peernet.attendees.subscription import resume_ended_pauses
from peernet.events.registrations import queue_reminders, release_seats_of_leavers
from peernet.feedback.nudges import queue_due_nudges
from peernet.outbox.digest import queue_dead_letter_digest
from peernet.outbox.dispatch import drain
from peernet.rounds.schedule import plan_month_on_schedule
from peernet.settings import Settings

logger = logging.getLogger("peernet.worker")

DISPATCH_EVERY_SECONDS = 3
NUDGES_EVERY_SECONDS = 60
PAUSES_EVERY_SECONDS = 600
# Asking to agree to a new consent text: soon after it is published, and after a pause ends.
CONSENT_RENEWALS_EVERY_SECONDS = 600
# Session reminders two days before: hourly, so a session published late still gets one.
SESSION_REMINDERS_EVERY_SECONDS = 3600
DIGEST_AT = {"hour": 8, "minute": 0}  # local time, every day
RETENTION_AT = {"hour": 3, "minute": 30}  # local time, every day: a quiet hour
# Every job: never two runs of it at once, missed runs collapse into one, however late.
JOB_DEFAULTS = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
# On a stop signal, jobs already running get this long to finish (a dispatch pass takes
# seconds); one still running after it is cancelled, and its transaction rolls back.
STOP_GRACE_SECONDS = 30


class RunningJobs:
    """The jobs running now, so that stopping lets them finish instead of cancelling them
    halfway through a transaction (APScheduler's shutdown cancels what is running)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def track(
        self, job: Callable[[], Coroutine[Any, Any, None]]
    ) -> Callable[[], Coroutine[Any, Any, None]]:
        @functools.wraps(job)
        async def tracked() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._tasks.add(task)
            try:
                await job()
            finally:
                if task is not None:
                    self._tasks.discard(task)

        return tracked

    async def finish(self, grace_seconds: float) -> int:
        """Wait up to ``grace_seconds`` for the running jobs; how many are still running."""
        running = {task for task in self._tasks if task is not asyncio.current_task()}
        if not running:
            return 0
        _, pending = await asyncio.wait(running, timeout=grace_seconds)
        return len(pending)


def make_transport(settings: Settings) -> Transport:
    return transport_from_settings(
        settings.mail_backend,
        mail_dir=settings.mail_dir,
        smtp_url=settings.smtp_url,
        http_url=settings.mail_http_url,
        http_token=str(settings.mail_http_token),
        http_provider=settings.mail_http_provider,
    )


def build_scheduler(
    settings: Settings, transport: Transport, running: RunningJobs | None = None
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=settings.timezone, job_defaults=JOB_DEFAULTS)
    track = (running or RunningJobs()).track

    async def dispatch() -> None:
        report = await drain(settings, transport)
        if report.claimed:
            logger.info(
                "outbox: %d claimed, %d sent, %d retrying, %d failed, %d dead",
                report.claimed,
                report.sent,
                report.retrying,
                report.failed,
                report.dead,
            )

    async def nudges() -> None:
        queued = await queue_due_nudges(settings)
        if queued:
            logger.info("nudges: %d queued", queued)

    async def pauses() -> None:
        resumed = await resume_ended_pauses()
        if resumed:
            logger.info("pauses: %d attendees active again", resumed)

    async def consent_renewals() -> None:
        asked = await queue_consent_renewals(settings)
        if asked:
            logger.info("consent: %d attendees asked to agree to the new text", asked)

    async def session_reminders() -> None:
        released = await release_seats_of_leavers(settings)
        if released:
            logger.info("sessions: %d seats of people who left released", released)
        reminded = await queue_reminders(settings)
        if reminded:
            logger.info("sessions: %d reminders queued", reminded)

    async def digest() -> None:
        listed = await queue_dead_letter_digest(settings)
        if listed:
            logger.info("digest: %d undeliverable messages reported", listed)

    async def retention() -> None:
        report = await run_retention(settings)
        logger.info(
            "retention: %d erased after leaving, %d sign-ups and %d pending attendees deleted,"
            " %d asked to stay, %d erased after no answer",
            report.erased_after_leaving,
            report.signups_deleted,
            report.pending_deleted,
            report.asked_to_stay,
            report.erased_inactive,
        )

    async def monthly_round() -> None:
        await plan_month_on_schedule(settings)

    hour, _, minute = settings.round_draft_time.partition(":")
    scheduler.add_job(track(dispatch), "interval", seconds=DISPATCH_EVERY_SECONDS, id="dispatch")
    scheduler.add_job(
        track(monthly_round),
        "cron",
        id="monthly_round",
        day=settings.round_draft_day,
        hour=int(hour),
        minute=int(minute),
    )
    scheduler.add_job(track(nudges), "interval", seconds=NUDGES_EVERY_SECONDS, id="nudges")
    scheduler.add_job(track(pauses), "interval", seconds=PAUSES_EVERY_SECONDS, id="pauses")
    scheduler.add_job(track(digest), "cron", id="dead_letter_digest", **DIGEST_AT)
    scheduler.add_job(track(retention), "cron", id="retention", **RETENTION_AT)
    scheduler.add_job(
        track(consent_renewals),
        "interval",
        seconds=CONSENT_RENEWALS_EVERY_SECONDS,
        id="consent_renewals",
    )
    scheduler.add_job(
        track(session_reminders),
        "interval",
        seconds=SESSION_REMINDERS_EVERY_SECONDS,
        id="session_reminders",
    )
    return scheduler


async def run_worker(settings: Settings) -> None:
    await db.init_db(settings)
    transport = make_transport(settings)
    running = RunningJobs()
    scheduler = build_scheduler(settings, transport, running)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    scheduler.start()
    logger.info("worker started (mail backend: %s)", settings.mail_backend)
    try:
        await stop.wait()
    finally:
        # Stopping now: a second signal (Ctrl-C reaches the whole process group, and
        # `make demo` sends TERM as well) must not kill the process halfway through its
        # goodbyes, nor land after the loop has closed.
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
            signal.signal(signum, signal.SIG_IGN)
        # No new runs; the ones under way finish (a pass of the outbox is mid-transaction).
        scheduler.pause()
        cut_short = await running.finish(STOP_GRACE_SECONDS)
        if cut_short:
            logger.warning(
                "worker: %d job(s) still running after %d s, cancelled",
                cut_short,
                STOP_GRACE_SECONDS,
            )
        scheduler.shutdown(wait=False)
        await transport.aclose()
        await db.close_db()
        logger.info("worker stopped")
