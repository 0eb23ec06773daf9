"""Expected failures, each with the HTTP status it deserves; one handler renders them all."""

from __future__ import annotations


class PeernetError(Exception):
    status_code = 500
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(PeernetError):
    status_code = 404
    code = "not_found"


class Gone(PeernetError):
    status_code = 410
    code = "gone"


class Conflict(PeernetError):
    status_code = 409
    code = "conflict"


class Forbidden(PeernetError):
    status_code = 403
    code = "forbidden"


class FieldErrors(PeernetError):
    """One or more input fields are invalid; ``errors`` maps each field to its message key."""

    status_code = 422
    code = "validation_error"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid input: " + ", ".join(sorted(errors)))
        self.errors = errors
