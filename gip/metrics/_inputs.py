"""Input handling shared by every metric: images -> float64 (N, 3, H, W) in [-1, 1], masks -> (H, W) bool,
output/reference pairs checked against each other, weighted means over a region."""

from __future__ import annotations

import numpy as np
import torch

from ..errors import GipError
from ..images import to_tensor


def _batch(x, name: str) -> np.ndarray:
    """Images -> float64 (N, 3, H, W). Tensors/arrays are taken as [-1, 1]; other image-likes go via to_tensor."""
    if isinstance(x, torch.Tensor):
        a = x.detach().cpu().double().numpy()
    elif isinstance(x, np.ndarray) and x.ndim in (3, 4) and x.shape[-3] == 3 and x.dtype != np.uint8:
        a = np.asarray(x, np.float64)
    else:
        a = to_tensor(x, name).double().numpy()
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4 or a.shape[1] != 3:
        raise GipError(f"the {name} must be (N, 3, H, W) or (3, H, W) in [-1, 1], got shape {a.shape}")
    if not np.isfinite(a).all():
        raise GipError(f"the {name} contains NaN or inf values")
    return a


def _region(mask, shape: tuple[int, int] | None, name: str) -> np.ndarray:
    m = np.asarray(mask.detach().cpu() if isinstance(mask, torch.Tensor) else mask).squeeze()
    if m.ndim != 2 or (shape is not None and m.shape != tuple(shape)):
        raise GipError(f"the {name} is {m.shape}, the images are {shape}: they must match")
    return m.astype(bool) if m.dtype == bool else m > 0.5


def _pair(output, reference, ref_name: str) -> tuple[np.ndarray, np.ndarray]:
    out, ref = _batch(output, "output"), _batch(reference, ref_name)
    if out.shape[-2:] != ref.shape[-2:]:
        raise GipError(
            f"the output is {out.shape[-1]}x{out.shape[-2]} but the {ref_name} is {ref.shape[-1]}x{ref.shape[-2]}: "
            "resize the reference to the output (gip.images.resize)"
        )
    if ref.shape[0] not in (1, out.shape[0]):
        raise GipError(f"the {ref_name} has {ref.shape[0]} images, the output {out.shape[0]}: pass 1 or N")
    return out, ref


def _masked_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(N, H, W) values, (H, W) weights >= 0 -> (N,) weighted means; NaN where the weights are all 0."""
    total = float(weights.sum())
    if total <= 0:
        return np.full(values.shape[0], np.nan)
    return (values * weights).sum(axis=(-2, -1)) / total


def _silhouette(silhouette, shape: tuple[int, int]) -> np.ndarray:
    s = _region(silhouette, shape, "silhouette")
    if not s.any():
        raise GipError("the silhouette is empty: pass the object's own pixels (gip.place_object returns them)")
    return s
