"""The month's draft, on schedule: the worker plans it on the configured day and tells the
coordinators; publishing stays a person's decision unless AUTO_PUBLISH is set."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from peernet.coordinators.service import coordinator_recipients
from peernet.outbox.service import enqueue
from peernet.rounds.models import Round, RoundStatus
from peernet.rounds.planning import RoundPublished, local_today, propose_round
from peernet.rounds.publishing import publish_round
from peernet.rounds.service import as_published
from peernet.rounds.unmatched import period_label
from peernet.settings import Settings

logger = logging.getLogger("peernet.rounds")

ACTOR = "worker"


@dataclass(frozen=True)
class ScheduledOutcome:
    round_id: int
    period: str
    published: bool


async def plan_month_on_schedule(settings: Settings) -> ScheduledOutcome | None:
    """Plan this month's draft unless the month already has a round; ``None`` then."""
    period = local_today(settings).strftime("%Y-%m")
    if await Round.exists(period=period):
        return None
    try:
        rnd, _ = await propose_round(settings, period, actor=ACTOR)
    except RoundPublished:
        return None
    published = False
    if settings.auto_publish:
        try:
            await publish_round(settings, rnd.id, actor=ACTOR)
            published = True
        except RoundPublished:
            published = True  # another worker published it a moment ago
    rnd = await Round.get(id=rnd.id)
    stats = as_published(rnd.stats)
    for recipient in await coordinator_recipients(settings):
        locale = settings.default_locale
        name, email = recipient.name.split(" ")[0] if recipient.name else "", recipient.email
        await enqueue(
            settings,
            key=f"round_ready:{rnd.id}:{'published' if published else 'draft'}:{email.lower()}",
            kind="round_ready",
            locale=locale,
            recipient=recipient,
            context={
                "name": name,
                "period_label": period_label(period, locale),
                "groups": stats.get("groups", 0),
                "unmatched": stats.get("unmatched", 0),
                "auto_published": published and rnd.status is RoundStatus.PUBLISHED,
                "round_url": f"{settings.base_url}/coordinator/rounds/{rnd.id}",
                "admin_url": f"{settings.base_url}/coordinator/",
            },
        )
    logger.info("round %d (%s) planned on schedule, published: %s", rnd.id, period, published)
    return ScheduledOutcome(round_id=rnd.id, period=period, published=published)
