"""The ``peernet`` command: migrate, serve, worker, create-event, demo-data."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from peernet import db
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
    from peernet.demo import load_demo_data

    async def work() -> None:
        created, total = await load_demo_data(args.size)
        print(f"demo data: {created} attendees created, {total} in the demo population")
        print(f"sign-up page: {settings.base_url}/join/demo")

    asyncio.run(_with_db(settings, work))


def _plan_round(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.rounds.planning import propose_round

    async def work() -> None:
        rnd, plan = await propose_round(args.period)
        s = plan.stats
        print(
            f"round {rnd.id} ({rnd.period}, draft): {s.people} people, {s.pairs} pairs,"
            f" {s.trios} trio(s), {s.unmatched} unmatched; gap covered for"
            f" {s.share_gap_covered:.0%}, cross-disciplinary {s.share_cross_disciplinary:.0%},"
            f" same region {s.share_same_region:.0%}, repeats {s.repeats};"
            f" certificate {s.certificate:.4f} (weight {s.weight:.1f} / bound {s.upper_bound:.1f})"
        )
        print(f"publish it with: peernet publish-round {rnd.id}")

    asyncio.run(_with_db(settings, work))


def _publish_round(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.rounds.service import publish_round

    async def work() -> None:
        queued = await publish_round(settings, args.round_id)
        print(f"round {args.round_id} published: {queued} introductions queued")

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
    plan = commands.add_parser("plan-round", help="propose a round of matches (a draft)")
    plan.add_argument("--period", required=True, help="YYYY-MM")
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
