"""Metrics against a known answer (:mod:`gip.benchmark`): the object alpha-composited on the scene.

Regions: the fill region O, the object's pixels S (its matte ``alpha`` > 0.5, inside O) and the rest of
the fill, R = O & (alpha <= :data:`BACKGROUND_ALPHA`), where the answer is the scene. Images (N, 3, H, W)
or (1, 3, H, W) in [-1, 1]; every function returns (N,) per sample.

=================== ==========================================================================
``answer_error``    MSE output vs answer over the fill region (0 = the answer)
``answer_object``   MSE output vs answer on the object's pixels S
``leak``            how much of the target's own background survived on R: the output's share
                    of the step from the scene to the target there, 1 = copy-paste, 0 = scene
``presence``        on S, which of the two hypotheses the output is closer to, normalised by how
                    much they differ: ``(d(out, scene) - d(out, answer)) / d(answer, scene)``;
                    1 = the answer, -1 = the scene, 0 = half way (scale-free, so a crown of low
                    contrast on a yellow face is judged like a black hat)
``answer_ssim``     SSIM output vs answer on S in the output's context (the object's structure,
                    :func:`in_context_ssim`); ``scene_ssim`` the same against the object-free scene
``kept``            1.0 when the object is in the picture (:func:`kept`), else 0.0
``sharpness``       RMS gradient of the output over the answer's on the object's box (1 = as
                    sharp; < 1 blurred): does not reward a blurred copy
``colour_shift``    mean over channels of |mean colour output - answer| on S (a cast shows here)
=================== ==========================================================================
"""

from __future__ import annotations

import numpy as np

from ..errors import GipError
from ._inputs import _masked_mean, _pair, _region
from .fidelity import SURVIVAL_SSIM, masked_ssim
from .seam import gradient_magnitude

#: A fill pixel whose matte is at most this is background (the answer there is the scene).
BACKGROUND_ALPHA = 1e-3
#: The target's background must differ from the scene by at least this (MSE) on a pixel for ``leak``
#: to count it (RMS 0.05: about 6 grey levels of 255).
MIN_LEAK_CONTRAST = 2.5e-3
ANSWER_KEYS = ("answer_error", "answer_object", "leak", "presence", "answer_ssim", "scene_ssim", "kept",
               "sharpness", "colour_shift")  # fmt: skip


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


def presence(output, answer, scene, alpha) -> np.ndarray:
    """(N,) on the object's pixels: ``(d(out, scene) - d(out, answer)) / d(answer, scene)`` with d the mean
    squared error there. 1 = the answer, -1 = the object-free scene, > 0 = closer to the object than to no
    object. Normalised by the object's own contrast against the scene, so low-contrast objects are judged
    on the same scale. Raises when the answer equals the scene there (no object to find)."""
    out, ans = _pair(output, answer, "answer")
    scn = _pair(output, scene, "scene")[1]
    s = _object(alpha, out.shape[-2:])
    d = lambda x, y: ((x - y) ** 2).mean(1)[..., s].mean(-1)  # noqa: E731
    contrast = d(ans, scn)
    if (contrast < 1e-4).any():
        raise GipError("the answer equals the scene on the object's pixels: there is no object to find")
    return np.broadcast_to((d(out, scn) - d(out, ans)) / contrast, (out.shape[0],)).copy()


def in_context_ssim(output, reference, silhouette) -> np.ndarray:
    """(N,) SSIM on the object's pixels between the output and ``reference`` *in the output's context*: the
    reference's pixels on the silhouette, the output's everywhere else. So the windows that straddle the
    object's edge compare the object alone, not what lies around it (an object pasted on white scores 1,
    not less, against the same object on the scene)."""
    out, ref = _pair(output, reference, "reference")
    s = _object(silhouette.astype(np.float64) if isinstance(silhouette, np.ndarray) else silhouette, out.shape[-2:])
    return masked_ssim(out, np.where(s, np.broadcast_to(ref, out.shape), out), s)


def kept(presence_: np.ndarray, answer_ssim: np.ndarray, scene_ssim: np.ndarray, min_ssim: float = SURVIVAL_SSIM):
    """The object is in the picture when the output is closer to the answer than to the object-free scene
    in colour (``presence > 0``) **and** in structure (SSIM to the answer above SSIM to the scene), and the
    structure is the object's (SSIM to the answer >= ``min_ssim``: dark hair where a top hat should be has
    the hat's colour, not its brim and band). Arrays in, bool array out."""
    a = np.asarray(answer_ssim)
    return (np.asarray(presence_) > 0) & (a > np.asarray(scene_ssim)) & (a >= min_ssim)


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


def against_answer(output, scene, target, answer, alpha, fill) -> dict[str, np.ndarray]:
    """Every metric of this module: ``{key: (N,)}`` for :data:`ANSWER_KEYS`."""
    out = _pair(output, answer, "answer")[0]
    s = _object(alpha, out.shape[-2:])
    pres = presence(out, answer, scene, alpha)
    a_ssim, s_ssim = in_context_ssim(out, answer, s), in_context_ssim(out, scene, s)
    return dict(
        answer_error=answer_error(out, answer, fill), answer_object=answer_object(out, answer, alpha),
        leak=leak(out, scene, target, alpha, fill), presence=pres, answer_ssim=a_ssim, scene_ssim=s_ssim,
        kept=kept(pres, a_ssim, s_ssim).astype(np.float64), sharpness=sharpness(out, answer, alpha),
        colour_shift=colour_shift(out, answer, alpha),
    )  # fmt: skip
