"""Scene preservation: how much the output changed the pixels it had to keep."""

from __future__ import annotations

import numpy as np

from ._inputs import _pair, _region


def scene_preservation(output, scene, keep) -> dict[str, np.ndarray]:
    """Max and mean |output - scene| over the region ``keep`` (the enforced keep region K_b), per sample.

    Returns ``{"max": (N,), "mean": (N,)}`` over all keep pixels and channels. gip pastes the scene exactly
    after the last step, so both are 0 on K_b for its outputs; anything else means the scene was altered.
    Limits: measures only the region you pass (use ``result.ring`` to see what the buffer changed); a
    quantised output (uint8 PNG) differs by up to 1/127.5 through rounding alone.
    """
    out, ref = _pair(output, scene, "scene")
    k = _region(keep, out.shape[-2:], "keep mask")
    if not k.any():
        nan = np.full(out.shape[0], np.nan)
        return {"max": nan, "mean": nan.copy()}
    diff = np.abs(out - ref)[..., k]  # (N, 3, P)
    return {"max": diff.max(axis=(1, 2)), "mean": diff.mean(axis=(1, 2))}

