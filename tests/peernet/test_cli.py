from __future__ import annotations

import getpass
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from peernet import cli
from peernet.errors import PeernetError

BREDA = [
    "--slug",
    "omei-breda",
    "--title",
    "OMEI Breda",
    "--date",
    "2026-12-03",
    "--place",
    "Breda",
    "--region",
    "zeeland_west_brabant",
]


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "peernet.cli", *args],
        env={**os.environ, "PEERNET_ENV": "test", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}", "MAIL_DIR": str(tmp_path)}


def test_migrate_create_event_and_demo_data_from_the_command_line(
    sqlite_env: dict[str, str],
) -> None:
    assert run("migrate", env=sqlite_env).returncode == 0
    assert run("migrate", env=sqlite_env).returncode == 0  # nothing left to apply
    made = run("create-event", *BREDA, env=sqlite_env)
    assert made.returncode == 0, made.stderr
    assert "/join/omei-breda" in made.stdout
    twice = run("create-event", *BREDA, env=sqlite_env)
    assert twice.returncode == 2
    assert "already exists" in twice.stderr
    assert inspect_db("nobody@example.org", "x", sqlite_env)[1:] == ["cli event.create event:1"]
    demo = run("demo-data", env=sqlite_env)
    assert demo.returncode == 0, demo.stderr
    assert "320 attendees created" in demo.stdout
    assert "0 attendees created" in run("demo-data", env=sqlite_env).stdout
    planned = run("plan-round", "--period", "2026-12", env=sqlite_env)
    assert planned.returncode == 0, planned.stderr
    assert "320 people: 160 pairs, 0 trios, 0 not matched." in planned.stdout
    assert "Repeated pairs: 0." in planned.stdout
    assert "This is provably the best possible plan." in planned.stdout
    shown = run("plan-round", "--period", "2026-12", "--show", env=sqlite_env)
    assert shown.returncode == 0, shown.stderr
    assert "round 1 (2026-12, draft version 2)" in shown.stdout
    assert " 160. " in shown.stdout and " 161. " not in shown.stdout
    assert "look from different disciplines" in shown.stdout
    past = run("plan-round", "--period", "2020-01", env=sqlite_env)
    assert past.returncode == 2
    assert "--period: Choose this month or a later one." in past.stderr
    published = run("publish-round", "1", env=sqlite_env)
    assert published.returncode == 0, published.stderr
    assert "320 introductions queued" in published.stdout
    assert run("publish-round", "1", env=sqlite_env).returncode == 2


_OK = ["--slug", "ok", "--title", "T", "--date", "2026-12-03", "--place", "P"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slug", "Bad Slug!", *_OK[2:], "--region", "limburg"], "--slug: Use 1 to 64"),
        (["--slug", "new", *_OK[2:], "--region", "limburg"], "--slug: Use 1 to 64"),
        (["--slug", "ok", "--title", "T", "--date", "3 december", "--place", "P"], "--date"),
        (_OK, "--region: Please fill in this field."),
        ([*_OK, "--region", "atlantis"], "--region: Choose one of the options."),
        (
            [*_OK, "--region", "limburg", "--signup-until", "2026-12-02"],
            "--signup-until: Choose the day of the event or later",
        ),
        ([*_OK, "--region", "limburg", "--signup-until", "soon"], "--signup-until: Use a date"),
    ],
)
def test_create_event_names_the_bad_option(
    sqlite_env: dict[str, str], args: list[str], message: str
) -> None:
    run("migrate", env=sqlite_env)
    result = run("create-event", *args, env=sqlite_env)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_bad_setting_stops_the_command_naming_the_variable(sqlite_env: dict[str, str]) -> None:
    result = run("migrate", env={**sqlite_env, "MAIL_BACKEND": "pigeon"})
    assert result.returncode == 2
    assert "MAIL_BACKEND" in result.stderr


# What the database says, read by a separate process (the tests' own database is another).
INSPECT = """
import asyncio, sys
from peernet import db
from peernet.audit.models import AuditEntry
from peernet.coordinators.service import SignInFailed, authenticate
from peernet.settings import load_settings

async def main():
    await db.init_db(load_settings())
    try:
        try:
            print("signs in as", (await authenticate(sys.argv[1], sys.argv[2])).id)
        except SignInFailed:
            print("wrong password")
        for entry in await AuditEntry.all().order_by("id"):
            print(entry.actor, entry.action, entry.subject)
    finally:
        await db.close_db()

asyncio.run(main())
"""


