"""Picking a seed: one score to rank candidates of the same inputs by (lower is better)."""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..errors import GipError

#: Scales of the bounded seam and harmony terms of :func:`selection_score` (the value that costs half
#: of the term's weight): seam 1 is edges e times too sharp or too smooth, harmony 0.1 a colour mean or
#: spread off by 0.1 (about 13 grey levels of 255) on average over the channels.
SEAM_SCALE = 1.0
HARMONY_SCALE = 0.1


def _bounded(x: Any, scale: float) -> float:
    """x / (x + scale) in [0, 1) for finite x >= 0; 0 for a missing or NaN value."""
    if x is None or not math.isfinite(float(x)):
        return 0.0
    x = max(float(x), 0.0)
    return x / (x + scale)


def selection_score(metrics: Mapping[str, float], seam_weight: float = 0.5, harmony_weight: float = 0.5) -> float:
    """One number to rank candidates (seeds) of the same inputs, lower is better; deleting the object never
    improves it.

    ``score = r / (1 + r)`` (object kept, ``object_survived`` = 1; ``r = object_ratio``: 0 = the object
    exactly) or ``2 + r / (1 + r)`` (lost) ``+ seam_weight * seam / (seam + SEAM_SCALE) + harmony_weight *
    harmony / (harmony + HARMONY_SCALE)``.

    Every term is bounded: the object term below 1 for a kept object, the seam and harmony terms below
    their weights, which must sum to at most 1; so every candidate whose object was kept scores below 2 and
    every one whose object was lost at least 2. Within either group, less of the object (a higher ratio)
    is worse unless the seam or colours are better by more. :data:`SEAM_SCALE` (edges e times too sharp or
    smooth) and :data:`HARMONY_SCALE` (colours off by 0.1) cost half of their term's weight. NaN seam or
    harmony count 0. NaN without a finite ``object_ratio`` and ``object_survived`` (evaluated without the
    silhouette, or no target): whether the object was kept is unknown, so the candidate cannot be ranked.
    """
    if seam_weight < 0 or harmony_weight < 0 or seam_weight + harmony_weight > 1 + 1e-12:
        raise GipError(
            f"seam_weight and harmony_weight must be >= 0 and sum to <= 1 (got {seam_weight}, {harmony_weight}), "
            "so that a kept object always ranks above a lost one"
        )
    ratio, kept = metrics.get("object_ratio", math.nan), metrics.get("object_survived", math.nan)
    if any(v is None or not math.isfinite(float(v)) for v in (ratio, kept)):
        return math.nan  # unknown whether the object was kept: no rank (evaluate with the silhouette)
    r = max(float(ratio), 0.0)
    return (
        (0.0 if float(kept) >= 0.5 else 2.0) + r / (1.0 + r)  # every loss ranks below every kept object
        + seam_weight * _bounded(metrics.get("seam"), SEAM_SCALE)
        + harmony_weight * _bounded(metrics.get("harmony"), HARMONY_SCALE)
    )
