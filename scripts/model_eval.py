"""How good is a DDPM checkpoint? Noise-prediction error and inpainting against classical baselines.

Used for the embedded model's card (``scripts/model_card.py``) and its tests; works for any
:class:`gip.Model` and any (N, 3, H, W) batch of held-out images in [-1, 1].
"""

from __future__ import annotations

import numpy as np
import torch

from gip.diffusion import q_sample
from gip.metrics import masked_mse
from gip.models import Model


@torch.inference_mode()
def eps_mse(model: Model, x0: torch.Tensor, timesteps=(50, 200, 500), seed: int = 0) -> dict[int, float]:
    """Mean squared error of the predicted noise at each training timestep (a random network scores ~1)."""
    g = torch.Generator().manual_seed(seed)
    acp = model.scheduler.alphas_cumprod
    out = {}
    for t in timesteps:
        eps = torch.randn(x0.shape, generator=g)
        x_t = q_sample(x0, acp[t].item(), eps).to(model.device, model.dtype)
        pred = model.unet(x_t, t).sample.float().cpu()
        out[int(t)] = ((pred - eps) ** 2).mean().item()
    return out


def mean_colour_fill(x: torch.Tensor, fill: np.ndarray) -> torch.Tensor:
    """Baseline: each image's fill region painted with the mean colour of its kept pixels."""
    F = torch.from_numpy(fill)
    out = x.clone()
    mean = x[:, :, ~F].mean(-1)  # (N, 3)
    out[:, :, F] = mean[:, :, None].expand(-1, -1, int(F.sum()))
    return out


def biharmonic_fill(x: torch.Tensor, fill: np.ndarray) -> torch.Tensor:
    """Baseline: ``skimage.restoration.inpaint_biharmonic`` (needs scikit-image, in the ``test`` extra)."""
    from skimage.restoration import inpaint_biharmonic

    arr = ((x + 1) / 2).permute(0, 2, 3, 1).numpy().astype(np.float64)
    res = np.stack([inpaint_biharmonic(a, fill, channel_axis=-1) for a in arr])
    return torch.from_numpy(res).permute(0, 3, 1, 2).float() * 2 - 1


def reconstruction(model: Model, x0: torch.Tensor, fill: np.ndarray, seed: int = 0, **sampler_kwargs) -> dict:
    """Hide ``fill`` in each image and fill it by RePaint, mean colour and biharmonic inpainting.

    Returns ``{"images": {method: (N, 3, H, W)}, "mse": {method: mean masked MSE}}``.
    """
    from gip.sampler import repaint

    kw = dict(steps=50, jump_length=5, jump_n_sample=2, progress=False) | sampler_kwargs
    rep = torch.cat([repaint(x[None], fill, model=model, seed=seed + i, **kw).tensor for i, x in enumerate(x0)])
    outs = {"RePaint": rep, "mean colour": mean_colour_fill(x0, fill), "biharmonic": biharmonic_fill(x0, fill)}
    return {"images": outs, "mse": {k: float(masked_mse(v, x0, fill).mean()) for k, v in outs.items()}}


def insertion(model: Model, settings: dict, seeds=(0,), progress: bool = False):
    """The held-out insertion pairs (``gip.assets.insertion_cases``) under each ``{label: gip.Settings}``:
    a :class:`gip.experiment.Experiment` (one row per pair, setting and seed)."""
    import gip

    return gip.experiment.run(gip.assets.insertion_cases(model.resolution), settings, seeds=list(seeds), model=model,
                              progress=progress)


def insertion_summary(exp) -> "pd.DataFrame":
    """Per setting: mean object error, its ratio to plain RePaint's on the same pair and seed, the
    fraction of pairs where the object survives, seam and harmony."""
    df = exp.df.copy()
    base = df[df["label"] == "RePaint"].set_index(["case", "seed", "sample"])["object_error"]
    df["vs_repaint"] = df["object_error"].to_numpy() / base.reindex(
        list(zip(df["case"], df["seed"], df["sample"]))).to_numpy()  # fmt: skip
    g = df.groupby("label", sort=False)
    return g.agg(object_error=("object_error", "mean"), vs_repaint=("vs_repaint", "mean"),
                 survived=("object_survived", "mean"), seam=("seam", "mean"), harmony=("harmony", "mean"),
                 n=("object_error", "size"))  # fmt: skip
