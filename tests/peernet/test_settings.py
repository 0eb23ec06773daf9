from __future__ import annotations

import pytest

from peernet.settings import DEVELOPMENT_SECRET_KEY, SettingsError, load_settings


def test_defaults_work_for_a_local_run() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite://peernet.sqlite3"
    assert settings.mail_backend == "file"
    assert settings.timezone_name == "Europe/Amsterdam"
    assert settings.default_locale == "nl"
    assert str(settings.secret_key) == DEVELOPMENT_SECRET_KEY


def test_production_refuses_the_development_secret_key() -> None:
    with pytest.raises(SettingsError, match=r"^SECRET_KEY:"):
        load_settings({"PEERNET_ENV": "production"})
    assert load_settings({"PEERNET_ENV": "production", "SECRET_KEY": "k" * 40}).is_production


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://x"),
        ("BASE_URL", "peernet.nl"),
        ("MAIL_BACKEND", "pigeon"),
        ("MAIL_FROM", "nobody"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LOCALE", "de"),
        ("PEERNET_ENV", "staging"),
        ("SECRET_KEY", "short"),
        ("COORDINATOR_EMAILS", "coordinator@example.org, not-an-address"),
        ("NUDGE_MET_AFTER_DAYS", "0"),
        ("FEEDBACK_AFTER_DAYS", "five"),
        ("SESSION_HOURS", "0"),
        ("RETENTION_INACTIVE_MONTHS", "0"),
        ("RETENTION_INACTIVE_MONTHS", "two years"),
        ("RETENTION_INACTIVE_MONTHS", "121"),
        ("ROUND_DRAFT_DAY", "every blue moon"),
        ("ROUND_DRAFT_TIME", "9 uur"),
        ("ROUND_DRAFT_TIME", "25:00"),
        ("AUTO_PUBLISH", "maybe"),
        ("RATE_LIMIT_STORAGE", "memcached://x"),
        ("CLOCK_OFFSET_DAYS", "-3"),
        ("PRIVACY_CONTROLLER", " "),
        ("PRIVACY_CONTACT", "privacy at example"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=rf"^{variable}:"):
        load_settings({variable: value})


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"MAIL_BACKEND": "smtp", "SMTP_URL": "ftp://mail.example.org"}, "SMTP_URL"),
        ({"MAIL_BACKEND": "smtp", "SMTP_URL": "smtp://host:notaport"}, "SMTP_URL"),
        ({"MAIL_BACKEND": "http"}, "MAIL_HTTP_TOKEN"),
        (
            {"MAIL_BACKEND": "http", "MAIL_HTTP_TOKEN": "t", "MAIL_HTTP_PROVIDER": "x"},
            "MAIL_HTTP_PROVIDER",
        ),
    ],
)
def test_the_chosen_mail_backend_is_checked_at_start(
    environ: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError, match=rf"^{variable}:"):
        load_settings(environ)
    assert load_settings({**environ, "MAIL_BACKEND": "file"}).mail_backend == "file"


def test_time_travel_is_for_development_only() -> None:
    assert load_settings({"CLOCK_OFFSET_DAYS": "15"}).clock_offset_days == 15
    with pytest.raises(SettingsError, match=r"^CLOCK_OFFSET_DAYS:"):
        load_settings(
            {"PEERNET_ENV": "production", "SECRET_KEY": "k" * 40, "CLOCK_OFFSET_DAYS": "15"}
        )


def test_the_round_schedule_and_auto_publish_have_working_defaults() -> None:
    settings = load_settings({})
    assert (settings.round_draft_day, settings.round_draft_time) == ("1st mon", "09:00")
    assert settings.auto_publish is False
    assert load_settings({"AUTO_PUBLISH": "1"}).auto_publish is True


@pytest.mark.parametrize("env", ["development", "test", "production"])
@pytest.mark.parametrize(
    "base_url", ["https://peernet.nl", "http://peernet.example", "http://192.168.1.10:8000"]
)
def test_the_development_key_is_refused_off_loopback_whatever_the_environment(
    env: str, base_url: str
) -> None:
    with pytest.raises(SettingsError, match=r"^SECRET_KEY:"):
        load_settings({"PEERNET_ENV": env, "BASE_URL": base_url})
    own = load_settings({"PEERNET_ENV": env, "BASE_URL": base_url, "SECRET_KEY": "k" * 40})
    assert own.base_url == base_url


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8000", "http://127.1.2.3", "http://[::1]:8000", "http://localhost:8000"],
)
def test_the_development_key_still_serves_a_loopback_base_url(base_url: str) -> None:
    assert str(load_settings({"BASE_URL": base_url}).secret_key) == DEVELOPMENT_SECRET_KEY


def test_the_previous_key_is_read_but_never_used_to_sign() -> None:
    from peernet.attendees.models import new_public_id
    from peernet.links import read_subscription, subscription_url

    someone = new_public_id()
    old = load_settings({"SECRET_KEY": "o" * 40})
    rotated = load_settings({"SECRET_KEY": "n" * 40, "SECRET_KEY_PREVIOUS": "o" * 40})
    after = load_settings({"SECRET_KEY": "n" * 40})
    link = subscription_url(old, "unsubscribe", someone)
    token = link.rsplit("/", 1)[1]
    assert read_subscription(rotated, "unsubscribe", token) == someone
    # New links are signed with the new key only: the old key alone cannot read them.
    fresh = subscription_url(rotated, "unsubscribe", someone).rsplit("/", 1)[1]
    assert fresh != token
    assert read_subscription(after, "unsubscribe", fresh) == someone
    with pytest.raises(Exception, match="invalid"):
        read_subscription(old, "unsubscribe", fresh)
    # Once the previous key is dropped, links signed with it stop working.
    with pytest.raises(Exception, match="invalid"):
        read_subscription(after, "unsubscribe", token)


@pytest.mark.parametrize("previous", ["short", DEVELOPMENT_SECRET_KEY])
def test_a_weak_previous_key_is_refused(previous: str) -> None:
    with pytest.raises(SettingsError, match=r"^SECRET_KEY_PREVIOUS:"):
        load_settings({"SECRET_KEY": "n" * 40, "SECRET_KEY_PREVIOUS": previous})
