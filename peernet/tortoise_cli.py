"""Configuration for Tortoise's own CLI, used to write new migrations:

tortoise -c peernet.tortoise_cli.TORTOISE_ORM makemigrations
"""

from __future__ import annotations

from peernet.db import tortoise_config
from peernet.settings import load_settings

TORTOISE_ORM = tortoise_config(load_settings())
