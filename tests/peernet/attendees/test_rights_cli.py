"""``peernet export EMAIL`` and ``peernet erase EMAIL`` as a coordinator runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.peernet.test_cli import run


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    env = {"DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}", "MAIL_DIR": str(tmp_path)}
    assert run("migrate", env=env).returncode == 0
    with sqlite3.connect(tmp_path / "cli.sqlite3") as db:
        db.execute(
            "INSERT INTO attendee (public_id, name, email, email_normalized, organisation, role,"
            " region, expertise, gaps, languages, meeting_preference, locale, status, created_at,"
            " updated_at) VALUES ('anouk-public-id-000001', 'Anouk de Vries',"
            " 'Anouk@Example.org', 'anouk@example.org',"
            " 'Gemeente Utrecht', 'teacher', 'limburg', '[]', '[]', '[\"nl\"]', 'either', 'nl',"
            " 'active', '2026-11-01 10:00:00+00:00', '2026-11-01 10:00:00+00:00')"
        )
    return env


def audit(env: dict[str, str]) -> list[tuple[str, str, str, str]]:
    path = env["DATABASE_URL"].removeprefix("sqlite://")
    with sqlite3.connect(path) as db:
        return list(db.execute("SELECT actor, action, subject, details FROM audit_entry"))


def test_export_prints_the_json_and_is_audited_without_personal_data(
    sqlite_env: dict[str, str],
) -> None:
    done = run("export", "ANOUK@example.org", env=sqlite_env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["profile"]["name"] == "Anouk de Vries"
    assert data["profile"]["region"] == "limburg"
    [(actor, action, subject, details)] = audit(sqlite_env)
    assert (actor, action, subject, json.loads(details)) == (
        "cli",
        "attendee.export_data",
        "attendee:1",
        {},
    )


def test_an_unknown_address_is_named_and_exits_1(sqlite_env: dict[str, str]) -> None:
    for command in (["export"], ["erase", "--yes"]):
        done = run(*command, "nobody@example.org", env=sqlite_env)
        assert done.returncode == 1
        assert "no attendee with the address nobody@example.org" in done.stderr
        assert done.stdout == ""
    assert audit(sqlite_env) == []


def test_erase_asks_unless_told_yes_and_erases_once(sqlite_env: dict[str, str]) -> None:
    piped = run("erase", "anouk@example.org", env=sqlite_env)  # stdin is not a terminal
    assert piped.returncode == 2 and "--yes" in piped.stderr
    done = run("erase", "anouk@example.org", "--yes", env=sqlite_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "attendee 1 erased"
    # Erased: the address is no longer known.
    assert run("erase", "anouk@example.org", "--yes", env=sqlite_env).returncode == 1
    [(actor, action, subject, details)] = audit(sqlite_env)
    assert (actor, action, subject) == ("cli", "attendee.erase", "attendee:1")
    assert json.loads(details) == {"reason": "request"}
    path = sqlite_env["DATABASE_URL"].removeprefix("sqlite://")
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT name, email, status FROM attendee").fetchone()
    assert row == ("", "erased-1@invalid", "erased")


def test_erase_at_a_terminal_asks_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from peernet import cli

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    called: list[str] = []
    monkeypatch.setattr(cli, "_with_db", lambda settings, work: called.append("db"))
    args = cli.build_parser().parse_args(["erase", "anouk@example.org"])
    cli._erase(object(), args)  # type: ignore[arg-type]
    assert called == []
