"""The ``peernet`` command: migrate, serve, worker, create-event, demo-data."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from peernet import clock, db
from peernet.errors import FieldErrors, PeernetError
from peernet.settings import Settings, SettingsError, load_settings


async def _with_db(settings: Settings, work: Callable[[], Awaitable[None]]) -> None:
    await db.init_db(settings)
    try:
        await work()
    finally:
        await db.close_db()


def _migrate(settings: Settings, args: argparse.Namespace) -> None:
    async def run() -> None:
        try:
            await db.migrate_db(settings)
        finally:
            await db.close_db()

    asyncio.run(run())
    print("migrations applied")


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from peernet.web.app import create_app

    uvicorn.run(create_app(settings), host=args.host, port=args.port, proxy_headers=True)


def _worker(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.worker import run_worker

    asyncio.run(run_worker(settings))


def _create_event(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.events.service import create_event

    try:
        on = date.fromisoformat(args.date)
    except ValueError:
        raise PeernetError(f"--date: {args.date!r} is not a date like 2026-12-01") from None

    async def work() -> None:
        event = await create_event(
            slug=args.slug, title=args.title, on=on, place=args.place, organiser=args.organiser
        )
        print(f"event created: {settings.base_url}/join/{event.slug}")

    asyncio.run(_with_db(settings, work))


def _demo_data(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.demo import DEMO_COORDINATOR_PASSWORD, ensure_demo_coordinator, load_demo_data

    async def work() -> None:
        created, total = await load_demo_data(args.size)
        print(f"demo data: {created} attendees created, {total} in the demo population")
        print(f"sign-up page: {settings.base_url}/join/demo")
        if not settings.is_production:
            coordinator = await ensure_demo_coordinator()
            print(
                f"coordinator sign-in: {settings.base_url}/coordinator/login"
                f" as {coordinator.email} with password {DEMO_COORDINATOR_PASSWORD}"
            )

    asyncio.run(_with_db(settings, work))


def _plan_round(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.rounds.planning import propose_round
    from peernet.rounds.views import round_view

    async def work() -> None:
        rnd, _ = await propose_round(settings, args.period, actor="cli")
        view = await round_view(rnd.id, settings.default_locale)
        print(f"round {rnd.id} ({rnd.period}, draft version {rnd.version})")
        for line in view.figures:
            print(f"  {line}")
        if args.show:
            for number, group in enumerate(view.groups, start=1):
                people = "; ".join(
                    f"{m.name} (#{m.id}, {m.role_label}, {m.region_label})" for m in group.members
                )
                print(f"{number:4}. {people}{'  [pinned]' if group.pinned else ''}")
                for reason in group.reasons:
                    print(f"        - {reason}")
            for left in view.unmatched:
                print(f"  not matched: {left.member.name} (#{left.member.id}): {left.reason}")
        print(f"publish it with: peernet publish-round {rnd.id}")

    asyncio.run(_with_db(settings, work))


def _publish_round(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.rounds.publishing import publish_round

    async def work() -> None:
        outcome = await publish_round(settings, args.round_id, actor="cli")
        print(
            f"round {outcome.round_id} ({outcome.period}) published:"
            f" {outcome.introductions} introductions queued,"
            f" {len(outcome.told_unmatched)} told they are not matched,"
            f" {len(outcome.dropped)} dropped since the draft"
        )

    asyncio.run(_with_db(settings, work))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peernet", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=_migrate)
    serve = commands.add_parser("serve", help="serve the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)
    commands.add_parser("worker", help="send email and nudges").set_defaults(run=_worker)
    event = commands.add_parser("create-event", help="create an event with a sign-up page")
    event.add_argument("--slug", required=True)
    event.add_argument("--title", required=True)
    event.add_argument("--date", required=True, help="YYYY-MM-DD")
    event.add_argument("--place", required=True)
    event.add_argument("--organiser", default="")
    event.set_defaults(run=_create_event)
    demo = commands.add_parser("demo-data", help="load the demo event and population")
    demo.add_argument("--size", type=int, default=320)
    demo.set_defaults(run=_demo_data)
    plan = commands.add_parser("plan-round", help="plan the month's draft round, or plan it again")
    plan.add_argument("--period", required=True, help="YYYY-MM, this month or later")
    plan.add_argument("--show", action="store_true", help="print every group and why")
    plan.set_defaults(run=_plan_round)
    publish = commands.add_parser("publish-round", help="publish a draft round: introductions")
    publish.add_argument("round_id", type=int)
    publish.set_defaults(run=_publish_round)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # APScheduler logs every run of every job at INFO: a line every few seconds.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        clock.shift_clock(settings.clock_offset_days)
        args.run(settings, args)
    except FieldErrors as exc:
        for field, problem in exc.errors.items():
            print(f"peernet: --{field}: {problem}", file=sys.stderr)
        return 2
    except (SettingsError, PeernetError) as exc:
        print(f"peernet: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
