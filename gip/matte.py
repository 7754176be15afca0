"""The target's matte [ours, beyond the paper]: how much each target pixel inside the fill region is the
*object*, as opposed to the target's own background (the white of a product photo, the patch of another
image the object was photographed on).

The paper's scene buffer is meant to "remove the need for the target's background to match the scene"
(``paper-notes.md``); on the embedded model it does not: a target that carries its own background leaves
that background in the result (a white haze around an object photographed on white; book chapter 3). gip
therefore weights the target per pixel by its matte, ``Lambda_b = lambda(b) * H * alpha``: where the
target is object it guides the fill as the paper's eq. 3 says, where it is background the model fills in
from the scene, as RePaint would.

Where the matte comes from (:func:`estimate`, in this order):

1. ``"given"``: an object mask the user passed (``gip.inpaint(..., object_mask=...)``) always wins.
2. ``"alpha"``: an RGBA target (a cut-out) carries its matte in its alpha channel.
3. ``"aligned"``: the target already shows the scene around the object (the scene with the object pasted
   on, fill = its silhouette grown a little): there is no foreign background, the matte is 1.
4. ``"plain"``: the target's pixels just inside the fill's border are one colour (a photo on a plain
   background): the matte is the distance of each pixel to that colour, soft.
5. ``"canvas"``: the target is a canvas of its own (it differs from the scene outside the fill too, as
   :func:`gip.place_object`'s does) and the fill's border is not one colour: the fill is taken to be
   the object (matte 1).
6. ``"textured"``: the target is the scene with a patch pasted into the fill: the background is
   estimated inside the fill from its border (a smooth membrane through the border pixels, plus the
   border's main colours) and the matte is the distance to the nearer of the two, soft: the best this
   module can do without a real matting method; pass ``object_mask`` when you have one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from PIL import Image
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import spsolve

from .errors import GipError
from .images import ImageLike, load_image, resize_mask, to_mask_array

Kind = Literal["given", "alpha", "aligned", "plain", "canvas", "textured"]
KINDS = ("given", "alpha", "aligned", "plain", "canvas", "textured")

#: A border pixel "agrees" with a colour when no channel differs by more than this ([0, 1] units).
AGREE = 0.1
#: The target is "aligned" when at least this share of the fill's border pixels equal the scene's.
ALIGNED_SHARE = 0.9
#: The background is "plain" when at least this share of the border lies within AGREE of its median colour.
PLAIN_SHARE = 0.8
#: Soft matte: distance to the background (max over channels, [0, 1] units) mapped linearly from LOW (0)
#: to HIGH (1).
LOW, HIGH = 0.05, 0.3
#: The object's support: matte above this, grown by SUPPORT_GROW px (the anti-aliased rim).
SUPPORT, SUPPORT_GROW = 0.05, 1
#: Colours of the border that count as background in the textured estimate: clusters holding at least
#: this share of the border pixels.
PALETTE_SHARE = 0.15


@dataclass(frozen=True, eq=False)
class Matte:
    """``alpha`` (H, W) float in [0, 1], 0 outside the fill region: how much each target pixel is object;
    ``kind`` says where it came from (see the module docstring); ``background`` the target's background
    (H, W, 3) in [0, 1] where it is known or estimated (``"alpha"``: white, where the cut-out was
    composited; ``"plain"``, ``"textured"``), else None."""

    kind: Kind
    alpha: np.ndarray
    background: np.ndarray | None = None

    def region(self, fill: np.ndarray) -> np.ndarray:
        """(H, W) bool: where the sampler fills: the object's pixels (alpha > :data:`SUPPORT`) grown by
        :data:`SUPPORT_GROW` px, inside ``fill``. The rest of the fill is the target's own background, where
        the answer is the scene: the scene is kept there (the scene buffer then gives the model a ring around
        the object, as the paper's buffer does around the fill). Aligned and canvas targets: ``fill``."""
        if self.kind in ("aligned", "canvas"):
            return fill
        grown = ndimage.binary_dilation(self.alpha > SUPPORT, np.ones((3, 3), bool), iterations=SUPPORT_GROW)
        region = fill & grown
        return region if region.any() else fill

    def foreground(self, target: torch.Tensor) -> torch.Tensor:
        """The target with the white taken out of an RGBA cut-out's edge pixels (gip composites cut-outs on
        white; the foreground colour is ``(t - (1 - alpha) white) / alpha`` where alpha > 0.05): (1, 3, H, W)
        in [-1, 1]. For other kinds (whose background is estimated, not known) the target itself: dividing
        by an estimated alpha amplifies its errors (measured: worse on the benchmark)."""
        if self.kind != "alpha":
            return target
        t, a = _rgb01(target), self.alpha[..., None]
        fg = np.where(a > 0.05, (t - (1.0 - a) * self.background) / np.maximum(a, 0.05), t)
        return torch.from_numpy(np.clip(fg, 0, 1)).permute(2, 0, 1)[None].float() * 2 - 1


def alpha_of(image: ImageLike | None) -> np.ndarray | None:
    """(H, W) float alpha in [0, 1] of an RGBA image (path, PIL image or (H, W, 4) array); None when the
    image has no transparency (or is a tensor, which never has)."""
    if image is None or isinstance(image, torch.Tensor):
        return None
    if isinstance(image, (str, os.PathLike)):
        image = load_image(image)
    if isinstance(image, Image.Image):
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            a = np.asarray(image.convert("RGBA"))[..., 3].astype(np.float64) / 255.0
            return None if (a >= 1.0).all() else a
        return None
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[-1] == 4:
        alpha = a[..., 3].astype(np.float64) / (255.0 if a.dtype == np.uint8 else 1.0)
        return None if (alpha >= 1.0).all() else alpha
    return None


def _rgb01(x: torch.Tensor) -> np.ndarray:
    """(1, 3, H, W) in [-1, 1] -> (H, W, 3) float64 in [0, 1]."""
    return ((x[0].detach().cpu().double().clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()


def border(fill: np.ndarray) -> np.ndarray:
    """(H, W) bool: the fill pixels that touch a scene pixel (8-neighbours), its inner border."""
    return fill & ~ndimage.binary_erosion(fill, np.ones((3, 3), bool), border_value=1)


def membrane(values: np.ndarray, known: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Fill ``region`` of ``values`` (H, W, C) smoothly from the ``known`` pixels: the harmonic (Laplace)
    interpolation, each unknown pixel the mean of its 4 neighbours. Pixels outside both keep their value."""
    unknown = region & ~known
    idx = -np.ones(unknown.shape, int)
    idx[unknown] = np.arange(unknown.sum())
    n = int(unknown.sum())
    if n == 0:
        return values.copy()
    rows, cols, vals = [np.arange(n)], [np.arange(n)], [np.zeros(n)]
    rhs = np.zeros((n, values.shape[-1]))
    ys, xs = np.nonzero(unknown)
    H, W = unknown.shape
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        y2, x2 = ys + dy, xs + dx
        ok = (y2 >= 0) & (y2 < H) & (x2 >= 0) & (x2 < W)
        i, yy, xx = np.arange(n)[ok], y2[ok], x2[ok]
        vals[0][i] += 1.0
        inner = idx[yy, xx] >= 0
        rows.append(i[inner]), cols.append(idx[yy, xx][inner]), vals.append(-np.ones(inner.sum()))
        rhs[i[~inner]] += values[yy[~inner], xx[~inner]]
    A = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)).tocsr()
    out = values.copy()
    out[unknown] = np.atleast_2d(spsolve(A, rhs)).reshape(n, -1)
    return out


def _palette(colours: np.ndarray, k: int = 4, iters: int = 10) -> np.ndarray:
    """The main colours of ``colours`` (P, 3): k-means (deterministic start), clusters with at least
    :data:`PALETTE_SHARE` of the pixels."""
    centres = colours[np.linspace(0, len(colours) - 1, min(k, len(colours))).astype(int)]
    for _ in range(iters):
        label = np.abs(colours[:, None] - centres[None]).max(-1).argmin(1)
        centres = np.stack([colours[label == j].mean(0) if (label == j).any() else centres[j] for j in range(len(centres))])
    share = np.bincount(label, minlength=len(centres)) / len(colours)
    return centres[share >= PALETTE_SHARE]


def soft(distance: np.ndarray, low: float = LOW, high: float = HIGH) -> np.ndarray:
    """Distance to the background ([0, 1] units) -> matte in [0, 1]: 0 below ``low``, 1 above ``high``."""
    return np.clip((distance - low) / (high - low), 0.0, 1.0)


def estimate(scene: torch.Tensor, target: torch.Tensor, fill: np.ndarray, alpha: np.ndarray | None = None,
             given: np.ndarray | None = None) -> Matte:  # fmt: skip
    """The target's matte inside ``fill`` (H, W bool): ``given`` (an object mask) if passed, else the
    target's ``alpha`` if it has one, else estimated from the target and the scene (1, 3, H, W) in [-1, 1]
    (kinds ``"aligned"``, ``"plain"``, ``"canvas"``, ``"textured"``: see the module docstring)."""
    fill = np.asarray(fill, bool)
    t, s = _rgb01(target), _rgb01(scene)
    if given is not None:
        return Matte("given", np.clip(np.asarray(given, np.float64), 0.0, 1.0) * fill)
    if alpha is not None:  # gip composites a cut-out on white (gip.images.to_tensor)
        return Matte("alpha", np.clip(np.asarray(alpha, np.float64), 0.0, 1.0) * fill, np.ones_like(t))
    ring = border(fill)
    if (np.abs(t - s).max(-1)[ring] <= AGREE).mean() >= ALIGNED_SHARE:
        return Matte("aligned", fill.astype(np.float64))
    colours = t[ring]
    median = np.median(colours, axis=0)
    if (np.abs(colours - median).max(-1) <= AGREE).mean() >= PLAIN_SHARE:
        bg = np.broadcast_to(median, t.shape).copy()
        return Matte("plain", soft(np.abs(t - bg).max(-1)) * fill, bg)
    outside = ~fill
    if outside.any() and (np.abs(t - s).max(-1)[outside] > AGREE).mean() > 1.0 - ALIGNED_SHARE:
        return Matte("canvas", fill.astype(np.float64))  # a canvas of its own around the fill: all object
    bg = membrane(t, ring, fill)
    d = np.abs(t - bg).max(-1)
    for c in _palette(colours):
        d = np.minimum(d, np.abs(t - c).max(-1))
    return Matte("textured", soft(d) * fill, bg)


def as_object_mask(mask: ImageLike, resolution: int | None = None) -> np.ndarray:
    """A user's object mask (white = object; soft values allowed) as (H, W) float in [0, 1], resized to
    ``resolution`` when given."""
    m = to_mask_array(mask, "object_mask")
    if resolution is not None and m.shape != (resolution, resolution):
        m = resize_mask(m, resolution)
    if not np.isfinite(m).all():
        raise GipError("the object_mask contains NaN or inf values: pass a finite mask in [0, 1]")
    return np.clip(m, 0.0, 1.0)
