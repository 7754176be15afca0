"""Evaluate the shipped embedded model and write its MODEL_CARD.md with figures (developer step).

    python scripts/model_card.py            # after scripts/train_default_model.py --export

Needs the prepared data set in .cache (scripts/train_default_model.py makes it) and scikit-image.
"""

from __future__ import annotations

import csv
import json
import platform
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch

import gip
from gip import data, evaluation, training
from gip.images import to_uint8

ROOT = Path(__file__).resolve().parents[1]
NAME = "emoji-faces-32"
OUT = ROOT / "gip" / "weights" / NAME
RUN = ROOT / "runs" / NAME


def loss_figure(path: Path) -> None:
    rows = list(csv.DictReader(open(RUN / "loss.csv")))
    step = np.array([int(r["step"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    k = 20
    smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(step, loss, alpha=0.3, lw=0.7, label="loss (25-step mean)")
    ax.plot(step[k - 1 :], smooth, lw=1.5, label=f"running mean of {k}")
    ax.set(xlabel="training step", ylabel="ε-MSE", yscale="log", title="training loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def grid(rows: list[np.ndarray], labels: list[str], path: Path, scale: float = 0.9) -> None:
    n = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), n, figsize=(n * scale, len(rows) * (scale + 0.2)), squeeze=False)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.94, wspace=0.05, hspace=0.25)
    for i, (r, lab) in enumerate(zip(rows, labels)):
        for j in range(n):
            ax = axes[i, j]
            ax.axis("off")
            if j < len(r):
                ax.imshow(r[j], interpolation="nearest")
        axes[i, 0].annotate(lab, (0, 1.04), xycoords="axes fraction", fontsize=8, annotation_clip=False)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    torch.set_num_threads(1)
    model = gip.load_model(NAME)
    faces = data.prepared(ROOT / ".cache", 32)
    x0 = torch.from_numpy(faces.test).permute(0, 3, 1, 2).float() / 127.5 - 1
    cfg = json.loads((RUN / "config.json").read_text())
    meta = json.loads((OUT / "training.json").read_text())
    card = OUT / "card"
    card.mkdir(exist_ok=True)

    # eps-prediction error: trained vs the same architecture at its random initialisation
    rand = gip.Model(training.make_unet(training.TrainConfig(**cfg)).eval(), model.scheduler, "random init")
    eps_trained, eps_random = evaluation.eps_mse(model, x0), evaluation.eps_mse(rand, x0)

    loss_figure(card / "loss.png")
    samples = to_uint8(gip.sample(model, 16, steps=250, seed=0, progress=False).tensor)
    grid([samples[:8], samples[8:]], ["unconditional samples (T = 250, seed 0)", ""], card / "samples.png")

    fill = gip.masks.box(32, 8, 8, 16, 16)
    rec = evaluation.reconstruction(model, x0, fill, steps=50, jump_length=5, jump_n_sample=2)
    masked = x0.clone()
    masked[:, :, torch.from_numpy(fill)] = 0.0
    show = slice(0, 10)
    grid(
        [to_uint8(x0[show]), to_uint8(masked[show])] + [to_uint8(v[show]) for v in rec["images"].values()],
        ["held-out originals", "centre 16x16 hidden"] + list(rec["images"]),
        card / "inpainting.png",
    )
    n_params = sum(p.numel() for p in model.unet.parameters())
    size_mb = (OUT / "diffusion_pytorch_model.safetensors").stat().st_size / 1e6
    mse_rows = "\n".join(f"| {k} | {v:.4f} |" for k, v in sorted(rec["mse"].items(), key=lambda kv: kv[1]))
    eps_rows = "\n".join(f"| {t} | {eps_trained[t]:.4f} | {eps_random[t]:.4f} |" for t in eps_trained)
    best = min(rec["mse"], key=rec["mse"].get)
    text = TEMPLATE.format(
        name=NAME, n_train=len(faces.train), n_test=len(faces.test), params=n_params / 1e6, size=size_mb,
        blocks=cfg["block_out_channels"], layers=cfg["layers_per_block"], attn=cfg["attention_at"], steps=meta["train_steps"],
        batch=cfg["batch_size"], lr=cfg["lr"], ema=cfg["ema_decay"], hours=meta["train_wall_s"] / 3600,
        cpu=platform.processor() or platform.machine(), eps_rows=eps_rows, mse_rows=mse_rows, best=best,
        torch=torch.__version__, holdout=", ".join(n for n, h in zip(faces.names, faces.holdout) if h),
    )  # fmt: skip
    (OUT / "MODEL_CARD.md").write_text(text)
    print(text)


TEMPLATE = """# Model card: `{name}` (gip's embedded default model)

A small unconditional pixel-space DDPM that ships inside gip so that the book, the demo and the tests run
offline. It is a teaching model: 32×32 emoji faces, not photographs. For real images use a hub checkpoint
such as `google/ddpm-ema-celebahq-256` (see the README).

## Data
- Source: npm package `emoji-datasource-google` 16.0.0, `img/google/64/` (Noto Emoji by Google,
  Apache-2.0). Fetched by `npm pack` in a developer-only step (`gip.data`), never in CI or at import.
- Subset ("a toy CelebA"): every *Smileys & Emotion* face (`face-*`, `cat-face`, `monkey-face`) and every
  *People & Body* `person` emoji with all its skin-tone variants: 298 images.
- Preprocessing: alpha-composited on white, resized 64 → 32 with Lanczos; random horizontal flips in training.
- Held-out split (fixed): sort the subset by file name, hold out every image whose index is a multiple of 10:
  {n_test} images never seen in training ({n_train} used). The demo images in `gip/assets` are held-out ones.
  Held out: {holdout}.

## Architecture and training
- diffusers `UNet2DModel`, {params:.2f} M parameters: block_out_channels {blocks}, {layers} layer(s) per block,
  attention per level {attn} (finest first). Weights: fp16 safetensors, {size:.1f} MB; loaded as float32.
- `DDPMScheduler`: 1000 steps, linear β 1e-4 → 0.02, ε-prediction, fixed-small variance, clipping.
- AdamW, lr {lr} (200 warm-up steps), gradient clipping 1.0, batch {batch}, EMA of the weights (diffusers
  `EMAModel`, decay {ema} with warm-up); the shipped weights are the EMA weights.
- **{steps} steps** at batch {batch} ({hours:.2f} h wall time on a shared 2-core CPU, {cpu}, torch {torch}; part of
  it with one thread while other work ran). Resumable: `python scripts/train_default_model.py`.

![loss](card/loss.png)

## Samples from the shipped weights
Plain DDPM sampling, T = 250 respaced steps (`gip.sample`):

![samples](card/samples.png)

## Evaluation on the {n_test} held-out images
ε-prediction MSE at three training timesteps (the same architecture at its random initialisation for
reference; a network that predicts nothing useful scores about 1):

| t | trained | random init |
|---|---|---|
{eps_rows}

Inpainting a hidden centre square (16×16 of 32×32) with RePaint, (T, j, r) = (50, 5, 2), one seed per
image, against two classical baselines — mean colour of the kept pixels, and
`skimage.restoration.inpaint_biharmonic`. Masked-region MSE in [-1, 1] units (lower is better):

| method | masked MSE |
|---|---|
{mse_rows}

Best here: **{best}**. Caveat: MSE rewards the blurry average, so it favours smooth fills over sharp
but different ones; RePaint generates *a* plausible face part, not necessarily the hidden one.

![inpainting](card/inpainting.png)

## Limits
32×32 only; faces in the Noto emoji style only. Objects outside that domain (hats, hearts, glasses) get
"repainted" towards faces — which the book uses to show that failure mode. Not for any real-world use.

Regenerate this card: `python scripts/model_card.py`.
"""


if __name__ == "__main__":
    main()
