"""Train a small pixel-space DDPM (diffusers ``UNet2DModel`` + ``DDPMScheduler``) on an image array.

Resumable: ``train`` writes ``last.pt`` (model, EMA, optimizer, step, RNG) every ``save_every`` steps,
atomically, and picks it up again when called with the same ``run_dir``. Also writes ``loss.csv`` and a
sample grid every ``sample_every`` steps. ``export`` turns a checkpoint's EMA weights into a diffusers
``save_pretrained`` folder (fp16 safetensors) that :func:`gip.load_model` loads.

Reusable for your own data: pass any (N, H, W, 3) uint8 array to :func:`train`, or a batch function
``(generator, batch_size) -> (B, 3, H, W)`` float tensor in [-1, 1] (e.g. one that makes composites on the
fly). ``TrainConfig.init_from`` fine-tunes from a saved model folder; ``device="cuda"`` trains on a GPU.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Union

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import DDPMScheduler, UNet2DModel
from safetensors.torch import load_file, save_file
from diffusers.training_utils import EMAModel
from tqdm.auto import tqdm

from .images import to_uint8


@dataclass
class TrainConfig:
    """Everything that defines a training run (saved next to its checkpoints)."""

    resolution: int = 32
    block_out_channels: tuple[int, ...] = (32, 64, 64)
    layers_per_block: int = 1
    attention_at: tuple[bool, ...] = (False, False, True)  # per resolution level, finest first
    steps: int = 15_000
    batch_size: int = 32
    lr: float = 3e-4
    warmup: int = 200
    weight_decay: float = 0.0
    ema_decay: float = 0.999
    num_train_timesteps: int = 1000
    beta_start: float = 1e-4
    beta_end: float = 0.02
    hflip: bool = True
    seed: int = 0
    save_every: int = 250
    sample_every: int = 2000
    log_every: int = 25
    threads: int | None = None
    lr_min: float | None = None  # None: constant lr after warm-up; a number: cosine decay to it at ``steps``
    init_from: str | None = None  # a diffusers model folder to fine-tune from (same architecture)
    device: str = "cpu"
    extra: dict = field(default_factory=dict)


Batches = Callable[[torch.Generator, int], torch.Tensor]


def learning_rate(cfg: TrainConfig, step: int) -> float:
    """Linear warm-up over ``cfg.warmup`` steps, then constant or cosine decay to ``cfg.lr_min``."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    if cfg.lr_min is None:
        return cfg.lr
    frac = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.lr_min + (cfg.lr - cfg.lr_min) * 0.5 * (1 + math.cos(math.pi * frac))


def make_unet(cfg: TrainConfig) -> UNet2DModel:
    down = tuple("AttnDownBlock2D" if a else "DownBlock2D" for a in cfg.attention_at)
    up = tuple("AttnUpBlock2D" if a else "UpBlock2D" for a in reversed(cfg.attention_at))
    return UNet2DModel(
        sample_size=cfg.resolution,
        in_channels=3,
        out_channels=3,
        block_out_channels=tuple(cfg.block_out_channels),
        layers_per_block=cfg.layers_per_block,
        down_block_types=down,
        up_block_types=up,
        norm_num_groups=min(32, cfg.block_out_channels[0]),
    )


def make_scheduler(cfg: TrainConfig) -> DDPMScheduler:
    return DDPMScheduler(
        num_train_timesteps=cfg.num_train_timesteps,
        beta_start=cfg.beta_start,
        beta_end=cfg.beta_end,
        beta_schedule="linear",
        prediction_type="epsilon",
        variance_type="fixed_small",
        clip_sample=True,
    )


