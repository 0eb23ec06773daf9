"""The pure matching engine: numpy and scipy only, no I/O, no knowledge of the service.

- :func:`max_weight_pairs` and :func:`max_weight_pairs_sparse`: the best pairing of a
  weighted graph, with a proven upper bound.
- :func:`plan_round`: attendee profiles to explained pairs and a trio, with the rules and
  weights of :class:`RoundRules`.
"""

from __future__ import annotations

from matching.pairs import PairingResult, max_weight_pairs, max_weight_pairs_sparse
from matching.profiles import (
    Group,
    LinkExplanation,
    PastPairing,
    PersonId,
    Profile,
    RejectedPin,
    RoundPlan,
    RoundRules,
    RoundStats,
    Unmatched,
)
from matching.rounds import explain_group, plan_round

__all__ = [
    "Group",
    "LinkExplanation",
    "PairingResult",
    "PastPairing",
    "PersonId",
    "Profile",
    "RejectedPin",
    "RoundPlan",
    "RoundRules",
    "RoundStats",
    "Unmatched",
    "explain_group",
    "max_weight_pairs",
    "max_weight_pairs_sparse",
    "plan_round",
]
