"""The sampler: ONE loop for RePaint and target-guided inpainting ("Fill in the ____").

One down-step a -> b = a - 1 (book chapters 2-3; the README's method section), ``sampler="repaint"`` (the
default):

1. ``x_gen = reverse_step(model, x_a, a)``
2. ``x_scn = q_sample(scene, b)``, ``x_tgt = q_sample(target, b)`` (independent noise; exact at b = -1)
3. eq. 3: ``x_fill = Lambda_b * x_tgt + (1 - Lambda_b) * x_gen`` with ``Lambda_b = lam(b) * H``
4. eq. 4: ``x_b = K_b * x_scn + O * x_fill + B * x_gen`` (O fill region, K_b buffered keep, B the ring)

Up-steps re-noise the whole image one level. With no target (or lam = 0) this is RePaint.

The other samplers [ours] (``Settings.sampler``) differ only in how the known pixels enter a down-step:

- ``"ddim"``: steps 1, 3, 4 as above, the reverse step with ``eta`` (0 = deterministic DDIM), but the scene
  and target are noised along DDIM's deterministic forward path: ONE noise image each, drawn at the start,
  ``x_scn = sqrt(abar_b) s + sqrt(1 - abar_b) eps_s`` at every level (blended with fresh noise as
  ``sqrt(1 - eta^2) eps_s + eta z``; eta = 1 is exactly ``"repaint"``).
- ``"projection"``: the known pixels are written into the model's clean estimate, then one step is taken
  from it (DDNM/DiffPIR-style): ``x0' = K_b * scene + O * (Lambda_b * target + (1 - Lambda_b) * x0_hat) +
  B * x0_hat``, then ``x_b = sqrt(abar_b) x0' + sqrt(1 - abar_b - s^2) eps_hat + s z`` with the model's
  noise estimate eps_hat and ``s^2 = eta^2 beta~`` (eta = 0 DDIM; eta = 1 DDPM's variance): the model's own
  step plus ``sqrt(abar_b) (x0' - x0_hat)``. At the last step ``x = x0'`` exactly.
  No scene or target noise is drawn; ``mix`` does not apply (the mix is always on clean images).

Noise order (``"repaint"``; what a copy of the loop must follow to match it bit for bit): one generator
seeded with ``seed`` draws x_T first; then per down-step the reverse step's noise, then the scene's noise;
per up-step the re-noising noise. The target's noise comes from a second generator seeded by
``_target_seed(seed)``, so the main stream is the same with or without a target.

Time travel (jump_length, jump_n_sample), heat, buffer and the lambda schedule mean the same for all three,
and so does the model-call count. The per-step maths are the small pure functions of :mod:`gip.diffusion`.
Every setting is a field of :class:`gip.Settings`; the loop reads them, and nothing else.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, NamedTuple

import numpy as np
import torch
from PIL import Image
from tqdm.auto import tqdm

from . import lambdas as lambdas_mod
from . import masks
from .diffusion import (mix_noisy, mix_x0, noise_of, paste, predict_x0, project_x0, q_sample, renoise, reverse_step,
                        step_from_x0)
from .errors import GipError
from .images import ImageLike, resize, resize_mask, to_mask_array, to_pil, to_tensor
from .models import Model, load_model
from .recorder import Recorder, Trajectory
from .schedule import NoiseTables, jump_schedule, moves
from .settings import Settings, resolve

@dataclass
class InpaintResult:
    """``tensor`` (N, 3, H, W) float32 in [-1, 1] on the CPU; ``images`` the same as PIL images."""

    tensor: torch.Tensor
    trajectory: Trajectory | None
    fill: np.ndarray  # (H, W) bool, the fill region O
    keep: np.ndarray  # (H, W) bool, the enforced keep region K_b
    heat: np.ndarray  # (H, W) float, H (the fill mask when heat is off)
    model_calls: int
    seconds: float
    settings: Settings = field(default_factory=Settings)
    seed: int = 0

    @property
    def images(self) -> list[Image.Image]:
        return to_pil(self.tensor)

    @property
    def ring(self) -> np.ndarray:
        """(H, W) bool, the scene-buffer ring B = K - K_b left to the model."""
        return ~self.fill & ~self.keep


class Step(NamedTuple):
    """What a step callback sees after each schedule entry (tensors on the device, (N, 3, H, W)).

    ``index`` of ``total`` entries; ``level`` formed (-1 = clean); ``down`` (a model call) or an up-step;
    ``lam`` the scalar lambda of the level; ``x`` the image after the entry. For down-steps also ``x0``
    (x0_hat), ``known`` (noised scene), ``target`` (noised target, None without one) and ``generated``
    (the reverse step after eq. 3 inside the fill region); None on up-steps. With ``sampler="projection"``
    ``known`` is the projected clean estimate x0' (scene and target written in), ``target`` is None and
    ``generated`` is the step taken from x0' (= ``x``).
    """

    index: int
    total: int
    level: int
    down: bool
    lam: float
    x: torch.Tensor
    x0: torch.Tensor | None = None
    known: torch.Tensor | None = None
    target: torch.Tensor | None = None
    generated: torch.Tensor | None = None


@lru_cache(maxsize=1)
def default_model() -> Model:
    """The embedded default model, loaded once per process."""
    return load_model()


def _prepare(scene, target, mask, keep_mask, model: Model, resize_inputs: bool):
    if (mask is None) == (keep_mask is None):
        raise GipError("pass exactly one of mask= (fill mask, white = fill) or keep_mask= (white = keep)")
    s = to_tensor(scene, "scene")
    g = None if target is None else to_tensor(target, "target")
    m = to_mask_array(mask if mask is not None else keep_mask, "mask" if mask is not None else "keep_mask")
    if keep_mask is not None:
        m = 1.0 - m  # the equivalent fill mask; thresholded like one (a 0.5 pixel is scene either way)
    res = model.resolution
    sizes = {"scene": tuple(s.shape[-2:]), "mask": m.shape}
    if g is not None:
        sizes["target"] = tuple(g.shape[-2:])
    if len(set(sizes.values())) > 1:
        got = ", ".join(f"{k} {v[1]}x{v[0]}" for k, v in sizes.items())
        raise GipError(f"inputs differ in size ({got}): scene, target and mask must have the same size")
    if s.shape[-2:] != (res, res):
        if not resize_inputs:
            h, w = s.shape[-2:]
            raise GipError(
                f"inputs are {w}x{h} but the model {model.name!r} works at {res}x{res}: "
                "resize them, or pass resize=True (CLI: --resize)"
            )
        s = resize(s, res)
        g = None if g is None else resize(g, res)
        m = resize_mask(m, res)
    return s, g, masks.validate_fill(m)


def _check_run(num_samples, record) -> None:
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
        raise GipError(f"num_samples must be a whole number >= 1, got {num_samples!r}")
    if record is not False and record is not True and (not isinstance(record, int) or record < 1):
        raise GipError(f"record must be True, False or a stride >= 1, got {record!r}")


def _target_seed(seed: int) -> int:
    """A seed for the target's own noise stream, so the main stream is the same with or without it."""
    return (seed * 0x9E3779B1 + 0x7F4A7C15) % (2**63)


