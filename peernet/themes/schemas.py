"""The themes API's shapes (also in the OpenAPI document). A suppressed count has
``value: null`` and says why in ``suppressed``; no count below 5 is ever given."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class CountOut(BaseModel):
    value: int | None
    suppressed: Literal["fewer_than_5", "hidden"] | None


class HalfYearThemeOut(BaseModel):
    half_year: str
    want_to_learn: CountOut
    know_well: CountOut


class ThemeFiguresOut(BaseModel):
    theme: str
    want_to_learn: CountOut
    know_well: CountOut
    by_half_year: list[HalfYearThemeOut]


class RoleCountOut(BaseModel):
    role: str
    count: CountOut


class HalfYearCountOut(BaseModel):
    half_year: str
    count: CountOut


class UnitThemesOut(BaseModel):
    unit: str
    counted: CountOut
    themes: list[ThemeFiguresOut]
    roles: list[RoleCountOut]
    joined: list[HalfYearCountOut]


class ThemesOut(BaseModel):
    threshold: int
    suppressed_labels: dict[str, str]
    counted: CountOut
    half_years: list[str]
    units: list[UnitThemesOut]
