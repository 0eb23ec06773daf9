"""Every figure of the dashboard and the results page, against the hand-built network."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from peernet.dashboard.pages import grid_intro
from peernet.dashboard.service import (
    DisciplineGrid,
    MonthGrowth,
    NetworkPoint,
    StatusCounts,
    dashboard,
    results,
)
from peernet.settings import Settings
from peernet.taxonomy.service import get_taxonomy
from tests.peernet.conftest import Clock
from tests.peernet.dashboard.population import a_small_network

pytestmark = pytest.mark.usefixtures("frozen_clock", "empty_db")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _nonzero(groups: list[StatusCounts]) -> dict[str, tuple[int, int, int]]:
    return {g.key: (g.active, g.paused, g.pending) for g in groups if g.total}


async def test_attendees_by_status_discipline_and_police_unit(settings: Settings) -> None:
    await a_small_network(settings)
    figures = await dashboard(AMSTERDAM)
    assert (figures.totals.active, figures.totals.paused, figures.totals.pending) == (4, 1, 1)
    assert _nonzero(figures.by_discipline) == {
        "police_enforcement": (1, 0, 0),
        "youth_social_work": (2, 0, 0),  # the one who left is not counted
        "education": (0, 1, 1),
        "municipality_policy": (1, 0, 0),
    }
    assert _nonzero(figures.by_region) == {
        "midden_nederland": (2, 0, 0),
        "amsterdam": (0, 0, 1),
        "rotterdam": (2, 1, 0),
    }
    # Every discipline and police unit is listed, in the taxonomy's order, empty ones too.
    taxonomy = get_taxonomy()
    assert [g.key for g in figures.by_discipline] == list(taxonomy.disciplines)
    assert [g.key for g in figures.by_region] == list(taxonomy.regions)


async def test_growth_counts_confirmations_per_local_month_up_to_this_one(
    settings: Settings,
) -> None:
    await a_small_network(settings)
    figures = await dashboard(AMSTERDAM)
    assert figures.growth == [
        MonthGrowth("2026-09", 2, 2),
        MonthGrowth("2026-10", 2, 4),  # 30 September 22:30 UTC is October in Amsterdam
        MonthGrowth("2026-11", 2, 6),
    ]
    in_utc = await dashboard(ZoneInfo("UTC"))
    assert [m.new for m in in_utc.growth] == [3, 1, 2]


async def test_the_latest_published_rounds_met_rate_and_rating(settings: Settings) -> None:
    network = await a_small_network(settings)
    figures = await dashboard(AMSTERDAM)
    # The December draft is not among them; the newest first.
    assert [r.period for r in figures.rounds] == ["2026-11", "2026-10"]
    november, october = figures.rounds
    assert (november.id, november.groups, november.met, november.met_share) == (
        network.november.id,
        2,
        1,
        0.5,
    )
    assert (november.average_rating, november.rating_count) == (3.0, 1)
    assert (october.groups, october.met, october.met_share) == (2, 2, 1.0)
    assert (october.average_rating, october.rating_count) == (4.5, 2)


async def test_themes_lacking_expertise_come_first(settings: Settings) -> None:
    await a_small_network(settings)
    themes = (await dashboard(AMSTERDAM)).themes
    coverage = {c.key: (c.wanting, c.knowing) for c in themes}
    # Only active people count: Dewi (paused) also wants to learn about polarisation.
    assert coverage["polarisation"] == (1, 0)
    assert coverage["online_radicalisation"] == (1, 0)
    assert coverage["local_policy_network"] == (1, 1)
    assert coverage["conversation_skills"] == (1, 2)
    assert coverage["signalling_assessment"] == (0, 1)
    assert coverage["right_wing_extremism"] == (0, 0)
    order = [c.key for c in themes]
    assert order[:3] == ["online_radicalisation", "polarisation", "local_policy_network"]
    assert order[-2:] == ["conversation_skills", "signalling_assessment"]
    assert sorted(order) == sorted(get_taxonomy().themes)


async def test_undelivered_mail_and_sign_ups_awaiting_confirmation(settings: Settings) -> None:
    await a_small_network(settings)
    figures = await dashboard(AMSTERDAM)
    # Dead and failed mail, not the digest nor mail cancelled by unsubscribing.
    assert figures.undelivered == 2
    # Not the expired link nor the confirmed one.
    assert figures.awaiting_confirmation == 1


async def test_the_discipline_grid_of_the_last_published_round(settings: Settings) -> None:
    await a_small_network(settings)
    grid = (await dashboard(AMSTERDAM)).grid
    assert grid == DisciplineGrid(
        "2026-11",
        tuple(get_taxonomy().disciplines),
        {
            ("youth_social_work", "municipality_policy"): 1,
            ("police_enforcement", "youth_social_work"): 1,
        },
        duos=2,
    )
    assert grid.count("municipality_policy", "youth_social_work") == 1
    assert grid.count("youth_social_work", "youth_social_work") == 0
    assert (grid.total, grid.across) == (2, 2)


async def test_a_trio_counts_as_three_pairs_in_the_grid(settings: Settings) -> None:
    from peernet.attendees.models import Attendee
    from peernet.rounds.planning import create_round
    from peernet.rounds.publishing import publish_round
    from tests.peernet.factories import an_attendee

    a = await an_attendee("A Een", role="youth_worker")
    b = await an_attendee("B Twee", role="community_police_officer")
    c = await an_attendee("C Drie", role="teacher")
    rnd = await create_round("2026-11", [[a.id, b.id, c.id]])
    await publish_round(settings, rnd.id)
    # B has since become a social-team worker: the grid counts the disciplines of now.
    await Attendee.filter(id=b.id).update(role="social_team_worker")
    grid = (await dashboard(AMSTERDAM)).grid
    assert grid is not None
    assert grid.pairs == {
        ("youth_social_work", "youth_social_work"): 1,
        ("youth_social_work", "education"): 2,
    }
    assert (grid.total, grid.across) == (3, 2)
    assert (grid.duos, grid.trios) == (0, 1)
    # Said as the round page says it: one trio, three links of two people.
    assert grid_intro(grid, "nl") == (
        "De ronde van november 2026: 0 koppels en 1 trio. Van de 3 kennismakingen tussen"
        " twee mensen (in een trio drie) waren er 2 over disciplines heen."
        " Hoe donkerder het vakje, hoe meer kennismakingen."
    )
    assert grid_intro(grid, "en").startswith(
        "The round of November 2026: 0 pairs and 1 trio. Of the 3"
    )


async def test_an_empty_network_has_zeros_and_no_pictures_to_draw(settings: Settings) -> None:
    figures = await dashboard(AMSTERDAM)
    assert figures.totals.total == 0
    assert figures.growth == [] and figures.rounds == [] and figures.grid is None
    assert (figures.undelivered, figures.awaiting_confirmation) == (0, 0)
    found = await results()
    assert found.rounds == [] and found.over_time == []


async def test_results_per_round_oldest_first(settings: Settings) -> None:
    await a_small_network(settings)
    found = await results()
    assert [r.period for r in found.rounds] == ["2026-10", "2026-11"]
    october, november = found.rounds
    assert (october.groups, october.met, october.answered, october.rematch) == (2, 2, 4, 1)
    assert october.ratings == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    assert (november.groups, november.met, november.answered, november.rematch) == (2, 1, 2, 0)
    assert november.ratings == {1: 0, 2: 0, 3: 1, 4: 0, 5: 0}


async def test_the_network_over_time_counts_only_pairs_that_met(settings: Settings) -> None:
    await a_small_network(settings)
    found = await results()
    assert found.over_time == [
        # Anouk (municipality) met Ruud (police); Bram and Gijs met, but share a discipline
        # and (spelt differently) an organisation.
        NetworkPoint("2026-10", across_disciplines=2, organisations=2, organisation_links=1),
        # Anouk met Bram; Ruud and Gijs did not meet (yet).
        NetworkPoint("2026-11", across_disciplines=3, organisations=3, organisation_links=2),
    ]


async def test_a_round_nobody_was_asked_about_yet_has_no_met_share(
    settings: Settings, frozen_clock: Clock
) -> None:
    from peernet.feedback.nudges import queue_due_nudges
    from peernet.rounds.models import Match
    from peernet.rounds.views import list_rounds
    from tests.peernet.factories import a_pair, a_published_round

    anouk, ruud = await a_pair()
    await a_published_round(settings, [[anouk.id, ruud.id]])
    # Just published: "0%" would read as nobody meeting; it is "–" until someone is asked.
    (result,) = (await results()).rounds
    (summary,) = await list_rounds()
    assert (result.met_share, summary.met_share, summary.answered_share) == (None, None, None)
    match = await Match.get()
    assert match.nudge_met_due_at is not None
    frozen_clock.set(match.nudge_met_due_at)
    assert await queue_due_nudges(settings) == 2
    (result,) = (await results()).rounds
    (summary,) = await list_rounds()
    assert (result.met_share, summary.met_share, summary.answered_share) == (0.0, 0.0, 0.0)
