"""The rounds API's request and response bodies; the OpenAPI document shows these models
and the endpoints build every response through them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from peernet.errors import FieldErrors
from peernet.rounds.views import Preview, RoundSummary, RoundView


def _whole_number(value: object) -> object:
    """JSON does not tell 7 from 7.0 (JSON Schema calls both an integer); "7" stays refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An attendee's id as the database holds it (32 bits); larger numbers name nobody.
AttendeeId = Annotated[int, Field(ge=0, le=2**31 - 1), BeforeValidator(_whole_number)]


class RoundIn(BaseModel):
    """Create the month's draft, or plan it again."""

    model_config = ConfigDict(extra="forbid")
    # YYYY-MM, this month or later (the later is checked against the clock, not shown here).
    period: Annotated[str, Field(json_schema_extra={"pattern": r"^\d{4}-(0[1-9]|1[0-2])$"})]


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attendee: AttendeeId


class PairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attendee_a: AttendeeId
    attendee_b: AttendeeId


class PresetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    preset: Literal["balanced", "gaps_first", "nearby_first"]


class MemberOut(BaseModel):
    id: int
    name: str
    role: str
    region: str
    role_label: str
    region_label: str
    organisation: str


class IntroductionOut(BaseModel):
    """What one member reads in the introduction, in their own language, exactly as sent."""

    to: int
    locale: str
    reasons: list[str]
    meeting_advice: str


class GroupOut(BaseModel):
    members: list[MemberOut]
    reasons: list[str]
    pinned: bool
    meeting: str
    introductions: list[IntroductionOut]


class UnmatchedOut(BaseModel):
    id: int
    name: str
    reason: str
    reason_code: str


class ChangeOut(BaseModel):
    id: int
    name: str
    before: list[str]
    after: list[str]


class StatsOut(BaseModel):
    people: int = 0
    groups: int = 0
    pairs: int = 0
    trios: int = 0
    unmatched: int = 0
    share_gap_covered: float = 0.0
    share_cross_disciplinary: float = 0.0
    share_same_region: float = 0.0
    repeats: int = 0
    certificate: float = 1.0
    bound_covers_all_pairs: bool = True
    summary: list[str] = []


class RoundOut(BaseModel):
    id: int
    period: str
    status: Literal["draft", "published"]
    version: int
    preset: str
    groups: list[GroupOut]
    unmatched: list[UnmatchedOut]
    stats: StatsOut
    changes: list[ChangeOut]
    previous_stats: StatsOut | None  # the figures of the version before the last recompute


class PublishOut(BaseModel):
    id: int
    period: str
    status: Literal["published"]
    introductions: int
    groups: int
    dropped: list[int]
    dissolved: list[list[int]]  # groups the rules forbid now (kept apart, repeats), as planned
    told_unmatched: list[int]


class RoundSummaryOut(BaseModel):
    id: int
    period: str
    status: Literal["draft", "published"]
    version: int
    people: int
    groups: int
    unmatched: int
    met_share: float | None
    average_rating: float | None
    rematch_requests: int


class RoundListOut(BaseModel):
    rounds: list[RoundSummaryOut]


_CODES = {"missing": "required", "int_type": "invalid", "int_parsing": "invalid",
          "string_type": "invalid", "literal_error": "unknown_choice",
          "extra_forbidden": "unknown_field"}  # fmt: skip


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "body"
            errors.setdefault(field, _CODES.get(error["type"], "invalid"))
        raise FieldErrors(errors) from None


def round_out(
    view: RoundView, previews: Mapping[int, Sequence[Preview]], why: Mapping[int, str]
) -> RoundOut:
    """The round as the API shows it; ``previews`` and ``why`` come from
    :func:`peernet.rounds.views.member_texts`."""
    stats = {k: v for k, v in view.stats.items() if k in StatsOut.model_fields}
    return RoundOut(
        id=view.id,
        period=view.period,
        status=view.status,
        version=view.version,
        preset=view.preset,
        groups=[
            GroupOut(
                members=[MemberOut.model_validate(m, from_attributes=True) for m in g.members],
                reasons=list(g.reasons),
                pinned=g.pinned,
                meeting=g.meeting,
                introductions=[
                    IntroductionOut(
                        to=preview.id,
                        locale=preview.locale,
                        reasons=list(preview.reasons),
                        meeting_advice=preview.advice,
                    )
                    for member, preview in zip(
                        g.members, previews.get(g.match_id, ()), strict=False
                    )
                ],
            )
            for g in view.groups
        ],
        unmatched=[
            UnmatchedOut(
                id=u.member.id,
                name=u.member.name,
                reason=why.get(u.member.id, u.reason),
                reason_code=u.reason,
            )
            for u in view.unmatched
        ],
        stats=StatsOut(**stats, summary=list(view.figures)),
        previous_stats=(
            StatsOut(
                **{
                    k: v
                    for k, v in view.previous_stats.items()
                    if k in StatsOut.model_fields and v is not None
                }
            )
            if view.previous_stats
            else None
        ),
        changes=[
            ChangeOut(
                id=c.member.id, name=c.member.name, before=list(c.before), after=list(c.after)
            )
            for c in view.changes
        ],
    )


def summary_out(summary: RoundSummary) -> RoundSummaryOut:
    return RoundSummaryOut.model_validate(summary, from_attributes=True)