def inspect_db(email: str, password: str, env: dict[str, str]) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", INSPECT, email, password],
        env={**os.environ, "PEERNET_ENV": "test", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.splitlines()


def run_with_input(*args: str, stdin: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "peernet.cli", *args],
        env={**os.environ, "PEERNET_ENV": "test", **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PASSWORD = "  a long pass phrase, spaces kept  "


def test_create_coordinator_reads_a_piped_password(sqlite_env: dict[str, str]) -> None:
    run("migrate", env=sqlite_env)
    made = run_with_input(
        "create-coordinator",
        "Carla@Example.org",
        "--name",
        "Carla",
        stdin=PASSWORD + "\n",
        env=sqlite_env,
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("coordinator 1 created: Carla@example.org (Carla)")
    assert PASSWORD.strip() not in made.stdout + made.stderr
    # Only the one line ending was taken off: the spaces are part of the password.
    assert inspect_db("carla@example.org", PASSWORD, sqlite_env) == [
        "signs in as 1",
        "cli coordinator.create coordinator:1",
    ]
    again = run_with_input(
        "create-coordinator", "carla@example.org", stdin=PASSWORD, env=sqlite_env
    )
    assert again.returncode == 2
    assert "already exists" in again.stderr


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        (
            "carla@example.org",
            "too short\n",
            "peernet: password: must be at least 12 characters long",
        ),
        ("carla@example.org", "", "peernet: password: must be at least 12 characters long"),
        ("not an address", PASSWORD, "peernet: EMAIL: is not a valid email address"),
    ],
)
def test_create_coordinator_names_the_bad_field(
    sqlite_env: dict[str, str], email: str, password: str, message: str
) -> None:
    run("migrate", env=sqlite_env)
    result = run_with_input("create-coordinator", email, stdin=password, env=sqlite_env)
    assert result.returncode == 2
    assert result.stderr.strip() == message


def test_api_tokens_from_the_command_line(sqlite_env: dict[str, str]) -> None:
    run("migrate", env=sqlite_env)
    run_with_input("create-coordinator", "carla@example.org", stdin=PASSWORD, env=sqlite_env)
    issued = run("create-api-token", "CARLA@example.org", "--label", "rapportage", env=sqlite_env)
    assert issued.returncode == 0, issued.stderr
    [token] = issued.stdout.splitlines()  # alone on standard output: TOKEN=$(...) works
    assert token.startswith("pn_")
    assert "copy it now" in issued.stderr
    assert "stores only its hash" in issued.stderr
    header, row = (
        columns(line) for line in run("list-api-tokens", env=sqlite_env).stdout.splitlines()
    )
    assert header == ["id", "coordinator", "label", "prefix", "created", "last used", "revoked"]
    assert row[:4] == ["1", "carla@example.org", "rapportage", token[:10]]
    assert row[5:] == ["-", "-"]  # never used, not revoked
    revoked = run("revoke-api-token", "1", env=sqlite_env)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == f"API token 1 ({token[:10]}...) revoked"
    _, row = (
        columns(line)
        for line in run("list-api-tokens", "carla@example.org", env=sqlite_env).stdout.splitlines()
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[6])
    missing = run("revoke-api-token", "9", env=sqlite_env)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "peernet: no API token with id 9"
    nobody = run("create-api-token", "nobody@example.org", env=sqlite_env)
    assert nobody.returncode == 2
    assert "no coordinator" in nobody.stderr
    assert inspect_db("carla@example.org", PASSWORD, sqlite_env)[1:] == [
        "cli coordinator.create coordinator:1",
        "cli api_token.create api_token:1",
        "cli api_token.revoke api_token:1",
    ]


def columns(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_at_a_terminal_the_password_is_asked_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["first entry here", "second entry here"])
    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr(getpass, "getpass", lambda prompt: next(answers))
    with pytest.raises(PeernetError, match="password: the two entries differ"):
        cli._read_password()
    monkeypatch.setattr(getpass, "getpass", lambda prompt: "the same both times")
    assert cli._read_password() == "the same both times"


@pytest.mark.parametrize(
    ("piped", "password"),
    [
        ("secret\n", "secret"),
        ("secret\r\n", "secret"),
        ("secret\n\n", "secret\n"),
        ("secret", "secret"),
    ],
)
def test_a_piped_password_loses_one_line_ending_only(
    monkeypatch: pytest.MonkeyPatch, piped: str, password: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(piped))
    assert cli._read_password() == password


def test_serve_runs_uvicorn_without_its_server_banner(
    monkeypatch: pytest.MonkeyPatch, sqlite_env: dict[str, str]
) -> None:
    import uvicorn

    seen: dict[str, object] = {}

    def run(server: uvicorn.Server) -> None:
        seen.update(port=server.config.port, server_header=server.config.server_header)
        server.started = True

    monkeypatch.setattr(uvicorn.Server, "run", run)
    for name, value in sqlite_env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["serve", "--port", "8123"]) == 0
    assert seen["server_header"] is False
    assert seen["port"] == 8123
    procfile = (Path(__file__).parents[2] / "Procfile").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    assert "--no-server-header" in web


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serving(port: int, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("peernet serve did not answer")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signals", "graceful"),
    [
        # make demo's Ctrl-C: the terminal's SIGINT and the recipe's SIGTERM, in either order
        ((signal.SIGTERM, signal.SIGINT), True),
        ((signal.SIGINT, signal.SIGTERM), True),
        ((signal.SIGTERM,), True),
        ((signal.SIGINT, signal.SIGINT), False),  # Ctrl-C twice: quit without waiting
    ],
)
def test_serve_stops_the_app_cleanly_unless_interrupted_twice(
    sqlite_env: dict[str, str], signals: tuple[signal.Signals, ...], graceful: bool
) -> None:
    assert run("migrate", env=sqlite_env).returncode == 0
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "peernet.cli", "serve", "--port", str(port)],
        env={**os.environ, "PEERNET_ENV": "test", **sqlite_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _serving(port, server)
        for sent in signals:
            server.send_signal(sent)
            # Well within the 0.1 s uvicorn waits, once it has seen the first signal, before
            # it decides whether to shut the app down or force its way out.
            time.sleep(0.05)
        _, err = server.communicate(timeout=30)
    finally:
        server.kill()
    assert server.returncode == 0, err
    assert ("Application shutdown complete" in err) is graceful, err
    if graceful:
        assert "Traceback" not in err, err
