"""Quantitative metrics for guided inpainting: scene preservation, object survival and fidelity, seams,
colour harmony, cost, and one score to pick seeds by.

Every function is pure (numpy in, numpy out) and works per sample: images are (N, 3, H, W) tensors or
arrays in [-1, 1] (a single (3, H, W) image or a (1, 3, H, W) reference broadcasts), masks (H, W) bool.
Errors are in the [-1, 1] units of the images (an MSE of 4 is black against white).

Regions: the fill region O (where the object goes), the object's *silhouette* S (its own pixels, inside O;
known when it was placed with :func:`gip.place_object` or :func:`gip.auto_inpaint`), the enforced keep
region K_b and the buffer ring B = ~O & ~K_b of width b that the model repaints freely. The target is the
scene with the object pasted on S, so on S the target is the object.

:func:`evaluate` turns one :class:`gip.InpaintResult` into a flat ``dict[str, float]`` for tables:

=================== ===========================================================================
``keep_max``        max |output - scene| over the enforced keep region K_b (0 for gip outputs)
``keep_mean``       mean |output - scene| over K_b
``ring_mean``       mean |output - scene| over the buffer ring B (how much the buffer changed)
``fill_mse``        mean squared error output vs target inside the fill region
``fill_mse_heat``   the same, weighted by the heat map (the object's centre counts most)
``fill_ssim``       SSIM output vs target, averaged over the fill region (1 = identical)
``object_error``    MSE output vs target on the silhouette S (the object's own pixels)
``object_ratio``    object_error / the error of the object-free scene on S: 0 = the object exactly,
                    1 = as far from it as no object at all (the object was deleted)
``object_ssim``     SSIM output vs target averaged over S: is the object's *structure* there (1 = same)
``object_survived`` 1.0 if object_ratio < :data:`SURVIVAL_THRESHOLD` and object_ssim >= :data:`SURVIVAL_SSIM`,
                    else 0.0 (mean: survival rate)
``seam``            |log| of the output's edge strength on the seam band (the same for every buffer
                    width) over the expected one (the scene with the object on S): 0 = natural; too
                    sharp (pasted) and too smooth (blurred, featureless, object gone) are > 0
``seam_grad``       the output's edge strength on the seam band (RMS gradient magnitude)
``harmony``         colour statistics (per-channel mean and std) of the non-object fill pixels against
                    the scene's there (without a silhouette: the fill against the scene ring around
                    it): 0 = the same, in [-1, 1] intensity units
``model_calls``     UNet evaluations of the run
``seconds``         wall time of the sampling loop
=================== ===========================================================================

The ``object_*`` keys need the silhouette (``evaluate(..., silhouette=S)``) and are NaN without it. To
pick one of several seeds use :func:`selection_score` (lower is better), which deleting the object can
never improve; :func:`combined_score` is its deprecated predecessor.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import torch
from scipy import ndimage

from .errors import GipError
from .images import ImageLike, resize, to_tensor

if TYPE_CHECKING:
    from .sampler import InpaintResult

METRIC_KEYS = (
    "keep_max", "keep_mean", "ring_mean", "fill_mse", "fill_mse_heat", "fill_ssim",
    "object_error", "object_ratio", "object_ssim", "object_survived", "seam", "seam_grad", "harmony",
)  # fmt: skip
COST_KEYS = ("model_calls", "seconds")

#: object_ratio below this counts as "the object survived". For an output that is a per-pixel mix
#: ``a * object + (1 - a) * scene`` the ratio is ``(1 - a) ** 2``, so 0.5 means at least ~30 % of the
#: object's contrast against the scene is still there: a faint but visible object survives, a mere shadow
#: of it (or the scene's own content, ratio ~1) does not. Measured on the shipped sunglasses over the
#: ``grinning`` face (dilate 1, 50 steps): 0.12-0.13 where they survive (floor schedule), 0.76-0.85 where
#: the model repainted the face's own eyes (linear schedule).
SURVIVAL_THRESHOLD = 0.5
#: ... and the object's structure must be there too: SSIM on its pixels at least this (see object_survived)
SURVIVAL_SSIM = 0.4
#: Smallest scene-vs-object MSE on the silhouette for which object_ratio is defined (RMS 0.01, about one
#: grey level of 255): below it the object cannot be told from the scene, and uint8 rounding alone would
#: swing the ratio.
MIN_OBJECT_CONTRAST = 1e-4
#: Half-width in pixels of the seam band on each side of the fill boundary: 2 lets the band's Sobel
#: stencils reach the object's outline when the fill mask is the silhouette dilated by 1-2 pixels.
SEAM_WIDTH = 2
#: Added to both RMS gradients of :func:`seam_visibility` (per-pixel slope, about 2.5 grey levels of 255
#: per pixel): differences in edge strength below it hardly show and do not count.
SEAM_EPS = 0.02
#: Width in pixels of the scene ring around the fill region that :func:`harmony` compares against when
#: there is no silhouette.
HARMONY_RING = 3
#: Scales of the bounded seam and harmony terms of :func:`selection_score` (the value that costs half
#: of the term's weight): seam 1 is edges e times too sharp or too smooth, harmony 0.1 a colour mean or
#: spread off by 0.1 (about 13 grey levels of 255) on average over the channels.
SEAM_SCALE = 1.0
HARMONY_SCALE = 0.1


# ---------------------------------------------------------------------------------------------------------
# input handling


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


# ---------------------------------------------------------------------------------------------------------
# scene preservation


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


# ---------------------------------------------------------------------------------------------------------
# target fidelity


def masked_mse(output, target, weights) -> np.ndarray:
    """(N,) mean squared error over channels and the pixels of ``weights`` (H, W), weighted by it.

    ``sum_p w_p * mean_c (out - target)^2 / sum_p w_p``. With the fill mask as weights this is the plain MSE
    inside the fill region; with the heat map, errors at the object's centre count most and those at the
    seam (where the model is meant to deviate from the target) almost nothing. Units: [-1, 1] images, so
    0 is identical and 4 is black against white. NaN when the weights are all 0.
    """
    out, ref = _pair(output, target, "target")
    w = np.asarray(weights.detach().cpu() if isinstance(weights, torch.Tensor) else weights, np.float64).squeeze()
    if w.shape != out.shape[-2:]:
        raise GipError(f"the weights are {w.shape}, the images are {out.shape[-2:]}: they must match")
    if (w < 0).any() or not np.isfinite(w).all():
        raise GipError("the weights must be finite and >= 0")
    return _masked_mean(((out - ref) ** 2).mean(axis=1), w)


def ssim_map(a, b, sigma: float = 1.5, data_range: float = 2.0) -> np.ndarray:
    """(N, H, W) SSIM map (Wang et al. 2004), mean over channels; 1 where the images agree locally.

    Gaussian window sigma 1.5 (truncated at 3.5 sigma, reflected at the border), K1 = 0.01, K2 = 0.03,
    population (co)variances: the same numbers as ``skimage.metrics.structural_similarity(...,
    gaussian_weights=True, use_sample_covariance=False, full=True)``, implemented with scipy so scikit-image
    stays optional. ``data_range`` = 2 for [-1, 1] images.
    """
    x, y = _pair(a, b, "second image")
    y = np.broadcast_to(y, x.shape)
    f = lambda z: ndimage.gaussian_filter(z, sigma=(0, 0, sigma, sigma), truncate=3.5, mode="reflect")  # noqa: E731
    mx, my = f(x), f(y)
    vx, vy, cxy = f(x * x) - mx * mx, f(y * y) - my * my, f(x * y) - mx * my
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return s.mean(axis=1)


def masked_ssim(output, target, region, sigma: float = 1.5) -> np.ndarray:
    """(N,) SSIM between output and target averaged over ``region`` (H, W bool), e.g. the fill region.

    The SSIM map is computed on the whole image and averaged over the region's pixels, so windows near the
    region's edge also see a few pixels outside it (there output and target usually differ: the target
    canvas's background against the scene). Compare runs on the same inputs, not across inputs.
    """
    out, ref = _pair(output, target, "target")
    r = _region(region, out.shape[-2:], "region")
    return _masked_mean(ssim_map(out, ref, sigma), r.astype(np.float64))


# ---------------------------------------------------------------------------------------------------------
# the object: did it survive, how faithful is it


def _silhouette(silhouette, shape: tuple[int, int]) -> np.ndarray:
    s = _region(silhouette, shape, "silhouette")
    if not s.any():
        raise GipError("the silhouette is empty: pass the object's own pixels (gip.place_object returns them)")
    return s


def _object_mse(a: np.ndarray, b: np.ndarray, sil: np.ndarray) -> np.ndarray:
    """MSE over channels and silhouette pixels of broadcastable (N, 3, H, W) arrays -> (N,) or (1,)."""
    return ((a - b) ** 2).mean(axis=1)[..., sil].mean(axis=-1)


def object_error(output, target, silhouette) -> np.ndarray:
    """(N,) MSE between output and target on the object's own pixels (mean over channels and silhouette).

    ``silhouette`` (H, W) bool is the object's pixels, where the target *is* the object. Units: [-1, 1]
    images, 0 = the object reproduced exactly, 4 = black against white. Unlike ``fill_mse`` it ignores the
    fill region's margin around the object (scene pixels the model is meant to repaint).
    """
    out, tgt = _pair(output, target, "target")
    sil = _silhouette(silhouette, out.shape[-2:])
    return np.broadcast_to(_object_mse(out, tgt, sil), (out.shape[0],)).copy()


def object_ratio(output, target, silhouette, scene) -> np.ndarray:
    """(N,) ``object_error(output) / object_error(scene)``: how far the output is from the object, relative
    to how far the object-free scene is from it on the same pixels.

    0 = the object copied exactly; 1 = as far from the object as having no object at all (an output that
    kept the scene there, i.e. deleted the object, scores exactly 1); > 1 = farther still (something else
    drawn there). Scale-free, so comparable across scenes and objects. Raises :class:`GipError` when the
    target equals the scene on the silhouette (reference MSE < :data:`MIN_OBJECT_CONTRAST`): there is no
    object to find. Limits: a pixel-wise error, so an object redrawn shifted by a pixel or two counts as
    partly missing; it sees the object's pixels only (see :func:`harmony`, :func:`seam_visibility`).
    """
    out, tgt = _pair(output, target, "target")
    scn = _pair(output, scene, "scene")[1]
    sil = _silhouette(silhouette, out.shape[-2:])
    ref = _object_mse(scn, tgt, sil)
    if (ref < MIN_OBJECT_CONTRAST).any():
        raise GipError(
            f"the target equals the scene on the silhouette (MSE {float(ref.min()):.2g} < {MIN_OBJECT_CONTRAST:g}): "
            "there is no object to measure; pass the target with the object pasted on (scene + object) "
            "and the object's silhouette"
        )
    return np.broadcast_to(_object_mse(out, tgt, sil) / ref, (out.shape[0],)).copy()


def object_ssim(output, target, silhouette, in_context: bool = False) -> np.ndarray:
    """(N,) SSIM between output and target averaged over the object's own pixels (1 = the same structure).

    The pixel error (:func:`object_ratio`) cannot tell a black top hat from dark hair in the same place;
    SSIM compares local means, contrasts and correlations (the hat's brim and band against the hair's
    texture), so it separates them.

    ``in_context=True`` compares against the target on the object's pixels and the *output itself* around
    them: SSIM windows reach a few pixels past the silhouette, and a target whose
    surroundings the output should replace (an object photographed on white, pasted as a box) would
    otherwise count the ideal result -- the object blended into the scene -- as a loss.
    """
    out, tgt = _pair(output, target, "target")
    sil = _silhouette(silhouette, out.shape[-2:])
    if in_context:
        tgt = np.where(sil[None, None], tgt, out)
    return _masked_mean(ssim_map(out, tgt), sil.astype(np.float64))


def survived(ratio, ssim, threshold: float = SURVIVAL_THRESHOLD, min_ssim: float = SURVIVAL_SSIM):
    """The survival rule on computed numbers (arrays or floats): ``ratio < threshold`` and ``ssim >= min_ssim``
    (see :func:`object_survived`)."""
    return (np.asarray(ratio) < threshold) & (np.asarray(ssim) >= min_ssim)


def object_survived(
    output, target, silhouette, scene, threshold: float = SURVIVAL_THRESHOLD, min_ssim: float = SURVIVAL_SSIM,
    in_context: bool = False,
) -> np.ndarray:
    """(N,) bool: the object is in the picture: :func:`object_ratio` < ``threshold`` (at least ~30 % of the
    object's contrast against the scene is kept on its pixels) **and** :func:`object_ssim` >= ``min_ssim``
    (its structure, not just its colour, is there).

    Both thresholds were set by looking at pictures: on the model card's held-out pairs, glasses and
    sunglasses that a reader sees as glasses have SSIM 0.47-0.73, top hats redrawn as dark hair (a pixel
    ratio of 0.06-0.09, i.e. "kept" by colour alone) 0.23-0.38, plain RePaint 0.08-0.16.
    """
    ratio = object_ratio(output, target, silhouette, scene)
    return survived(ratio, object_ssim(output, target, silhouette, in_context), threshold, min_ssim)


# ---------------------------------------------------------------------------------------------------------
# seam visibility


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


# ---------------------------------------------------------------------------------------------------------
# colour harmony


def scene_ring(fill, ring_width: int = HARMONY_RING) -> np.ndarray:
    """(H, W) bool: the pixels outside the fill region within ``ring_width`` px (chessboard) of it."""
    f = _region(fill, None, "fill mask")
    if ring_width < 1:
        raise GipError(f"the ring width must be >= 1 pixel, got {ring_width}")
    return ndimage.binary_dilation(f, np.ones((3, 3), bool), iterations=int(ring_width)) & ~f


def harmony(output, scene, fill, silhouette=None, ring_width: int = HARMONY_RING) -> np.ndarray:
    """(N,) colour mismatch of the output's non-object fill pixels with the object-free scene they belong to.

    ``harmony = mean_c (|mu_c(out, R) - mu_c(scene, Q)| + |sigma_c(out, R) - sigma_c(scene, Q)|)``: per-channel
    mean and (population) standard deviation of the output on the fill pixels around the object
    ``R = fill & ~silhouette`` against those of the input scene on the reference pixels ``Q``:

    - with the silhouette, ``Q = R``: the scene's own colours there (what the target shows around the
      object, and what the model should keep while repainting the margin freely). A perfect result scores 0
      whatever the scene around looks like;
    - without it, ``R`` is the whole fill region (the object included) and ``Q`` the scene ring around it,
      :func:`scene_ring` (``ring_width`` px), since the scene under the fill holds what the object replaces.

    Units: [-1, 1] intensities, 0 = the same statistics; a uniform shift of every channel by 0.2 (about 25
    grey levels of 255) gives 0.2. Limits: first and second moments only (not texture or layout). The
    ring reference counts whatever else lies in the ring (an outline, the background: 0.56 for the exact
    target of sunglasses on the shipped ``grinning`` face, against 0 with the silhouette) and, without the
    silhouette, the object's own colours: compare runs on the same inputs then. NaN when ``R`` or ``Q`` is
    empty (silhouette = fill, or a fill region covering the image).
    """
    out, scn = _pair(output, scene, "scene")
    f = _region(fill, out.shape[-2:], "fill mask")
    if silhouette is None:
        region, ref = f, scene_ring(f, ring_width)
    else:
        region = ref = f & ~_region(silhouette, out.shape[-2:], "silhouette")
    if not region.any() or not ref.any():
        return np.full(out.shape[0], np.nan)
    o, s = out[..., region], scn[..., ref]  # (N, 3, P), (1 or N, 3, Q)
    d = np.abs(o.mean(-1) - s.mean(-1)) + np.abs(o.std(-1) - s.std(-1))
    return d.mean(-1)


# ---------------------------------------------------------------------------------------------------------
# cost and the all-in-one evaluation


def cost(result: "InpaintResult") -> dict[str, float]:
    """``model_calls`` (UNet evaluations, each for the whole batch) and ``seconds`` (sampling loop wall time,
    model loading excluded) of a run. Wall time depends on the machine and its load; calls do not."""
    return {"model_calls": float(result.model_calls), "seconds": float(result.seconds)}


def _reference(x, name: str, hw: tuple[int, int]) -> torch.Tensor:
    if isinstance(x, np.ndarray) and x.ndim in (3, 4) and x.shape[-3] == 3 and x.dtype != np.uint8:
        x = torch.from_numpy(_batch(x, name)).float()  # float (N,) 3, H, W arrays in [-1, 1], as in _batch
    t = to_tensor(x, name) if not (isinstance(x, torch.Tensor) and x.ndim == 4 and x.shape[0] > 1) else x.float()
    return resize(t, hw)


def evaluate_samples(
    result: "InpaintResult",
    scene: ImageLike,
    target: ImageLike | None,
    silhouette: np.ndarray | torch.Tensor | None = None,
) -> list[dict[str, float]]:
    """All metrics of every sample of ``result`` as flat floats: one dict per sample, keys ``METRIC_KEYS``.

    ``scene`` and ``target`` are the sampler's inputs; they are resized to the output's size when the run
    used ``resize=True``. ``target=None`` (plain RePaint) gives NaN for the fidelity metrics.
    ``silhouette`` (H, W) bool at the output's size, inside the fill region: the object's own pixels (the
    mask :func:`gip.place_object` returns). With it the ``object_*`` metrics are measured (NaN without), the
    seam is compared with the scene *with* the object and harmony looks at the fill pixels around the object
    only. ``object_survived`` is 1.0 or 0.0.
    """
    out = result.tensor
    hw = tuple(out.shape[-2:])
    n = out.shape[0]
    s = _reference(scene, "scene", hw)
    g = None if target is None else _reference(target, "target", hw)
    sil = None
    if silhouette is not None:
        if g is None:
            raise GipError("a silhouette needs the target (the scene with the object on it): pass target=")
        sil = _silhouette(silhouette, hw)
        if (sil & ~np.asarray(result.fill, bool)).any():
            raise GipError(
                "the silhouette reaches outside the fill region: pass the object's own pixels, inside the fill mask"
            )
    pres = scene_preservation(out, s, result.keep)
    ring = result.ring
    ring_mean = scene_preservation(out, s, ring)["mean"] if ring.any() else np.zeros(n)
    seam = seam_visibility(out, s, result.fill, target=g if sil is not None else None, silhouette=sil)
    nan = np.full(n, np.nan)
    if g is None:
        mse = mse_h = ssim = nan
    else:
        mse = masked_mse(out, g, result.fill)
        mse_h = masked_mse(out, g, result.heat)
        ssim = masked_ssim(out, g, result.fill)
    if sil is None:
        obj_err = obj_ratio = obj_ssim = kept = nan
    else:
        obj_err = object_error(out, g, sil)
        obj_ratio = object_ratio(out, g, sil, s)
        obj_ssim = object_ssim(out, g, sil)
        kept = survived(obj_ratio, obj_ssim).astype(np.float64)
    cols = dict(
        keep_max=pres["max"], keep_mean=pres["mean"], ring_mean=ring_mean, fill_mse=mse, fill_mse_heat=mse_h,
        fill_ssim=ssim, object_error=obj_err, object_ratio=obj_ratio, object_ssim=obj_ssim, object_survived=kept,
        seam=seam["seam"], seam_grad=seam["seam_grad"], harmony=harmony(out, s, result.fill, sil),
    )  # fmt: skip
    return [{k: float(v[i]) for k, v in cols.items()} for i in range(n)]


def evaluate(
    result: "InpaintResult",
    scene: ImageLike,
    target: ImageLike | None,
    silhouette: np.ndarray | torch.Tensor | None = None,
) -> dict[str, float]:
    """All metrics of a run as flat floats for tables: the mean over its samples of :func:`evaluate_samples`
    (for one sample, that sample's values; ``object_survived`` becomes the survival rate), plus :func:`cost`.
    Keys: ``METRIC_KEYS + COST_KEYS``."""
    per = evaluate_samples(result, scene, target, silhouette)
    mean = {k: float(np.mean([p[k] for p in per])) for k in METRIC_KEYS}
    return {**mean, **cost(result)}


# ---------------------------------------------------------------------------------------------------------
# picking a seed


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
