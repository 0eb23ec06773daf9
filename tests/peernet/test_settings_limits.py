"""Every setting's name, default and limits, at, below and above each bound, and the exact
message an operator sees for each bad value (it names the variable and what is expected)."""

from __future__ import annotations

from pathlib import Path

import pytest
from limits import parse

from peernet.settings import DEVELOPMENT_SECRET_KEY, Settings, SettingsError, load_settings

KEY = "k" * 40
MB = 1024 * 1024


def test_the_defaults_are_the_documented_ones() -> None:
    s = load_settings({})
    assert s.env == "development"
    assert str(s.secret_key_previous) == ""
    assert s.signing_keys == [DEVELOPMENT_SECRET_KEY]
    assert s.base_url == "http://127.0.0.1:8000"
    assert s.mail_dir == Path("var/mail")
    assert s.smtp_url == "smtp://127.0.0.1:25"
    assert s.mail_http_url == "https://api.postmarkapp.com/email"
    assert str(s.mail_http_token) == ""
    assert s.mail_http_provider == "postmark"
    assert (s.mail_from_name, s.mail_from_email) == ("peernet", "peernet@localhost")
    assert s.coordinators == []
    assert (s.nudge_met_after_days, s.feedback_after_days) == (14, 35)
    assert (s.outbox_lease_seconds, s.delivery_deadline_hours) == (300, 48)
    assert (s.session_hours, s.retention_inactive_months) == (12, 24)
    assert (s.round_draft_day, s.round_draft_time) == ("1st mon", "09:00")
    assert s.auto_publish is False
    assert s.rate_limit_storage == "memory://"
    assert s.rate_limits_enabled is True
    assert s.rate_limit_signup == parse("300/10minutes")
    assert s.rate_limit_links == parse("600/10minutes")
    assert s.rate_limit_me == parse("60/10minutes")
    assert s.rate_limit_confirmations_per_address == parse("3/day")
    assert s.rate_limit_me_links_per_address == parse("5/day")
    assert (s.max_body_bytes, s.max_upload_bytes, s.max_json_depth) == (64 * 1024, 5 * MB, 20)
    assert s.privacy_controller == "Stichting peernet (demo), Utrecht"
    assert s.privacy_contact == "privacy@peernet.example.nl"
    assert s.clock_offset_days == 0
    assert s.secure_cookies is False


def test_without_a_mapping_the_process_environment_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NUDGE_MET_AFTER_DAYS", "9")
    assert load_settings().nudge_met_after_days == 9
    assert Settings().nudge_met_after_days == 9


@pytest.mark.parametrize(
    ("variable", "value", "attribute", "expected"),
    [
        ("MAIL_DIR", "/srv/mail", "mail_dir", Path("/srv/mail")),
        ("SMTP_URL", "smtp://mail.example.nl:587", "smtp_url", "smtp://mail.example.nl:587"),
        (
            "MAIL_HTTP_URL",
            "https://api.example.nl/send",
            "mail_http_url",
            "https://api.example.nl/send",
        ),
        ("MAIL_HTTP_PROVIDER", "sendgrid", "mail_http_provider", "sendgrid"),
        ("OUTBOX_LEASE_SECONDS", "60", "outbox_lease_seconds", 60),
        ("DELIVERY_DEADLINE_HOURS", "72", "delivery_deadline_hours", 72),
        ("RATE_LIMITS_ENABLED", "0", "rate_limits_enabled", False),
        ("RATE_LIMIT_SIGNUP", "7/minute", "rate_limit_signup", parse("7/minute")),
        ("RATE_LIMIT_LINKS", "8/minute", "rate_limit_links", parse("8/minute")),
        ("RATE_LIMIT_ME", "9/minute", "rate_limit_me", parse("9/minute")),
        (
            "RATE_LIMIT_CONFIRMATIONS_PER_ADDRESS",
            "2/hour",
            "rate_limit_confirmations_per_address",
            parse("2/hour"),
        ),
        (
            "RATE_LIMIT_ME_LINKS_PER_ADDRESS",
            "4/hour",
            "rate_limit_me_links_per_address",
            parse("4/hour"),
        ),
        ("MAX_BODY_BYTES", "1000", "max_body_bytes", 1000),
        ("MAX_UPLOAD_BYTES", "2000", "max_upload_bytes", 2000),
        ("MAX_JSON_DEPTH", "5", "max_json_depth", 5),
        ("BASE_URL", "http://localhost:8000/", "base_url", "http://localhost:8000"),
        ("BASE_URL", "http://localhost:8000///", "base_url", "http://localhost:8000"),
        # Only slashes are trimmed: a path that ends in a letter keeps it.
        ("BASE_URL", "http://localhost:8000/APEX/", "base_url", "http://localhost:8000/APEX"),
    ],
)
def test_each_variable_is_read_under_its_documented_name(
    variable: str, value: str, attribute: str, expected: object
) -> None:
    assert getattr(load_settings({variable: value}), attribute) == expected


