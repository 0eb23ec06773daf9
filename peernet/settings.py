"""Every setting peernet reads, in one place, read once from the environment (12-factor).

Defaults make a local run work with nothing set: an SQLite file in the working
directory and mail written as ``.eml`` files into ``./var/mail``.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import RateLimitItem, parse
from starlette.config import Config, Environ
from starlette.datastructures import Secret

from notifications import BACKENDS as MAIL_BACKENDS
from notifications import PROVIDERS, Address, parse_smtp_url

DEVELOPMENT_SECRET_KEY = "peernet-development-secret-do-not-use-in-production"  # noqa: S105
LOCALES = ("nl", "en")


class SettingsError(ValueError):
    """A setting has a value peernet cannot run with; the message names the variable."""


class Settings:
    """The environment, parsed and checked. Build one with :func:`load_settings`."""

    def __init__(self, environ: Environ | dict[str, str] | None = None) -> None:
        config = Config(environ=environ if environ is not None else os.environ)
        self.env: str = config("PEERNET_ENV", default="development")
        self.database_url: str = config("DATABASE_URL", default="sqlite://peernet.sqlite3")
        self.secret_key = Secret(config("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY))
        # Accepted when reading signed links and cookies, never used to sign: key rotation.
        self.secret_key_previous = Secret(config("SECRET_KEY_PREVIOUS", default=""))
        self.base_url: str = config("BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
        self.mail_backend: str = config("MAIL_BACKEND", default="file")
        self.mail_dir: Path = Path(config("MAIL_DIR", default="var/mail"))
        self.smtp_url: str = config("SMTP_URL", default="smtp://127.0.0.1:25")
        self.mail_http_url: str = config(
            "MAIL_HTTP_URL", default="https://api.postmarkapp.com/email"
        )
        self.mail_http_token = Secret(config("MAIL_HTTP_TOKEN", default=""))
        self.mail_http_provider: str = config("MAIL_HTTP_PROVIDER", default="postmark")
        self.mail_from: str = config("MAIL_FROM", default="peernet <peernet@localhost>")
        self.timezone_name: str = config("TIMEZONE", default="Europe/Amsterdam")
        self.default_locale: str = config("DEFAULT_LOCALE", default="nl")
        self.coordinator_emails: str = config("COORDINATOR_EMAILS", default="")
        self.nudge_met_after_days: int = self._positive(config, "NUDGE_MET_AFTER_DAYS", 14)
        self.feedback_after_days: int = self._positive(config, "FEEDBACK_AFTER_DAYS", 35)
        self.outbox_lease_seconds: int = self._positive(config, "OUTBOX_LEASE_SECONDS", 300)
        self.delivery_deadline_hours: int = self._positive(config, "DELIVERY_DEADLINE_HOURS", 48)
        self.session_hours: int = self._positive(config, "SESSION_HOURS", 12)
        # Attendees with no sign of life for this long are asked whether they want to stay.
        self.retention_inactive_months: int = self._positive(
            config, "RETENTION_INACTIVE_MONTHS", 24
        )
        if self.retention_inactive_months > 120:
            raise SettingsError(
                "RETENTION_INACTIVE_MONTHS: at most 120 (ten years), not"
                f" {self.retention_inactive_months}"
            )
        # When the worker plans the month's draft: APScheduler cron fields, local time.
        self.round_draft_day: str = config("ROUND_DRAFT_DAY", default="1st mon")
        self.round_draft_time: str = config("ROUND_DRAFT_TIME", default="09:00")
        self.auto_publish: bool = self._flag(config, "AUTO_PUBLISH")
        self.rate_limit_storage: str = config("RATE_LIMIT_STORAGE", default="memory://")
        # Visitors' rate limits (peernet/web/ratelimit.py): "count/period" as `limits` reads
        # them. Per client address: generous (a room behind one NAT must get through); per
        # recipient address: strict. RATE_LIMITS_ENABLED=0 switches them off (load tests
        # only; refused in production). Coordinator sign-in keeps its own fixed limits.
        self.rate_limits_enabled: bool = self._flag(config, "RATE_LIMITS_ENABLED", default="1")
        self.rate_limit_signup = self._rate(config, "RATE_LIMIT_SIGNUP", "300/10minutes")
        self.rate_limit_links = self._rate(config, "RATE_LIMIT_LINKS", "600/10minutes")
        self.rate_limit_me = self._rate(config, "RATE_LIMIT_ME", "60/10minutes")
        self.rate_limit_confirmations_per_address = self._rate(
            config, "RATE_LIMIT_CONFIRMATIONS_PER_ADDRESS", "3/day"
        )
        self.rate_limit_me_links_per_address = self._rate(
            config, "RATE_LIMIT_ME_LINKS_PER_ADDRESS", "5/day"
        )
        # Bounded requests: the largest body any route reads, the CSV import's own larger
        # limit, and the deepest JSON nesting (arrays/objects) the API parses.
        self.max_body_bytes: int = self._positive(config, "MAX_BODY_BYTES", 64 * 1024)
        self.max_upload_bytes: int = self._positive(config, "MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
        self.max_json_depth: int = self._positive(config, "MAX_JSON_DEPTH", 20)
        if self.max_body_bytes > 100 * 1024 * 1024 or self.max_upload_bytes > 100 * 1024 * 1024:
            raise SettingsError("MAX_BODY_BYTES, MAX_UPLOAD_BYTES: at most 100 MB each")
        if self.max_json_depth > 200:
            raise SettingsError(f"MAX_JSON_DEPTH: at most 200, not {self.max_json_depth}")
        # Who is responsible for the attendees' data, and where to write about it (/privacy).
        self.privacy_controller: str = config(
            "PRIVACY_CONTROLLER", default="Stichting peernet (demo), Utrecht"
        ).strip()
        self.privacy_contact: str = config(
            "PRIVACY_CONTACT", default="privacy@peernet.example.nl"
        ).strip()
        # Development only: run as if it were this many days later (to see nudges in a demo).
        raw_offset = config("CLOCK_OFFSET_DAYS", default="0")
        if not raw_offset.isdigit():
            raise SettingsError(
                f"CLOCK_OFFSET_DAYS: must be a whole number of days, not {raw_offset!r}"
            )
        self.clock_offset_days = int(raw_offset)
        self._check()

    @staticmethod
    def _positive(config: Config, name: str, default: int) -> int:
        raw = config(name, default=str(default))
        if not raw.isdigit() or int(raw) < 1:
            raise SettingsError(f"{name}: must be a whole number of at least 1, not {raw!r}")
        return int(raw)

    @staticmethod
    def _rate(config: Config, name: str, default: str) -> RateLimitItem:
        raw = config(name, default=default).strip()
        try:
            item = parse(raw)
        except ValueError:
            item = None
        if item is None or item.amount < 1 or not raw[:1].isdigit():
            raise SettingsError(
                f"{name}: must be a count per period such as {default!r}, not {raw!r}"
            )
        return item

    @staticmethod
    def _flag(config: Config, name: str, default: str = "0") -> bool:
        raw = config(name, default=default).strip().lower()
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{name}: must be 1 or 0 (true or false), not {raw!r}")

    @property
    def coordinators(self) -> list[str]:
        return [e.strip() for e in self.coordinator_emails.split(",") if e.strip()]

    def _check(self) -> None:
        if self.env not in ("development", "test", "production"):
            raise SettingsError(
                "PEERNET_ENV: must be development, test or production, not " + repr(self.env)
            )
        if self.is_production and str(self.secret_key) == DEVELOPMENT_SECRET_KEY:
            raise SettingsError(
                "SECRET_KEY: the development default cannot be used when PEERNET_ENV=production"
            )
        previous = str(self.secret_key_previous)
        if previous and (len(previous) < 32 or previous == DEVELOPMENT_SECRET_KEY):
            raise SettingsError(
                "SECRET_KEY_PREVIOUS: must be the former SECRET_KEY (at least 32 characters,"
                " not the development default)"
            )
        if self.is_production and not self.rate_limits_enabled:
            raise SettingsError(
                "RATE_LIMITS_ENABLED: rate limits cannot be switched off when"
                " PEERNET_ENV=production (use it for load tests on a test instance)"
            )
        if self.is_production and self.clock_offset_days:
            raise SettingsError("CLOCK_OFFSET_DAYS: only for development, not in production")
        if len(str(self.secret_key)) < 32:
            raise SettingsError("SECRET_KEY: must be at least 32 characters long")
        scheme = urlsplit(self.database_url).scheme
        if scheme not in ("sqlite", "postgres", "postgresql", "asyncpg"):
            raise SettingsError(
                "DATABASE_URL: must start with sqlite:// or postgres://, not " + repr(scheme)
            )
        base = urlsplit(self.base_url)
        if base.scheme not in ("http", "https") or not base.netloc:
            raise SettingsError(
                "BASE_URL: must be an absolute http(s) URL such as https://peernet.nl"
            )
        if str(self.secret_key) == DEVELOPMENT_SECRET_KEY and not self.base_url_is_loopback:
            raise SettingsError(
                "SECRET_KEY: the development default can only be used with a loopback BASE_URL"
                " (127.0.0.1, ::1 or localhost); set your own SECRET_KEY"
            )
        if self.mail_backend not in MAIL_BACKENDS:
            raise SettingsError(
                f"MAIL_BACKEND: must be one of {', '.join(MAIL_BACKENDS)},"
                f" not {self.mail_backend!r}"
            )
        if self.default_locale not in LOCALES:
            raise SettingsError(f"DEFAULT_LOCALE: must be one of {', '.join(LOCALES)}")
        self._check_mail_backend()
        try:
            sender = Address.parse(self.mail_from)
        except ValueError:
            raise SettingsError(
                "MAIL_FROM: must be an address such as 'peernet <peernet@example.nl>'"
            ) from None
        self.mail_from_name, self.mail_from_email = sender.name, sender.email
        for email in self.coordinators:
            try:
                Address(name="", email=email)
            except ValueError:
                raise SettingsError(f"COORDINATOR_EMAILS: {email!r} is not an address") from None
        try:
            ZoneInfo(self.timezone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"TIMEZONE: unknown time zone {self.timezone_name!r}") from None
        self._check_round_schedule()
        self._check_privacy()
        if urlsplit(self.rate_limit_storage).scheme not in ("memory", "redis", "rediss"):
            raise SettingsError(
                "RATE_LIMIT_STORAGE: must be memory:// or a redis:// URL, not "
                + repr(self.rate_limit_storage)
            )

    def _check_privacy(self) -> None:
        if not self.privacy_controller or len(self.privacy_controller) > 200:
            raise SettingsError(
                "PRIVACY_CONTROLLER: must name the organisation responsible for the data"
                " (at most 200 characters)"
            )
        try:
            Address(name="", email=self.privacy_contact)
        except ValueError:
            raise SettingsError(
                f"PRIVACY_CONTACT: must be an email address, not {self.privacy_contact!r}"
            ) from None

    def _check_round_schedule(self) -> None:
        from apscheduler.triggers.cron import CronTrigger

        hour, _, minute = self.round_draft_time.partition(":")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            raise SettingsError(
                f"ROUND_DRAFT_TIME: must be HH:MM such as 09:00, not {self.round_draft_time!r}"
            )
        try:
            CronTrigger(day=self.round_draft_day, timezone=self.timezone_name)
        except ValueError:
            raise SettingsError(
                "ROUND_DRAFT_DAY: must be an APScheduler cron day such as '1st mon' or '1',"
                f" not {self.round_draft_day!r}"
            ) from None

    def _check_mail_backend(self) -> None:
        # Only the chosen backend's settings matter; a bad one stops the process at start.
        if self.mail_backend == "smtp":
            try:
                parse_smtp_url(self.smtp_url)
            except ValueError as exc:
                message = str(exc)
                raise SettingsError(
                    message if message.startswith("SMTP_URL") else f"SMTP_URL: {message}"
                ) from None
        elif self.mail_backend == "http":
            if not str(self.mail_http_token):
                raise SettingsError("MAIL_HTTP_TOKEN: required when MAIL_BACKEND=http")
            if self.mail_http_provider not in PROVIDERS:
                raise SettingsError(
                    f"MAIL_HTTP_PROVIDER: must be one of {', '.join(PROVIDERS)},"
                    f" not {self.mail_http_provider!r}"
                )
            if not self.mail_http_url.startswith(("https://", "http://")):
                raise SettingsError("MAIL_HTTP_URL: must be an http(s) URL")

    @property
    def base_url_is_loopback(self) -> bool:
        host = (urlsplit(self.base_url).hostname or "").lower()
        if host == "localhost" or host.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    @property
    def signing_keys(self) -> list[str]:
        """For itsdangerous: it signs with the last key and accepts every one when reading."""
        previous = str(self.secret_key_previous)
        return [previous, str(self.secret_key)] if previous else [str(self.secret_key)]

    @property
    def base_origin(self) -> str:
        """BASE_URL's origin as a browser sends it in the Origin header."""
        base = urlsplit(self.base_url)
        return f"{base.scheme}://{base.netloc}".lower()

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone_name)

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    return Settings(environ)
