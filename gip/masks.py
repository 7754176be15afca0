"""Masks: validation, fill/keep conversion, heated masks and scene buffers.

Convention (said once, used everywhere): the public mask is the **fill** mask, 1 where the target goes.
The sampler works with the **keep** mask ``K = 1 - fill`` (RePaint's and diffusers' convention).
Masks here are (H, W) arrays or (1, 1, H, W) / (H, W) tensors; the distance maths runs in numpy/scipy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from scipy import ndimage

from .errors import GipError

Metric = Literal["chessboard", "taxicab", "euclidean"]
METRICS = ("chessboard", "taxicab", "euclidean")


def _as_numpy(mask) -> np.ndarray:
    if isinstance(mask, torch.Tensor):
        mask = mask.detach().cpu().numpy()
    m = np.asarray(mask)
    while m.ndim > 2 and m.shape[0] == 1:
        m = m[0]
    if m.ndim != 2:
        raise GipError(f"a mask must be a single (H, W) map, got shape {tuple(np.shape(mask))}")
    return m


def binarize(mask, threshold: float = 0.5) -> np.ndarray:
    """(H, W) bool from a mask in [0, 1] (values above ``threshold`` count as 1). NaNs are an error."""
    m = _as_numpy(mask).astype(np.float64)
    if not np.isfinite(m).all():
        raise GipError("the mask contains NaN or inf values: pass a finite mask in [0, 1]")
    return m > threshold


def validate_fill(fill) -> np.ndarray:
    """Binarise a fill mask and reject empty or full masks. Returns (H, W) bool."""
    f = binarize(fill)
    if not f.any():
        raise GipError("the mask is empty: mark the region to fill in white (1) and the scene in black (0)")
    if f.all():
        raise GipError(
            "the mask covers the whole image: leave some scene (black, 0) to keep, "
            "or sample unconditionally instead"
        )
    return f


def keep_from_fill(fill) -> np.ndarray:
    """``K = 1 - fill`` as (H, W) bool."""
    return ~binarize(fill)


def distance_to(region: np.ndarray, metric: Metric = "chessboard") -> np.ndarray:
    """For each pixel inside ``region`` (bool), its distance to the nearest pixel outside; 0 outside."""
    if metric not in METRICS:
        raise GipError(f"unknown distance metric {metric!r}: use one of {', '.join(METRICS)}")
    region = np.asarray(region, bool)
    if not (~region).any():
        raise GipError("distance is undefined when the region covers the whole image")
    if metric == "euclidean":
        return ndimage.distance_transform_edt(region).astype(np.float64)
    return ndimage.distance_transform_cdt(region, metric=metric).astype(np.float64)


def heat_map(
    fill_mask,
    metric: Metric = "chessboard",
    exponent: float = 1.0,
    ramp: float | None = None,
) -> np.ndarray:
    """The heated mask H (H, W) float64: 1 at the object's centre, small at the seam, 0 outside.

    ``H = d / max(d)`` with d each fill pixel's distance to the nearest scene pixel; ``ramp=w`` uses
    ``min(d / w, 1)`` instead (full strength w pixels in); ``exponent`` gives ``H ** exponent``.
    A 5x5 hole in a 9x9 image gives {1/3, 2/3, 1} (chessboard).
    """
    fill = validate_fill(fill_mask)
    if exponent <= 0:
        raise GipError(f"heat exponent must be > 0, got {exponent}")
    d = distance_to(fill, metric)
    if ramp is not None:
        if ramp <= 0:
            raise GipError(f"heat ramp width must be > 0 pixels, got {ramp}")
        h = np.minimum(d / ramp, 1.0)
    else:
        h = d / d.max()
    return h**exponent


@dataclass(frozen=True)
class Heat:
    """A heated-mask recipe (like a lambda schedule, an object): ``Heat()(fill)`` -> the map H (H, W).

    ``metric``: distance to the scene (chessboard, taxicab, euclidean); ``exponent``: ``H ** exponent``;
    ``ramp``: full strength ``ramp`` px inside the region instead of only at its centre. See :func:`heat_map`.
    """

    metric: Metric = "chessboard"
    exponent: float = 1.0
    ramp: float | None = None

    def __post_init__(self):
        if self.metric not in METRICS:
            raise GipError(f"unknown heat metric {self.metric!r}: use one of {', '.join(METRICS)}")
        if not self.exponent > 0:
            raise GipError(f"heat exponent must be > 0, got {self.exponent}")
        if self.ramp is not None and not self.ramp > 0:
            raise GipError(f"heat ramp width must be > 0 pixels, got {self.ramp}")

    def __call__(self, fill) -> np.ndarray:
        return heat_map(fill, self.metric, self.exponent, self.ramp)


@dataclass(frozen=True, eq=False)
class HeatMap:
    """A fixed, user-made heat map (H, W) in [0, 1]; zero outside the fill region when applied."""

    values: np.ndarray = field(repr=False)

    def __post_init__(self):
        h = np.asarray(self.values.detach().cpu() if isinstance(self.values, torch.Tensor) else self.values,
                       dtype=np.float64).squeeze()  # fmt: skip
        if h.ndim != 2 or not np.isfinite(h).all() or h.min() < 0 or h.max() > 1:
            raise GipError("a custom heat map must be a finite (H, W) map in [0, 1]")
        object.__setattr__(self, "values", h)

    def __call__(self, fill) -> np.ndarray:
        f = binarize(fill)
        if self.values.shape != f.shape:
            raise GipError(f"the heat map is {self.values.shape}, the mask is {f.shape}: they must match")
        return self.values * f



def as_heat(heat) -> Heat | HeatMap | None:
    """True -> Heat(); a metric name -> Heat(metric); a dict -> Heat(**dict); an array -> HeatMap;
    False / None -> None (no heat: Lambda = lam in the whole fill region)."""
    if heat is None or heat is False:
        return None
    if heat is True:
        return Heat()
    if isinstance(heat, (Heat, HeatMap)):
        return heat
    if isinstance(heat, str):
        return Heat(metric=heat)
    if isinstance(heat, dict):
        unknown = set(heat) - {"metric", "exponent", "ramp"}
        if unknown:
            raise GipError(f"heat dict keys must be among metric, exponent, ramp; got {', '.join(sorted(unknown))}")
        return Heat(**heat)
    if isinstance(heat, (np.ndarray, torch.Tensor)):
        return HeatMap(heat)
    raise GipError(f"heat must be True/False, a metric name, a gip.masks.Heat or an (H, W) map, got {type(heat).__name__}")


def scene_buffer(fill_mask, b: int, metric: Metric = "chessboard") -> np.ndarray:
    """``K_b`` (H, W) bool: the keep mask minus every scene pixel within distance ``b`` of the fill region.

    ``b = 0`` returns the keep mask itself. The removed ring ``K - K_b`` is left to the model.
    """
    if b < 0 or int(b) != b:
        raise GipError(f"buffer must be a whole number of pixels >= 0, got {b}")
    keep = keep_from_fill(fill_mask)
    if b == 0:
        return keep
    return keep & (distance_to(keep, metric) > b)


def check_box(box, width: float = math.inf, height: float = math.inf, what: str = "image") -> tuple[int, int, int, int]:
    """``box`` = (x, y, w, h) as ints; a :class:`gip.GipError` unless x, y >= 0, w, h >= 1 and the box lies
    inside a ``width`` x ``height`` ``what`` (the one box check: masks, object placement, the CLI)."""
    x, y, w, h = (int(v) for v in box)
    if w < 1 or h < 1 or x < 0 or y < 0:
        raise GipError(f"box {x},{y},{w},{h}: x and y must be >= 0 and the width and height >= 1")
    if x + w > width or y + h > height:
        raise GipError(f"box {x},{y},{w},{h} (x, y, w, h) reaches past the {width}x{height} {what}: it must lie "
                       f"inside, x + w <= {width} and y + h <= {height}")  # fmt: skip
    return x, y, w, h


def box(size: int | tuple[int, int], x: int, y: int, w: int, h: int) -> np.ndarray:
    """A rectangular fill mask (H, W) bool: ``True`` in columns x..x+w-1 and rows y..y+h-1."""
    H, W = (size, size) if isinstance(size, int) else size
    x, y, w, h = check_box((x, y, w, h), W, H)
    m = np.zeros((H, W), bool)
    m[y : y + h, x : x + w] = True
    return m
