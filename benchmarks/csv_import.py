"""The CSV import of an event's registration list, end to end through the service.

    python -m benchmarks.csv_import [--lines 5000] [--database-url URL]

Writes a registration list of ``--lines`` lines, about 3% of them bad (no name, a broken
address, an unknown role, an address repeated), into a fresh database (SQLite in a
temporary folder unless ``--database-url`` names one to empty, e.g. a PostgreSQL test
database), then times: the preview (every line checked, nothing stored), the first import
(each good line an attendee, an invitation and its email in one transaction), the same
file again, and an edited copy (a tenth of the names respelled, 100 lines gone, 100 new).
The second and third runs must store nobody twice; the script fails if they do.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date

from tortoise import connections

from peernet import db
from peernet.attendees.importing import import_registrations, preview_import
from peernet.attendees.models import Attendee, Signup
from peernet.events.service import create_event
from peernet.outbox.models import OutboxMessage
from peernet.settings import Settings, load_settings

_ROLES = ("Wijkagent", "Jongerenwerker", "youth_worker", "Docent", "Community police officer")
_UNITS = ("Rotterdam", "Midden-Nederland", "noord_holland", "Oost-Nederland", "Den Haag")


def registration_list(lines: int, *, start: int = 0, respell: bool = False) -> bytes:
    rows = ["naam;e-mailadres;organisatie;rol;eenheid"]
    for n in range(start, start + lines):
        name = f"Deelnemer {n}" + (" (bijgewerkt)" if respell and n % 10 == 0 else "")
        email = f"deelnemer{n}@example.org"
        role, unit = _ROLES[n % len(_ROLES)], _UNITS[n % len(_UNITS)]
        if n % 97 == 1:
            name = ""
        elif n % 97 == 2:
            email = f"deelnemer{n}-at-example.org"
        elif n % 97 == 3:
            role = "Astronaut"
        elif n % 97 == 4:
            email = f"DEELNEMER{n - 5}@example.org"  # an earlier line, again
        rows.append(f"{name};{email};Organisatie {n % 150};{role};{unit}")
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode()


async def prepare(settings: Settings) -> None:
    if settings.database_url.startswith(("postgres", "asyncpg")):
        await db.init_db(settings)
        await connections.get("default").execute_script(
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
        )
        await db.close_db()
    await db.migrate_db(settings)
    await db.close_db()


async def run(settings: Settings, lines: int) -> None:
    await db.init_db(settings)
    try:
        event = await create_event(
            slug="benchmark", title="Terugkomdag", on=date(2026, 11, 12), place="Utrecht"
        )
        first = registration_list(lines)
        edited = (
            registration_list(lines - 100, start=100, respell=True)
            + registration_list(100, start=lines).split(b"\r\n", 1)[1]
        )

        started = time.perf_counter()
        preview = await preview_import(first)
        seconds = time.perf_counter() - started
        print(f"preview of {len(preview.lines):,} lines:   {seconds:6.2f} s "
              f"({len(preview.lines) / seconds:,.0f} lines/s): {preview.good:,} good, "
              f"{preview.known:,} repeated, {preview.refused:,} refused")  # fmt: skip

        for label, content in (("first import", first), ("same file again", first),
                               ("edited copy", edited)):  # fmt: skip
            started = time.perf_counter()
            batch = await import_registrations(settings, event, content, filename=label)
            seconds = time.perf_counter() - started
            print(f"{label + ':':22s} {seconds:6.2f} s ({batch.lines / seconds:,.0f} lines/s): "
                  f"{batch.stored:,} stored, {batch.already_known:,} already known, "
                  f"{batch.refused:,} refused")  # fmt: skip

        people = await Attendee.all().count()
        invitations = await Signup.filter(kind="invitation").count()
        emails = await OutboxMessage.filter(kind="invitation").count()
        print(f"stored: {people:,} attendees, {invitations:,} invitations, {emails:,} emails")
        if not people == invitations == emails:
            raise RuntimeError("someone was stored or invited twice")
    finally:
        await db.close_db()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--database-url", help="a database to empty and use (default: SQLite)")
    options = parser.parse_args(argv)
    url = options.database_url or (
        f"sqlite://{tempfile.mkdtemp(prefix='peernet-bench-')}/bench.sqlite3"
    )
    settings = load_settings(
        {
            "DATABASE_URL": url,
            # Its own key: the development key is refused with a BASE_URL off loopback.
            "SECRET_KEY": "benchmark-only-secret-key-not-for-production-use-0123456789",
            "MAIL_BACKEND": "file",
            "MAIL_DIR": tempfile.mkdtemp(prefix="peernet-bench-mail-"),
            "BASE_URL": "https://peernet.example.nl",
            "MAIL_FROM": "peernet <noreply@peernet.example.nl>",
        }
    )
    print(f"database: {url.split('://', 1)[0]}")
    asyncio.run(prepare(settings))
    asyncio.run(run(settings, options.lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
