"""Signed links, one rule at a time: a token is refused when altered, when signed with
another key, when used for another purpose than it was made for, when it carries something
else than it should, and (answer and stay links) from the second after it expires."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from peernet.clock import reset_clock, set_clock
from peernet.links import (
    ANSWER_VALID_FOR_SECONDS,
    STAY_VALID_FOR_SECONDS,
    SUBSCRIPTION_LINK_VALID_FOR_SECONDS,
    LinkExpired,
    LinkInvalid,
    answer_url,
    attendee_of_unsubscribe_url,
    consent_renewal_url,
    read_answer,
    read_consent_renewal,
    read_stay,
    read_subscription,
    stay_url,
    subscription_url,
)
from peernet.settings import Settings
from tests.peernet.conftest import make_settings

SETTINGS = make_settings()  # BASE_URL=https://peernet.test
OTHER_KEY = make_settings(SECRET_KEY="another-secret-key-that-is-long-enough-000")
ATTENDEE = "Jx1oP9sQ2wE3rT4yU5iO6p"  # a public id, as new_public_id makes them


def token_of(url: str, route: str) -> str:
    prefix = f"https://peernet.test/{route}/"
    assert url.startswith(prefix)
    return url.removeprefix(prefix)


def altered(token: str) -> str:
    """The same token with the first character of its signature changed (the last one may
    carry only padding bits)."""
    head, _, signature = token.rpartition(".")
    return f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def refused(read: Callable[[], object], message: str) -> None:
    with pytest.raises(LinkInvalid) as error:
        read()
    assert error.value.message == message
    assert (error.value.status_code, error.value.code) == (404, "link_invalid")


def expired(read: Callable[[], object], message: str) -> None:
    """A genuine link past its age: 410, so the page can say so and offer a fresh way in."""
    with pytest.raises(LinkExpired) as error:
        read()
    assert error.value.message == message
    assert (error.value.status_code, error.value.code) == (410, "link_expired")


# ---------------------------------------------------------------- answer links


def an_answer(settings: Settings = SETTINGS) -> str:
    url = answer_url(settings, match_id=3, public_id=ATTENDEE, answer="yes")
    return token_of(url, "answer")


def test_an_answer_link_reads_back_what_it_was_made_for() -> None:
    assert read_answer(SETTINGS, an_answer()) == {"m": 3, "p": ATTENDEE, "a": "yes"}


@pytest.mark.parametrize(
    "token",
    [
        altered(an_answer()),
        an_answer(OTHER_KEY),
        "",
        "not-a-token",
        token_of(stay_url(SETTINGS, ATTENDEE), "stay"),  # another purpose
    ],
    ids=["altered", "another key", "empty", "garbage", "a stay link"],
)
def test_an_answer_link_that_is_not_ours_is_refused(token: str) -> None:
    refused(lambda: read_answer(SETTINGS, token), "the answer link is invalid or has expired")


@pytest.mark.parametrize(
    "payload",
    [[3, ATTENDEE, "yes"], {"m": 3, "p": ATTENDEE}, {"m": 3, "a": "yes"}, {"p": 1, "a": "y"}, 5],
    ids=["a list", "no answer", "no attendee", "no match", "a number"],
)
def test_a_signed_answer_without_match_attendee_and_answer_is_refused(payload: object) -> None:
    # Signed with our key for this purpose, but not what an answer link carries.
    token = URLSafeTimedSerializer(SETTINGS.signing_keys, salt="peernet.answer").dumps(payload)
    refused(lambda: read_answer(SETTINGS, token), "the answer link is invalid")


def test_an_answer_link_lasts_180_days_and_not_a_second_longer() -> None:
    assert timedelta(seconds=ANSWER_VALID_FOR_SECONDS) == timedelta(days=180)
    with time_machine.travel("2026-01-01 12:00:00 +0000", tick=False):
        token = an_answer()
    with time_machine.travel("2026-06-30 12:00:00 +0000", tick=False):  # 180 days later
        assert read_answer(SETTINGS, token)["a"] == "yes"
    with time_machine.travel("2026-06-30 12:00:01 +0000", tick=False):
        expired(lambda: read_answer(SETTINGS, token), "the answer link has expired")


# ---------------------------------------------------------------- pause and unsubscribe


@pytest.mark.parametrize("action", ["pause", "unsubscribe"])
def test_a_subscription_link_reads_back_its_attendee(action: str) -> None:
    token = token_of(subscription_url(SETTINGS, action, ATTENDEE), action)
    assert read_subscription(SETTINGS, action, token) == ATTENDEE


@pytest.mark.parametrize(
    ("made_for", "used_for"), [("pause", "unsubscribe"), ("unsubscribe", "pause")]
)
def test_a_pause_link_cannot_unsubscribe_and_the_reverse(made_for: str, used_for: str) -> None:
    token = token_of(subscription_url(SETTINGS, made_for, ATTENDEE), made_for)
    refused(lambda: read_subscription(SETTINGS, used_for, token), f"the {used_for} link is invalid")


@pytest.mark.parametrize("action", ["pause", "unsubscribe"])
def test_an_altered_or_foreign_subscription_link_is_refused(action: str) -> None:
    token = token_of(subscription_url(SETTINGS, action, ATTENDEE), action)
    foreign = token_of(subscription_url(OTHER_KEY, action, ATTENDEE), action)
    for bad in (altered(token), foreign, "", token_of(stay_url(SETTINGS, ATTENDEE), "stay")):
        refused(lambda: read_subscription(SETTINGS, action, bad), f"the {action} link is invalid")  # noqa: B023


@pytest.mark.parametrize("payload", [{"p": 7}, [7], None, 7.5])
def test_a_signed_subscription_link_that_names_no_attendee_is_refused(payload: object) -> None:
    for action, serializer in [
        ("pause", URLSafeSerializer(SETTINGS.signing_keys, salt="peernet.pause")),
        ("pause", URLSafeTimedSerializer(SETTINGS.signing_keys, salt="peernet.pause")),
    ]:
        token = serializer.dumps(payload)
        refused(lambda: read_subscription(SETTINGS, action, token), "the pause link is invalid")  # noqa: B023


def test_the_attendee_of_our_own_unsubscribe_link_is_known() -> None:
    url = subscription_url(SETTINGS, "unsubscribe", ATTENDEE)
    assert attendee_of_unsubscribe_url(SETTINGS, url) == ATTENDEE


@pytest.mark.parametrize(
    "url",
    [
        None,
        42,
        "",
        subscription_url(SETTINGS, "pause", ATTENDEE),
        subscription_url(OTHER_KEY, "unsubscribe", ATTENDEE),
        subscription_url(make_settings(BASE_URL="https://elsewhere.test"), "unsubscribe", ATTENDEE),
        "https://peernet.test/unsubscribe/",
        "mailto:unsubscribe@peernet.test",
    ],
    ids=[
        "none",
        "a number",
        "empty",
        "a pause link",
        "another key",
        "another site",
        "no token",
        "mailto",
    ],
)
def test_any_other_list_unsubscribe_value_names_nobody(url: object) -> None:
    assert attendee_of_unsubscribe_url(SETTINGS, url) is None


def test_an_unsubscribe_link_with_an_altered_token_names_nobody() -> None:
    url = subscription_url(SETTINGS, "unsubscribe", ATTENDEE)
    assert attendee_of_unsubscribe_url(SETTINGS, altered(url)) is None


# ---------------------------------------------------------------- stay links


def test_a_stay_link_reads_back_its_attendee() -> None:
    assert read_stay(SETTINGS, token_of(stay_url(SETTINGS, ATTENDEE), "stay")) == ATTENDEE


def test_a_stay_link_lasts_60_days_and_not_a_second_longer() -> None:
    assert timedelta(seconds=STAY_VALID_FOR_SECONDS) == timedelta(days=60)
    with time_machine.travel("2026-03-01 09:00:00 +0000", tick=False):
        token = token_of(stay_url(SETTINGS, ATTENDEE), "stay")
    with time_machine.travel("2026-04-30 09:00:00 +0000", tick=False):  # 60 days later
        assert read_stay(SETTINGS, token) == ATTENDEE
    with time_machine.travel("2026-04-30 09:00:01 +0000", tick=False):
        expired(lambda: read_stay(SETTINGS, token), "the stay link has expired")


def test_an_altered_foreign_or_other_purpose_stay_link_is_refused() -> None:
    token = token_of(stay_url(SETTINGS, ATTENDEE), "stay")
    for bad in (altered(token), token_of(stay_url(OTHER_KEY, ATTENDEE), "stay"), an_answer()):
        refused(lambda: read_stay(SETTINGS, bad), "the stay link is invalid or has expired")  # noqa: B023


@pytest.mark.parametrize("payload", [{"p": 7}, [7], None, 7.5])
def test_a_signed_stay_link_that_names_no_attendee_is_refused(payload: object) -> None:
    token = URLSafeTimedSerializer(SETTINGS.signing_keys, salt="peernet.stay").dumps(payload)
    refused(lambda: read_stay(SETTINGS, token), "the stay link is invalid")


# ---------------------------------------------------------------- consent renewal links


def test_a_consent_link_reads_back_its_attendee_and_the_version_agreed_to() -> None:
    token = token_of(consent_renewal_url(SETTINGS, ATTENDEE, "2026-11"), "consent")
    assert read_consent_renewal(SETTINGS, token) == (ATTENDEE, "2026-11")


def test_an_altered_foreign_or_other_purpose_consent_link_is_refused() -> None:
    token = token_of(consent_renewal_url(SETTINGS, ATTENDEE, "2026-11"), "consent")
    pause = token_of(subscription_url(SETTINGS, "pause", ATTENDEE), "pause")
    foreign = token_of(consent_renewal_url(OTHER_KEY, ATTENDEE, "2026-11"), "consent")
    for bad in (altered(token), foreign, pause, ""):
        refused(lambda: read_consent_renewal(SETTINGS, bad), "the consent link is invalid")  # noqa: B023


@pytest.mark.parametrize(
    "payload",
    [
        {"p": ATTENDEE},
        {"v": "2026-11"},
        {"p": ATTENDEE, "v": 2026},
        {"p": 7.5, "v": "2026-11"},
        [ATTENDEE, "2026-11"],
    ],
    ids=["no version", "no attendee", "version not text", "attendee not an id", "a list"],
)
def test_a_signed_consent_link_without_attendee_and_version_is_refused(payload: object) -> None:
    token = URLSafeSerializer(SETTINGS.signing_keys, salt="peernet.consent").dumps(payload)
    refused(lambda: read_consent_renewal(SETTINGS, token), "the consent link is invalid")


# ---------------------------------------------------------------- key rotation


def test_links_signed_with_the_previous_key_are_read_after_rotation() -> None:
    old_key = "the-old-secret-key-that-is-long-enough-0000"
    old = make_settings(SECRET_KEY=old_key)
    rotated = make_settings(SECRET_KEY_PREVIOUS=old_key)
    assert read_answer(rotated, an_answer(old))["p"] == ATTENDEE
    assert read_stay(rotated, token_of(stay_url(old, ATTENDEE), "stay")) == ATTENDEE
    pause = token_of(subscription_url(old, "pause", ATTENDEE), "pause")
    assert read_subscription(rotated, "pause", pause) == ATTENDEE
    consent = token_of(consent_renewal_url(old, ATTENDEE, "v2"), "consent")
    assert read_consent_renewal(rotated, consent) == (ATTENDEE, "v2")


# ---------------------------------------------------------------- rules found by make mutants


@pytest.mark.parametrize("action", ["pause", "unsubscribe"])
def test_a_subscription_link_lasts_180_days_by_peernets_clock(action: str) -> None:
    # peernet's clock alone is moved (as the demo's CLOCK_OFFSET_DAYS does), not the
    # system's: the link's age is counted on the clock the rest of the service uses.
    assert timedelta(seconds=SUBSCRIPTION_LINK_VALID_FOR_SECONDS) == timedelta(days=180)
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    try:
        set_clock(lambda: start)
        token = token_of(subscription_url(SETTINGS, action, ATTENDEE), action)
        set_clock(lambda: start + timedelta(days=180))
        assert read_subscription(SETTINGS, action, token) == ATTENDEE
        set_clock(lambda: start + timedelta(days=180, seconds=1))
        expired(
            lambda: read_subscription(SETTINGS, action, token), f"the {action} link has expired"
        )
    finally:
        reset_clock()


def test_links_made_without_a_purpose_are_refused_for_every_purpose() -> None:
    # Signed with our key but no purpose (itsdangerous's default salt): a token minted for
    # anything else must not stand in for a consent, stay, answer or subscription link.
    bare_timed = URLSafeTimedSerializer(SETTINGS.signing_keys)
    bare = URLSafeSerializer(SETTINGS.signing_keys)
    consent = bare.dumps({"p": ATTENDEE, "v": "2026-11"})
    refused(lambda: read_consent_renewal(SETTINGS, consent), "the consent link is invalid")
    for action in ("pause", "unsubscribe"):
        token = bare_timed.dumps(ATTENDEE)
        refused(
            lambda: read_subscription(SETTINGS, action, token),  # noqa: B023
            f"the {action} link is invalid",
        )
    refused(
        lambda: read_stay(SETTINGS, bare_timed.dumps(ATTENDEE)),
        "the stay link is invalid or has expired",
    )


def test_an_answer_link_naming_no_public_id_is_refused_even_with_a_good_match() -> None:
    token = URLSafeTimedSerializer(SETTINGS.signing_keys, salt="peernet.answer").dumps(
        {"m": 3, "p": 7, "a": "yes"}
    )
    refused(lambda: read_answer(SETTINGS, token), "the answer link is invalid")


# ---------------------------------------------------------------- the prepared signer


@pytest.mark.parametrize("purpose", ["pause", "unsubscribe", "stay", "answer"])
def test_links_are_signed_exactly_as_itsdangerous_signs_them(purpose: str) -> None:
    # The signer derives its key once (publishing signs twenty thousand links): the tokens
    # must stay those of a plain URLSafeTimedSerializer, with every key in turn.
    from peernet.links import ClockSigner, _timed

    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    rotated = make_settings(SECRET_KEY_PREVIOUS="the-old-secret-key-that-is-long-enough-0000")
    try:
        set_clock(lambda: start)
        for settings in (SETTINGS, OTHER_KEY, rotated):
            plain = URLSafeTimedSerializer(
                settings.signing_keys, salt=f"peernet.{purpose}", signer=ClockSigner
            )
            for payload in (ATTENDEE, "A" * 22, {"m": 3, "p": ATTENDEE, "a": "yes"}):
                for _ in range(2):  # the second signature reuses the prepared key
                    token = _timed(settings, purpose).dumps(payload)
                    assert token == plain.dumps(payload)
                    assert plain.loads(token) == payload
    finally:
        reset_clock()
