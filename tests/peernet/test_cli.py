from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BREDA = [
    "--slug",
    "omei-breda",
    "--title",
    "OMEI Breda",
    "--date",
    "2026-12-03",
    "--place",
    "Breda",
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
    demo = run("demo-data", env=sqlite_env)
    assert demo.returncode == 0, demo.stderr
    assert "320 attendees created" in demo.stdout
    assert "0 attendees created" in run("demo-data", env=sqlite_env).stdout
    planned = run("plan-round", "--period", "2026-12", env=sqlite_env)
    assert planned.returncode == 0, planned.stderr
    assert "320 people, 160 pairs" in planned.stdout
    assert "repeats 0" in planned.stdout
    published = run("publish-round", "1", env=sqlite_env)
    assert published.returncode == 0, published.stderr
    assert "320 introductions queued" in published.stdout
    assert run("publish-round", "1", env=sqlite_env).returncode == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slug", "Bad Slug!", "--title", "T", "--date", "2026-12-03", "--place", "P"], "slug"),
        (["--slug", "ok", "--title", "T", "--date", "3 december", "--place", "P"], "--date"),
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
