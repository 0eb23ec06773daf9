"""Consent, kept honestly: the one place that writes consent records, and the text of every
version an attendee could have agreed to.

Every consent record names the version of the text that was shown. The texts of all versions
live in ``consent_texts.json`` (oldest first; the last one is in force), so a record can be
shown or exported exactly as it was agreed. When the text changes, attendees whose consent is
of an older version are asked once (per version) to agree again, and the round planner leaves
them out until they do.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from notifications import Address
from peernet import clock
from peernet.attendees.models import Attendee, AttendeeStatus, Consent, Signup
from peernet.audit.service import record
from peernet.errors import NotFound
from peernet.links import (
    LinkInvalid,
    consent_renewal_url,
    page_url,
    read_consent_renewal,
    subscription_url,
)
from peernet.outbox.models import OutboxMessage
from peernet.outbox.service import enqueue
from peernet.settings import LOCALES, Settings

CONSENT_PURPOSE = "matching_and_email"
# Optional consents, each with its own versioned text (optional_consent_texts.json) and its
# own records (a Consent row of that purpose). They are not part of the main text: adding
# or changing one never asks anybody to agree to the main text again, and the round planner
# does not look at them. Leaving withdraws them with everything else.
ANNOUNCEMENTS = "announcements"  # "email me about sessions in or next to my police unit"
STATISTICS = "statistics"  # "count my profile in the anonymous regional overviews"
COHOST = "cohost"  # "a coordinator may ask me to co-host a session"
OPTIONAL_PURPOSES = (ANNOUNCEMENTS, STATISTICS, COHOST)
RENEWAL_KIND = "consent_renewal"
# The round planner's and the round page's reason for leaving someone out.
RENEWAL_REASON = "consent_renewal"


class UnknownConsentVersion(NotFound):
    code = "consent_version_unknown"


@dataclass(frozen=True)
class ConsentText:
    """One version of the consent text, in every locale, and the day it took effect."""

    version: str
    published: date
    texts: dict[str, str]

    def text(self, locale: str) -> str:
        return self.texts.get(locale) or self.texts["nl"]


def _load_texts() -> dict[str, ConsentText]:
    raw = json.loads(
        files("peernet.attendees").joinpath("consent_texts.json").read_text(encoding="utf-8")
    )
    texts: dict[str, ConsentText] = {}
    for version, entry in raw.items():
        missing = [locale for locale in LOCALES if not entry.get(locale)]
        if missing:
            raise ValueError(f"consent_texts.json: version {version} lacks {', '.join(missing)}")
        texts[version] = ConsentText(
            version=version,
            published=date.fromisoformat(entry["published"]),
            texts={locale: entry[locale] for locale in LOCALES},
        )
    return texts


# Oldest first; the last is the text in force. Never edit a published version: add one.
CONSENT_TEXTS: dict[str, ConsentText] = _load_texts()


def _load_optional_texts() -> dict[str, dict[str, ConsentText]]:
    raw = json.loads(
        files("peernet.attendees")
        .joinpath("optional_consent_texts.json")
        .read_text(encoding="utf-8")
    )
    texts: dict[str, dict[str, ConsentText]] = {}
    for purpose in OPTIONAL_PURPOSES:
        versions = raw.get(purpose) or {}
        if not versions:
            raise ValueError(f"optional_consent_texts.json: no text for {purpose}")
        texts[purpose] = {}
        for version, entry in versions.items():
            missing = [locale for locale in LOCALES if not entry.get(locale)]
            if missing:
                raise ValueError(
                    f"optional_consent_texts.json: {purpose} {version} lacks {', '.join(missing)}"
                )
            texts[purpose][version] = ConsentText(
                version=version,
                published=date.fromisoformat(entry["published"]),
                texts={locale: entry[locale] for locale in LOCALES},
            )
    return texts


OPTIONAL_TEXTS: dict[str, dict[str, ConsentText]] = _load_optional_texts()


def optional_consent(purpose: str) -> ConsentText:
    """The text in force of an optional consent (the last version)."""
    versions = OPTIONAL_TEXTS[purpose]
    return versions[next(reversed(versions))]


def current_consent() -> ConsentText:
    """The consent text in force: the one the sign-up form shows."""
    return CONSENT_TEXTS[next(reversed(CONSENT_TEXTS))]


def current_version() -> str:
    return current_consent().version


def consent_text(version: str, locale: str, purpose: str = CONSENT_PURPOSE) -> str:
    """The exact text of consent ``version`` in ``locale`` (Dutch if there is no such locale):
    of the consent to be matched, or of the optional consent ``purpose``, whose versions are
    their own."""
    texts = OPTIONAL_TEXTS.get(purpose, {}) if purpose != CONSENT_PURPOSE else CONSENT_TEXTS
    found = texts.get(version)
    if found is None:
        raise UnknownConsentVersion(f"no {purpose} consent text of version {version!r}")
    return found.text(locale)


@dataclass(frozen=True)
class NewConsent:
    """A consent to record: who agreed, to which text version, in which language and where."""

    attendee_id: int
    version: str
    locale: str
    channel: str
    given_at: datetime
    confirmed_at: datetime
    signup_id: int | None = None
    purpose: str = CONSENT_PURPOSE


def _row(new: NewConsent) -> Consent:
    return Consent(
        attendee_id=new.attendee_id,
        purpose=new.purpose,
        text_version=new.version,
        locale=new.locale,
        channel=new.channel,
        signup_id=new.signup_id,
        given_at=new.given_at,
        confirmed_at=new.confirmed_at,
    )


async def record_consent(
    attendee: Attendee,
    *,
    version: str,
    locale: str,
    channel: str,
    given_at: datetime,
    confirmed_at: datetime,
    signup: Signup | None = None,
    purpose: str = CONSENT_PURPOSE,
) -> Consent:
    """Store that ``attendee`` agreed to consent text ``version``. Call it inside the
    transaction of what the consent belongs to (a confirmation, an accepted invitation)."""
    row = _row(
        NewConsent(
            attendee_id=attendee.id,
            version=version,
            locale=locale,
            channel=channel,
            given_at=given_at,
            confirmed_at=confirmed_at,
            signup_id=signup.id if signup else None,
            purpose=purpose,
        )
    )
    await row.save()
    return row


async def record_consents(consents: Sequence[NewConsent]) -> None:
    """Many consents at once (the demo population): the same records as
    :func:`record_consent`, in one insert."""
    await Consent.bulk_create([_row(new) for new in consents])


async def withdraw_consents(attendee_id: int) -> int:
    """The attendee withdraws every consent they hold; returns how many records changed.
    Call it inside the transaction of their leaving."""
    now = clock.now()
    withdrawn = await Consent.filter(attendee_id=attendee_id, withdrawn_at__isnull=True).update(
        withdrawn_at=now
    )
    if withdrawn:
        await record(
            "consent.withdraw",
            actor="attendee",
            subject=f"attendee:{attendee_id}",
            details={"records": withdrawn},
        )
    return withdrawn


async def needing_renewal(attendee_ids: Collection[int] | None = None) -> set[int]:
    """Who holds consent, but only to an older text than the one in force.

    Someone with no consent record at all is not asked (they never consented through a
    form), nor is someone whose every consent is withdrawn (they left)."""
    query = Consent.filter(withdrawn_at__isnull=True, purpose=CONSENT_PURPOSE)
    if attendee_ids is not None:
        query = query.filter(attendee_id__in=list(attendee_ids))
    return renewal_due(await query.values_list("attendee_id", "text_version"))


def renewal_due(held: Iterable[tuple[Any, Any]]) -> set[int]:
    """:func:`needing_renewal` of the consents given as (attendee id, text version), each
    held (not withdrawn) and to :data:`CONSENT_PURPOSE`: for a caller that has read them."""
    current = current_version()
    holding: dict[int, set[str]] = {}
    for person, version in held:
        holding.setdefault(int(person), set()).add(str(version))
    return {person for person, versions in holding.items() if current not in versions}


def renewal_key(attendee_id: int, version: str) -> str:
    return f"{RENEWAL_KIND}:{attendee_id}:{version}"


async def queue_consent_renewals(settings: Settings) -> int:
    """Ask every active attendee whose consent is of an older text to agree to the new one:
    one email per attendee and version, however often this runs. Paused attendees are asked
    once they are active again; those who left or were erased never."""
    active = {
        a.id: a
        for a in await Attendee.filter(status=AttendeeStatus.ACTIVE).order_by("id")
        if a.erased_at is None
    }
    version = current_version()
    due = sorted(await needing_renewal(active.keys()))
    asked = {
        str(key)
        for key in await OutboxMessage.filter(
            idempotency_key__in=[renewal_key(person, version) for person in due]
        ).values_list("idempotency_key", flat=True)
    }
    # The personal page's module needs this one (through subscription): import it here.
    from peernet.attendees.personal import footer_links

    queued = 0
    for person in due:
        key = renewal_key(person, version)
        if key in asked:
            continue
        attendee = active[person]
        try:
            async with in_transaction():
                await enqueue(
                    settings,
                    key=key,
                    kind=RENEWAL_KIND,
                    locale=attendee.locale,
                    recipient=Address(name=attendee.name, email=attendee.email),
                    context={
                        **renewal_context(settings, attendee, version),
                        **await footer_links(settings, attendee.id, attendee.locale),
                    },
                    unsubscribe_url=subscription_url(settings, "unsubscribe", attendee.public_id),
                )
        except IntegrityError:
            continue  # another worker asked them at the same moment: once is enough
        queued += 1
    if queued:
        await record(
            "consent.renewal_request",
            actor="worker",
            subject=f"consent:{version}",
            details={"version": version, "requests": queued},
        )
    return queued


def renewal_context(settings: Settings, attendee: Attendee, version: str) -> dict[str, object]:
    """The context of the ``consent_renewal`` email."""
    return {
        "name": attendee.name,
        "consent_url": consent_renewal_url(settings, attendee.public_id, version),
        "privacy_url": page_url(settings, "/privacy", attendee.locale),
        "pause_url": subscription_url(settings, "pause", attendee.public_id),
        "unsubscribe_url": subscription_url(settings, "unsubscribe", attendee.public_id),
    }


@dataclass(frozen=True)
class RenewalOffer:
    """What a renewal link's page shows: the text to agree to, and whether that is done."""

    attendee_id: int
    consent: ConsentText
    agreed: bool
    locale: str  # the attendee's language, for the page when they chose none


