"""The sign-up input, defined once for the HTML form, the JSON API and the OpenAPI document."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from notifications import Address, HeaderInjectionError, check_header_text
from peernet.errors import FieldErrors
from peernet.taxonomy.service import get_taxonomy

MAX_THEMES = 5
_Model = TypeVar("_Model", bound=BaseModel)
_OWN_CODES = (
    "invalid_characters",
    "format_characters",
    "invalid_email",
    "unknown_choice",
    "consent_required",
    "theme_in_both",
)


def _clean_text(value: str) -> str:
    """One line that can go into an email header as it is: names end up in From/To lines
    and subjects, so the mail layer's own check decides what is allowed."""
    value = unicodedata.normalize("NFC", value).strip()
    try:
        check_header_text(value)
    except HeaderInjectionError:
        raise PydanticCustomError(
            "invalid_characters", "must be a single line without control characters"
        ) from None
    # Invisible formatting characters (Unicode category Cf: right-to-left overrides,
    # zero-width characters, a byte order mark) would reach a partner's email unseen and
    # can make a name read as something else.
    if any(unicodedata.category(char) == "Cf" for char in value):
        raise PydanticCustomError(
            "format_characters",
            "must not contain invisible formatting characters"
            " (such as a right-to-left override, a zero-width character or a byte order mark)",
        )
    return value


def _deliverable_email(value: str) -> str:
    """An address the mail layer can deliver to: ASCII local part, IDN domain as punycode."""
    try:
        checked = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise PydanticCustomError("invalid_email", "is not a valid email address") from None
    address = str(checked.ascii_email or "")
    try:
        Address(name="", email=address)
    except ValueError:
        raise PydanticCustomError("invalid_email", "is not a valid email address") from None
    return address


def _known(group: str) -> Any:
    def check(value: str) -> str:
        if value not in getattr(get_taxonomy(), group):
            raise PydanticCustomError("unknown_choice", "is not a known choice")
        return value

    return check


def _unique_known_themes(values: list[str]) -> list[str]:
    themes = get_taxonomy().themes
    if any(v not in themes for v in values):
        raise PydanticCustomError("unknown_choice", "contains an unknown theme")
    return list(dict.fromkeys(values))


def _known_languages(values: list[str]) -> list[str]:
    languages = get_taxonomy().languages
    if any(v not in languages for v in values):
        raise PydanticCustomError("unknown_choice", "contains an unknown language")
    return list(dict.fromkeys(values))


def _given(value: bool) -> bool:
    if not value:
        raise PydanticCustomError("consent_required", "consent is required to be matched")
    return value


def _not_in_expertise(gaps: list[str], info: ValidationInfo) -> list[str]:
    """Checked on the gaps field itself (when the expertise was valid), so that this error
    shows together with every other one rather than in a second round."""
    if set(gaps) & set(info.data.get("expertise", ())):
        raise PydanticCustomError("theme_in_both", "a theme cannot be both expertise and a gap")
    return gaps


# -- what the OpenAPI document says about these fields (peernet.web.openapi) -------------


@cache
def single_line_pattern() -> str:
    """A JSON Schema pattern for :func:`_clean_text`: no control, line-separator or invisible
    formatting character (Unicode Cc, Zl, Zp, Cf), and something besides spaces. The
    characters stand in the class as themselves, which ECMA-262 and Python read alike."""
    refused = {"Cc", "Zl", "Zp", "Cf"}
    ranges: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)) in refused:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    cls = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)
    return f"^[^{cls}]*[^{cls}\\s][^{cls}]*$"


def _choices(group: str, *, items: bool = False) -> Callable[[dict[str, Any]], None]:
    """The taxonomy's keys of ``group`` as the field's enum (or its items' enum)."""

    def extra(schema: dict[str, Any]) -> None:
        keys = list(getattr(get_taxonomy(), group))
        (schema["items"] if items else schema)["enum"] = keys

    return extra


def _single_line(schema: dict[str, Any]) -> None:
    schema["pattern"] = single_line_pattern()


SingleLine = Annotated[str, AfterValidator(_clean_text)]
Themes = Annotated[
    list[str],
    Field(min_length=1, max_length=MAX_THEMES, json_schema_extra=_choices("themes", items=True)),
    AfterValidator(_unique_known_themes),
]
Role = Annotated[str, Field(json_schema_extra=_choices("roles")), AfterValidator(_known("roles"))]
Region = Annotated[
    str, Field(json_schema_extra=_choices("regions")), AfterValidator(_known("regions"))
]
Languages = Annotated[
    list[str],
    Field(min_length=1, max_length=11, json_schema_extra=_choices("languages", items=True)),
    AfterValidator(_known_languages),
]
# A person's name, as at sign-up and when they correct it on their personal page.
Name = Annotated[SingleLine, Field(min_length=1, max_length=120, json_schema_extra=_single_line)]


