"""Static figures (matplotlib). Every function returns the ``Figure``; nothing is shown or saved here."""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import torch
from PIL import Image


def as_display(img) -> np.ndarray:
    """PIL image, (H, W[, 3]) array, bool mask or (1|3, H, W)/(1, 3, H, W) tensor in [-1, 1] -> array for imshow."""
    if isinstance(img, Image.Image):
        return np.asarray(img)
    if isinstance(img, torch.Tensor):
        t = img.detach().float().cpu()
        if t.ndim == 4:
            t = t[0]
        if t.ndim == 3:
            return ((t.clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()
        return t.numpy()
    return np.asarray(img)


def show_row(
    images: Mapping[str, object], scale: float = 2.0, title: str | None = None, cmap: str = "gray"
) -> plt.Figure:
    """One row of labelled panels; 2-D arrays (masks, heat maps) use ``cmap`` scaled to [0, 1]."""
    n = len(images)
    fig, axes = plt.subplots(1, n, figsize=(scale * n, scale * 1.15), squeeze=False)
    for ax, (label, img) in zip(axes[0], images.items()):
        arr = as_display(img)
        if arr.ndim == 2:
            ax.imshow(arr.astype(float), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        else:
            ax.imshow(arr, interpolation="nearest")
        ax.set_title(label, fontsize=9)
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
