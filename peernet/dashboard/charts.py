"""The dashboard's pictures as static SVG, drawn on the server and without script: a
<title> and <desc> say what each shows, and the page puts the same numbers in a table.

pygal draws the bar and line charts; the discipline grid and the themes' bars are drawn by
hand (pygal has no heat map, and its axis labels leave long theme names no room on a
phone). pygal's interactive extras (its inline configuration script, the tooltip data in
<desc> elements) are taken out of the tree before it is written; each value is kept as an
SVG <title>, which browsers show on hover by themselves.
"""

from __future__ import annotations

import math
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pygal  # type: ignore[import-untyped]
from pygal.style import Style  # type: ignore[import-untyped]

# pygal adds a sys.meta_path finder for its map plugins that only has the old find_module
# API; on Python 3.11 every failed import anywhere then warns (ImportWarning). peernet uses
# no map plugins, so the finder is taken out again.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")

ACTIVE, PAUSED, PENDING = "#0b5cad", "#8fb3dc", "#b35c00"
WANTING, KNOWING = "#b35c00", "#0b5cad"
# Ratings 1 to 5: orange for the low ones, blue for the high ones (told apart without red
# and green), a grey middle.
RATING_COLOURS = ("#8a4500", "#e0a062", "#c4c9cf", "#7fa7d6", "#0b5cad")
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
WIDTH = 480  # the drawing's own units; the page scales it to the column's width


@dataclass(frozen=True)
class Picture:
    svg: str  # a complete <svg> element, to be placed in the page as it is
    title: str
    description: str
    # (name, colour) of each series: the page writes the legend beside the picture, where
    # it wraps on a phone instead of being cut off or overlapping.
    legend: tuple[tuple[str, str], ...] = ()


def _style(colors: Sequence[str]) -> Style:
    return Style(
        background="transparent",
        plot_background="transparent",
        foreground="#1b1f24",
        foreground_strong="#1b1f24",
        foreground_subtle="#d5d9de",
        font_family=FONT,
        label_font_size=14,
        major_label_font_size=14,
        value_font_size=14,
        value_label_font_size=14,
        legend_font_size=14,
        title_font_size=18,
        # pygal's 64 px "no data" ran off a phone's chart and over the axis labels.
        no_data_font_size=18,
        colors=tuple(colors),
        opacity="1",
        opacity_hover="1",
    )


def whole_axis(highest: float) -> list[int]:
    """Axis labels for counts: whole numbers from 0 up to ``highest`` or just past it, in
    steps of 1, 2 or 5 times a power of ten, at most six (pygal's own would read 0, 0.1,
    ... 1 for a count of one)."""
    decade = 1
    while True:
        for step in (decade, 2 * decade, 5 * decade):
            if highest <= 5 * step:
                top = max(math.ceil(highest / step), 1) * step
                return list(range(0, top + 1, step))
        decade *= 10


def _config(colors: Sequence[str], height: int, no_data: str, **options: Any) -> dict[str, Any]:
    return {
        "no_data_text": no_data,
        "style": _style(colors),
        "width": WIDTH,
        "height": height,
        "js": [],
        "disable_xml_declaration": True,
        "show_legend": False,
        "print_values": True,
        "show_y_guides": False,
        "margin": 8,
        "spacing": 10,
        **options,
    }


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _finish(
    root: ET.Element,
    title: str,
    description: str,
    key: str,
    series: Sequence[tuple[str, str, object]] = (),
) -> Picture:
    """Strip pygal's script and tooltip data, then name the picture for screen readers.

    A bar or dot keeps its value as an SVG <title> ("Rotterdam: 29"), which browsers show
    on hover without any script.
    """
    for parent in list(root.iter()):
        tooltip: dict[str, str] = {}
        for child in list(parent):
            name = _local(child.tag) if isinstance(child.tag, str) else ""
            if name == "desc":
                tooltip[child.get("class", "")] = child.text or ""
            if name in ("script", "desc", "title", ""):
                parent.remove(child)
        if "value" in tooltip:
            label = tooltip.get("x_label")
            hint = ET.Element(f"{{{SVG}}}title")
            hint.text = f"{label}: {tooltip['value']}" if label else tooltip["value"]
            parent.insert(0, hint)
    title_id, desc_id = f"{key}-title", f"{key}-desc"
    root.set("role", "img")
    root.set("aria-labelledby", f"{title_id} {desc_id}")
    root.set("focusable", "false")
    desc = ET.Element(f"{{{SVG}}}desc", {"id": desc_id})
    desc.text = description
    heading = ET.Element(f"{{{SVG}}}title", {"id": title_id})
    heading.text = title
    root.insert(0, desc)
    root.insert(0, heading)
    legend = tuple((name, colour) for name, colour, _ in series)
    return Picture(ET.tostring(root, encoding="unicode"), title, description, legend)


