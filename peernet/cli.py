"""The ``peernet`` command: the database, the web app and the worker, events, monthly rounds,
coordinator accounts and API tokens, and an attendee's rights (export, erase). Each command
below has its own --help."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from types import FrameType

from peernet import clock, db, logs
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


def _stopped(signum: int, frame: object) -> None:
    """Uvicorn shuts down on SIGINT or SIGTERM and then raises the signal again to the
    handler it found; this one lets ``peernet serve`` end with status 0 instead of dying
    of it, so that ``make demo`` and process managers see a clean stop."""


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import signal

    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from peernet.web.app import create_app

    class Server(uvicorn.Server):
        """Uvicorn's server, forced to quit by a second Ctrl-C only. Uvicorn forces on any
        SIGINT after another signal, skipping the app's shutdown (and logging its cancelled
        lifespan as a traceback); but `make demo`'s Ctrl-C reaches this process twice, from
        the terminal and as a SIGTERM from the recipe's trap, in either order."""

        interrupts = 0

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            forced = self.force_exit
            super().handle_exit(sig, frame)
            if sig == signal.SIGINT:
                self.interrupts += 1
            self.force_exit = forced or self.interrupts > 1

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stopped)
    config = uvicorn.Config(
        create_app(settings),
        host=args.host,
        port=args.port,
        proxy_headers=True,
        server_header=False,
        log_config=logs.uvicorn_log_config(),
    )
    server = Server(config)
    server.run()
    if not server.started:  # as uvicorn.run: the port was taken, or the app failed to start
        sys.exit(STARTUP_FAILURE)


