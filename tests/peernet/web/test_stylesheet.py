"""What the stylesheet promises, computed from the stylesheet itself: a focus indicator that
WCAG 2.2 can see (3:1 against every light surface it may sit on)."""

from __future__ import annotations

import re
from pathlib import Path

import peernet

CSS = (Path(peernet.__file__).parent / "web" / "static" / "peernet.css").read_text()
HEX = r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b"


def rgb(color: str) -> tuple[float, float, float]:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def luminance(color: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def variables() -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", CSS)
    assert root
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", root.group(1)))


def resolve(value: str) -> str:
    names = variables()
    return re.sub(r"var\((--[\w-]+)\)", lambda m: names[m.group(1)].strip(), value)


def rules() -> list[tuple[str, str]]:
    body = re.sub(r"/\*.*?\*/", "", CSS, flags=re.DOTALL)
    return [(s.strip(), d) for s, d in re.findall(r"([^{}]+)\{([^{}]*)\}", body)]


def light_surfaces() -> set[str]:
    """The page and every light background the stylesheet paints (boxes, notices, tables)."""
    surfaces = {resolve("var(--bg)")}
    for _, declarations in rules():
        for value in re.findall(r"background(?:-color)?\s*:\s*([^;]+)", declarations):
            for color in re.findall(HEX, resolve(value)):
                if luminance(color) > 0.5:
                    surfaces.add(color.lower())
    return surfaces


def test_the_contrast_formula_agrees_with_known_values() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#ffbf47", "#fbfaf7"), 1) == 1.6  # the old ring, from the issue


def test_every_focus_outline_has_3_to_1_against_every_light_surface() -> None:
    outlines = []
    for selector, declarations in rules():
        if ":focus" not in selector:
            continue
        for value in re.findall(r"outline(?:-color)?\s*:\s*([^;]+)", declarations):
            outlines += re.findall(HEX, resolve(value))
    assert outlines, "no focus outline in the stylesheet"
    surfaces = light_surfaces()
    assert "#fbfaf7" in surfaces and "#fff" in surfaces
    for outline in outlines:
        for surface in surfaces:
            assert contrast(outline, surface) >= 3, (outline, surface)


def test_the_focus_rule_covers_everything_that_takes_focus_on_the_forms() -> None:
    focused = " ".join(selector for selector, _ in rules() if ":focus" in selector)
    for element in ("input:focus", "select:focus", "button:focus", "a:focus", "summary:focus"):
        assert element in focused
