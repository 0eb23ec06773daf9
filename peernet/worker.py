"""The worker process: APScheduler 3 runs jobs that only call services.

Due dates live in the database, never as APScheduler date jobs, so a restart loses
nothing and a second worker does no harm. The web process never starts a scheduler.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from notifications import Transport, transport_from_settings
from peernet import db
from peernet.outbox.dispatch import drain
from peernet.settings import Settings

logger = logging.getLogger("peernet.worker")

DISPATCH_EVERY_SECONDS = 3


def make_transport(settings: Settings) -> Transport:
    return transport_from_settings(
        settings.mail_backend,
        mail_dir=settings.mail_dir,
        smtp_url=settings.smtp_url,
        http_url=settings.mail_http_url,
        http_token=str(settings.mail_http_token),
        http_provider=settings.mail_http_provider,
    )


def build_scheduler(settings: Settings, transport: Transport) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=settings.timezone)

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

    scheduler.add_job(
        dispatch,
        "interval",
        seconds=DISPATCH_EVERY_SECONDS,
        id="dispatch",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    return scheduler


async def run_worker(settings: Settings) -> None:
    await db.init_db(settings)
    transport = make_transport(settings)
    scheduler = build_scheduler(settings, transport)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    scheduler.start()
    logger.info("worker started (mail backend: %s)", settings.mail_backend)
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await transport.aclose()
        await db.close_db()
        logger.info("worker stopped")
