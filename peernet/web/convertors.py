"""Path parameter shapes, checked by the router before a handler (or the database) sees them.

A path whose slug or token cannot be one of ours does not match its route at all, so it is
answered 404 without a query. Registered once, on import (Starlette's convertors are global).
"""

from __future__ import annotations

from starlette.convertors import IntegerConvertor, StringConvertor, register_url_convertor


class SlugConvertor(StringConvertor):
    # The shape peernet.events.service.SLUG allows: at most 64 characters.
    regex = "[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?"


class TokenConvertor(StringConvertor):
    # Random tokens (token_urlsafe(32): 43 characters) and itsdangerous-signed links
    # (URL-safe base64 and dots); none of ours comes near 512 characters.
    regex = "[A-Za-z0-9_.-]{1,512}"


class RandomTokenConvertor(StringConvertor):
    # secrets.token_urlsafe(32), stored only as a hash: confirmation, invitation and
    # personal-page links.
    regex = "[A-Za-z0-9_-]{43}"


class IdConvertor(IntegerConvertor):
    # A row id in a path: digits, at most nine of them, so that it always fits the database's
    # 32-bit integer (a larger number would fail in the driver, not be "not found").
    regex = "[0-9]{1,9}"


MAX_ID = 999_999_999

register_url_convertor("id", IdConvertor())

register_url_convertor("random_token", RandomTokenConvertor())
register_url_convertor("slug", SlugConvertor())
register_url_convertor("token", TokenConvertor())
