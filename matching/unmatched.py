"""Why someone cannot be grouped: the hard rules, counted against everyone else."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import date

from matching.profiles import (
    HARD_RULES,
    HardRule,
    PersonId,
    Profile,
    RoundRules,
    UnmatchedExplanation,
)
from matching.rounds import check_input
from matching.scoring import encode, first_rule_broken


def explain_unmatched(
    person: Profile,
    others: Sequence[Profile],
    *,
    today: date,
    neighbours: Mapping[str, Collection[str]],
    kept_apart: Collection[tuple[PersonId, PersonId]] = (),
    rules: RoundRules | None = None,
) -> UnmatchedExplanation:
    """Count, for one person, who the hard rules allow them to be grouped with, and why not.

    Parameters
    ----------
    person : Profile
        The person to explain (typically someone :func:`matching.plan_round` left
        unmatched, or someone signing up).
    others : sequence of Profile
        Everyone else who could take part; ids must be unique and differ from
        ``person.id``.
    today : datetime.date
        The day of the round, for the repeat window.
    neighbours : mapping of region key to region keys
        Which regions border which, as for :func:`matching.plan_round`.
    kept_apart : collection of (id, id)
        The coordinator's "keep apart" rules.
    rules : RoundRules, optional
        The hard rules (defaults: ``RoundRules()``); the score weights play no part.

    Returns
    -------
    UnmatchedExplanation
        ``allowed`` others break no rule; every other one is counted in ``ruled_out`` under
        the first rule it breaks, in the order of :data:`matching.profiles.HARD_RULES`
        (the order :func:`matching.plan_round` names a rejected pin's rule in), so
        ``allowed + sum(ruled_out.values()) == candidates == len(others)``.

    Raises
    ------
    ValueError
        When ``others`` repeats an id or contains ``person``, or on the invalid profiles and
        rules :func:`matching.plan_round` refuses.

    Notes
    -----
    ``allowed == 0`` exactly when :func:`matching.plan_round` over ``person`` and
    ``others`` (with the same rules and kept-apart pairs) could never group ``person``:
    it reports them unmatched with reason ``"no_allowed_partner"``.
    """
    rules = rules if rules is not None else RoundRules()
    everyone = [person, *others]
    check_input(everyone, rules)
    enc = encode(everyone, neighbours=neighbours, kept_apart=kept_apart, today=today, rules=rules)
    apart = {frozenset(pair) for pair in kept_apart}
    counts: Counter[HardRule] = Counter()
    allowed = 0
    for j in range(1, enc.n):
        broken = first_rule_broken(enc, 0, j, apart, today)
        if broken is None:
            allowed += 1
        else:
            counts[broken] += 1
    ruled_out = {rule: counts[rule] for rule in HARD_RULES}
    main_rule: HardRule | None = None
    if allowed == 0 and counts:
        # max() keeps the first of equal counts: the earlier rule in HARD_RULES.
        most: HardRule = max(HARD_RULES, key=ruled_out.__getitem__)
        main_rule = most
    return UnmatchedExplanation(
        person=person.id,
        candidates=len(others),
        allowed=allowed,
        ruled_out=ruled_out,
        main_rule=main_rule,
    )
