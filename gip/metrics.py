"""Quantitative metrics for guided inpainting: scene preservation, target fidelity, seam visibility, cost.

Every function is pure (numpy in, numpy out) and works per sample: images are (N, 3, H, W) tensors or
arrays in [-1, 1] (a single (3, H, W) image or a (1, 3, H, W) reference broadcasts), masks (H, W) bool.
Errors are in the [-1, 1] units of the images (an MSE of 4 is black against white).

:func:`evaluate` turns one :class:`gip.InpaintResult` into a flat ``dict[str, float]`` for tables:

=================== ===========================================================================
``keep_max``        max |output - scene| over the enforced keep region K_b (0 for gip outputs)
``keep_mean``       mean |output - scene| over K_b
``ring_mean``       mean |output - scene| over the buffer ring B (how much the buffer changed)
``fill_mse``        mean squared error output vs target inside the fill region
``fill_mse_heat``   the same, weighted by the heat map (the object's centre counts most)
``fill_ssim``       SSIM output vs target, averaged over the fill region (1 = identical)
``seam``            seam visibility: gradient on the seams / gradient of the surrounding scene
``seam_grad``       the numerator alone: mean gradient magnitude on the seam band
``model_calls``     UNet evaluations of the run
``seconds``         wall time of the sampling loop
=================== ===========================================================================
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
from scipy import ndimage

from .errors import GipError
from .images import ImageLike, resize, to_tensor

if TYPE_CHECKING:
    from .sampler import InpaintResult

METRIC_KEYS = (
    "keep_max", "keep_mean", "ring_mean", "fill_mse", "fill_mse_heat", "fill_ssim", "seam", "seam_grad",
)  # fmt: skip
COST_KEYS = ("model_calls", "seconds")


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
# seam visibility


_SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])[None, None] / 8.0


def gradient_magnitude(x) -> np.ndarray:
    """(N, H, W) gradient magnitude: Sobel x/y per channel (divided by 8: a per-pixel slope), L2 over both
    directions and the three channels. A step of height h between two pixels gives about h/2 on each side."""
    a = _batch(x, "image")
    gx = ndimage.correlate(a, _SOBEL_X, mode="nearest")
    gy = ndimage.correlate(a, _SOBEL_X.transpose(0, 1, 3, 2), mode="nearest")
    return np.sqrt((gx**2 + gy**2).sum(axis=1))


def seam_band(fill, keep=None, width: int = 1) -> np.ndarray:
    """(H, W) bool: pixels within ``width`` (chessboard) of a seam.

    A seam is wherever the source of a pixel changes: between the fill region O (target/model), the buffer
    ring B (model only) and the enforced keep region K_b (scene). Without ``keep`` (or with no ring) that is
    just the fill boundary, ``width`` pixels on either side of it. The image border is not a seam.
    """
    f = _region(fill, None, "fill mask")
    k = ~f if keep is None else _region(keep, f.shape, "keep mask")
    if (f & k).any():
        raise GipError("the fill and keep masks overlap: pass the result's .fill and .keep")
    if width < 1:
        raise GipError(f"the seam band width must be >= 1 pixel, got {width}")
    label = np.where(f, 2, np.where(k, 0, 1)).astype(np.int8)
    size = 2 * int(width) + 1
    return ndimage.maximum_filter(label, size, mode="nearest") != ndimage.minimum_filter(label, size, mode="nearest")


def seam_context(band: np.ndarray, keep: np.ndarray, width: int = 4, gap: int = 1) -> np.ndarray:
    """(H, W) bool: the surrounding scene, keep pixels ``gap + 1`` to ``gap + width`` pixels from the band.

    The ``gap`` keeps the 3x3 Sobel stencil of context pixels off the seam itself.
    """
    near = ndimage.binary_dilation(band, np.ones((3, 3), bool), iterations=gap) if gap > 0 else band
    ring = ndimage.binary_dilation(near, np.ones((3, 3), bool), iterations=width)
    return ring & ~near & np.asarray(keep, bool)


def seam_visibility(
    output,
    scene,
    fill,
    keep=None,
    width: int = 1,
    context: int = 4,
    eps: float = 0.01,
) -> dict[str, np.ndarray]:
    """How much stronger the output's edges are on its seams than the scene's edges around them, per sample.

    ``seam = mean_{band} |grad output| / (mean_{context} |grad scene| + eps)`` where ``band`` is
    :func:`seam_band` (``width`` px either side of the fill boundary and of the buffer ring's outer edge)
    and ``context`` the scene pixels just outside it (:func:`seam_context`, ``context`` px wide). About 1:
    the seams are no sharper than the surrounding scene's texture; a hard copy-paste of a target whose
    background differs from the scene gives a high value, a smooth blend a low one. The denominator depends
    only on the scene and the masks, so on the same inputs runs are ranked by the numerator, ``seam_grad``
    (also returned, in gradient units: per-pixel slope of [-1, 1] images). ``eps`` (about 1.3 grey levels
    per pixel) keeps flat scenes finite.

    Limits: an object whose true outline contrasts with the scene (a dark object on a light face) has strong
    edges on the fill boundary even when perfectly blended, so ``seam`` is > 1 there too: compare settings
    on the same inputs (e.g. against the copy-paste baseline), not absolute values across inputs. It sees
    edges, not colour casts or texture mismatches that vary slowly across the seam.

    Returns ``{"seam": (N,), "seam_grad": (N,), "context_grad": (1,)}``.
    """
    out, ref = _pair(output, scene, "scene")
    f = _region(fill, out.shape[-2:], "fill mask")
    k = ~f if keep is None else _region(keep, out.shape[-2:], "keep mask")
    band = seam_band(f, k, width)
    ctx = seam_context(band, k, context)
    if not ctx.any():  # the keep region is too thin for a context band: use all of it
        ctx = k & ~band
    num = _masked_mean(gradient_magnitude(out), band.astype(np.float64))
    den = _masked_mean(gradient_magnitude(ref), ctx.astype(np.float64))
    return {"seam": num / (den + eps), "seam_grad": num, "context_grad": den}


# ---------------------------------------------------------------------------------------------------------
# cost and the all-in-one evaluation


def cost(result: "InpaintResult") -> dict[str, float]:
    """``model_calls`` (UNet evaluations, each for the whole batch) and ``seconds`` (sampling loop wall time,
    model loading excluded) of a run. Wall time depends on the machine and its load; calls do not."""
    return {"model_calls": float(result.model_calls), "seconds": float(result.seconds)}


def _reference(x, name: str, hw: tuple[int, int]) -> torch.Tensor:
    t = to_tensor(x, name) if not (isinstance(x, torch.Tensor) and x.ndim == 4 and x.shape[0] > 1) else x.float()
    return resize(t, hw)


def evaluate_samples(result: "InpaintResult", scene: ImageLike, target: ImageLike | None) -> list[dict[str, float]]:
    """All metrics of every sample of ``result`` as flat floats: one dict per sample, keys ``METRIC_KEYS``.

    ``scene`` and ``target`` are the sampler's inputs; they are resized to the output's size when the run
    used ``resize=True``. ``target=None`` (plain RePaint) gives NaN for the fidelity metrics.
    """
    out = result.tensor
    hw = tuple(out.shape[-2:])
    s = _reference(scene, "scene", hw)
    pres = scene_preservation(out, s, result.keep)
    ring = result.ring
    ring_mean = scene_preservation(out, s, ring)["mean"] if ring.any() else np.zeros(out.shape[0])
    seam = seam_visibility(out, s, result.fill, result.keep)
    n = out.shape[0]
    if target is None:
        mse = mse_h = ssim = np.full(n, np.nan)
    else:
        g = _reference(target, "target", hw)
        mse = masked_mse(out, g, result.fill)
        mse_h = masked_mse(out, g, result.heat)
        ssim = masked_ssim(out, g, result.fill)
    cols = dict(
        keep_max=pres["max"], keep_mean=pres["mean"], ring_mean=ring_mean, fill_mse=mse, fill_mse_heat=mse_h,
        fill_ssim=ssim, seam=seam["seam"], seam_grad=seam["seam_grad"],
    )  # fmt: skip
    return [{k: float(v[i]) for k, v in cols.items()} for i in range(n)]


def evaluate(result: "InpaintResult", scene: ImageLike, target: ImageLike | None) -> dict[str, float]:
    """All metrics of a run as flat floats for tables: the mean over its samples of :func:`evaluate_samples`
    (for one sample, that sample's values), plus :func:`cost`. Keys: ``METRIC_KEYS + COST_KEYS``."""
    per = evaluate_samples(result, scene, target)
    mean = {k: float(np.mean([p[k] for p in per])) for k in METRIC_KEYS}
    return {**mean, **cost(result)}


def combined_score(metrics: dict[str, float], seam_weight: float = 1.0, fidelity_weight: float = 4.0) -> float:
    """One number to rank candidates, lower is better:
    ``seam_weight * seam + fidelity_weight * sqrt(fill_mse_heat) / 2``.

    ``sqrt(fill_mse_heat) / 2`` is the heat-weighted RMS error as a fraction of the intensity range, so with
    the default weights one unit of seam visibility (seams as strong again as the surrounding texture) costs
    as much as an RMS error of a quarter of the range at the object's centre. Without a target
    (NaN fidelity) only the seam term counts.
    """
    fid = metrics.get("fill_mse_heat", math.nan)
    fid_term = 0.0 if fid is None or math.isnan(fid) else fidelity_weight * math.sqrt(max(fid, 0.0)) / 2.0
    return seam_weight * float(metrics["seam"]) + fid_term
