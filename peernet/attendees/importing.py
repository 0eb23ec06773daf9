"""Importing an event's registration list (CSV): check every line first, then store the
good ones as invitations. Imported people are pending attendees who are never matched
until they open the emailed link and consent; one attendee per mailbox (the unique
normalised address) makes a second import of the same people store and invite nobody."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from notifications import Address
from peernet import clock
from peernet.attendees.consents import current_version
from peernet.attendees.exporting import csv_delimiter
from peernet.attendees.models import Attendance, Attendee, AttendeeStatus, ImportBatch, Signup
from peernet.attendees.schemas import SingleLine, _deliverable_email
from peernet.attendees.service import hash_token, normalize_email
from peernet.audit.service import record
from peernet.coordinators.models import Coordinator
from peernet.errors import FieldErrors
from peernet.events.models import Event
from peernet.links import subscription_url
from peernet.outbox.service import enqueue
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy

INVITATION_VALID_FOR = timedelta(days=30)
MAX_BYTES = 2_000_000
MAX_LINES = 10_000
CHUNK = 200  # good lines stored per transaction
COLUMNS = ("name", "email", "organisation", "role", "unit")
# Headers as people type them, in Dutch or English, lower-cased without spaces or dashes.
_HEADERS = {
    "name": "name",
    "naam": "name",
    "volledigenaam": "name",
    "email": "email",
    "e-mail": "email",
    "emailadres": "email",
    "e-mailadres": "email",
    "mail": "email",
    "organisation": "organisation",
    "organization": "organisation",
    "organisatie": "organisation",
    "role": "role",
    "rol": "role",
    "functie": "role",
    "unit": "unit",
    "policeunit": "unit",
    "eenheid": "unit",
    "politie-eenheid": "unit",
    "politieeenheid": "unit",
    "region": "unit",
    "regio": "unit",
}
TEMPLATE_HEADERS = {
    "nl": ("naam", "e-mailadres", "organisatie", "rol", "eenheid"),
    "en": COLUMNS,
}


class ImportLine(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=254)

    name: Annotated[SingleLine, Field(min_length=1, max_length=120)]
    email: Annotated[str, Field(max_length=254)]
    organisation: Annotated[SingleLine, Field(min_length=1, max_length=160)]
    role: str
    unit: str


@dataclass
class LineReport:
    """One line of the file: ``good`` (would be invited), ``known`` or ``refused``."""

    line: int
    values: dict[str, str]
    outcome: str
    errors: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)  # the cleaned values, when good


@dataclass
class ImportPreview:
    content_hash: str
    lines: list[LineReport]

    @property
    def good(self) -> int:
        return sum(1 for line in self.lines if line.outcome == "good")

    @property
    def known(self) -> int:
        return sum(1 for line in self.lines if line.outcome == "known")

    @property
    def refused(self) -> int:
        return sum(1 for line in self.lines if line.outcome == "refused")


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def template_csv(locale: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter(locale), lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS.get(locale, COLUMNS))
    taxonomy = get_taxonomy()
    writer.writerow(
        [
            "Anouk de Vries",
            "anouk@example.org",
            "Gemeente Utrecht",
            taxonomy.roles["municipal_policy_officer"].label(locale),
            taxonomy.regions["midden_nederland"].label(locale),
        ]
    )
    return buffer.getvalue()


def _label_index(group: str) -> dict[str, str]:
    """Keys and labels (every language) of a taxonomy group, lower-cased, to its key."""
    index: dict[str, str] = {}
    for key, term in getattr(get_taxonomy(), group).items():
        index[key.lower()] = key
        for label in term.labels.values():
            index[label.strip().lower()] = key
    return index


def read_rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The data lines of an upload as (line number, column values); the file's errors
    (size, encoding, columns) are raised as :class:`FieldErrors` on ``file``."""
    if not content.strip():
        raise FieldErrors({"file": "required"})
    if len(content) > MAX_BYTES:
        raise FieldErrors({"file": "file_too_large"})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FieldErrors({"file": "not_utf8"}) from None
    header_line = text.splitlines()[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise FieldErrors({"file": "not_csv"}) from None
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _HEADERS.get(name.strip().lower().replace(" ", "").replace("_", ""))
        if key and key not in columns:
            columns[key] = index
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise FieldErrors({"file": "missing_columns:" + ",".join(missing)})
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_LINES:
                raise FieldErrors({"file": "too_many_lines"})
            values = {c: (cells[i].strip() if i < len(cells) else "") for c, i in columns.items()}
            rows.append((reader.line_num, values))
    except csv.Error:
        raise FieldErrors({"file": "not_csv"}) from None
    return rows


def _check_line(values: dict[str, str], roles: dict[str, str], units: dict[str, str]) -> LineReport:
    errors: dict[str, str] = {}
    try:
        checked = ImportLine.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            column = str(error["loc"][0]) if error["loc"] else "name"
            kind = error["type"]
            code = {
                "string_too_short": "required",
                "too_short": "required",
                "string_too_long": "too_long",
                "too_long": "too_long",
            }.get(kind, kind if kind in ("invalid_characters", "format_characters") else "invalid")
            errors.setdefault(column, code)
        checked = None
    email = ""
    if values.get("email"):
        try:
            email = _deliverable_email(values["email"])
        except ValueError:
            errors["email"] = "invalid_email"
    else:
        errors["email"] = "required"
    role = roles.get(values.get("role", "").lower())
    if not values.get("role"):
        errors["role"] = "required"
    elif role is None:
        errors["role"] = "unknown_choice"
    unit = units.get(values.get("unit", "").lower())
    if not values.get("unit"):
        errors["unit"] = "required"
    elif unit is None:
        errors["unit"] = "unknown_choice"
    if errors or checked is None or role is None or unit is None:
        return LineReport(0, values, "refused", errors)
    details = {
        "name": checked.name,
        "email": email,
        "organisation": checked.organisation,
        "role": role,
        "region": unit,
    }
    return LineReport(0, values, "good", details=details)


async def preview_import(content: bytes) -> ImportPreview:
    """Every line checked against the file and the stored attendees; nothing is written."""
    rows = read_rows(content)
    roles, units = _label_index("roles"), _label_index("regions")
    reports: list[LineReport] = []
    for number, values in rows:
        report = _check_line(values, roles, units)
        report.line = number
        reports.append(report)
    wanted = {normalize_email(r.details["email"]) for r in reports if r.outcome == "good"}
    known: set[str] = set()
    addresses = sorted(wanted)
    for start in range(0, len(addresses), 500):
        chunk = addresses[start : start + 500]
        found = await Attendee.filter(email_normalized__in=chunk).only("email_normalized")
        known.update(person.email_normalized for person in found)
    seen: dict[str, int] = {}
    for report in reports:
        if report.outcome != "good":
            continue
        address = normalize_email(report.details["email"])
        if address in known:
            report.outcome = "known"
        elif address in seen:
            report.outcome = "known"
            report.errors = {"email": f"repeats_line:{seen[address]}"}
        else:
            seen[address] = report.line
    return ImportPreview(content_hash(content), reports)


def invite_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/invite/{token}"


def invitation_context(settings: Settings, name: str, event: Event, token: str) -> dict[str, Any]:
    return {
        "name": name,
        "event_title": event.title,
        "invite_url": invite_url(settings, token),
        "expires_days": INVITATION_VALID_FOR.days,
    }


async def _store_invitation(
    settings: Settings, event: Event, details: dict[str, str], locale: str
) -> None:
    """One person as a pending attendee with an invitation and its email. Call inside a
    transaction; an address already stored raises :class:`IntegrityError`."""
    now = clock.now()
    token = secrets.token_urlsafe(32)
    address = normalize_email(details["email"])
    attendee = await Attendee.create(
        name=details["name"],
        email=details["email"],
        organisation=details["organisation"],
        role=details["role"],
        region=details["region"],
        email_normalized=address,
        expertise=[],
        gaps=[],
        languages=[locale],
        meeting_preference="either",
        locale=locale,
        status=AttendeeStatus.PENDING,
        created_at=now,
        updated_at=now,
    )
    await Signup.create(
        attendee=attendee,
        event_id=event.id,
        details=details,
        channel="import",
        kind="invitation",
        consent_version=current_version(),
        locale=locale,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + INVITATION_VALID_FOR,
    )
    await enqueue(
        settings,
        key=f"invitation:{event.id}:{address}",
        kind="invitation",
        locale=locale,
        recipient=Address(name=details["name"], email=details["email"]),
        context=invitation_context(settings, details["name"], event, token),
        unsubscribe_url=subscription_url(settings, "unsubscribe", attendee.public_id),
    )


async def _invite(settings: Settings, event: Event, chunk: list[LineReport], locale: str) -> None:
    """Invite a chunk of good lines in one transaction (fast); if any address turns out
    to be stored meanwhile (a concurrent import), the chunk is rolled back and each line
    goes again in its own transaction, the known ones marked ``known``."""
    try:
        async with in_transaction():
            for report in chunk:
                await _store_invitation(settings, event, report.details, locale)
        return
    except IntegrityError:
        pass
    for report in chunk:
        try:
            async with in_transaction():
                await _store_invitation(settings, event, report.details, locale)
        except IntegrityError:
            report.outcome = "known"


async def _record_attendance(event: Event, known: list[LineReport]) -> None:
    """People already in the network who are on the list were at the event too: record it
    (once, however often the list is imported), without inviting or emailing them. Nobody
    who left or was erased is touched."""
    addresses = sorted({normalize_email(r.details["email"]) for r in known})
    now = clock.now()
    for start in range(0, len(addresses), 500):
        people = await Attendee.filter(
            email_normalized__in=addresses[start : start + 500],
            status__in=[AttendeeStatus.ACTIVE, AttendeeStatus.PAUSED, AttendeeStatus.PENDING],
        ).only("id")
        await Attendance.bulk_create(
            [Attendance(attendee_id=a.id, event_id=event.id, created_at=now) for a in people],
            ignore_conflicts=True,
        )


async def import_registrations(
    settings: Settings,
    event: Event,
    content: bytes,
    *,
    filename: str = "",
    locale: str = "nl",
    coordinator: Coordinator | None = None,
) -> ImportBatch:
    """Check the file again (the database may have changed since the preview), invite the
    good lines, and record the batch with its report and in the audit log."""
    preview = await preview_import(content)
    good = [r for r in preview.lines if r.outcome == "good"]
    for start in range(0, len(good), CHUNK):
        await _invite(settings, event, good[start : start + CHUNK], locale)
    await _record_attendance(event, [r for r in preview.lines if r.outcome == "known"])
    stored = sum(1 for r in preview.lines if r.outcome == "good")
    already = sum(1 for r in preview.lines if r.outcome == "known")
    refused = [
        {"line": r.line, "errors": r.errors} for r in preview.lines if r.outcome == "refused"
    ]
    async with in_transaction():
        batch = await ImportBatch.create(
            event_id=event.id,
            coordinator=coordinator,
            filename=filename[:200],
            content_hash=preview.content_hash,
            lines=len(preview.lines),
            stored=stored,
            already_known=already,
            refused=len(refused),
            report=refused,
            created_at=clock.now(),
        )
        await record(
            "attendees.import",
            coordinator=coordinator,
            subject=f"event:{event.id}",
            details={
                "batch": batch.id,
                "filename": batch.filename,
                "content_hash": batch.content_hash,
                "lines": batch.lines,
                "stored": stored,
                "already_known": already,
                "refused": len(refused),
            },
        )
    return batch