def _pygal(
    chart: Any,
    title: str,
    description: str,
    key: str,
    series: Sequence[tuple[str, str, object]],
) -> Picture:
    # render() rather than render_tree(): the tree pygal builds may be lxml's, the text is not.
    text = chart.render(is_unicode=True)
    # pygal's own output from our numbers and labels, not outside input.
    return _finish(ET.fromstring(text), title, description, key, series)  # noqa: S314


def stacked_bars(
    key: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    formatter: Callable[[float], str] = str,
    *,
    no_data: str,
) -> Picture:
    """Horizontal stacked bars of counts, one per label, the first label on top (name,
    colour, values); ``no_data`` is written when every count is 0."""
    totals = [sum(values) for values in zip(*(v for _, _, v in series), strict=True)]
    chart = pygal.HorizontalStackedBar(
        **_config(
            [colour for _, colour, _ in series],
            height=150 + 34 * len(labels),
            no_data=no_data,
            y_labels=whole_axis(max(totals, default=0)),
            truncate_label=28,
            value_formatter=formatter,
            print_values=False,
            print_values_position="center",
        )
    )
    # pygal draws the first label at the bottom: reversed, the list reads top-down.
    chart.x_labels = list(reversed(labels))
    for name, _, values in series:
        chart.add(name, [v or None for v in reversed(values)])
    return _pygal(chart, title, description, key, series)


def paired_bars(
    key: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    formatter: Callable[[float], str] = str,
) -> Picture:
    """Bars side by side per label (e.g. wanting against knowing a theme), each label written
    in full above its bars: long theme names need the whole width on a phone, which an axis
    beside the bars (pygal's horizontal bar chart) cannot give them."""
    left, label_height, bar, gap = 4, 22, 16, 14
    block = label_height + len(series) * (bar + 3) + gap
    height = len(labels) * block
    room = WIDTH - left - 48  # the longest bar leaves room for its number
    highest = max([v for _, _, values in series for v in values] + [1])
    root = ET.Element(f"{{{SVG}}}svg", {"viewBox": f"0 0 {WIDTH} {height}", "class": "bars"})
    group = _el(root, "g", font_family=FONT, font_size=15, fill="#1b1f24")
    for i, label in enumerate(labels):
        y = i * block
        _el(group, "text", label, x=left, y=y + 15, font_weight="600")
        for k, (_, colour, values) in enumerate(series):
            top = y + label_height + k * (bar + 3)
            length = room * values[i] / highest
            _el(group, "rect", x=left, y=top, width=f"{length:.1f}", height=bar, fill=colour)
            _el(group, "text", formatter(values[i]), x=f"{left + length + 6:.1f}", y=top + bar - 3)
    return _finish(root, title, description, key, series)


