from __future__ import annotations

import os

from hypothesis import settings

# Tests never read a developer's .env or production settings by accident.
os.environ.setdefault("PEERNET_ENV", "test")

# Property tests explore the same examples on every run, so that CI is repeatable; set
# HYPOTHESIS_PROFILE=explore to search new ones locally.
settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
