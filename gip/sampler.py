"""The sampler: ONE loop for RePaint and target-guided inpainting ("Fill in the ____").

The loop (:func:`inpaint`) walks RePaint's jump schedule. A **down-step** a -> b = a - 1 calls the model
once and hands its noise prediction to the step function of ``Settings.sampler`` (:mod:`gip.steps`: one
function per sampler). The paper's, ``"repaint"`` (the default; book chapters 2-3):

1. ``x_gen = reverse_step(model, x_a, a)``
2. ``x_scn = q_sample(scene, b)``, ``x_tgt = q_sample(target, b)`` (independent noise; exact at b = -1)
3. eq. 3: ``x_fill = Lambda_b * x_tgt + (1 - Lambda_b) * x_gen`` with ``Lambda_b = lam(b) * W``
4. eq. 4: ``x_b = K_b * x_scn + O * x_fill + B * x_gen`` (O fill region, K_b buffered keep, B the ring)

An **up-step** re-noises the whole image one level. With no target (or lam = 0) this is RePaint.

Noise order (``"repaint"``; what a copy of the loop must follow to match it bit for bit): one generator
seeded with ``seed`` draws x_T first; then per down-step the reverse step's noise, then the scene's noise;
per up-step the re-noising noise. The target's noise comes from a second generator seeded by
:func:`target_seed`, so the main stream is the same with or without a target.

Time travel (jump_length, jump_n_sample), heat, buffer and the lambda schedule mean the same for every
sampler, and so does the model-call count. The per-step maths are the small pure functions of
:mod:`gip.diffusion`. Every setting is a field of :class:`gip.Settings`; the loop reads them, and nothing else.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, NamedTuple

import numpy as np
import torch
from PIL import Image
from tqdm.auto import tqdm

from .accel import denoiser
from .diffusion import renoise
from .errors import GipError
from .images import ImageLike, to_pil
from .inputs import Inputs, prepare
from .matte import Matte
from .models import Model, load_model
from .recorder import Recorder, Trajectory
from .schedule import NoiseTables, jump_schedule, moves
from .settings import Settings, resolve
from .steps import SAMPLERS, Run


@dataclass
class InpaintResult:
    """``tensor`` (N, 3, H, W) float32 in [-1, 1] on the CPU; ``images`` the same as PIL images."""

    tensor: torch.Tensor
    trajectory: Trajectory | None
    fill: np.ndarray  # (H, W) bool, the fill region O
    keep: np.ndarray  # (H, W) bool, the enforced keep region K_b
    heat: np.ndarray  # (H, W) float, the target's weight W = H * matte (the fill mask when heat is off)
    model_calls: int
    seconds: float
    settings: Settings = field(default_factory=Settings)
    seed: int = 0
    matte: Matte | None = None  # the target's matte (kind and alpha), None without a target or with matte="off"

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


def _check_run(num_samples, record) -> None:
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
        raise GipError(f"num_samples must be a whole number >= 1, got {num_samples!r}")
    if record is not False and record is not True and (not isinstance(record, int) or record < 1):
        raise GipError(f"record must be True, False or a stride >= 1, got {record!r}")


def target_seed(seed: int) -> int:
    """The seed of the target's own noise stream, so the main stream is the same with or without a target."""
    return (seed * 0x9E3779B1 + 0x7F4A7C15) % (2**63)


def start(inp: Inputs, st: Settings, model: Model, seed: int, num_samples: int) -> Run:
    """The :class:`gip.steps.Run` of one call: the inputs on the model's device, the noise tables of
    ``st.steps`` and the two random streams seeded from ``seed``."""
    dev = model.device
    gen = torch.Generator(device=dev).manual_seed(seed)
    tgen = torch.Generator(device=dev).manual_seed(target_seed(seed))
    target = None if inp.target is None else inp.target.to(dev, torch.float32)
    K, O = (torch.from_numpy(m).to(dev)[None, None] for m in (inp.keep, inp.fill))
    tables = NoiseTables.from_scheduler(model.scheduler, st.steps, st.time_grid)
    shape = (num_samples, 3, *inp.scene.shape[-2:])
    return Run(inp.scene.to(dev, torch.float32), target, K, O, tables, st.eta, st.mix, gen, tgen, shape)


