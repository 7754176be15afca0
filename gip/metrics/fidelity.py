"""Target fidelity: masked MSE and SSIM against the target, and the object's own pixels (did it survive,
how faithful is it)."""

from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage

from ..errors import GipError
from ._inputs import _masked_mean, _pair, _region, _silhouette

#: The object counts as kept when the output is closer to it than to the object-free scene in colour
#: (:func:`object_presence` > 0) and holds at least this share of its structure (:func:`object_structure`).
#: Set by looking at pictures (held-out crowns on yellow faces, where colour alone is fooled: a yellow blob
#: with a few jewel-coloured specks has -0.04-0.46, a crown reduced to its three jewels 0.26-0.43, a faint
#: but recognisable crown 0.54-0.63, a clear one 0.65-0.90; ``tests/data/*-crown-*.png``).
SURVIVAL_STRUCTURE = 0.5
#: Smallest scene-vs-object MSE on the silhouette for which object_ratio is defined (RMS 0.01, about one
#: grey level of 255): below it the object cannot be told from the scene, and uint8 rounding alone would
#: swing the ratio.
MIN_OBJECT_CONTRAST = 1e-4


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


def object_presence(output, target, silhouette, scene) -> np.ndarray:
    """(N,) which of two hypotheses the output is closer to on the object's pixels, normalised by how much
    they differ: ``(d(out, scene) - d(out, target)) / d(target, scene)``, d the mean squared error there.

    1 = the object exactly, -1 = the object-free scene, > 0 = closer to the object than to no object, 0 =
    half way (a 50 % mix). Normalised by the object's own contrast against the scene, so a crown of low
    contrast on a yellow face is judged on the same scale as a black hat on white hair; and unlike
    :func:`object_ratio` an output that drew something else (closer to neither) is not half-kept just
    because its colour is nearer the object's than the background was. Raises where the target equals the
    scene on the silhouette (no object to find).
    """
    out, tgt = _pair(output, target, "target")
    scn = _pair(output, scene, "scene")[1]
    sil = _silhouette(silhouette, out.shape[-2:])
    contrast = _object_mse(scn, tgt, sil)
    if (contrast < MIN_OBJECT_CONTRAST).any():
        raise GipError(f"the target equals the scene on the silhouette (MSE {float(contrast.min()):.2g}): there is "
                       "no object to measure; pass the target with the object on it and the object's silhouette")  # fmt: skip
    return np.broadcast_to((_object_mse(out, scn, sil) - _object_mse(out, tgt, sil)) / contrast, (out.shape[0],)).copy()


def object_ssim(output, target, silhouette, in_context: bool = True) -> np.ndarray:
    """(N,) SSIM between output and target averaged over the object's own pixels (1 = the same structure).

    The pixel error (:func:`object_ratio`) cannot tell a black top hat from dark hair in the same place;
    SSIM compares local means, contrasts and correlations (the hat's brim and band against the hair's
    texture), so it separates them.

    ``in_context=True`` (the default) compares against the target on the object's pixels and the *output
    itself* around them: SSIM windows reach a few pixels past the silhouette, and what lies around the
    object in the target (the scene, a white photo background, another image) would otherwise count for or
    against the object. ``in_context=False``: the plain SSIM against the whole target.
    """
    out, tgt = _pair(output, target, "target")
    sil = _silhouette(silhouette, out.shape[-2:])
    if in_context:
        tgt = np.where(sil[None, None], tgt, out)
    return _masked_mean(ssim_map(out, tgt), sil.astype(np.float64))


def object_structure(output, target, silhouette, scene) -> np.ndarray:
    """(N,) how much of the object's *structure* is in the output, between the two hypotheses, each seen in
    the output's own context: ``A`` = the target on the silhouette, ``S`` = the scene there, the output
    everywhere else; ``(s(out, A) - s(out, S)) / (1 - s(A, S))`` with ``s`` the SSIM averaged over the
    silhouette. 1 = the object's structure exactly, -1 = the scene's, 0 = as like one as the other;
    normalised by how alike the two hypotheses are there, so a low-contrast or thin object is judged on
    the same scale as a bold one."""
    out, tgt = _pair(output, target, "target")
    scn = _pair(output, scene, "scene")[1]
    sil = _silhouette(silhouette, out.shape[-2:])
    a, s = np.where(sil, tgt, out), np.where(sil, scn, out)
    w = sil.astype(np.float64)
    s_obj, s_scn, s_ref = (_masked_mean(ssim_map(x, y), w) for x, y in ((out, a), (out, s), (a, s)))
    return (s_obj - s_scn) / np.maximum(1.0 - s_ref, 1e-6)


def survived(presence, structure, min_structure: float = SURVIVAL_STRUCTURE):
    """The survival rule on computed numbers (arrays or floats): closer to the object than to the object-free
    scene in colour (``presence > 0``, :func:`object_presence`) and at least ``min_structure`` of its
    structure (:func:`object_structure`)."""
    return (np.asarray(presence) > 0) & (np.asarray(structure) >= min_structure)


def object_survived(output, target, silhouette, scene, min_structure: float = SURVIVAL_STRUCTURE) -> np.ndarray:
    """(N,) bool: the object is in the picture, decided between both hypotheses on the object's pixels
    (:func:`survived`): the output is closer to the object than to the object-free scene in colour
    (:func:`object_presence` > 0) and holds at least ``min_structure`` of the object's structure
    (:func:`object_structure`). ``target`` is the object on its place (the target of an aligned case, or
    the known answer of :mod:`gip.benchmark`)."""
    pres = object_presence(output, target, silhouette, scene)
    return survived(pres, object_structure(output, target, silhouette, scene), min_structure)
