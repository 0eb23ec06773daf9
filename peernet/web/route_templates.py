"""What the route table knows about a path: its template and its methods.

The access log shows ``/confirm/{token}`` instead of the live token (a filter on uvicorn's
access logger, installed by the app at start-up, so ``peernet serve`` and a bare
``uvicorn --factory`` both use it), and a 405 names every method the path allows, also when
a path's methods are split over several routes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

ACCESS_LOGGER = "uvicorn.access"


def _http_scope(path: str, method: str = "GET") -> Scope:
    return {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}


def top_level_scope(scope: Scope) -> Scope:
    """The request's scope as the app's own router saw it (a Mount moves root_path on)."""
    return {
        **_http_scope(scope["path"], scope["method"]),
        "root_path": scope.get("app_root_path", ""),
    }


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> set[str]:
    """Every method some route accepts for this path."""
    allowed: set[str] = set()
    for route in routes:
        match, child = route.matches(scope)
        if match == Match.NONE:
            continue
        if isinstance(route, Mount):
            allowed |= allowed_methods(route.routes, {**scope, **child})
        elif isinstance(route, Route) and route.methods:
            allowed |= route.methods
    return allowed


def template_of(routes: Sequence[BaseRoute], path: str) -> str | None:
    """The template of the route that answers this path (``/confirm/{token}``), if any."""
    return _template(routes, _http_scope(path), "")


def _template(routes: Sequence[BaseRoute], scope: Scope, prefix: str) -> str | None:
    for route in routes:
        match, child = route.matches(scope)
        if match == Match.NONE:
            continue
        if isinstance(route, Mount):
            inner = _template(route.routes, {**scope, **child}, prefix + route.path)
            if inner is not None:
                return inner
        elif isinstance(route, Route):
            # "/confirm/{token:random_token}" is logged as "/confirm/{token}".
            return re.sub(r"\{(\w+):\w+\}", r"{\1}", prefix + route.path)
    return None


class AccessLogTemplates(logging.Filter):
    """Rewrite uvicorn's access-log line (client, method, path, version, status): a path
    with parameters becomes its route template, without the query string."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        super().__init__()
        self.routes = routes

    def filter(self, record: logging.LogRecord) -> bool:
        args: Any = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2].partition("?")[0]
            template = template_of(self.routes, path)
            if template is not None and "{" in template:
                record.args = (*args[:2], template, *args[3:])
        return True


def install(routes: Sequence[BaseRoute]) -> AccessLogTemplates:
    log_filter = AccessLogTemplates(routes)
    logging.getLogger(ACCESS_LOGGER).addFilter(log_filter)
    return log_filter


def uninstall(log_filter: AccessLogTemplates) -> None:
    logging.getLogger(ACCESS_LOGGER).removeFilter(log_filter)
