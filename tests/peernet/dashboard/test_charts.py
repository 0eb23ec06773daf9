"""The pictures are static SVG that parse as XML, name themselves, and show their figures."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET

import pytest

from peernet.dashboard import charts

NS = {"svg": charts.SVG}


def parsed(picture: charts.Picture) -> ET.Element:
    return ET.fromstring(picture.svg)  # noqa: S314 (our own output)


def texts(root: ET.Element) -> list[str]:
    return [(e.text or "").strip() for e in root.iter() if (e.text or "").strip()]


def assert_static_and_named(root: ET.Element, title: str, description: str) -> None:
    assert root.tag == f"{{{charts.SVG}}}svg"
    assert root.get("role") == "img"
    title_id, desc_id = (root.get("aria-labelledby") or "").split()
    assert root.find(f"svg:title[@id='{title_id}']", NS).text == title  # type: ignore[union-attr]
    assert root.find(f"svg:desc[@id='{desc_id}']", NS).text == description  # type: ignore[union-attr]
    tags = {e.tag.rsplit("}", 1)[-1] for e in root.iter()}
    assert "script" not in tags and "foreignObject" not in tags
    assert not any(name.startswith("on") for e in root.iter() for name in e.attrib)
    assert not any("javascript:" in value for e in root.iter() for value in e.attrib.values())


def test_stacked_bars_keep_every_value_as_a_hover_title() -> None:
    picture = charts.stacked_bars(
        "regions",
        "Deelnemers per politie-eenheid",
        "Gestapelde staven",
        ["Rotterdam", "Den Haag"],
        [("Actief", charts.ACTIVE, [1234, 3]), ("Gepauzeerd", charts.PAUSED, [5, 0])],
        lambda v: f"{v:,.0f}".replace(",", "."),
        no_data="Nog geen gegevens",
    )
    root = parsed(picture)
    assert_static_and_named(root, "Deelnemers per politie-eenheid", "Gestapelde staven")
    found = texts(root)
    assert {"Rotterdam: 1.234", "Den Haag: 3", "Rotterdam: 5"} <= set(found)
    assert {"Rotterdam", "Den Haag"} <= set(found)
    # The legend is the page's to write (it wraps there); the picture names the colours.
    assert picture.legend == (("Actief", charts.ACTIVE), ("Gepauzeerd", charts.PAUSED))


def test_the_first_label_is_drawn_on_top() -> None:
    root = parsed(
        charts.stacked_bars(
            "regions",
            "t",
            "d",
            ["Bovenaan", "Onderaan"],
            [("Actief", charts.ACTIVE, [1, 2])],
            no_data="-",
        )
    )
    labels = {
        e.text: float(e.get("y", "0"))
        for e in root.iter(f"{{{charts.SVG}}}text")
        if e.text in ("Bovenaan", "Onderaan")
    }
    assert labels["Bovenaan"] < labels["Onderaan"]


def test_theme_bars_write_every_label_in_full_and_every_number() -> None:
    long_name = "Anti-institutioneel extremisme / complotdenken"
    picture = charts.paired_bars(
        "themes",
        "Vraag en aanbod",
        "Staven per thema",
        [long_name, "Grenzen stellen"],
        [("Wil leren", charts.WANTING, [59, 42]), ("Kent het goed", charts.KNOWING, [8, 0])],
    )
    root = parsed(picture)
    assert_static_and_named(root, "Vraag en aanbod", "Staven per thema")
    found = texts(root)
    assert [t for t in found if t in (long_name, "Grenzen stellen")] == [
        long_name,
        "Grenzen stellen",
    ]
    assert [t for t in found if t.isdigit()] == ["59", "8", "42", "0"]
    assert [name for name, _ in picture.legend] == ["Wil leren", "Kent het goed"]


def test_growth_bars_are_as_high_as_the_running_total() -> None:
    picture = charts.growth_bars(
        "growth",
        "Groei",
        "Staven",
        ["sep 2026", "okt 2026"],
        [0, 2],
        [2, 3],
        ("Al", "Nieuw"),
        no_data="-",
    )
    found = texts(parsed(picture))
    assert {"sep 2026: 2", "okt 2026: 2", "okt 2026: 3"} <= set(found)
    assert picture.legend == (("Al", charts.PAUSED), ("Nieuw", charts.ACTIVE))


def test_lines_over_rounds_print_their_values() -> None:
    root = parsed(
        charts.over_rounds(
            "met",
            "Ontmoet",
            "Een staaf per ronde",
            ["okt 2026", "nov 2026"],
            [("Ontmoet", charts.ACTIVE, [100, 50])],
            formatter=lambda v: f"{v:.0f} %",
            no_data="-",
            kind="bar",
            range_=(0, 100),
        )
    )
    found = texts(root)
    assert {"100 %", "50 %", "okt 2026", "nov 2026"} <= set(found)


@pytest.mark.parametrize(
    ("highest", "labels"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (5, [0, 1, 2, 3, 4, 5]),
        (6, [0, 2, 4, 6]),
        (11, [0, 5, 10, 15]),
        (49, [0, 10, 20, 30, 40, 50]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_counts_are_drawn_on_a_whole_number_axis(highest: int, labels: list[int]) -> None:
    assert charts.whole_axis(highest) == labels


def test_a_count_of_one_has_no_fractions_on_its_axis() -> None:
    root = parsed(
        charts.over_rounds(
            "network",
            "Netwerk",
            "Lijnen",
            ["okt 2026", "nov 2026"],
            [("Over vakgebieden heen", charts.ACTIVE, [0, 1])],
            formatter=lambda v: f"{v:.1f}",
            no_data="-",
            counts=True,
        )
    )
    axis = [t for t in texts(root) if t.replace(".", "").isdigit()]
    assert "0.1" not in axis and "0.5" not in axis
    assert {"0.0", "1.0"} <= set(axis)


def test_a_chart_without_any_value_says_so_in_the_page_language() -> None:
    picture = charts.stacked_bars(
        "ratings",
        "Beoordelingen",
        "Staven",
        ["november 2026"],
        [("1", charts.ACTIVE, [0]), ("2", charts.PAUSED, [0])],
        no_data="Nog geen gegevens",
    )
    found = texts(parsed(picture))
    assert "Nog geen gegevens" in found and "No data" not in found
    # At the size of a title, not pygal's 64 px (which ran off a phone's chart).
    assert re.search(r"text\.no_data\{[^}]*font-size:18px", picture.svg)


def test_the_heat_grid_is_a_triangle_with_a_number_in_every_cell() -> None:
    counts = {(0, 0): 0, (1, 0): 7, (1, 1): 2, (2, 0): 1, (2, 1): 0, (2, 2): 12}
    picture = charts.heat_grid(
        "grid",
        "Koppels",
        "Een driehoek",
        ["Politie", "Onderwijs", "Zorg"],
        lambda i, j: counts[i, j],
    )
    root = parsed(picture)
    assert_static_and_named(root, "Koppels", "Een driehoek")
    cells = root.findall(".//svg:rect", NS)
    assert len(cells) == 6  # 3 + 2 + 1
    numbers = [t for t in texts(root) if t.isdigit()]
    assert numbers == ["0", "7", "2", "1", "0", "12"]
    # The busiest cell is the darkest.
    shades = [
        float(c.get("fill", "rgba(0,0,0,0)").rstrip(")").split(",")[-1])
        for c in cells
        if c.get("fill", "").startswith("rgba")
    ]
    assert max(shades) == 1.0


@pytest.mark.filterwarnings("error")
def test_pygal_leaves_no_import_hook_that_warns_on_failed_imports() -> None:
    assert not any(type(f).__name__ == "PluginImportFixer" for f in sys.meta_path)
    with pytest.raises(ImportError):
        __import__("peernet_no_such_module")
