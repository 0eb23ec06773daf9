"""`make demo` as a new user runs it: on a chosen port, with links in the emails that work,
stopped by Ctrl-C cleanly; and `peernet --help` naming every command."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from peernet import cli

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make") or "make"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(check: object, seconds: float) -> None:
    assert callable(check)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.slow
@pytest.mark.skipif(not Path(MAKE).is_absolute(), reason="make is not installed")
def test_make_demo_serves_on_port_with_links_to_it_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path,
) -> None:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    mail_dir = tmp_path / "mail"
    venv = Path(sys.prefix)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path / 'demo.sqlite3'}",
        "MAIL_DIR": str(mail_dir),
        "PEERNET_ENV": "development",
    }
    env.pop("BASE_URL", None)
    # The running interpreter's environment is the demo's; -o: do not reinstall it.
    command = [MAKE, "-C", str(ROOT), "-o", str(venv / ".installed"), "demo"]
    make = subprocess.Popen(
        [*command, f"PORT={port}", f"VENV={venv}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        with httpx.Client(base_url=base_url, timeout=5) as client:

            def serving() -> bool:
                assert make.poll() is None, "make demo ended early"
                try:
                    return client.get("/healthz").status_code == 200
                except httpx.TransportError:
                    return False

            _wait_for(serving, 120)
            form = client.get("/join/demo")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token is not None
            client.post(
                "/join/demo",
                data={
                    "csrf_token": token.group(1),
                    "name": "Noor de Vries",
                    "email": "noor@example.org",
                    "organisation": "Gemeente Utrecht",
                    "role": "youth_worker",
                    "region": "midden_nederland",
                    "expertise": "polarisation",
                    "gaps": "online_radicalisation",
                    "languages": "nl",
                    "meeting_preference": "either",
                    "consent": "yes",
                },
            )

        # The worker writes the confirmation; its link must lead to the demo's own port.
        # (The demo's own announcements are in the folder too: find Noor's.)
        def confirmation() -> str | None:
            for path in mail_dir.glob("*.eml"):
                text = path.read_text()
                if "noor@example.org" in text:
                    return text
            return None

        _wait_for(lambda: confirmation() is not None, 60)
        mail = confirmation() or ""
        assert f"{base_url}/confirm/" in mail.replace("=\n", "")
    finally:
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C: the whole foreground process group
        out, err = make.communicate(timeout=60)
    # make re-raises the interrupt it was sent (GNU make always does); a recipe that failed
    # or crashed would show as an error line from make instead.
    assert make.returncode in (0, -signal.SIGINT), (out, err)
    assert "Segmentation fault" not in out + err
    assert "***" not in err, err  # make's "make: *** [Makefile:..] ..." error line
    assert "Traceback" not in err, err
    assert "Terminated" not in err, err
    assert f"serving on {base_url}" in out
    assert f"sign-up page: {base_url}/join/demo" in out  # printed with the app's BASE_URL
    assert str(mail_dir) in out and "demo.sqlite3" in out  # where the data and mail are
    assert "demo stopped" in out
    with socket.socket() as sock:  # both processes gone: the port is free again
        sock.bind(("127.0.0.1", port))


def test_help_lists_every_command_with_its_one_line_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "peernet.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    parser = cli.build_parser()
    (commands,) = (
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    helps = {choice.dest: choice.help for choice in commands._choices_actions}
    assert set(helps) == set(commands.choices)  # every command has a help line
    listed = {
        match.group(1): match.group(2).strip()
        for match in re.finditer(r"^ {4}([a-z-]+) +(\S.*)$", result.stdout, re.MULTILINE)
    }
    assert listed == helps
    assert all(text and "\n" not in text for text in helps.values())