@pytest.mark.parametrize(
    ("variable", "largest"),
    [
        ("RETENTION_INACTIVE_MONTHS", 120),
        ("MAX_BODY_BYTES", 100 * MB),
        ("MAX_UPLOAD_BYTES", 100 * MB),
        ("MAX_JSON_DEPTH", 200),
    ],
)
def test_a_limited_number_is_accepted_up_to_its_bound(variable: str, largest: int) -> None:
    load_settings({variable: str(largest)})


@pytest.mark.parametrize(
    ("variable", "too_large", "message"),
    [
        (
            "RETENTION_INACTIVE_MONTHS",
            121,
            "RETENTION_INACTIVE_MONTHS: at most 120 (ten years), not 121",
        ),
        ("MAX_BODY_BYTES", 100 * MB + 1, "MAX_BODY_BYTES, MAX_UPLOAD_BYTES: at most 100 MB each"),
        ("MAX_UPLOAD_BYTES", 100 * MB + 1, "MAX_BODY_BYTES, MAX_UPLOAD_BYTES: at most 100 MB each"),
        ("MAX_JSON_DEPTH", 201, "MAX_JSON_DEPTH: at most 200, not 201"),
    ],
)
def test_a_limited_number_above_its_bound_is_refused(
    variable: str, too_large: int, message: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({variable: str(too_large)})
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "variable",
    [
        "NUDGE_MET_AFTER_DAYS",
        "FEEDBACK_AFTER_DAYS",
        "OUTBOX_LEASE_SECONDS",
        "DELIVERY_DEADLINE_HOURS",
        "SESSION_HOURS",
        "RETENTION_INACTIVE_MONTHS",
        "MAX_BODY_BYTES",
        "MAX_UPLOAD_BYTES",
        "MAX_JSON_DEPTH",
    ],
)
def test_a_whole_number_setting_is_at_least_one(variable: str) -> None:
    assert getattr(load_settings({variable: "1"}), variable.lower()) == 1
    for bad in ("0", "-1", "1.5", "", " 1x"):
        with pytest.raises(SettingsError) as refused:
            load_settings({variable: bad})
        assert str(refused.value) == (
            f"{variable}: must be a whole number of at least 1, not {bad!r}"
        )


@pytest.mark.parametrize(
    "variable",
    [
        "RATE_LIMIT_SIGNUP",
        "RATE_LIMIT_LINKS",
        "RATE_LIMIT_ME",
        "RATE_LIMIT_CONFIRMATIONS_PER_ADDRESS",
        "RATE_LIMIT_ME_LINKS_PER_ADDRESS",
    ],
)
def test_a_rate_is_at_least_one_per_known_period(variable: str) -> None:
    assert getattr(load_settings({variable: " 1/day "}), variable.lower()) == parse("1/day")
    default = {"RATE_LIMIT_SIGNUP": "300/10minutes", "RATE_LIMIT_LINKS": "600/10minutes"}.get(
        variable
    )
    for bad in ("0/day", "5/fortnight", "five/day", "per day", "5"):
        with pytest.raises(SettingsError) as refused:
            load_settings({variable: bad})
        assert str(refused.value).startswith(f"{variable}: must be a count per period such as ")
        assert str(refused.value).endswith(f", not {bad!r}")
        if default:
            assert f"such as {default!r}" in str(refused.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        (" on ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("False", False),
        ("no", False),
        ("NO", False),
        ("off", False),
        ("OFF", False),
        ("", False),
        ("  ", False),
    ],
)
def test_a_flag_takes_the_usual_spellings_in_any_case(value: str, expected: bool) -> None:
    assert load_settings({"AUTO_PUBLISH": value}).auto_publish is expected


