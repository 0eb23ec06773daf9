"""An attendee changes their own email address: a link to the new address, confirmed there."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from peernet.attendees import email_change
from peernet.attendees.email_change import (
    EmailChangeLink,
    EmailTaken,
    confirm_email_change,
    request_email_change,
)
from peernet.attendees.models import Attendee, AttendeeStatus
from peernet.attendees.rights import EMAIL_CHANGE_ACTION, erase_attendee, export_attendee
from peernet.attendees.subscription import unsubscribe
from peernet.audit.models import AuditEntry
from peernet.links import subscription_url
from peernet.outbox.models import OutboxMessage
from peernet.settings import Settings
from tests.peernet.attendees.test_personal_pages import open_link, post, sign_in
from tests.peernet.attendees.test_rights import dump_everything
from tests.peernet.conftest import Clock
from tests.peernet.factories import a_pair, a_published_round, an_attendee
from tests.peernet.helpers import csrf_token

pytestmark = pytest.mark.usefixtures("frozen_clock", "empty_db")

NEW = "anouk.bakker@example.net"
EMAIL_LINK = re.compile(r"https://peernet\.test/me/email/[A-Za-z0-9_.-]+")


async def ask_for_change(client: httpx.AsyncClient, new_email: str) -> httpx.Response:
    return await post(client, "/me/email", {"new_email": new_email})


async def emailed_link(address: str, name: str | None = None) -> str:
    """The confirmation link in the latest email_change email to ``address``."""
    sent = OutboxMessage.filter(kind="email_change", recipient_email=address)
    if name is not None:
        sent = sent.filter(recipient_name=name)
    message = await sent.order_by("-id").first()
    assert message is not None, f"no email_change email to {address}"
    found = EMAIL_LINK.search(message.text)
    assert found, "no confirmation link in the email text"
    assert found.group(0) in message.html
    return found.group(0)


def path(url: str) -> str:
    return url.removeprefix("https://peernet.test")


async def a_requested_change(
    client: httpx.AsyncClient, settings: Settings, attendee: Attendee, new_email: str = NEW
) -> str:
    """Signed in, they asked for ``new_email``: the link emailed there."""
    await sign_in(client, settings, attendee)
    assert (await ask_for_change(client, new_email)).status_code == 200
    return await emailed_link(new_email)


async def changes_recorded() -> int:
    return await AuditEntry.filter(action=EMAIL_CHANGE_ACTION).count()


# -- asking for it -------------------------------------------------------------------------


async def test_the_profile_offers_a_form_for_a_new_address(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    page = (await client.get("/me/profile")).text
    assert f"Je e-mailadres: {anouk.email}. Wil je een ander adres gebruiken?" in page
    assert "Dat kun je hier niet zelf wijzigen" not in page
    form = page[page.index('action="/me/email"') :]
    form = form[: form.index("</form>")]
    assert 'name="csrf_token"' in form
    assert '<label for="new_email">Nieuw e-mailadres</label>' in form
    assert 'name="new_email" type="email"' in form
    assert "Stuur een bevestigingslink" in form


async def test_the_whole_change_from_the_request_to_the_notice_to_the_old_address(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, ruud = await a_pair()
    former = anouk.email
    await sign_in(client, settings, anouk)
    answer = await ask_for_change(client, NEW)
    assert answer.status_code == 200
    assert f"We hebben een link gestuurd naar {NEW}" in answer.text
    assert f"blijven we je mailen op {former}" in answer.text

    message = await OutboxMessage.get(kind="email_change")
    assert (message.recipient_email, message.recipient_name) == (NEW, anouk.name)
    assert message.locale == "nl"
    assert message.subject == "Bevestig je nieuwe e-mailadres voor peernet"
    assert NEW in message.text and "24 uur geldig" in message.text
    assert former not in message.text + message.html  # not even inside the link
    url = await emailed_link(NEW)

    frozen_clock.advance(timedelta(hours=1))
    for _ in range(2):  # a mail scanner fetching the link changes nothing
        page = await client.get(path(url))
        assert page.status_code == 200
        assert f"Bevestig je nieuwe e-mailadres: {NEW}." in page.text
    assert (await Attendee.get(id=anouk.id)).email == former

    client.cookies.clear()  # opened elsewhere: the link is all it takes
    done = await open_link(client, url)
    assert done.status_code == 200
    assert "Je e-mailadres is gewijzigd" in done.text
    assert '<a href="/me/profile">Terug naar mijn pagina</a>' in done.text  # not a dead end
    assert f"Vanaf nu sturen we je e-mail naar {NEW}." in done.text

    stored = await Attendee.get(id=anouk.id)
    assert (stored.email, stored.email_normalized) == (NEW, NEW)
    assert stored.updated_at == frozen_clock.current
    entry = await AuditEntry.get(action="attendee.email_change_self")
    assert entry.actor == entry.subject == f"attendee:{anouk.id}"
    assert entry.details == {"former_email": former}
    notice = await OutboxMessage.get(kind="email_changed")
    assert notice.recipient_email == former and notice.locale == "nl"
    assert f"Je e-mailadres bij peernet is gewijzigd in {NEW}." in notice.text
    assert f"Was jij dit niet? Mail dan naar {settings.privacy_contact}." in notice.text
    assert NEW in notice.html and settings.privacy_contact in notice.html
    # Ruud is untouched, and a fresh link to the personal page goes to the new address.
    assert (await Attendee.get(id=ruud.id)).email == ruud.email
    start = await client.get("/me")
    await client.post("/me", data={"email": NEW, "csrf_token": csrf_token(start)})
    assert await OutboxMessage.filter(kind="magic_link", recipient_email=NEW).exists()


@pytest.mark.parametrize(
    ("typed", "code", "shown"),
    [
        ("not an address", "invalid_email", "Vul een geldig e-mailadres in"),
        ("", "invalid_email", "Vul een geldig e-mailadres in"),
        ("Anouk.de.Vries@Example.org", "same_email", "Dit is al je e-mailadres."),
    ],
)
async def test_a_bad_or_unchanged_address_is_named_by_its_field(
    client: httpx.AsyncClient, settings: Settings, typed: str, code: str, shown: str
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    answer = await ask_for_change(client, typed)
    assert answer.status_code == 422
    assert "<title>Fout:" in answer.text
    summary = re.search(r'<a href="#new_email">([^<]*)</a>', answer.text)
    assert summary and shown in summary.group(1)
    if code == "invalid_email":  # the general sentence says which field
        assert summary.group(1).startswith("Nieuw e-mailadres: ")
    assert 'id="new_email-error"' in answer.text
    assert f'value="{typed}"' in answer.text  # kept, to correct it
    assert not await OutboxMessage.filter(kind="email_change").exists()


async def test_a_double_click_sends_one_email(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    for _ in range(2):
        assert (await ask_for_change(client, NEW)).status_code == 200
    assert await OutboxMessage.filter(kind="email_change").count() == 1
    frozen_clock.advance(timedelta(minutes=1))
    await ask_for_change(client, NEW)
    assert await OutboxMessage.filter(kind="email_change").count() == 2


async def test_asking_is_limited_to_five_addresses_a_day(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    assert (await ask_for_change(client, "typo@")).status_code == 422  # does not count
    for n in range(5):
        assert (await ask_for_change(client, f"new{n}@example.net")).status_code == 200
    over = await ask_for_change(client, "one.more@example.net")
    assert over.status_code == 429
    assert int(over.headers["Retry-After"]) > 0
    assert "Je hebt vandaag al een paar keer een bevestigingslink gevraagd" in over.text
    assert "<title>Fout:" in over.text
    assert await OutboxMessage.filter(kind="email_change").count() == 5
    assert not await OutboxMessage.filter(recipient_email="one.more@example.net").exists()


async def test_an_address_someone_else_has_gets_the_same_answer(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await sign_in(client, settings, anouk)
    free = (await ask_for_change(client, NEW)).text
    taken = (await ask_for_change(client, ruud.email)).text
    assert free.replace(NEW, "ADDRESS") == taken.replace(ruud.email, "ADDRESS")
    assert await OutboxMessage.filter(kind="email_change", recipient_email=ruud.email).exists()


async def test_asking_needs_the_csrf_token(client: httpx.AsyncClient, settings: Settings) -> None:
    anouk, _ = await a_pair()
    await sign_in(client, settings, anouk)
    assert (await client.post("/me/email", data={"new_email": NEW})).status_code == 403
    assert not await OutboxMessage.filter(kind="email_change").exists()


# -- confirming it -------------------------------------------------------------------------


async def test_confirming_needs_the_csrf_token(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = await a_requested_change(client, settings, anouk)
    await client.get(path(url))
    assert (await client.post(path(url), data={})).status_code == 403
    assert (await Attendee.get(id=anouk.id)).email == anouk.email


async def test_a_link_works_for_24_hours(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    anouk, _ = await a_pair()
    url = await a_requested_change(client, settings, anouk)
    frozen_clock.advance(timedelta(hours=23, minutes=59))
    page = await client.get(path(url))
    assert page.status_code == 200
    frozen_clock.advance(timedelta(minutes=2))
    assert (await client.get(path(url))).status_code == 410
    answer = await client.post(path(url), data={"csrf_token": csrf_token(page)})
    assert answer.status_code == 410
    assert "Deze link is verlopen" in answer.text
    assert "je e-mailadres is niet gewijzigd" in answer.text
    assert (await Attendee.get(id=anouk.id)).email == anouk.email
    assert await changes_recorded() == 0


async def test_a_forged_or_borrowed_link_changes_nothing(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = await a_requested_change(client, settings, anouk)
    token = csrf_token(await client.get("/me/profile"))
    # The payload altered (the signature's last character may only carry padding bits).
    at = len("https://peernet.test/me/email/") + 5
    flipped = url[:at] + ("A" if url[at] != "A" else "B") + url[at + 1 :]
    # A genuine token of another purpose (the pause link) under this path.
    borrowed = "/me/email/" + subscription_url(settings, "pause", anouk.public_id).rsplit("/")[-1]
    for forged in (path(flipped), borrowed):
        assert (await client.get(forged)).status_code == 404
        answer = await client.post(forged, data={"csrf_token": token})
        assert answer.status_code == 404
        assert "Deze link werkt niet" in answer.text
    assert (await Attendee.get(id=anouk.id)).email == anouk.email
    assert await changes_recorded() == 0


async def test_a_link_used_again_says_it_is_done_and_sends_nothing_more(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = await a_requested_change(client, settings, anouk)
    page = await client.get(path(url))
    assert "Je e-mailadres is gewijzigd" in (await open_link(client, url)).text
    for again in (
        await client.get(path(url)),
        await client.post(path(url), data={"csrf_token": csrf_token(page)}),
    ):
        assert again.status_code == 200
        assert "Je e-mailadres is al gewijzigd" in again.text
        assert f"Je e-mailadres bij peernet is al {NEW}." in again.text
    assert await changes_recorded() == 1
    assert await OutboxMessage.filter(kind="email_changed").count() == 1


async def test_a_link_made_before_the_address_changed_again_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    first = await a_requested_change(client, settings, anouk)
    await ask_for_change(client, "anouk@elsewhere.example")
    second = await emailed_link("anouk@elsewhere.example")
    page = await client.get(path(first))
    await open_link(client, second)
    assert (await Attendee.get(id=anouk.id)).email == "anouk@elsewhere.example"
    for answer in (
        await client.get(path(first)),
        await client.post(path(first), data={"csrf_token": csrf_token(page)}),
    ):
        assert answer.status_code == 409
        assert "Je e-mailadres is gewijzigd sinds we deze link stuurden" in answer.text
    assert (await Attendee.get(id=anouk.id)).email == "anouk@elsewhere.example"
    assert await changes_recorded() == 1


async def test_an_address_another_attendee_has_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    await sign_in(client, settings, anouk)
    await ask_for_change(client, "Ruud@Example.org")
    url = await emailed_link("Ruud@example.org")  # the domain as the validator writes it
    page = await client.get(path(url))
    assert page.status_code == 409  # said at once, not after the button
    token = csrf_token(await client.get("/me/profile"))
    answer = await client.post(path(url), data={"csrf_token": token})
    assert answer.status_code == 409
    assert "Dit e-mailadres is bij peernet al in gebruik" in answer.text
    assert settings.privacy_contact in answer.text
    assert (await Attendee.get(id=anouk.id)).email == anouk.email
    assert (await Attendee.get(id=ruud.id)).email == ruud.email
    assert await changes_recorded() == 0
    assert not await OutboxMessage.filter(kind="email_changed").exists()


async def test_an_erased_attendees_link_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = await a_requested_change(client, settings, anouk)
    page = await client.get(path(url))
    await erase_attendee(settings, anouk.id, actor="cli", reason="request")
    assert (await client.get(path(url))).status_code == 404
    answer = await client.post(path(url), data={"csrf_token": csrf_token(page)})
    assert answer.status_code == 404
    erased = await Attendee.get(id=anouk.id)
    assert erased.status is AttendeeStatus.ERASED
    assert erased.email == f"erased-{anouk.id}@invalid"
    assert not await Attendee.filter(email_normalized=NEW).exists()


async def test_a_link_of_someone_who_left_is_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = await a_requested_change(client, settings, anouk)
    page = await client.get(path(url))
    await unsubscribe(anouk.id)
    answer = await client.post(path(url), data={"csrf_token": csrf_token(page)})
    assert answer.status_code == 410
    assert "Je doet niet (meer) mee aan peernet" in answer.text
    assert (await Attendee.get(id=anouk.id)).email == anouk.email


async def test_two_confirmations_at_once_change_the_address_once(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, _ = await a_pair()
    url = await a_requested_change(client, settings, anouk)
    token = csrf_token(await client.get(path(url)))
    answers = await asyncio.gather(
        *(client.post(path(url), data={"csrf_token": token}) for _ in range(2))
    )
    assert [a.status_code for a in answers] == [200, 200]
    assert sorted("al gewijzigd" in a.text for a in answers) == [False, True]
    assert (await Attendee.get(id=anouk.id)).email == NEW
    assert await changes_recorded() == 1
    assert await OutboxMessage.filter(kind="email_changed").count() == 1


async def test_of_two_people_confirming_one_address_at_once_one_gets_it(
    settings: Settings,
) -> None:
    anouk, ruud = await a_pair()
    await request_email_change(settings, anouk, NEW)
    await request_email_change(settings, ruud, NEW)
    tokens = [
        path(await emailed_link(NEW, name)).rsplit("/")[-1] for name in (anouk.name, ruud.name)
    ]
    results = await asyncio.gather(
        *(confirm_email_change(settings, token) for token in tokens), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["EmailChangeLink", "EmailTaken"]
    assert await Attendee.filter(email_normalized=NEW).count() == 1
    assert await changes_recorded() == 1


async def test_losing_the_race_at_the_update_itself_is_refused_as_taken(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another attendee gets the address between the check and the update (the unique
    index answers): the confirmation is refused, and nothing of it stays."""
    anouk, _ = await a_pair()
    await request_email_change(settings, anouk, NEW)
    token = path(await emailed_link(NEW)).rsplit("/")[-1]
    checked = email_change._checked

    async def then_someone_else_takes_it(*args: Any) -> EmailChangeLink:
        result = await checked(*args)
        await an_attendee("Carla Smit", email=NEW)
        return result

    monkeypatch.setattr(email_change, "_checked", then_someone_else_takes_it)
    with pytest.raises(EmailTaken):
        await confirm_email_change(settings, token)
    assert (await Attendee.get(id=anouk.id)).email == anouk.email
    assert await changes_recorded() == 0
    assert not await OutboxMessage.filter(kind="email_changed").exists()


