"""Picking a seed: one score to rank candidates of the same inputs by (lower is better)."""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..errors import GipError
from .fidelity import SURVIVAL_THRESHOLD, survived

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

    ``score = object_ratio`` (object survived, see :func:`object_survived`) or ``1 + max(object_ratio,
    SURVIVAL_THRESHOLD)`` (lost; a lost object whose colour is close still ranks below every survivor)
    + seam_weight * seam / (seam + SEAM_SCALE) + harmony_weight * harmony / (harmony + HARMONY_SCALE)``

    The object term is scale-free (0 = the object exactly, 1 = deleted); a candidate whose object did not
    survive pays 1 more. The seam and harmony terms are bounded below their weights, and the weights must
    sum to at most 1, so every candidate whose object survived scores below every one whose object did not
    (< 1 + SURVIVAL_THRESHOLD against >=), and within either group less of the object (a higher ratio) is
    worse unless the seam or colours are better by more. :data:`SEAM_SCALE` (edges e times too sharp or
    smooth) and :data:`HARMONY_SCALE` (colours off by 0.1) cost half of their term's weight. NaN seam or
    harmony count 0. NaN without a finite ``object_ratio`` (evaluated without the silhouette, or
    no target): whether the object survived is unknown, so the candidate cannot be ranked.
    """
    if seam_weight < 0 or harmony_weight < 0 or seam_weight + harmony_weight > 1 + 1e-12:
        raise GipError(
            f"seam_weight and harmony_weight must be >= 0 and sum to <= 1 (got {seam_weight}, {harmony_weight}), "
            "so that a surviving object always ranks above a deleted one"
        )
    ratio = metrics.get("object_ratio", math.nan)
    if ratio is None or not math.isfinite(float(ratio)):
        return math.nan  # unknown whether the object survived: no rank (evaluate with the silhouette)
    ratio = float(ratio)
    structure = metrics.get("object_ssim", 1.0)
    structure = 1.0 if structure is None or not math.isfinite(float(structure)) else float(structure)
    return (
        (ratio if survived(ratio, structure) else 1.0 + max(ratio, SURVIVAL_THRESHOLD))  # every loss ranks below every survivor
        + seam_weight * _bounded(metrics.get("seam"), SEAM_SCALE)
        + harmony_weight * _bounded(metrics.get("harmony"), HARMONY_SCALE)
    )


def combined_score(metrics: Mapping[str, float], seam_weight: float = 1.0, fidelity_weight: float = 4.0) -> float:
    """Deprecated: use :func:`selection_score`. Lower is better.

    When ``metrics`` has a finite ``object_ratio`` (evaluated with the silhouette) this returns
    ``selection_score(metrics)`` with its default weights (``seam_weight`` and ``fidelity_weight`` do not
    apply). Otherwise the legacy formula ``seam_weight * seam + fidelity_weight * sqrt(fill_mse_heat) / 2``
    (only the seam term without a target). It once preferred outputs in which the object vanished (the old
    seam rewarded featureless fills); without the silhouette the seam cannot see a deleted object, so only
    the fidelity term guards against that.
    """
    ratio = metrics.get("object_ratio", math.nan)
    if ratio is not None and math.isfinite(float(ratio)):
        return selection_score(metrics)
    fid = metrics.get("fill_mse_heat", math.nan)
    fid_term = 0.0 if fid is None or math.isnan(fid) else fidelity_weight * math.sqrt(max(fid, 0.0)) / 2.0
    return seam_weight * float(metrics["seam"]) + fid_term
