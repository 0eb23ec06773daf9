"""Mutation testing, one guarding module at a time: ``make mutants`` (or ``python -m
scripts.mutants matching/checks.py ...`` for some of them).

mutmut 3 reads its settings from the ``pyproject.toml`` in the directory it runs in and
picks the tests for each mutant from one stats run over its test selection. To keep each
module's run short and judged only by the tests written for it, every module gets its own
directory ``mutants/<name>/``: symlinks to the packages and the tests, and a copy of
``pyproject.toml`` whose ``[tool.mutmut]`` names that one file and those tests. mutmut then
works in ``mutants/<name>/mutants/``; results stay there, so a rerun only retests what
changed. Survivors that change nothing observable are listed in ``tests/MUTANTS.md``.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "mutants"
PACKAGES = ("matching", "notifications", "peernet")
# A mutant that makes a test fail, hang or not type-check is caught; anything else
# (survived, no test reached it, suspicious) counts against the score.
CAUGHT = ("killed", "timeout", "caught by type check")
GOAL = 90.0  # per cent caught, per module (flagged when below)
EXPLAINED = ROOT / "tests" / "MUTANTS.md"  # the survivors that change nothing observable


@dataclass(frozen=True)
class Module:
    path: str  # the file to mutate
    tests: tuple[str, ...]  # the tests that guard it
    functions: tuple[str, ...] = ("*",)  # which of its functions count (mutmut's mangled names)
    max_children: int = 2  # 1 where the tests share a database file

    @property
    def name(self) -> str:
        return self.path.removesuffix(".py").replace("/", ".")


MODULES = (
    Module("matching/checks.py", ("tests/matching/test_checks.py",)),
    Module(
        "notifications/headers.py",
        ("tests/notifications/test_headers.py", "tests/notifications/test_header_limits.py"),
    ),
    Module(
        "notifications/smtp_transport.py",
        (
            "tests/notifications/test_smtp_transport.py",
            "tests/notifications/test_delivery_classification.py",
        ),
        functions=("x__classify",),
    ),
    Module(
        "notifications/http_transport.py",
        (
            "tests/notifications/test_http_transport.py",
            "tests/notifications/test_delivery_classification.py",
        ),
        functions=("xǁHTTPTransportǁ_send_one",),
    ),
    Module(
        "peernet/outbox/dispatch.py",
        ("tests/peernet/outbox/test_claims.py", "tests/peernet/outbox/test_dispatch.py"),
        # The claim, the lease and what each delivery result does to a row.
        functions=(
            "x_claim_batch",
            "x__supports_skip_locked",
            "x_retry_delay",
            "x__record",
            "x__record_failure",
        ),
        max_children=1,
    ),
    Module(
        "peernet/settings.py",
        ("tests/peernet/test_settings.py", "tests/peernet/test_settings_limits.py"),
    ),
    Module(
        "peernet/web/csrf.py",
        ("tests/peernet/web/test_hardening.py", "tests/peernet/web/test_csrf.py"),
        max_children=1,
    ),
    Module(
        "peernet/links.py",
        ("tests/peernet/attendees/test_subscription.py", "tests/peernet/test_links.py"),
        max_children=1,
    ),
)


def _pyproject(module: Module) -> str:
    """The project's pyproject.toml with a ``[tool.mutmut]`` for this module alone."""
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    base = tomllib.loads(text)["tool"].get("mutmut", {})
    settings = {
        **base,
        "source_paths": list(PACKAGES),
        "only_mutate": [module.path],
        # A module's own test file may not exist yet (a first, "before" run).
        "pytest_add_cli_args_test_selection": [t for t in module.tests if (ROOT / t).exists()],
    }
    lines = ["", "[tool.mutmut]"] + [
        f"{key} = {json.dumps(value)}" for key, value in settings.items()
    ]
    kept = text.split("\n[tool.mutmut]\n")[0]
    if "\n[tool.mutmut]\n" in text:  # keep whatever follows the project's own section
        rest = text.split("\n[tool.mutmut]\n", 1)[1]
        following = rest.find("\n[")
        kept += rest[following:] if following >= 0 else ""
    return kept + "\n".join(lines) + "\n"


def _prepare(module: Module) -> Path:
    directory = WORK / module.name
    directory.mkdir(parents=True, exist_ok=True)
    for entry in (*PACKAGES, "tests"):
        link = directory / entry
        if not link.is_symlink():
            link.symlink_to(ROOT / entry, target_is_directory=True)
    (directory / "pyproject.toml").write_text(_pyproject(module), "utf-8")
    return directory


def _statuses(directory: Path, module: Module) -> dict[str, str]:
    from mutmut.stats import status_by_exit_code

    meta = json.loads((directory / "mutants" / (module.path + ".meta")).read_text("utf-8"))
    prefix = module.name + "."
    return {
        key: status_by_exit_code[code]
        for key, code in meta["exit_code_by_key"].items()
        if any(
            fnmatch.fnmatchcase(key.removeprefix(prefix), f"{function}__mutmut_*")
            for function in module.functions
        )
    }


def run(module: Module) -> tuple[int, int, list[str]]:
    directory = _prepare(module)
    patterns = [f"{module.name}.{function}__mutmut_*" for function in module.functions]
    env = {**os.environ, "PEERNET_ENV": "test"}
    # The database the tests use (default: a fresh SQLite file). Some outbox mutants (the
    # row locks) only show on PostgreSQL: MUTANTS_DATABASE_URL=postgres://.../test_x.
    if os.environ.get("MUTANTS_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["MUTANTS_DATABASE_URL"]
    command = [
        sys.executable,
        "-m",
        "mutmut",
        "run",
        "--max-children",
        str(module.max_children),
        *patterns,
    ]
    completed = subprocess.run(  # noqa: S603
        command, cwd=directory, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    statuses = _statuses(directory, module) if completed.returncode == 0 else {}
    if not statuses:
        sys.stdout.write(completed.stdout.decode(errors="replace")[-4000:])
        raise SystemExit(f"mutmut failed for {module.path}")
    killed = sum(
        status in ("killed", "timeout", "caught by type check") for status in statuses.values()
    )
    survivors = sorted(key for key, status in statuses.items() if status not in CAUGHT)
    return len(statuses), killed, survivors


def main(argv: list[str]) -> int:
    chosen = [m for m in MODULES if not argv or m.path in argv]
    if argv and len(chosen) != len(argv):
        known = ", ".join(m.path for m in MODULES)
        raise SystemExit(f"unknown module; choose from {known}")
    explained = EXPLAINED.read_text("utf-8")
    rows = []
    unexplained_total = 0
    for module in chosen:
        total, killed, survivors = run(module)
        score = 100 * killed / total
        unexplained = [
            s for s in survivors if f"`{s.removeprefix(module.name + '.')}`" not in explained
        ]
        unexplained_total += len(unexplained)
        functions = ", ".join(module.functions)
        rows.append(
            f"| `{module.path}` ({functions}) | {total} | {killed} | {len(survivors)}"
            f" | {len(survivors) - len(unexplained)} | {score:.1f}%"
            f"{'' if score >= GOAL else ' (below 90%)'} |"
        )
        print(f"{module.path}: {rows[-1]}", flush=True)
        for survivor in survivors:
            note = "NOT EXPLAINED in tests/MUTANTS.md" if survivor in unexplained else "listed"
            print(f"    survived ({note}): {survivor}", flush=True)
    print()
    print("| module (functions) | mutants | caught | survived | of which listed | caught % |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    # A survivor nobody explained is a missing test (or a new equivalent mutant to list).
    return 1 if unexplained_total else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