class SignupIn(BaseModel):
    """A sign-up for the peer network after an event."""

    model_config = ConfigDict(extra="forbid", str_max_length=254)

    name: Name
    email: Annotated[
        str,
        Field(max_length=254, json_schema_extra={"format": "email"}),
        AfterValidator(_deliverable_email),
    ]
    organisation: Annotated[
        SingleLine, Field(min_length=1, max_length=160, json_schema_extra=_single_line)
    ]
    role: Role
    region: Region
    expertise: Themes
    gaps: Themes
    languages: Languages
    meeting_preference: Literal["in_person", "online", "either"]
    # JSON true only: not "yes", "on" or 1 (the HTML form's checkbox is read as a bool).
    consent: Annotated[
        bool, Field(strict=True, json_schema_extra={"const": True}), AfterValidator(_given)
    ]
    locale: Literal["nl", "en"] = "nl"
    # Optional consents ticked on the form (peernet.attendees.consents.OPTIONAL_PURPOSES),
    # recorded when the sign-up is confirmed.
    optional_consents: Annotated[
        list[Literal["announcements", "statistics", "cohost"]], Field(max_length=3)
    ] = []

    # Field by field, not after the whole model: every error in one answer.
    _gaps_not_in_expertise = field_validator("gaps")(_not_in_expertise)

    def details(self) -> dict[str, Any]:
        """What is stored on the attendee once the sign-up is confirmed."""
        return self.model_dump(exclude={"consent", "optional_consents"})


class ProfileIn(BaseModel):
    """What an attendee may change on their personal page: the sign-up's profile fields and
    their name (not their address, which would need the new one confirmed first)."""

    model_config = ConfigDict(extra="forbid", str_max_length=254)

    name: Name
    organisation: Annotated[
        SingleLine, Field(min_length=1, max_length=160, json_schema_extra=_single_line)
    ]
    role: Role
    region: Region
    expertise: Themes
    gaps: Themes
    languages: Languages
    meeting_preference: Literal["in_person", "online", "either"]

    _gaps_not_in_expertise = field_validator("gaps")(_not_in_expertise)


@cache
def text_limits() -> dict[str, int]:
    """The most characters each typed field of the sign-up and the personal page takes, for
    the forms' "at most 120 characters" (the same field has the same limit in both)."""
    limits: dict[str, int] = {}
    for model in (SignupIn, ProfileIn):
        for name, field in model.model_fields.items():
            if field.annotation is not str:
                continue  # a list's limit counts its items, not characters
            for rule in field.metadata:
                most = getattr(rule, "max_length", None)  # annotated_types.MaxLen
                if isinstance(most, int):
                    limits[name] = most
    return limits


# Model-level errors belong to a field all the same, so that the form can show them there.
_MODEL_ERROR_FIELDS = {"consent_required": "consent", "theme_in_both": "gaps"}
_PYDANTIC_CODES = {
    "missing": "required",
    "string_too_short": "required",
    "string_too_long": "too_long",
    "string_pattern_mismatch": "invalid",
    "too_short": "required",
    "too_long": "too_many",
    "literal_error": "unknown_choice",
    "bool_parsing": "invalid",
    "bool_type": "invalid",
    "string_type": "invalid",
    "list_type": "invalid",
    "extra_forbidden": "unknown_field",
}


def parse_signup(data: dict[str, Any]) -> SignupIn:
    """Validate raw input; raise :class:`FieldErrors` naming each bad field."""
    return _parse(SignupIn, data)


def parse_email(value: object) -> str:
    """One typed email address, as the sign-up accepts it; :class:`FieldErrors` if not."""
    if not isinstance(value, str) or not value.strip() or len(value) > 254:
        raise FieldErrors({"email": "invalid_email"})
    try:
        return _deliverable_email(value)
    except PydanticCustomError:
        raise FieldErrors({"email": "invalid_email"}) from None


def parse_profile(data: dict[str, Any]) -> ProfileIn:
    """Validate a personal page's profile form; raise :class:`FieldErrors` per bad field."""
    return _parse(ProfileIn, data)


def _parse(model: type[_Model], data: dict[str, Any]) -> _Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            kind = error["type"]
            loc = error["loc"]
            field = str(loc[0]) if loc else _MODEL_ERROR_FIELDS.get(kind, "__all__")
            code = kind if kind in _OWN_CODES else _PYDANTIC_CODES.get(kind, "invalid")
            if code == "too_many" and not isinstance(error.get("input"), list):
                code = "too_long"
            errors.setdefault(field, code)
        raise FieldErrors(errors) from None
