"""Seam visibility: edge strength on a band around the fill boundary against what a natural seam has."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..errors import GipError
from ._inputs import _batch, _masked_mean, _pair, _region, _silhouette

#: Half-width in pixels of the seam band on each side of the fill boundary: 2 lets the band's Sobel
#: stencils reach the object's outline when the fill mask is the silhouette dilated by 1-2 pixels.
SEAM_WIDTH = 2
#: Added to both RMS gradients of :func:`seam_visibility` (per-pixel slope, about 2.5 grey levels of 255
#: per pixel): differences in edge strength below it hardly show and do not count.
SEAM_EPS = 0.02

_SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])[None, None] / 8.0


def gradient_magnitude(x) -> np.ndarray:
    """(N, H, W) gradient magnitude: Sobel x/y per channel (divided by 8: a per-pixel slope), L2 over both
    directions and the three channels. A step of height h between two pixels gives about h/2 on each side."""
    a = _batch(x, "image")
    gx = ndimage.correlate(a, _SOBEL_X, mode="nearest")
    gy = ndimage.correlate(a, _SOBEL_X.transpose(0, 1, 3, 2), mode="nearest")
    return np.sqrt((gx**2 + gy**2).sum(axis=1))


def seam_band(fill, width: int = SEAM_WIDTH) -> np.ndarray:
    """(H, W) bool: the pixels within ``width`` px (chessboard) of the fill boundary, on both sides of it.

    Depends on the fill mask only, never on the keep region, so runs with different scene-buffer widths
    are measured on the same pixels. (A buffer ring wider than ``width`` is seen from its inner side only:
    its outer edge at K_b is not in the band.) The image border is not a seam.
    """
    if not isinstance(width, (int, np.integer)) or isinstance(width, bool):
        raise GipError(
            f"the seam band width must be a whole number of pixels, got {type(width).__name__}: seam_band() no "
            "longer takes the keep mask (the band is the same for every buffer width)"
        )
    if width < 1:
        raise GipError(f"the seam band width must be >= 1 pixel, got {width}")
    f = _region(fill, None, "fill mask").astype(np.int8)
    size = 2 * int(width) + 1
    return ndimage.maximum_filter(f, size, mode="nearest") != ndimage.minimum_filter(f, size, mode="nearest")


def expected_composite(scene, target=None, silhouette=None) -> np.ndarray:
    """(N, 3, H, W) the image whose edges a natural seam should have: the scene with the object (the
    target's pixels) on the silhouette, or the scene alone without a target and silhouette."""
    scn = _batch(scene, "scene")
    if silhouette is None or target is None:
        if silhouette is not None or target is not None:
            raise GipError("the expected seam needs both the target and the object's silhouette, or neither")
        return scn
    tgt = _batch(target, "target")
    if tgt.shape[-2:] != scn.shape[-2:] or 1 not in (tgt.shape[0], scn.shape[0]) and tgt.shape[0] != scn.shape[0]:
        raise GipError(f"the target is {tgt.shape}, the scene {scn.shape}: they must match (or one be a single image)")
    sil = _silhouette(silhouette, scn.shape[-2:])
    return np.where(sil, tgt, scn)


def seam_visibility(
    output,
    scene,
    fill,
    width: int = SEAM_WIDTH,
    *,
    target=None,
    silhouette=None,
    eps: float = SEAM_EPS,
) -> dict[str, np.ndarray]:
    """How far the output's edge strength on the seam band is from what a natural seam would have, per sample.

    ``seam = |log((G(output) + eps) / (G(expected) + eps))|`` with ``G(x) = sqrt(mean_band |grad x|^2)``, the
    RMS gradient magnitude on ``band`` = :func:`seam_band` (``width`` px either side of the fill boundary,
    the same for every buffer width), and ``expected`` = :func:`expected_composite`: the scene with the
    object on its silhouette when ``target`` and ``silhouette`` are given (its only edges there are the
    scene's own texture and the object's true outline), else the scene itself. 0 = edges as strong as
    expected; a hard pasted edge (too sharp) and a blurred seam or featureless patch (too smooth, or the
    object's outline missing because it was deleted) both give > 0; ``log(2) = 0.69`` is twice (or half)
    the expected edge strength. RMS rather than mean: a blur spreads an edge without changing its mean
    gradient over a band that holds it, but lowers its RMS. ``eps`` (:data:`SEAM_EPS`) keeps flat regions
    finite. Gradients: :func:`gradient_magnitude`, per-pixel slope of [-1, 1] images.

    Limits: one number for the whole band, so a too-sharp stretch and a too-smooth one can cancel; it sees
    edges, not colour casts that vary slowly across the seam (see :func:`harmony`); without the silhouette
    the expected edges are the scene's, so an object whose outline lies in the band (fill = silhouette
    dilated by <= ``width``) scores > 0 even when blended perfectly, and an output that deleted the object
    scores ~0: pass ``target`` and ``silhouette``, or compare runs on the same inputs. A buffer ring wider
    than ``width`` has its outer edge outside the band.

    Returns ``{"seam": (N,), "seam_grad": (N,) G(output), "expected_grad": (N,) G(expected),
    "log_ratio": (N,) signed (> 0 sharper than expected, < 0 smoother)}``; NaN when the band is empty.
    """
    out, scn = _pair(output, scene, "scene")
    f = _region(fill, out.shape[-2:], "fill mask")
    band = seam_band(f, width).astype(np.float64)
    ref = expected_composite(scn, target, silhouette)
    if ref.shape[0] not in (1, out.shape[0]):
        raise GipError(f"the target has {ref.shape[0]} images, the output {out.shape[0]}: pass 1 or N")
    n = out.shape[0]
    num = np.sqrt(_masked_mean(gradient_magnitude(out) ** 2, band))
    den = np.broadcast_to(np.sqrt(_masked_mean(gradient_magnitude(ref) ** 2, band)), (n,)).copy()
    log_ratio = np.log((num + eps) / (den + eps))
    return {"seam": np.abs(log_ratio), "seam_grad": num, "expected_grad": den, "log_ratio": log_ratio}