# -- in English ----------------------------------------------------------------------------


async def test_an_english_attendee_is_asked_and_told_in_english(
    client: httpx.AsyncClient, settings: Settings, frozen_clock: Clock
) -> None:
    emma = await an_attendee("Emma Clarke", email="emma@example.org", locale="en")
    await sign_in(client, settings, emma)
    answer = await ask_for_change(client, "emma.clarke@example.net")
    assert "We sent a link to emma.clarke@example.net" in answer.text
    message = await OutboxMessage.get(kind="email_change")
    assert message.locale == "en"
    assert message.subject == "Confirm your new email address for peernet"
    assert "valid for 24 hours" in message.text
    url = await emailed_link("emma.clarke@example.net")

    client.cookies.clear()
    page = await client.get(path(url))
    assert '<html lang="en">' in page.text
    assert "Confirm your new email address: emma.clarke@example.net." in page.text
    done = await client.post(path(url), data={"csrf_token": csrf_token(page)})
    assert "Your email address has been changed" in done.text
    notice = await OutboxMessage.get(kind="email_changed")
    assert (notice.recipient_email, notice.locale) == ("emma@example.org", "en")
    assert "Your email address at peernet has been changed to" in notice.text
    assert "Wasn't this you?" in notice.text

    # An expired link still speaks her language.
    await request_email_change(settings, await Attendee.get(id=emma.id), "emma@elsewhere.example")
    late = await emailed_link("emma@elsewhere.example")
    frozen_clock.advance(timedelta(hours=25))
    expired = await client.get(path(late))
    assert expired.status_code == 410
    assert "This link has expired" in expired.text


