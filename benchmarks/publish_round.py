"""Publishing a round of ``--people`` attendees: groups, outbox rows, nudge due dates.

    python -m benchmarks.publish_round [--people 10000] [--database-url postgres://...]

Creates ``--people`` synthetic active, consenting attendees and a planned draft round of
pairs (the explanation of each pair as the planner stores it) with bulk inserts into a
fresh database, then times :func:`peernet.rounds.publishing.publish_round`: one
transaction that claims the round, re-reads every member, writes one introduction per
member into the outbox (a magic link each) and the nudge due dates of every group. Without
``--database-url`` it uses SQLite in a temporary folder; a PostgreSQL database given is
emptied first (its tables are dropped and migrated again), so never point it at real data.
The target (issue 11): 10,000 people on PostgreSQL in under 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from tortoise import connections
from tortoise.exceptions import DBConnectionError

from matching import explain_group
from peernet import clock, db
from peernet.attendees.consents import CONSENT_PURPOSE, current_version
from peernet.attendees.models import Attendee, AttendeeStatus, Consent
from peernet.outbox.models import OutboxMessage
from peernet.rounds.models import Match, MatchMember, Round
from peernet.rounds.planning import explanation_of, load_history, neighbours, profiles_of
from peernet.rounds.publishing import publish_round
from peernet.settings import Settings, load_settings

ROLES = ("teacher", "youth_worker", "community_police_officer", "social_worker")
REGIONS = ("midden_nederland", "noord_holland", "rotterdam", "oost_nederland")


async def _empty(settings: Settings) -> None:
    """Drop every table of a PostgreSQL database so that the migrations start clean."""
    if not settings.database_url.startswith("postgres"):
        return
    await db.init_db(settings)
    connection = connections.get("default")
    await connection.execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await db.close_db()


async def prepare(settings: Settings, people: int) -> int:
    """A draft round of ``people // 2`` pairs; returns its id."""
    await _empty(settings)
    await db.migrate_db(settings)
    await db.close_db()
    await db.init_db(settings)
    now = clock.now()
    await Attendee.bulk_create(
        [
            Attendee(
                name=f"Deelnemer {n}",
                email=f"deelnemer{n}@example.org",
                email_normalized=f"deelnemer{n}@example.org",
                organisation="Gemeente Utrecht",
                role=ROLES[n % len(ROLES)],
                region=REGIONS[(n // 2) % len(REGIONS)],
                expertise=["polarisation"],
                gaps=["family_approach"],
                languages=["nl"],
                meeting_preference="either",
                locale="nl" if n % 5 else "en",
                status=AttendeeStatus.ACTIVE,
                created_at=now,
                updated_at=now,
            )
            for n in range(people)
        ],
        batch_size=1000,
    )
    attendees = await Attendee.all().order_by("id")
    version = current_version()
    await Consent.bulk_create(
        [
            Consent(
                attendee_id=a.id,
                purpose=CONSENT_PURPOSE,
                text_version=version,
                locale="nl",
                channel="form:/join/bench",
                given_at=now,
                confirmed_at=now,
            )
            for a in attendees
        ],
        batch_size=1000,
    )
    pairs = list(zip(attendees[::2], attendees[1::2], strict=True))
    # Pairs of the same two profiles explain alike: explain each kind once, then put the
    # pair's own ids into a copy.
    history = await load_history()
    explained: dict[tuple[str, ...], dict[str, Any]] = {}
    explanations: list[dict[str, Any]] = []
    for a, b in pairs:
        kind = (a.role, b.role, a.region, b.region, a.locale, b.locale)
        if kind not in explained:
            group = explain_group(
                profiles_of([a, b], history), today=now.date(), neighbours=neighbours()
            )
            explained[kind] = explanation_of(group)
        explanation = copy.deepcopy(explained[kind])
        for link in explanation.get("links", []):
            link["a"], link["b"] = a.id, b.id
        explanations.append(explanation)
    rnd = await Round.create(period=now.strftime("%Y-%m"), created_at=now, planned_at=now)
    await Match.bulk_create(
        [Match(round_id=rnd.id, score=1.0, explanation=e) for e in explanations],
        batch_size=1000,
    )
    match_ids = await Match.filter(round_id=rnd.id).order_by("id").values_list("id", flat=True)
    await MatchMember.bulk_create(
        [
            MatchMember(match_id=match_id, attendee_id=person.id)
            for match_id, pair in zip(match_ids, pairs, strict=True)
            for person in pair
        ],
        batch_size=1000,
    )
    await db.close_db()
    return rnd.id


async def _server_pids() -> list[int]:
    """The PostgreSQL backends serving this database (the benchmark's own connections)."""
    if connections.get("default").capabilities.dialect != "postgres":
        return []
    _, rows = await connections.get("default").execute_query(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    )
    return [int(row["pid"]) for row in rows]


def _server_cpu(pids: list[int]) -> float | None:
    """CPU seconds the backends ``pids`` have used, where the server runs on this machine
    (its /proc is readable); None elsewhere."""
    total = 0
    try:
        for pid in pids:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


async def publish(settings: Settings, round_id: int) -> tuple[float, float, float | None, int, int]:
    """Wall-clock seconds, this process's CPU seconds, the PostgreSQL server's CPU seconds
    for it (None on SQLite or a server elsewhere), introductions and groups."""
    await db.init_db(settings)
    try:
        pids = await _server_pids()
        server_started = _server_cpu(pids)
        started, cpu_started = time.perf_counter(), time.process_time()
        outcome = await publish_round(settings, round_id)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        server_ended = _server_cpu(pids) if await _server_pids() == pids else None
        server = (
            server_ended - server_started
            if pids and server_started is not None and server_ended is not None
            else None
        )
        queued = await OutboxMessage.filter(kind="introduction").count()
        due = await Match.filter(round_id=round_id, nudge_met_due_at__isnull=False).count()
    finally:
        await db.close_db()
    if queued != outcome.introductions or due != outcome.groups:
        raise RuntimeError(f"published {outcome}, but {queued} outbox rows and {due} due dates")
    return seconds, cpu, server, outcome.introductions, outcome.groups


def _load() -> str:
    try:
        with open("/proc/loadavg") as loadavg:
            return " ".join(loadavg.read().split()[:3])
    except OSError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument(
        "--database-url",
        help="an empty PostgreSQL database (emptied first!); default SQLite in a temp folder",
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile profile")
    options = parser.parse_args(argv)
    if options.people < 2 or options.people % 2:
        parser.error("--people must be an even number of at least 2")
    url = options.database_url or (
        f"sqlite://{tempfile.mkdtemp(prefix='peernet-bench-')}/bench.sqlite3"
    )
    settings = load_settings(
        {
            "DATABASE_URL": url,
            "BASE_URL": "https://peernet.example.nl",
            "SECRET_KEY": "benchmark-only-secret-key-not-for-production-use-0123456789",
            "MAIL_FROM": "peernet <noreply@peernet.example.nl>",
        }
    )
    started = time.perf_counter()
    try:
        round_id = asyncio.run(prepare(settings, options.people))
    except DBConnectionError as error:
        print(f"--database-url: {error} (create it first, e.g. createdb peernet_bench)")
        return 2
    print(f"prepared {options.people:,} people in {time.perf_counter() - started:.1f} s")
    if options.profile:
        with cProfile.Profile() as profiler:
            seconds, cpu, server, introductions, groups = asyncio.run(publish(settings, round_id))
        order = os.environ.get("PROFILE_SORT", "cumulative")  # or tottime
        pstats.Stats(profiler).sort_stats(order).print_stats(40)
    else:
        seconds, cpu, server, introductions, groups = asyncio.run(publish(settings, round_id))
    engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(
        f"publish_round: {options.people:,} people, {groups:,} groups, "
        f"{introductions:,} introductions in {seconds:.2f} s on {engine} (target: < 5 s), "
        f"{cpu:.2f} s of it on this process's CPU"
        + (f", {server:.2f} s on the database server's" if server is not None else "")
        + f"; load average {_load()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