async def _renewable(*, public_id: str | None = None, id: int | None = None) -> Attendee:
    if public_id is not None:
        attendee = await Attendee.get_or_none(public_id=public_id)
    else:
        attendee = await Attendee.get_or_none(id=id)
    if attendee is None or attendee.status in (AttendeeStatus.LEFT, AttendeeStatus.ERASED):
        # Someone who left comes back by signing up again, not through an old email.
        raise LinkInvalid("the consent link names no current attendee")
    return attendee


async def renewal_offer(settings: Settings, token: str) -> RenewalOffer:
    """Read a renewal link (GET): nothing changes."""
    public_id, version = read_consent_renewal(settings, token)
    if version not in CONSENT_TEXTS:
        raise LinkInvalid("the consent link names no consent text")
    attendee = await _renewable(public_id=public_id)
    agreed = await Consent.filter(
        attendee_id=attendee.id,
        purpose=CONSENT_PURPOSE,
        text_version=version,
        withdrawn_at__isnull=True,
    ).exists()
    return RenewalOffer(
        attendee_id=attendee.id,
        consent=CONSENT_TEXTS[version],
        agreed=agreed,
        locale=attendee.locale,
    )


async def renew_consent(settings: Settings, token: str, *, locale: str) -> Consent:
    """Record the agreement a renewal link asks for (POST). Repeated, it records nothing new."""
    offer = await renewal_offer(settings, token)
    version = offer.consent.version
    now = clock.now()
    async with in_transaction():
        # Touching the attendee's row first is the lock: of two clicks at once, the second
        # waits here and then finds the first one's record.
        await Attendee.filter(id=offer.attendee_id).update(updated_at=now)
        existing = await Consent.filter(
            attendee_id=offer.attendee_id,
            purpose=CONSENT_PURPOSE,
            text_version=version,
            withdrawn_at__isnull=True,
        ).first()
        if existing is not None:
            return existing
        attendee = await _renewable(id=offer.attendee_id)
        consent = await record_consent(
            attendee,
            version=version,
            locale=locale if locale in LOCALES else attendee.locale,
            channel="renewal",
            given_at=now,
            confirmed_at=now,
        )
        await record(
            "consent.renew",
            actor="attendee",
            subject=f"attendee:{attendee.id}",
            details={"version": version},
        )
    return consent


