from __future__ import annotations

from matching.synthetic import NEIGHBOURS, ROLES, THEMES, population


def test_population_is_seeded() -> None:
    assert population(50, 3) == population(50, 3)
    assert population(50, 3) != population(50, 4)


def test_population_looks_like_the_demo_data() -> None:
    people = population(400, 1)
    assert len(ROLES) == 17 and len(set(ROLES.values())) == 6
    assert len(NEIGHBOURS) == 10 and len(THEMES) == 19
    assert {p.discipline for p in people} == set(ROLES.values())
    assert {p.region for p in people} == set(NEIGHBOURS)
    assert sum("nl" in p.languages for p in people) > 0.9 * len(people)
    assert {p.meeting for p in people} == {"in_person", "online", "either"}
    assert all(p.expertise and p.gaps and not p.expertise & p.gaps for p in people)
    ids = {p.id for p in people}
    assert all(past.partner in ids for p in people for past in p.past)


def test_neighbours_are_symmetric() -> None:
    for region, near in NEIGHBOURS.items():
        assert region not in near
        assert all(region in NEIGHBOURS[other] for other in near)
