"""The pure matching engine: numpy and scipy only, no I/O, no knowledge of the service."""

from __future__ import annotations

from matching.pairs import PairingResult, max_weight_pairs, max_weight_pairs_sparse

__all__ = ["PairingResult", "max_weight_pairs", "max_weight_pairs_sparse"]