@pytest.mark.parametrize("value", ["2", "y", "enabled", "tru"])
def test_any_other_flag_value_is_refused(value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"AUTO_PUBLISH": value})
    assert str(refused.value) == f"AUTO_PUBLISH: must be 1 or 0 (true or false), not {value!r}"


def test_the_secret_key_has_at_least_32_characters() -> None:
    load_settings({"SECRET_KEY": "k" * 32, "BASE_URL": "https://peernet.nl"})
    with pytest.raises(SettingsError) as refused:
        load_settings({"SECRET_KEY": "k" * 31, "BASE_URL": "https://peernet.nl"})
    assert str(refused.value) == "SECRET_KEY: must be at least 32 characters long"


def test_the_previous_secret_key_has_at_least_32_characters_and_is_no_default() -> None:
    settings = load_settings({"SECRET_KEY": KEY, "SECRET_KEY_PREVIOUS": "p" * 32})
    assert settings.signing_keys == ["p" * 32, KEY]
    message = (
        "SECRET_KEY_PREVIOUS: must be the former SECRET_KEY (at least 32 characters,"
        " not the development default)"
    )
    for bad in ("p" * 31, DEVELOPMENT_SECRET_KEY):
        with pytest.raises(SettingsError) as refused:
            load_settings({"SECRET_KEY": KEY, "SECRET_KEY_PREVIOUS": bad})
        assert str(refused.value) == message


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"PEERNET_ENV": "staging"},
            "PEERNET_ENV: must be development, test or production, not 'staging'",
        ),
        (
            {"PEERNET_ENV": "production"},
            "SECRET_KEY: the development default cannot be used when PEERNET_ENV=production",
        ),
        (
            {"PEERNET_ENV": "production", "SECRET_KEY": KEY, "RATE_LIMITS_ENABLED": "0"},
            "RATE_LIMITS_ENABLED: rate limits cannot be switched off when"
            " PEERNET_ENV=production (use it for load tests on a test instance)",
        ),
        (
            {"PEERNET_ENV": "production", "SECRET_KEY": KEY, "CLOCK_OFFSET_DAYS": "3"},
            "CLOCK_OFFSET_DAYS: only for development, not in production",
        ),
        (
            {"CLOCK_OFFSET_DAYS": "-3"},
            "CLOCK_OFFSET_DAYS: must be a whole number of days, not '-3'",
        ),
        (
            {"DATABASE_URL": "mysql://db/peernet"},
            "DATABASE_URL: must start with sqlite:// or postgres://, not 'mysql'",
        ),
        (
            {"BASE_URL": "https://"},
            "BASE_URL: must be an absolute http(s) URL such as https://peernet.nl",
        ),
        (
            {"BASE_URL": "ftp://peernet.nl"},
            "BASE_URL: must be an absolute http(s) URL such as https://peernet.nl",
        ),
        (
            {"BASE_URL": "https://peernet.nl"},
            "SECRET_KEY: the development default can only be used with a loopback BASE_URL"
            " (127.0.0.1, ::1 or localhost); set your own SECRET_KEY",
        ),
        ({"MAIL_BACKEND": "pigeon"}, "MAIL_BACKEND: must be one of file, smtp, http, not 'pigeon'"),
        ({"DEFAULT_LOCALE": "de"}, "DEFAULT_LOCALE: must be one of nl, en"),
        (
            {"MAIL_FROM": "nobody"},
            "MAIL_FROM: must be an address such as 'peernet <peernet@example.nl>'",
        ),
        (
            {"COORDINATOR_EMAILS": "a@example.nl, nobody"},
            "COORDINATOR_EMAILS: 'nobody' is not an address",
        ),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE: unknown time zone 'Mars/Olympus'"),
        (
            {"RATE_LIMIT_STORAGE": "memcached://cache:11211"},
            "RATE_LIMIT_STORAGE: must be memory:// or a redis:// URL, not 'memcached://cache:11211'",
        ),
        (
            {"ROUND_DRAFT_DAY": "someday"},
            "ROUND_DRAFT_DAY: must be an APScheduler cron day such as '1st mon' or '1',"
            " not 'someday'",
        ),
        (
            {"MAIL_BACKEND": "http"},
            "MAIL_HTTP_TOKEN: required when MAIL_BACKEND=http",
        ),
        (
            {"MAIL_BACKEND": "http", "MAIL_HTTP_TOKEN": "t", "MAIL_HTTP_PROVIDER": "mailchimp"},
            "MAIL_HTTP_PROVIDER: must be one of postmark, sendgrid, not 'mailchimp'",
        ),
        (
            {"MAIL_BACKEND": "http", "MAIL_HTTP_TOKEN": "t", "MAIL_HTTP_URL": "ftp://api.example"},
            "MAIL_HTTP_URL: must be an http(s) URL",
        ),
        (
            {"MAIL_BACKEND": "smtp", "SMTP_URL": "imap://mail.example.nl"},
            "SMTP_URL: must start with smtp:// or smtps://, not 'imap'",
        ),
    ],
)
def test_each_refusal_names_the_variable_and_what_is_expected(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(environ)
    assert str(refused.value) == message


@pytest.mark.parametrize("scheme", ["sqlite", "postgres", "postgresql", "asyncpg"])
def test_every_supported_database_scheme_is_accepted(scheme: str) -> None:
    url = f"{scheme}://root@127.0.0.1:5432/peernet"
    assert load_settings({"DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize("url", ["memory://", "redis://cache:6379", "rediss://cache:6380/0"])
def test_every_supported_rate_limit_storage_is_accepted(url: str) -> None:
    assert load_settings({"RATE_LIMIT_STORAGE": url}).rate_limit_storage == url


@pytest.mark.parametrize("url", ["https://api.example.nl/send", "http://127.0.0.1:9000/send"])
def test_the_mail_http_url_may_be_http_or_https(url: str) -> None:
    environ = {"MAIL_BACKEND": "http", "MAIL_HTTP_TOKEN": "t", "MAIL_HTTP_URL": url}
    assert load_settings(environ).mail_http_url == url


def test_another_backends_settings_are_not_checked() -> None:
    # Only the chosen backend's settings matter.
    assert (
        load_settings({"SMTP_URL": "imap://x", "MAIL_HTTP_URL": "ftp://x"}).mail_backend == "file"
    )


@pytest.mark.parametrize("time", ["00:00", "9:05", "23:59"])
def test_the_draft_time_is_a_time_of_day(time: str) -> None:
    assert load_settings({"ROUND_DRAFT_TIME": time}).round_draft_time == time


@pytest.mark.parametrize("time", ["24:00", "12:60", "noon", "12", "12:5a", "12:00:00", ":30"])
def test_a_draft_time_outside_the_day_is_refused(time: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"ROUND_DRAFT_TIME": time})
    assert str(refused.value) == f"ROUND_DRAFT_TIME: must be HH:MM such as 09:00, not {time!r}"


@pytest.mark.parametrize("length", [1, 199, 200])
def test_the_privacy_controller_has_one_to_200_characters(length: int) -> None:
    assert len(load_settings({"PRIVACY_CONTROLLER": "x" * length}).privacy_controller) == length


@pytest.mark.parametrize("value", ["x" * 201, "", "   "])
def test_a_privacy_controller_that_is_empty_or_too_long_is_refused(value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"PRIVACY_CONTROLLER": value})
    assert str(refused.value) == (
        "PRIVACY_CONTROLLER: must name the organisation responsible for the data"
        " (at most 200 characters)"
    )


def test_the_privacy_contact_is_an_address() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"PRIVACY_CONTACT": "the privacy officer"})
    assert (
        str(refused.value) == "PRIVACY_CONTACT: must be an email address, not 'the privacy officer'"
    )
