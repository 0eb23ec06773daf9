from __future__ import annotations

import os

# Tests never read a developer's .env or production settings by accident.
os.environ.setdefault("PEERNET_ENV", "test")
