"""Metrics against a known answer (:mod:`gip.benchmark`): the object alpha-composited on the scene.

Regions: the fill region O, the object's pixels S (its matte ``alpha`` > 0.5, inside O) and the rest of
the fill, R = O & (alpha <= :data:`BACKGROUND_ALPHA`), where the answer is the scene. Whether the object was
kept is decided by :func:`gip.metrics.object_survived` against the answer on the object's opaque core
(:func:`opaque_core`): the ``object_*`` columns of :func:`gip.metrics.evaluate_samples`. Images (N, 3, H, W)
or (1, 3, H, W) in [-1, 1]; every function returns (N,) per sample.

=================== ==========================================================================
``answer_error``    MSE output vs answer over the fill region (0 = the answer)
``answer_object``   MSE output vs answer on the object's pixels S
``leak``            how much of the target's own background survived on R: the output's share
                    of the step from the scene to the target there, 1 = copy-paste, 0 = scene
``sharpness``       RMS gradient of the output over the answer's on the object's box (1 = as
                    sharp; < 1 blurred): does not reward a blurred copy
``colour_shift``    mean over channels of |mean colour output - answer| on S (a cast shows here)
=================== ==========================================================================
"""

from __future__ import annotations

import numpy as np

from ..errors import GipError
from ._inputs import _masked_mean, _pair, _region
from .seam import gradient_magnitude

#: A fill pixel whose matte is at most this is background (the answer there is the scene).
BACKGROUND_ALPHA = 1e-3
#: The target's background must differ from the scene by at least this (MSE) on a pixel for ``leak``
#: to count it (RMS 0.05: about 6 grey levels of 255).
MIN_LEAK_CONTRAST = 2.5e-3
#: Alpha from which an object pixel is opaque (:func:`opaque_core`).
OPAQUE = 0.95
ANSWER_KEYS = ("answer_error", "answer_object", "leak", "sharpness", "colour_shift")  # fmt: skip


def _object(alpha, shape) -> np.ndarray:
    a = np.asarray(alpha, np.float64).squeeze()
    if a.shape != tuple(shape):
        raise GipError(f"the object's alpha is {a.shape}, the images are {tuple(shape)}: they must match")
    s = a > 0.5
    if not s.any():
        raise GipError("the object's alpha has no pixel above 0.5: pass the object's matte on the canvas")
    return s


def answer_error(output, answer, region) -> np.ndarray:
    """(N,) MSE between output and answer over ``region`` (H, W), e.g. the fill mask."""
    out, ans = _pair(output, answer, "answer")
    r = _region(region, out.shape[-2:], "region").astype(np.float64)
    return _masked_mean(((out - ans) ** 2).mean(1), r)


def answer_object(output, answer, alpha) -> np.ndarray:
    """(N,) MSE between output and answer on the object's pixels (``alpha`` > 0.5)."""
    out, ans = _pair(output, answer, "answer")
    return _masked_mean(((out - ans) ** 2).mean(1), _object(alpha, out.shape[-2:]).astype(np.float64))


def leak(output, scene, target, alpha, fill) -> np.ndarray:
    """(N,) the target's own background left in the output: on the fill pixels that are not object
    (``alpha`` <= :data:`BACKGROUND_ALPHA`) and where the target differs from the scene, the output's share
    of the step scene -> target, ``sum <out - scene, target - scene> / sum |target - scene|^2``: 1 =
    copy-paste (the background pasted), 0 = the scene (or anything unrelated to the background). NaN
    when the target shows the scene there (an aligned target)."""
    out, scn = _pair(output, scene, "scene")
    tgt = _pair(output, target, "target")[1]
    f = _region(fill, out.shape[-2:], "fill mask")
    a = np.asarray(alpha, np.float64).squeeze()
    step = tgt - scn
    region = f & (a <= BACKGROUND_ALPHA) & ((step**2).mean(1).max(0) >= MIN_LEAK_CONTRAST)
    if not region.any():
        return np.full(out.shape[0], np.nan)
    num = ((out - scn) * step)[..., region].sum(axis=(1, 2))
    return num / np.broadcast_to((step**2)[..., region].sum(axis=(1, 2)), num.shape)


def sharpness(output, answer, alpha) -> np.ndarray:
    """(N,) RMS gradient of the output over that of the answer on the object's box (bounding box of
    ``alpha`` > 0.5, grown by 1 px): 1 = as sharp as the answer, < 1 blurred, > 1 sharper or noisier."""
    out, ans = _pair(output, answer, "answer")
    s = _object(alpha, out.shape[-2:])
    ys, xs = np.nonzero(s)
    box = np.zeros_like(s)
    box[max(ys.min() - 1, 0) : ys.max() + 2, max(xs.min() - 1, 0) : xs.max() + 2] = True
    w = box.astype(np.float64)
    g_out = np.sqrt(_masked_mean(gradient_magnitude(out) ** 2, w))
    g_ans = np.sqrt(_masked_mean(gradient_magnitude(ans) ** 2, w))
    return g_out / np.maximum(g_ans, 1e-6)


def colour_shift(output, answer, alpha) -> np.ndarray:
    """(N,) mean over channels of |mean colour of the output - of the answer| on the object's pixels."""
    out, ans = _pair(output, answer, "answer")
    s = _object(alpha, out.shape[-2:])
    return np.abs(out[..., s].mean(-1) - np.broadcast_to(ans[..., s].mean(-1), out.shape[:2])).mean(-1)


def opaque_core(alpha, min_pixels: int = 4) -> np.ndarray:
    """(H, W) bool: the object's opaque pixels (alpha >= :data:`OPAQUE`), where it is itself and not what
    shows through it; the object's pixels (alpha > 0.5) when fewer than ``min_pixels`` are opaque. Whether
    the object is kept is decided here: a semi-transparent lens photographed on white cannot tell how dark
    it will look over a face (its answer depends on a transparency the target does not show)."""
    a = np.asarray(alpha, np.float64).squeeze()
    core = a >= OPAQUE
    return core if core.sum() >= min_pixels else a > 0.5


def against_answer(output, scene, target, answer, alpha, fill) -> dict[str, np.ndarray]:
    """Every metric of this module: ``{key: (N,)}`` for :data:`ANSWER_KEYS`."""
    out = _pair(output, answer, "answer")[0]
    return dict(
        answer_error=answer_error(out, answer, fill), answer_object=answer_object(out, answer, alpha),
        leak=leak(out, scene, target, alpha, fill), sharpness=sharpness(out, answer, alpha),
        colour_shift=colour_shift(out, answer, alpha),
    )  # fmt: skip
