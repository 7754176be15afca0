"""Every metric of a run at once: :func:`evaluate_samples` (one flat dict per sample), :func:`evaluate`
(their mean, plus :func:`cost`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from ..errors import GipError
from ..images import ImageLike, resize, to_tensor
from ._inputs import _batch, _silhouette
from .answer import ANSWER_KEYS, against_answer, opaque_core
from .fidelity import (masked_mse, masked_ssim, object_error, object_presence, object_ratio, object_ssim,
                       object_structure, survived)
from .colour import harmony
from .preservation import scene_preservation
from .seam import seam_visibility

if TYPE_CHECKING:
    from ..sampler import InpaintResult

METRIC_KEYS = (
    "keep_max", "keep_mean", "ring_mean", "fill_mse", "fill_mse_heat", "fill_ssim",
    "object_error", "object_ratio", "object_presence", "object_structure", "object_ssim", "object_survived", "seam",
    "seam_grad", "harmony",
)  # fmt: skip
COST_KEYS = ("model_calls", "seconds")


def cost(result: "InpaintResult") -> dict[str, float]:
    """``model_calls`` (UNet evaluations, each for the whole batch) and ``seconds`` (sampling loop wall time,
    model loading excluded) of a run. Wall time depends on the machine and its load; calls do not."""
    return {"model_calls": float(result.model_calls), "seconds": float(result.seconds)}


def _reference(x, name: str, hw: tuple[int, int]) -> torch.Tensor:
    if isinstance(x, np.ndarray) and x.ndim in (3, 4) and x.shape[-3] == 3 and x.dtype != np.uint8:
        x = torch.from_numpy(_batch(x, name)).float()  # float (N,) 3, H, W arrays in [-1, 1], as in _batch
    t = to_tensor(x, name) if not (isinstance(x, torch.Tensor) and x.ndim == 4 and x.shape[0] > 1) else x.float()
    return resize(t, hw)


def _object_columns(out, ref, sil, s, n: int, core=None) -> dict[str, np.ndarray]:
    """The ``object_*`` columns against ``ref`` (the target, or the known answer) on the silhouette; whether
    the object was kept (presence, structure, survived) on ``core`` (default: the silhouette)."""
    if sil is None:
        nan = np.full(n, np.nan)
        return dict(object_error=nan, object_ratio=nan, object_presence=nan, object_structure=nan, object_ssim=nan,
                    object_survived=nan)  # fmt: skip
    core = sil if core is None else core
    pres, struct = object_presence(out, ref, core, s), object_structure(out, ref, core, s)
    return dict(object_error=object_error(out, ref, sil), object_ratio=object_ratio(out, ref, sil, s),
                object_presence=pres, object_structure=struct, object_ssim=object_ssim(out, ref, sil),
                object_survived=survived(pres, struct).astype(np.float64))  # fmt: skip


def evaluate_samples(
    result: "InpaintResult",
    scene: ImageLike,
    target: ImageLike | None,
    silhouette: np.ndarray | torch.Tensor | None = None,
    answer: ImageLike | None = None,
    alpha: np.ndarray | None = None,
) -> list[dict[str, float]]:
    """All metrics of every sample of ``result`` as flat floats: one dict per sample, keys ``METRIC_KEYS``
    (plus ``ANSWER_KEYS`` with a known ``answer``).

    ``scene`` and ``target`` are the sampler's inputs; they are resized to the output's size when the run
    used ``resize=True``. ``target=None`` (plain RePaint) gives NaN for the fidelity metrics.
    ``silhouette`` (H, W) bool at the output's size, inside the fill region: the object's own pixels (the
    mask :func:`gip.place_object` returns). With it the ``object_*`` metrics are measured (NaN without), the
    seam is compared with the scene *with* the object and harmony looks at the fill pixels around the object
    only. ``object_survived`` is 1.0 or 0.0 (:func:`gip.metrics.object_survived`). With the known ``answer``
    (1, 3, H, W) and the object's matte ``alpha`` (H, W) of a :mod:`gip.benchmark` case, the ``object_*``
    metrics are measured against the answer (the object where it belongs; kept or not on its opaque core,
    :func:`gip.metrics.answer.opaque_core`) and :mod:`gip.metrics.answer`'s are added.
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
    ans = None if answer is None else _reference(answer, "answer", hw)
    pres = scene_preservation(out, s, result.keep)
    ring = result.ring
    ring_mean = scene_preservation(out, s, ring)["mean"] if ring.any() else np.zeros(n)
    seam = seam_visibility(out, s, result.fill, target=(g if ans is None else ans) if sil is not None else None,
                           silhouette=sil)  # fmt: skip
    nan = np.full(n, np.nan)
    if g is None:
        mse = mse_h = ssim = nan
    else:
        mse = masked_mse(out, g, result.fill)
        mse_h = masked_mse(out, g, result.heat)
        ssim = masked_ssim(out, g, result.fill)
    cols = dict(
        keep_max=pres["max"], keep_mean=pres["mean"], ring_mean=ring_mean, fill_mse=mse, fill_mse_heat=mse_h,
        fill_ssim=ssim, **_object_columns(out, g if ans is None else ans, sil, s, n,
                                          None if alpha is None or sil is None else opaque_core(alpha) & sil),
        seam=seam["seam"], seam_grad=seam["seam_grad"], harmony=harmony(out, s, result.fill, sil),
    )  # fmt: skip
    if ans is not None:
        if alpha is None or g is None:
            raise GipError("a known answer needs the target and the object's matte: pass target= and alpha=")
        cols.update(against_answer(out, s, g, ans, alpha, result.fill))
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
