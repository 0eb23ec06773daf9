from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from peernet.i18n import api_locale
from peernet.taxonomy.service import get_taxonomy
from peernet.web.rendering import settings_of


async def taxonomy(request: Request) -> JSONResponse:
    locale = api_locale(request.query_params.get("lang"), settings_of(request).default_locale)
    return JSONResponse(get_taxonomy().as_json(locale))
