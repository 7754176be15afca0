"""Colour harmony: the fill's colour statistics against the scene's."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..errors import GipError
from ._inputs import _pair, _region

#: Width in pixels of the scene ring around the fill region that :func:`harmony` compares against when
#: there is no silhouette.
HARMONY_RING = 3


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