def inpaint(
    scene: ImageLike,
    target: ImageLike | None,
    mask: ImageLike | None = None,
    settings: Settings | None = None,
    *,
    keep_mask: ImageLike | None = None,
    model: Model | None = None,
    seed: int | None = 0,
    num_samples: int = 1,
    record: bool | int = False,
    record_dtype: torch.dtype = torch.float16,
    callback: Callable[[Step], None] | None = None,
    device: str | torch.device | None = None,
    dtype: torch.dtype | None = None,
    compile: bool = False,
    resize: bool = False,
    progress: bool = True,
    **overrides: Any,
) -> InpaintResult:
    """Fill ``mask`` (white = fill) of ``scene`` with ``target``, blended in by a pretrained DDPM.

    Args:
        scene, target: images (path, PIL, (H, W, 3) uint8 array or (1, 3, H, W) tensor in [-1, 1]) of the
            model's resolution; the target sits where the mask is (see :func:`gip.images.place_object`).
            ``target=None`` is plain RePaint.
        mask: the fill mask (thresholded at 0.5); or ``keep_mask`` (white = keep), RePaint's convention.
        settings: a :class:`gip.Settings` (default ``Settings()``); ``**overrides`` change single fields,
            e.g. ``steps=100, lam=gip.lambdas.Floor(0.3), buffer=0``.
        model: a :class:`gip.Model` (default: the embedded model). ``device``/``dtype`` move it in place.
        seed: seeds the main noise stream (and, derived from it, the target's); None = random.
        num_samples: N samples batched through one UNet call per step.
        record: True (every entry) or a stride: keep a :class:`gip.Trajectory` on the CPU.
        callback: called with a :class:`Step` after every schedule entry (progress, recording, plots).
        compile: ``torch.compile`` the UNet first (worth it on a GPU for long runs).
        resize: resize inputs to the model's resolution instead of raising.
    """
    st = resolve(settings, overrides)
    _check_run(num_samples, record)
    model = model or default_model()
    if device is not None or dtype is not None:
        model.to(device, dtype)
    dev, udtype = model.device, model.dtype
    s, g, fill = _prepare(scene, target, mask, keep_mask, model, resize)
    keep_b = masks.scene_buffer(fill, st.buffer, st.buffer_metric)
    if not keep_b.any():
        raise GipError(f"buffer={st.buffer} removes the whole scene: use a smaller buffer")
    heat_np = st.heat(fill) if (g is not None and st.heat is not None) else fill.astype(np.float64)
    T = st.steps
    tables = NoiseTables.from_scheduler(model.scheduler, T)
    if g is None:
        lam_vals = [0.0] * (T + 1)
    else:
        taus = lambdas_mod.level_taus(T, model.scheduler.alphas_cumprod, model.resolution, st.axis)
        lam_vals = lambdas_mod.values(st.lam, T, taus)
    schedule = jump_schedule(T, st.jump_length, st.jump_n_sample)
    plan = moves(schedule, T)

    # Everything the loop touches lives on the device; scalars stay Python floats (no host syncs).
    f32 = torch.float32
    s = s.to(dev, f32)  # NCHW-contiguous from to_tensor (a channels-last input would slow the UNet)
    g = None if g is None else g.to(dev, f32)
    K = torch.from_numpy(keep_b).to(dev)[None, None]
    O = torch.from_numpy(fill).to(dev)[None, None]
    H = torch.from_numpy(heat_np).to(dev, f32)[None, None]
    timesteps = torch.arange(T, device=dev) * tables.stride
    seed = int.from_bytes(os.urandom(7), "little") if seed is None else int(seed)
    gen = torch.Generator(device=dev).manual_seed(seed)
    tgen = torch.Generator(device=dev).manual_seed(_target_seed(seed))
    shape = (num_samples, 3, s.shape[-2], s.shape[-1])
    unet = torch.compile(model.unet) if compile else model.unet
    rec = None if record is False else Recorder(1 if record is True else int(record), record_dtype)
    callbacks = [c for c in (rec, callback) if c is not None]

    def noise(generator):
        return torch.randn(shape, generator=generator, device=dev, dtype=f32)

    kind, eta = st.sampler, st.eta
    fixed = kind == "ddim" and eta < 1.0  # DDIM's deterministic forward path for the known pixels

    def paste_noise(generator, eps_fixed):
        """The noise of one noised scene/target: fresh (repaint, ddim at eta = 1) or along the fixed path."""
        if not fixed:
            return noise(generator)
        return eps_fixed if eta == 0.0 else math.sqrt(1.0 - eta**2) * eps_fixed + eta * noise(generator)

    t0 = time.perf_counter()
    x = noise(gen)
    eps_s = noise(gen) if fixed else None
    eps_g = noise(tgen) if fixed and g is not None else None
    with torch.inference_mode():
        for i, (down, a, b) in enumerate(tqdm(plan, desc="gip", disable=not progress, leave=False)):
            lam_b = lam_vals[b + 1]
            if down:
                eps = unet(x.to(udtype), timesteps[a]).sample.to(f32)
                abar_a, abar_b = tables.abar_at(a), tables.abar_at(b)
                L = lam_b * H if (g is not None and lam_b > 0.0) else 0.0
                if kind == "projection":  # DDNM-style: x_b = sqrt(abar_b) x0' + c eps_hat + s z
                    x0 = predict_x0(x, eps, abar_a)
                    x_scn = project_x0(x0, s, g, L, K, O)  # x0' (the known pixels written in)
                    x = x_gen = step_from_x0(x, x_scn, abar_a, abar_b, eta, gen, eps=noise_of(x, x0, abar_a))
                    x_tgt = None
                else:
                    x_gen, x0 = reverse_step(x, eps, abar_a, abar_b, eta, gen)
                    x_scn = q_sample(s, abar_b, paste_noise(gen, eps_s))
                    x_tgt = None
                    x_fill = x_gen
                    if g is not None:
                        x_tgt = q_sample(g, abar_b, paste_noise(tgen, eps_g))
                        if lam_b > 0.0 and st.mix == "noisy":
                            x_fill = mix_noisy(x_gen, x_tgt, L)  # eq. 3
                        elif lam_b > 0.0:
                            x_fill = mix_x0(x_gen, x0, g, L, abar_b)
                    if x_fill is not x_gen:  # eq. 3 inside the fill region (the generated part Step reports)
                        x_gen = torch.where(O, x_fill, x_gen)
                    x = paste(x_scn, x_gen, x_gen, K, O)  # eq. 4: K_b the scene, O and the ring B x_gen
                step = Step(i, len(plan), b, True, lam_b, x, x0, x_scn, x_tgt, x_gen) if callbacks else None
            else:
                x = renoise(x, tables.beta(b), noise(gen))
                step = Step(i, len(plan), b, False, lam_b, x) if callbacks else None
            for cb in callbacks:
                cb(step)
    out = x.to("cpu", f32)
    seconds = time.perf_counter() - t0
    traj = None if rec is None else rec.finish(T, schedule, heat_np, fill, keep_b)
    if g is None:
        st = st.replace(lam=0.0, heat=False)
    return InpaintResult(
        tensor=out,
        trajectory=traj,
        fill=fill,
        keep=keep_b,
        heat=heat_np,
        model_calls=sum(m.down for m in plan),
        seconds=seconds,
        settings=st,
        seed=seed,
    )


def repaint(scene: ImageLike, mask: ImageLike | None = None, settings: Settings | None = None, **kwargs) -> InpaintResult:
    """Plain RePaint: :func:`inpaint` with no target (lam = 0, no heat, no buffer unless asked)."""
    for k in ("lam", "heat", "mix", "lam_axis", "lam_reference"):
        if k in kwargs:
            raise GipError(f"repaint() takes no {k}=: it has no target; use gip.inpaint() for guidance")
    if settings is None:
        kwargs.setdefault("buffer", 0)
    return inpaint(scene, None, mask, settings, **kwargs)