def _atomic_save(obj, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


@torch.inference_mode()
def sample_grid(unet: UNet2DModel, scheduler: DDPMScheduler, n: int = 16, steps: int = 100, seed: int = 0):
    """Unconditional DDPM samples with ``steps`` respaced steps; returns (n, H, W, 3) uint8."""
    sched = DDPMScheduler.from_config(scheduler.config)
    sched.set_timesteps(steps)
    g = torch.Generator().manual_seed(seed)
    res = unet.config.sample_size
    x = torch.randn(n, 3, res, res, generator=g).to(next(unet.parameters()).device)
    for t in sched.timesteps:
        eps = unet(x, t).sample
        x = sched.step(eps, t, x, generator=g).prev_sample
    return to_uint8(x)


def save_grid(images: np.ndarray, path: str | Path, cols: int = 8, scale: int = 2) -> None:
    from PIL import Image

    n, h, w, _ = images.shape
    rows = -(-n // cols)
    canvas = np.full((rows * h, cols * w, 3), 255, np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        canvas[r * h : (r + 1) * h, c * w : (c + 1) * w] = im
    Image.fromarray(canvas).resize((cols * w * scale, rows * h * scale), Image.Resampling.NEAREST).save(path)


def _array_batches(images: np.ndarray) -> Batches:
    data = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1.0

    def batches(gen: torch.Generator, batch_size: int) -> torch.Tensor:
        return data[torch.randint(len(data), (batch_size,), generator=gen)]

    return batches


def _config(run_dir: Path, cfg: TrainConfig | None) -> TrainConfig:
    """``cfg``, or the one saved in ``run_dir`` when resuming without one."""
    if cfg is not None:
        return cfg
    cfg_path = run_dir / "config.json"
    if not cfg_path.exists():
        raise FileNotFoundError(f"{cfg_path} missing: pass a TrainConfig to start a new run")
    return TrainConfig(**json.loads(cfg_path.read_text()))


def _batches(images: Union[np.ndarray, Batches], cfg: TrainConfig) -> Batches:
    if not isinstance(images, np.ndarray):
        return images
    if images.shape[1:3] != (cfg.resolution, cfg.resolution):
        raise ValueError(f"images are {images.shape[1:3]}, config resolution is {cfg.resolution}")
    return _array_batches(images)


@dataclass
class _Trainer:
    """The state of a run: the UNet, its optimizer and EMA, the batch generator, the step and the wall time."""

    cfg: TrainConfig
    unet: UNet2DModel
    opt: torch.optim.Optimizer
    ema: EMAModel
    gen: torch.Generator
    step: int = 0
    elapsed: float = 0.0

    @classmethod
    def start(cls, cfg: TrainConfig, device: torch.device) -> "_Trainer":
        """A fresh run (seeded with ``cfg.seed``; fine-tuned from ``cfg.init_from`` if given)."""
        torch.manual_seed(cfg.seed)
        unet = make_unet(cfg)
        if cfg.init_from:
            start = UNet2DModel.from_pretrained(cfg.init_from, torch_dtype=torch.float32)
            unet.load_state_dict(start.state_dict())
        unet.to(device)
        opt = torch.optim.AdamW(unet.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        ema = EMAModel(unet.parameters(), decay=cfg.ema_decay, use_ema_warmup=True, power=3 / 4)
        return cls(cfg, unet, opt, ema, torch.Generator().manual_seed(cfg.seed))

    def resume(self, path: Path, device: torch.device) -> None:
        """Pick up a checkpoint written by :meth:`save` (model, optimizer, EMA, both RNGs, step, time)."""
        state = torch.load(path, weights_only=True)
        self.unet.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.ema.load_state_dict(state["ema"])
        self.gen.set_state(state["generator"])
        self.ema.to(device)
        torch.set_rng_state(state["torch_rng"])
        self.step, self.elapsed = int(state["step"]), float(state["elapsed"])

    def save(self, path: Path) -> None:
        _atomic_save({"model": self.unet.state_dict(), "optimizer": self.opt.state_dict(), "ema": self.ema.state_dict(),
                      "generator": self.gen.get_state(), "torch_rng": torch.get_rng_state(), "step": self.step,
                      "elapsed": self.elapsed}, path)  # fmt: skip

    def train_step(self, batches: Batches, alphas_cumprod: torch.Tensor, device: torch.device) -> tuple[float, float]:
        """One optimizer step on a fresh batch (random flips, timesteps, noise); returns (loss, lr)."""
        cfg, gen = self.cfg, self.gen
        x0 = batches(gen, cfg.batch_size)
        if cfg.hflip:
            flip = torch.rand(cfg.batch_size, generator=gen) < 0.5
            x0 = torch.where(flip[:, None, None, None], x0.flip(-1), x0)
        t = torch.randint(cfg.num_train_timesteps, (cfg.batch_size,), generator=gen)
        noise = torch.randn(x0.shape, generator=gen)
        x0, t, noise = x0.to(device), t.to(device), noise.to(device)
        a = alphas_cumprod[t].sqrt()[:, None, None, None]
        s = (1 - alphas_cumprod[t]).sqrt()[:, None, None, None]
        loss = F.mse_loss(self.unet(a * x0 + s * noise, t).sample, noise)
        lr = learning_rate(cfg, self.step)
        for group in self.opt.param_groups:
            group["lr"] = lr
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.unet.parameters(), 1.0)
        self.opt.step()
        self.ema.step(self.unet.parameters())
        self.step += 1
        return loss.item(), lr

    def sample(self, scheduler: DDPMScheduler, path: Path, device: torch.device) -> None:
        """A grid of the EMA weights' samples."""
        ema_unet = make_unet(self.cfg).to(device)
        self.ema.copy_to(ema_unet.parameters())
        ema_unet.eval()
        save_grid(sample_grid(ema_unet, scheduler), path)


def _loss_log(run_dir: Path):
    """``loss.csv`` opened for appending (with its header when new) and its csv writer."""
    log = open(run_dir / "loss.csv", "a", newline="")
    writer = csv.writer(log)
    if log.tell() == 0:
        writer.writerow(["step", "loss", "lr", "elapsed_s"])
    return log, writer


def train(
    images: Union[np.ndarray, Batches],
    run_dir: str | Path,
    cfg: TrainConfig | None = None,
    progress: bool = True,
) -> Path:
    """Train (or resume) at ``cfg.resolution``; return the checkpoint path.

    ``images``: (N, H, W, 3) uint8, or a batch function ``(generator, batch_size) -> (B, 3, H, W)`` in [-1, 1].
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = run_dir / "last.pt"
    cfg = _config(run_dir, cfg)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    batches = _batches(images, cfg)
    device = torch.device(cfg.device)
    tr = _Trainer.start(cfg, device)
    scheduler = make_scheduler(cfg)
    if ckpt_path.exists():
        tr.resume(ckpt_path, device)
    else:
        (run_dir / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    alphas_cumprod = scheduler.alphas_cumprod.to(device)
    log, writer = _loss_log(run_dir)
    bar = tqdm(total=cfg.steps, initial=tr.step, disable=not progress, desc="train")
    tr.unet.train()
    running, t0 = 0.0, time.perf_counter()
    try:
        while tr.step < cfg.steps:
            loss, lr = tr.train_step(batches, alphas_cumprod, device)
            running += loss
            bar.update(1)
            if tr.step % cfg.log_every == 0:
                now = time.perf_counter()
                tr.elapsed, t0 = tr.elapsed + now - t0, now
                writer.writerow([tr.step, f"{running / cfg.log_every:.5f}", f"{lr:.2e}", f"{tr.elapsed:.1f}"])
                log.flush()
                bar.set_postfix(loss=f"{running / cfg.log_every:.4f}")
                running = 0.0
            if tr.step % cfg.save_every == 0 or tr.step == cfg.steps:
                tr.save(ckpt_path)
            if cfg.sample_every and tr.step % cfg.sample_every == 0:
                tr.sample(scheduler, run_dir / f"samples_{tr.step:06d}.png", device)
    finally:
        bar.close()
        log.close()
    return ckpt_path


def export(run_dir: str | Path, out_dir: str | Path, dtype: torch.dtype = torch.float16) -> Path:
    """Write the EMA weights of ``run_dir/last.pt`` as a diffusers folder (safetensors in ``dtype``)."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    cfg = TrainConfig(**json.loads((run_dir / "config.json").read_text()))
    state = torch.load(run_dir / "last.pt", weights_only=True)
    unet = make_unet(cfg)
    ema = EMAModel(unet.parameters(), decay=cfg.ema_decay)
    ema.load_state_dict(state["ema"])
    ema.copy_to(unet.parameters())
    unet.save_pretrained(out_dir, safe_serialization=True)
    weights = out_dir / "diffusion_pytorch_model.safetensors"
    save_file({k: v.to(dtype).contiguous() for k, v in load_file(weights).items()}, weights)
    weights.chmod(0o644)
    make_scheduler(cfg).save_pretrained(out_dir)
    meta = {"train_steps": int(state["step"]), "train_wall_s": round(float(state["elapsed"]), 1)}
    (out_dir / "training.json").write_text(json.dumps(meta, indent=2) + "\n")
    return out_dir