def inpaint(
    scene: ImageLike, target: ImageLike | None, mask: ImageLike | None = None, settings: Settings | None = None,
    *, keep_mask: ImageLike | None = None, model: Model | None = None, seed: int | None = 0, num_samples: int = 1,
    record: bool | int = False, record_dtype: torch.dtype = torch.float16, callback: Callable[[Step], None] | None = None,
    device: str | torch.device | None = None, dtype: torch.dtype | None = None, compile: bool = False,
    graph: bool | None = None, resize: bool = False, progress: bool = True, object_mask: ImageLike | None = None, **overrides: Any,
) -> InpaintResult:  # fmt: skip
    """Fill ``mask`` (white = fill) of ``scene`` with ``target``, blended in by a pretrained DDPM.

    ``scene``/``target``: paths, PIL images, (H, W, 3) uint8 arrays or (1, 3, H, W) tensors in [-1, 1] of the
    model's size (or ``resize=True``); ``target=None`` is plain RePaint. ``mask`` is the fill mask, or give
    ``keep_mask`` (white = keep). ``settings`` (default ``Settings()``) with single ``**overrides``
    (``steps=100``). ``model`` (default: embedded) is moved to ``device``/``dtype`` in place. ``seed`` (None =
    random) seeds both noise streams; ``num_samples`` are batched through one UNet call per step; ``record``
    (True or a stride) keeps a :class:`gip.Trajectory`; ``callback`` sees a :class:`Step` after every entry;
    ``compile`` applies ``torch.compile`` to the UNet, ``graph`` replays it from a CUDA graph (GPU; on the
    CPU a warning and eager calls: :mod:`gip.accel`; default ``model.graph``). ``object_mask`` (white = object) tells which target
    pixels are the object (else an RGBA target's alpha, else estimated: :mod:`gip.matte`).
    """
    st, model = resolve(settings, overrides), model or default_model()
    _check_run(num_samples, record)
    if device is not None or dtype is not None:
        model.to(device, dtype)
    inp = prepare(scene, target, mask, keep_mask, st, model.resolution, model.name, resize, object_mask)
    seed = int.from_bytes(os.urandom(7), "little") if seed is None else int(seed)
    run = start(inp, st, model, seed, num_samples)
    step_fn, init = SAMPLERS[st.sampler]
    lam = st.lam_levels(model) if inp.target is not None else [0.0] * (st.steps + 1)
    W = torch.from_numpy(inp.weight).to(model.device, torch.float32)[None, None]
    schedule = jump_schedule(st.steps, st.jump_length, st.jump_n_sample)
    plan = moves(schedule, st.steps)
    unet = denoiser(model, compile, model.graph if graph is None else graph)
    timesteps = torch.tensor([run.tables.timestep(a) for a in range(st.steps)], device=model.device)
    rec = None if record is False else Recorder(1 if record is True else int(record), record_dtype)
    callbacks = [c for c in (rec, callback) if c is not None]
    t0 = time.perf_counter()
    x = run.noise()
    if init is not None:
        init(run)
    with torch.inference_mode():
        for i, (down, a, b) in enumerate(tqdm(plan, desc="gip", disable=not progress, leave=False)):
            if down:
                eps = unet(x.to(model.dtype), timesteps[a]).sample.to(torch.float32)
                L = lam[b + 1] * W if (inp.target is not None and lam[b + 1] > 0.0) else 0.0
                d = step_fn(run, x, eps, a, b, L)
                x, parts = d.x, (d.x0, d.known, d.target, d.generated)
            else:
                x, parts = renoise(x, run.tables.beta(b), run.noise()), ()
            step = Step(i, len(plan), b, down, lam[b + 1], x, *parts) if callbacks else None
            for cb in callbacks:
                cb(step)
    seconds = time.perf_counter() - t0
    traj = None if rec is None else rec.finish(st.steps, schedule, inp.weight, inp.fill, inp.keep)
    st = st if inp.target is not None else st.replace(lam=0.0, heat=False)
    return InpaintResult(x.to("cpu", torch.float32), traj, inp.fill, inp.keep, inp.weight,
                         sum(m.down for m in plan), seconds, st, seed, inp.matte)


def repaint(scene: ImageLike, mask: ImageLike | None = None, settings: Settings | None = None, **kwargs) -> InpaintResult:
    """Plain RePaint: :func:`inpaint` with no target (lam = 0, no heat, no buffer unless asked)."""
    for k in ("lam", "heat", "mix", "lam_axis", "lam_reference"):
        if k in kwargs:
            raise GipError(f"repaint() takes no {k}=: it has no target; use gip.inpaint() for guidance")
    if settings is None:
        kwargs.setdefault("buffer", 0)
    return inpaint(scene, None, mask, settings, **kwargs)