def _worker(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.worker import run_worker

    asyncio.run(run_worker(settings))


def _day_and_time(value: str) -> tuple[str, str]:
    """ "2026-12-10T13:00" -> ("2026-12-10", "13:00"); "13:00" -> ("", "13:00")."""
    day, _, moment = value.rpartition("T")
    return day, moment


def _create_event(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.events.service import check_details, create_event

    start_day, args.starts = _day_and_time(args.starts)
    end_day, args.ends = _day_and_time(args.ends)
    args.date = args.date or start_day
    if end_day and end_day != args.date:
        raise FieldErrors({"ends": "not_same_day"})

    details = check_details(
        {
            "title": args.title,
            "date": args.date,
            "place": args.place,
            "organiser": args.organiser,
            "region": args.region,
            "signup_until": args.signup_until,
            "starts": args.starts,
            "ends": args.ends,
            "capacity": args.capacity,
            "description": args.description,
            "published": args.publish,
        },
        region_required=True,
        tz=settings.timezone,
    )

    async def work() -> None:
        event = await create_event(
            slug=args.slug,
            title=details.title,
            on=details.on,
            place=details.place,
            organiser=details.organiser,
            region=details.region,
            signup_until=details.signup_until,
            region_required=True,
            actor=_CLI,
            details=details,
        )
        print(f"event created: {settings.base_url}/join/{event.slug}")

    asyncio.run(_with_db(settings, work))


def _announce_event(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.events.announcements import announce

    async def work() -> None:
        queued = await announce(settings, args.slug, actor=_CLI)
        print(f"announcement queued for {queued} attendees")

    asyncio.run(_with_db(settings, work))


def _demo_data(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.demo import (
        DEMO_COORDINATOR_PASSWORD,
        ensure_demo_coordinator,
        load_demo_data,
        load_demo_sessions,
    )

    async def work() -> None:
        created, total = await load_demo_data(args.size)
        print(f"demo data: {created} attendees created, {total} in the demo population")
        announced = await load_demo_sessions(settings)
        print(f"agenda: {settings.base_url}/agenda ({announced} announcements queued)")
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
        view = await round_view(rnd.id, "en")  # the command speaks English, like its options
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
            f" {len(outcome.dropped)} dropped since the draft,"
            f" {len(outcome.dissolved)} groups dissolved (kept apart or repeats since the draft)"
        )

    asyncio.run(_with_db(settings, work))


# Coordinator accounts and API tokens. Each change is in the audit log, by actor "cli".
_CLI = "cli"


def _explained(exc: FieldErrors, names: dict[str, str]) -> PeernetError:
    """A field error in the command's own terms: ``password: must be at least ...``."""
    from peernet.coordinators.service import MIN_PASSWORD_LENGTH

    problems = {
        "invalid_email": "is not a valid email address",
        "password_too_short": f"must be at least {MIN_PASSWORD_LENGTH} characters long",
        "too_long": "is too long",
    }
    return PeernetError(
        "; ".join(
            f"{names.get(field, field)}: {problems.get(problem, problem)}"
            for field, problem in exc.errors.items()
        )
    )


def _read_password() -> str:
    if not sys.stdin.isatty():
        # Piped in (``echo "$PW" | peernet create-coordinator ...``): the line's end is not
        # part of the password; any other whitespace is.
        text = sys.stdin.read()
        for ending in ("\r\n", "\n"):
            if text.endswith(ending):
                return text[: -len(ending)]
        return text
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise PeernetError("password: the two entries differ")
    return first


def _create_coordinator(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.coordinators.accounts import register

    password = _read_password()

    async def work() -> None:
        try:
            coordinator = await register(args.email, password, name=args.name, actor=_CLI)
        except FieldErrors as exc:
            raise _explained(exc, {"email": "EMAIL", "name": "--name"}) from None
        print(
            f"coordinator {coordinator.id} created: {coordinator.email} ({coordinator.name});"
            f" sign in at {settings.base_url}/coordinator/login"
        )

    asyncio.run(_with_db(settings, work))


def _create_api_token(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.coordinators.accounts import issue_token
    from peernet.coordinators.service import get_coordinator

    async def work() -> None:
        coordinator = await get_coordinator(args.email)
        try:
            issued = await issue_token(coordinator, label=args.label, actor=_CLI)
        except FieldErrors as exc:
            raise _explained(exc, {"label": "--label"}) from None
        # The token alone on standard output, so that TOKEN=$(peernet create-api-token ...)
        # works; the note goes to standard error.
        print(issued.token)
        print(
            f"API token {issued.record.id} for coordinator {coordinator.id}: copy it now,"
            " peernet stores only its hash and cannot show it again",
            file=sys.stderr,
        )

    asyncio.run(_with_db(settings, work))


def _list_api_tokens(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.coordinators.service import get_coordinator, list_api_tokens

    def when(moment: datetime | None) -> str:
        # A column for scripts and terminals: sortable local time, no spaces in the date.
        return moment.astimezone(settings.timezone).strftime("%Y-%m-%d %H:%M") if moment else "-"

    async def work() -> None:
        owner = await get_coordinator(args.email) if args.email else None
        rows = [("id", "coordinator", "label", "prefix", "created", "last used", "revoked")]
        for token in await list_api_tokens(owner):
            rows.append(
                (
                    str(token.id),
                    token.coordinator.email,
                    token.label or "-",
                    token.prefix,
                    when(token.created_at),
                    when(token.last_used_at),
                    when(token.revoked_at),
                )
            )
        if len(rows) == 1:
            print("no API tokens")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            print(line.rstrip())

    asyncio.run(_with_db(settings, work))


def _revoke_api_token(settings: Settings, args: argparse.Namespace) -> None:
    from peernet.coordinators.accounts import revoke_token

    async def work() -> None:
        token = await revoke_token(args.token_id, actor=_CLI)
        print(f"API token {token.id} ({token.prefix}...) revoked")

    asyncio.run(_with_db(settings, work))


def _unknown_attendee(email: str) -> SystemExit:
    print(f"peernet: no attendee with the address {email}", file=sys.stderr)
    return SystemExit(1)


def _export(settings: Settings, args: argparse.Namespace) -> None:
    """``peernet export EMAIL``: everything kept about one attendee, as JSON on stdout."""
    import json

    from peernet.attendees.rights import (
        AttendeeNotFound,
        export_attendee,
        find_by_email,
        record_export,
    )

    async def work() -> None:
        try:
            attendee = await find_by_email(args.email)
        except AttendeeNotFound:
            raise _unknown_attendee(args.email) from None
        data = await export_attendee(attendee.id)
        await record_export(attendee.id, actor=_CLI)
        print(json.dumps(data, indent=2, ensure_ascii=False))

    asyncio.run(_with_db(settings, work))


def _erase(settings: Settings, args: argparse.Namespace) -> None:
    """``peernet erase EMAIL``: erase an attendee on a request that came by other means."""
    from peernet.attendees.rights import AttendeeNotFound, erase_attendee, find_by_email

    if not args.yes:
        if not sys.stdin.isatty():
            raise PeernetError("erase: not at a terminal, so nothing is asked: add --yes")
        answer = input(f"Erase everything kept about {args.email}? This cannot be undone. [y/N] ")
        if answer.strip().lower() not in ("y", "yes", "j", "ja"):
            print("nothing erased")
            return

    async def work() -> None:
        try:
            attendee = await find_by_email(args.email)
        except AttendeeNotFound:
            raise _unknown_attendee(args.email) from None
        erased = await erase_attendee(settings, attendee.id, actor=_CLI, reason="request")
        print(f"attendee {attendee.id} " + ("erased" if erased else "was already erased"))

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
    event.add_argument("--date", default="", help="YYYY-MM-DD (or give --starts with a date)")
    event.add_argument("--place", required=True)
    event.add_argument("--organiser", default="")
    event.add_argument(
        "--unit", "--region", dest="region", default="", help="police unit, a taxonomy key"
    )
    event.add_argument("--signup-until", default="", help="last sign-up day, YYYY-MM-DD")
    event.add_argument("--starts", default="", help="HH:MM local time, or YYYY-MM-DDTHH:MM")
    event.add_argument("--ends", default="", help="HH:MM local time, or YYYY-MM-DDTHH:MM")
    event.add_argument("--capacity", default="", help="number of seats (empty: no limit)")
    event.add_argument("--description", default="")
    event.add_argument("--publish", action="store_true", help="show it on the public agenda")
    event.set_defaults(run=_create_event)
    announce = commands.add_parser(
        "announce-event",
        help="email a published session to everyone nearby who asked (once per person)",
    )
    announce.add_argument("slug")
    announce.set_defaults(run=_announce_event)
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
    account = commands.add_parser(
        "create-coordinator",
        help="create a coordinator account; the password is read from standard input if piped",
    )
    account.add_argument("email")
    account.add_argument("--name", default="")
    account.set_defaults(run=_create_coordinator)
    issue = commands.add_parser(
        "create-api-token", help="print a new API token for a coordinator (shown once)"
    )
    issue.add_argument("email")
    issue.add_argument("--label", default="")
    issue.set_defaults(run=_create_api_token)
    listing = commands.add_parser("list-api-tokens", help="list API tokens (of one coordinator)")
    listing.add_argument("email", nargs="?")
    listing.set_defaults(run=_list_api_tokens)
    revoke = commands.add_parser("revoke-api-token", help="revoke an API token by its id")
    revoke.add_argument("token_id", type=int)
    revoke.set_defaults(run=_revoke_api_token)
    export = commands.add_parser("export", help="print everything kept about an attendee (JSON)")
    export.add_argument("email")
    export.set_defaults(run=_export)
    erase = commands.add_parser("erase", help="erase an attendee's personal data everywhere")
    erase.add_argument("email")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    erase.set_defaults(run=_erase)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # APScheduler logs every run of every job at INFO: a line every few seconds.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logs.install()  # ids in the logs, never email addresses
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        clock.shift_clock(settings.clock_offset_days)
        args.run(settings, args)
    except FieldErrors as exc:
        from peernet.i18n import catalog

        for field, problem in exc.errors.items():
            # Services name a problem by its code; the interface text says it in words.
            text = catalog("en").get(f"error.{problem}", problem)
            flag = field.replace("_", "-")
            print(f"peernet: --{flag}: {text}", file=sys.stderr)
        return 2
    except (SettingsError, PeernetError) as exc:
        print(f"peernet: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
