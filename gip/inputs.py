"""The inputs of one run, checked and brought to the model's size: scene, target, fill mask, the enforced
keep region K_b (after the scene buffer) and the target's weight map W (heat map, 0 outside the fill).

Everything here happens once per run, before the first model call, so a bad input fails fast with a
:class:`gip.GipError` that names the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import masks
from .errors import GipError
from .matte import Matte, alpha_of, as_object_mask, estimate
from .images import ImageLike, resize as resize_image, resize_mask, to_mask_array, to_tensor
from .settings import Settings


@dataclass
class Inputs:
    """One run's inputs at the model's resolution: ``scene`` and ``target`` (1, 3, R, R) in [-1, 1] on the
    CPU (``target`` None for plain RePaint), ``fill`` the fill region O asked for, ``keep`` the enforced keep
    region K_b ((R, R) bool: the scene minus the buffer ring; with a matte, the parts of the fill that are
    the target's own background are the scene's too, :meth:`gip.matte.Matte.region`), ``weight`` W (R, R) in [0, 1]: the heat map H (the fill mask when heat is off or
    there is no target) times the target's matte, so that ``Lambda_b = lambda(b) * W``, and ``matte``
    (:class:`gip.matte.Matte`; None without a target or with ``matte="off"``)."""

    scene: torch.Tensor
    target: torch.Tensor | None
    fill: np.ndarray
    keep: np.ndarray
    weight: np.ndarray
    matte: Matte | None = None


def _fill_mask(mask: ImageLike | None, keep_mask: ImageLike | None) -> np.ndarray:
    if (mask is None) == (keep_mask is None):
        raise GipError("pass exactly one of mask= (fill mask, white = fill) or keep_mask= (white = keep)")
    if keep_mask is not None:  # the equivalent fill mask; thresholded like one (a 0.5 pixel is scene either way)
        return 1.0 - to_mask_array(keep_mask, "keep_mask")
    return to_mask_array(mask, "mask")


def _same_size(resolution: int, model_name: str, resize: bool, **images) -> None:
    sizes = {k: tuple(v.shape[-2:]) for k, v in images.items() if v is not None}
    if len(set(sizes.values())) > 1:
        got = ", ".join(f"{k} {v[1]}x{v[0]}" for k, v in sizes.items())
        raise GipError(f"inputs differ in size ({got}): scene, target and mask must have the same size")
    h, w = sizes["scene"]
    if (h, w) != (resolution, resolution) and not resize:
        raise GipError(f"inputs are {w}x{h} but the model {model_name!r} works at {resolution}x{resolution}: "
                       "resize them, or pass resize=True (CLI: --resize)")  # fmt: skip


def prepare(
    scene: ImageLike,
    target: ImageLike | None,
    mask: ImageLike | None,
    keep_mask: ImageLike | None,
    settings: Settings,
    resolution: int,
    model_name: str = "the model",
    resize: bool = False,
    object_mask: ImageLike | None = None,
) -> Inputs:
    """Read, check and (with ``resize``) resize the inputs; build K_b and W from ``settings`` and the
    target's matte (:mod:`gip.matte`: ``object_mask``, else an RGBA target's alpha, else estimated)."""
    s = to_tensor(scene, "scene")
    alpha = alpha_of(target)
    g = None if target is None else to_tensor(target, "target")
    m = _fill_mask(mask, keep_mask)
    given = None if object_mask is None else as_object_mask(object_mask)
    _same_size(resolution, model_name, resize, scene=s, target=g, mask=m, object_mask=given)
    if s.shape[-2:] != (resolution, resolution):
        s, m = resize_image(s, resolution), resize_mask(m, resolution)
        g = None if g is None else resize_image(g, resolution)
        alpha, given = (None if a is None else resize_mask(a, resolution) for a in (alpha, given))
    fill = masks.validate_fill(m)
    mt = None if (g is None or settings.matte == "off") else estimate(s, g, fill, alpha, given)
    region = fill if mt is None else mt.region(fill)
    keep = masks.scene_buffer(region, settings.buffer, settings.buffer_metric)
    if not keep.any():
        raise GipError(f"buffer={settings.buffer} removes the whole scene: use a smaller buffer")
    heat = settings.heat(region) if (g is not None and settings.heat is not None) else region.astype(np.float64)
    if mt is None:
        return Inputs(s, g, fill, keep, heat)
    return Inputs(s, mt.foreground(g), fill, keep, heat * mt.alpha, mt)
