"""The pure matching engine: numpy and scipy only, no I/O, no knowledge of the service.

- :func:`max_weight_pairs` and :func:`max_weight_pairs_sparse`: the best pairing of a
  weighted graph, with a proven upper bound.
- :func:`plan_round`: attendee profiles to explained pairs and a trio, with the rules and
  weights of :class:`RoundRules`.
- :func:`explain_unmatched`: for one person, how many others the hard rules allow them to
  be grouped with, and which rule rules out the rest.
- :func:`conflicts`: which groups of an earlier plan are now kept apart or repeats.
"""

from __future__ import annotations

from matching.conflicts import Conflict, conflicts
from matching.figures import GroupFigures, group_figures
from matching.pairs import PairingResult, max_weight_pairs, max_weight_pairs_sparse
from matching.profiles import (
    HARD_RULES,
    Group,
    LinkExplanation,
    MeetingPreference,
    PastPairing,
    PersonId,
    Profile,
    RejectedPin,
    RoundPlan,
    RoundRules,
    RoundStats,
    Unmatched,
    UnmatchedExplanation,
)
from matching.rounds import explain_group, plan_round
from matching.unmatched import explain_unmatched

__all__ = [
    "HARD_RULES",
    "Conflict",
    "Group",
    "GroupFigures",
    "LinkExplanation",
    "MeetingPreference",
    "PairingResult",
    "PastPairing",
    "PersonId",
    "Profile",
    "RejectedPin",
    "RoundPlan",
    "RoundRules",
    "RoundStats",
    "Unmatched",
    "UnmatchedExplanation",
    "conflicts",
    "explain_group",
    "explain_unmatched",
    "group_figures",
    "max_weight_pairs",
    "max_weight_pairs_sparse",
    "plan_round",
]
