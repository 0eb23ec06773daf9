from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from matching import PastPairing, Profile, RoundRules
from matching.scoring import encode, is_repeat, link_components, months_between, score_block
from matching.synthetic import NEIGHBOURS, TODAY, population


@pytest.mark.parametrize(
    ("earlier", "later", "months"),
    [
        (date(2025, 1, 15), date(2025, 1, 31), 0),
        (date(2025, 1, 15), date(2025, 2, 14), 0),
        (date(2025, 1, 15), date(2025, 2, 15), 1),
        (date(2024, 11, 30), date(2025, 6, 1), 6),
    ],
)
def test_months_between(earlier: date, later: date, months: int) -> None:
    assert months_between(earlier, later) == months


def test_repeat_rules() -> None:
    rules = RoundRules(repeat_window_months=6)
    recent = Profile("a", "care", "x", past=(PastPairing("b", date(2025, 3, 1)),))
    old = Profile("a", "care", "x", past=(PastPairing("b", date(2024, 3, 1)),))
    assert is_repeat(recent, "b", TODAY, rules)
    assert not is_repeat(old, "b", TODAY, rules)
    assert not is_repeat(recent, "c", TODAY, rules)
    assert is_repeat(old, "b", TODAY, RoundRules())


def test_block_scores_are_symmetric_and_match_the_components() -> None:
    people = population(120, 9)
    enc = encode(people, neighbours=NEIGHBOURS, kept_apart=(), today=TODAY, rules=RoundRules())
    everyone = np.arange(enc.n)
    w = score_block(enc, everyone, everyone)
    assert np.array_equal(w, w.T)
    assert np.all(np.isneginf(np.diag(w)))
    rows, cols = np.nonzero(np.isfinite(w))
    for i, j in list(zip(rows.tolist(), cols.tolist(), strict=True))[:300]:
        assert w[i, j] == pytest.approx(sum(link_components(enc, i, j).values()))
    # A rectangular block agrees with the square one.
    part = score_block(enc, everyone[:10], everyone[50:])
    assert np.array_equal(part, w[:10, 50:])


def test_pairs_kept_apart_and_repeated_pairs_are_forbidden() -> None:
    people = [
        Profile("a", "care", "r", past=(PastPairing("c", date(2025, 1, 1)),)),
        Profile("b", "education", "r"),
        Profile("c", "community", "r"),
    ]
    enc = encode(people, neighbours={}, kept_apart=[("a", "b")], today=TODAY, rules=RoundRules())
    everyone = np.arange(3)
    w = score_block(enc, everyone, everyone)
    assert np.isneginf(w[0, 1]) and np.isneginf(w[1, 0])
    assert np.isneginf(w[0, 2]) and np.isneginf(w[2, 0])
    assert np.isfinite(w[1, 2])
