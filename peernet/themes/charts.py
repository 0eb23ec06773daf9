"""The unit's themes as a static SVG: per theme, a bar for wanting to learn it and one for
knowing it well; a suppressed count is drawn as no bar with its label ("fewer than 5")."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from peernet.themes.service import Cell

SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG)
WANTING, KNOWING = "#b35c00", "#0b5cad"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
WIDTH = 480


def theme_bars(
    title: str,
    description: str,
    rows: Sequence[tuple[str, Cell, Cell]],
    labels: dict[str, str],
) -> str:
    """``rows``: (theme label, want, know); ``labels``: text for each suppression reason."""
    left, label_height, bar, gap = 4, 22, 16, 14
    block = label_height + 2 * (bar + 3) + gap
    height = max(1, len(rows)) * block
    room = WIDTH - left - 120
    highest = max([c.value or 0 for _, w, k in rows for c in (w, k)] + [1])
    root = ET.Element(
        f"{{{SVG}}}svg",
        {"viewBox": f"0 0 {WIDTH} {height}", "class": "bars", "role": "img"},
    )
    ET.SubElement(root, f"{{{SVG}}}title").text = title
    ET.SubElement(root, f"{{{SVG}}}desc").text = description
    group = ET.SubElement(
        root, f"{{{SVG}}}g", {"font-family": FONT, "font-size": "15", "fill": "#1b1f24"}
    )
    for i, (label, want, know) in enumerate(rows):
        y = i * block
        text = ET.SubElement(group, f"{{{SVG}}}text", {"x": str(left), "y": str(y + 15)})
        text.set("font-weight", "600")
        text.text = label
        for k, (cell, colour) in enumerate(((want, WANTING), (know, KNOWING))):
            top = y + label_height + k * (bar + 3)
            length = room * (cell.value or 0) / highest
            ET.SubElement(
                group,
                f"{{{SVG}}}rect",
                {
                    "x": str(left),
                    "y": str(top),
                    "width": f"{length:.1f}",
                    "height": str(bar),
                    "fill": colour,
                },
            )
            shown = str(cell.value) if cell.value is not None else labels[cell.suppressed or ""]
            value = ET.SubElement(
                group,
                f"{{{SVG}}}text",
                {"x": f"{left + length + 6:.1f}", "y": str(top + bar - 3)},
            )
            value.text = shown
    return ET.tostring(root, encoding="unicode")