async def optional_consents_of(attendee_id: int) -> set[str]:
    """The optional consents ``attendee_id`` holds now (not withdrawn)."""
    held = await Consent.filter(
        attendee_id=attendee_id, purpose__in=list(OPTIONAL_PURPOSES), withdrawn_at__isnull=True
    ).values_list("purpose", flat=True)
    return {str(p) for p in held}


async def holding(purpose: str, attendee_ids: Collection[int] | None = None) -> set[int]:
    """Who holds the optional consent ``purpose`` now."""
    query = Consent.filter(purpose=purpose, withdrawn_at__isnull=True)
    if attendee_ids is not None:
        query = query.filter(attendee_id__in=list(attendee_ids))
    held = await query.values_list("attendee_id", flat=True)
    return {int(str(a)) for a in held}


async def give_optional_consent(
    attendee: Attendee,
    purpose: str,
    *,
    locale: str,
    channel: str,
    signup: Signup | None = None,
    given_at: datetime | None = None,
) -> bool:
    """Record an optional consent (to the text in force); ``True`` if it is new. Call it in
    a transaction that locked the attendee's row (a confirmation, the personal page's save),
    so two clicks at once record it once."""
    if purpose not in OPTIONAL_PURPOSES:
        raise ValueError(f"not an optional consent: {purpose!r}")
    if await Consent.filter(
        attendee_id=attendee.id, purpose=purpose, withdrawn_at__isnull=True
    ).exists():
        return False
    now = clock.now()
    await record_consent(
        attendee,
        version=optional_consent(purpose).version,
        locale=locale if locale in LOCALES else attendee.locale,
        channel=channel,
        given_at=given_at or now,
        confirmed_at=now,
        signup=signup,
        purpose=purpose,
    )
    await record(
        "consent.give",
        actor="attendee",
        subject=f"attendee:{attendee.id}",
        details={"purpose": purpose},
    )
    return True