# -- the former address in export and erasure ----------------------------------------------


async def test_export_and_erasure_know_the_former_address(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    anouk, ruud = await a_pair()
    former = anouk.email
    await a_published_round(settings, [[anouk.id, ruud.id]])  # her introduction, to `former`
    url = await a_requested_change(client, settings, anouk)
    await open_link(client, url)
    assert await OutboxMessage.filter(recipient_email=former).count() == 2

    kinds = [e["kind"] for e in (await export_attendee(anouk.id))["emails_sent_to_you"]]
    assert sorted(kinds) == ["email_change", "email_changed", "introduction"]

    await sign_in(client, settings, anouk)
    assert (await post(client, "/me/erase", {"confirm": "yes"})).status_code == 200
    everything = await dump_everything()
    for trace in (former, NEW):
        at = everything.find(trace)
        assert at < 0, (trace, everything[max(0, at - 300) : at + 100])
    entry = await AuditEntry.get(action=EMAIL_CHANGE_ACTION)
    assert entry.details == {"former_email": "a former participant"}


async def test_a_sign_up_link_on_its_way_to_the_former_address_lapses(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    from peernet.attendees.schemas import parse_signup
    from peernet.attendees.service import TokenExpired, confirm_signup, sign_up
    from tests.peernet.factories import an_event, signup_data
    from tests.peernet.helpers import confirmation_token

    anouk, _ = await a_pair()
    # She signs up again at a session, with her address of then; the link waits there.
    await an_event()
    data = signup_data(email=anouk.email, name=anouk.name)
    await sign_up(settings, "omei-utrecht", parse_signup(data), channel="form")
    token = await confirmation_token(anouk.email)
    url = await a_requested_change(client, settings, anouk)
    await open_link(client, url)
    assert (await Attendee.get(id=anouk.id)).email == NEW
    # That link would put the former address back: it no longer works.
    with pytest.raises(TokenExpired):
        await confirm_signup(token)
    assert (await Attendee.get(id=anouk.id)).email == NEW


async def test_links_to_the_personal_page_sent_to_the_former_address_stop_working(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    from peernet.attendees.personal import MagicLinkInvalid, manage_link, use_link

    anouk, _ = await a_pair()
    # A link in a mailbox she is leaving (her former employer's, say).
    waiting = await manage_link(settings, anouk.id)
    url = await a_requested_change(client, settings, anouk)
    await open_link(client, url)
    assert (await Attendee.get(id=anouk.id)).email == NEW
    with pytest.raises(MagicLinkInvalid):
        await use_link(waiting.rsplit("/", 1)[1])
