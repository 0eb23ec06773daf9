from __future__ import annotations

import subprocess
import sys

import matching


def test_importing_the_engine_pulls_in_no_benchmark_dependency() -> None:
    # networkx is a development dependency for the benchmarks and tests only.
    code = (
        "import sys\n"
        "import matching, matching.shapes, matching.checks\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('networkx', 'benchmarks')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_what_callers_use_is_exported() -> None:
    for name in ("MeetingPreference", "Profile", "RoundRules", "plan_round", "max_weight_pairs"):
        assert name in matching.__all__
        assert hasattr(matching, name)