def growth_bars(
    key: str,
    title: str,
    description: str,
    months: Sequence[str],
    before: Sequence[int],
    new: Sequence[int],
    names: tuple[str, str],
    formatter: Callable[[float], str] = str,
    *,
    no_data: str,
) -> Picture:
    """One bar per month as high as the running total, its top part the month's newcomers."""
    chart = pygal.StackedBar(
        **_config(
            [PAUSED, ACTIVE],
            height=380,
            no_data=no_data,
            y_labels=whole_axis(max((b + n for b, n in zip(before, new, strict=True)), default=0)),
            x_label_rotation=0 if len(months) <= 6 else -40,
            print_values=False,
            show_y_guides=True,
            value_formatter=formatter,
        )
    )
    chart.x_labels = list(months)
    chart.add(names[0], list(before))
    chart.add(names[1], list(new))
    return _pygal(chart, title, description, key, [(names[0], PAUSED, ()), (names[1], ACTIVE, ())])


def over_rounds(
    key: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    *,
    formatter: Callable[[float], str],
    no_data: str,
    kind: str = "line",
    range_: tuple[float, float] | None = None,
    counts: bool = False,
) -> Picture:
    """Figures per round, oldest first: bars (a share per round) or lines (a running count);
    the value axis always starts at zero, and counts in whole numbers. ``no_data`` is
    written when there is no value at all."""
    options: dict[str, Any] = {
        "show_y_guides": True,
        "dots_size": 5,
        "value_formatter": formatter,
        "include_x_axis": True,
        "print_values_position": "top",
        # Room for the last round's label and value, which a line puts on the right edge.
        "margin_right": 44,
        "margin_top": 24,
    }
    if range_ is not None:
        options["range"] = range_
    if counts:
        shown = [v for _, _, vs in series for v in vs if v is not None]
        options["y_labels"] = whole_axis(max(shown, default=0))
    chart = (pygal.Bar if kind == "bar" else pygal.Line)(
        **_config(
            [colour for _, colour, _ in series],
            height=360,
            no_data=no_data,
            x_label_rotation=0 if len(labels) <= 6 else -40,
            **options,
        )
    )
    chart.x_labels = list(labels)
    for name, _, values in series:
        chart.add(name, list(values))
    return _pygal(chart, title, description, key, series)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    node = ET.SubElement(
        parent,
        f"{{{SVG}}}{tag}",
        {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()},
    )
    if text is not None:
        node.text = text
    return node


def heat_grid(
    key: str,
    title: str,
    description: str,
    labels: Sequence[str],
    count: Callable[[int, int], int],
    formatter: Callable[[float], str] = str,
) -> Picture:
    """A triangle of cells (row i, column j <= i): how many pairs joined label i and label j;
    the darker the cell, the more pairs. The number is written in every cell."""
    n = len(labels)
    cell, left, top = 52, 230, 24
    width, height = left + n * cell + 8, top + n * cell + 150
    root = ET.Element(
        f"{{{SVG}}}svg",
        {"viewBox": f"0 0 {width} {height}", "class": "heat-grid"},
    )
    highest = max([count(i, j) for i in range(n) for j in range(i + 1)] + [1])
    group = _el(root, "g", font_family=FONT, font_size=15, fill="#1b1f24")
    for i, label in enumerate(labels):
        y = top + i * cell
        _el(group, "text", label, x=left - 10, y=y + cell / 2 + 5, text_anchor="end")
        for j in range(i + 1):
            value = count(i, j)
            strength = value / highest
            shade = f"rgba(11,92,173,{0.08 + 0.92 * strength:.2f})" if value else "#ffffff"
            x = left + j * cell
            _el(
                group,
                "rect",
                x=x,
                y=y,
                width=cell - 2,
                height=cell - 2,
                fill=shade,
                stroke="#d5d9de",
            )
            _el(
                group,
                "text",
                formatter(value),
                x=x + (cell - 2) / 2,
                y=y + cell / 2 + 4,
                text_anchor="middle",
                fill="#ffffff" if strength > 0.55 else "#1b1f24",
                font_weight="700",
            )
    # Column names under the triangle, slanted so that long names do not overlap.
    base = top + n * cell + 10
    for j, label in enumerate(labels):
        middle = left + j * cell + cell / 2
        _el(
            group,
            "text",
            label,
            x=middle,
            y=base,
            text_anchor="end",
            transform=f"rotate(-50 {middle} {base})",
        )
    return _finish(root, title, description, key)