async def withdraw_optional_consent(attendee_id: int, purpose: str, *, actor: str) -> bool:
    """Withdraw one optional consent and nothing else; ``True`` if it changed something.
    Repeated or raced, it changes and logs once (a conditional update)."""
    if purpose not in OPTIONAL_PURPOSES:
        raise ValueError(f"not an optional consent: {purpose!r}")
    withdrawn = await Consent.filter(
        attendee_id=attendee_id, purpose=purpose, withdrawn_at__isnull=True
    ).update(withdrawn_at=clock.now())
    if withdrawn:
        await record(
            "consent.withdraw",
            actor=actor,
            subject=f"attendee:{attendee_id}",
            details={"purpose": purpose, "records": withdrawn},
        )
    return bool(withdrawn)


async def set_optional_consents(
    attendee_id: int, wanted: Collection[str], *, locale: str, channel: str
) -> None:
    """The personal page's checkboxes: give what is ticked, withdraw what is not."""
    async with in_transaction():
        attendee = await Attendee.select_for_update().get(id=attendee_id)
        for purpose in OPTIONAL_PURPOSES:
            if purpose in wanted:
                await give_optional_consent(attendee, purpose, locale=locale, channel=channel)
            else:
                await withdraw_optional_consent(attendee_id, purpose, actor="attendee")
