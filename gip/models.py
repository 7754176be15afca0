"""Loading pixel-space DDPMs: the embedded default model, hub ids and local ``save_pretrained`` folders."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from diffusers import DDPMScheduler, UNet2DModel

from .errors import GipError

WEIGHTS_DIR = Path(__file__).parent / "weights"
DEFAULT_MODEL = "emoji-faces-32"
#: Hub checkpoints known to work (they need the internet; use them in Colab or on a GPU machine).
HUB_MODELS = (
    "google/ddpm-ema-celebahq-256",
    "google/ddpm-celebahq-256",
    "google/ddpm-ema-church-256",
    "google/ddpm-ema-cat-256",
    "google/ddpm-ema-bedroom-256",
    "google/ddpm-cifar10-32",
)


@dataclass
class Model:
    """A loaded DDPM: ``unet`` (diffusers ``UNet2DModel``), ``scheduler`` (``DDPMScheduler``)."""

    unet: UNet2DModel
    scheduler: DDPMScheduler
    name: str
    #: replay the UNet from a CUDA graph in :func:`gip.inpaint` unless it is told otherwise (``graph=``);
    #: :func:`gip.book.setup` turns it on for a hub model on a GPU
    graph: bool = False
    #: compiled / CUDA-graph wrappers of the UNet, made and reused by :func:`gip.accel.denoiser`
    accel: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def resolution(self) -> int:
        size = self.unet.config.sample_size
        return int(size if isinstance(size, int) else size[0])

    @property
    def device(self) -> torch.device:
        return next(self.unet.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.unet.parameters()).dtype

    def to(self, device=None, dtype: torch.dtype | None = None) -> "Model":
        kw = {k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None}
        if kw:
            before = (self.device, self.dtype)
            self.unet.to(**kw)
            if (self.device, self.dtype) != before:
                self.accel.clear()  # captured graphs and compiled code belong to the old device/dtype
        return self

    def save_pretrained(self, path: str | os.PathLike) -> Path:
        """Save UNet and scheduler to a folder that :func:`load_model` (and diffusers) load offline."""
        path = Path(path)
        self.unet.save_pretrained(path, safe_serialization=True)
        self.scheduler.save_pretrained(path)
        return path

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.unet.parameters())
        return f"Model({self.name!r}, {self.resolution}x{self.resolution}, {n / 1e6:.1f}M params, {self.device}, {self.dtype})"


def embedded_models() -> list[str]:
    """Names of the models shipped inside the package."""
    if not WEIGHTS_DIR.is_dir():
        return []
    return sorted(p.name for p in WEIGHTS_DIR.iterdir() if (p / "config.json").exists())


def _load_dir(path: Path, name: str, dtype: torch.dtype, safetensors_only: bool) -> Model:
    sub = "unet" if (path / "unet" / "config.json").exists() else None
    sched_sub = "scheduler" if (path / "scheduler" / "scheduler_config.json").exists() else None
    if not (path / (sub or "") / "config.json").exists():
        raise GipError(f"{path} is not a diffusers model folder (no config.json): save one with save_pretrained")
    kw = {"use_safetensors": True} if safetensors_only else {}
    kw["low_cpu_mem_usage"] = False  # no accelerate needed; the models are small or loaded once
    try:
        unet = UNet2DModel.from_pretrained(path, subfolder=sub, torch_dtype=dtype, **kw)
    except (OSError, EnvironmentError, ValueError, RuntimeError) as e:
        msg = str(e).splitlines()[0] if str(e) else e.__class__.__name__
        raise GipError(
            f"could not load the UNet weights of {name} from {path} ({msg}): the weights file is missing or "
            "corrupted; reinstall gip (embedded model) or save the model again"
        ) from None
    try:
        scheduler = DDPMScheduler.from_pretrained(path, subfolder=sched_sub)
    except (OSError, EnvironmentError, ValueError) as e:
        raise GipError(f"{path} has no readable scheduler_config.json ({e.__class__.__name__})") from None
    _check_sampleable(unet, scheduler, name)
    unet.eval().requires_grad_(False)
    return Model(unet=unet, scheduler=scheduler, name=name)


def _check_sampleable(unet: UNet2DModel, scheduler: DDPMScheduler, name: str) -> None:
    """Refuse checkpoints gip's sampler would run wrongly: it needs epsilon prediction, fixed variance,
    3 output channels and a square input."""
    pred = scheduler.config.get("prediction_type", "epsilon")
    if pred != "epsilon":
        raise GipError(
            f"{name} predicts {pred!r}; gip's sampler needs an epsilon-prediction model "
            "(such as google/ddpm-ema-celebahq-256 or the embedded model)"
        )
    var = scheduler.config.get("variance_type", "fixed_small")
    if var in ("learned", "learned_range") or unet.config.out_channels != unet.config.in_channels:
        raise GipError(
            f"{name} learns its variance (variance_type={var!r}, {unet.config.out_channels} output channels); "
            "gip's sampler uses the fixed posterior variance: use a fixed-variance DDPM"
        )
    size = unet.config.sample_size
    if not isinstance(size, int) and (len(size) != 2 or size[0] != size[1]):
        raise GipError(f"{name} works on non-square {size} images; gip needs a square model")


def load_model(
    name: str | os.PathLike | None = None,
    device: str | torch.device | None = None,
    dtype: torch.dtype | None = None,
) -> Model:
    """Load a model by embedded name, local folder or hub id (default: the embedded ``emoji-faces-32``).

    Embedded models load offline from safetensors and are upcast to float32 (``dtype`` overrides).
    Hub ids (``google/ddpm-ema-celebahq-256``) download through diffusers and need the internet; offline,
    download once elsewhere, ``save_pretrained`` to a folder and pass that folder.
    """
    dtype = dtype or torch.float32
    if name is None:
        name = DEFAULT_MODEL
    name_s = os.fspath(name)
    if name_s in embedded_models():
        model = _load_dir(WEIGHTS_DIR / name_s, name_s, dtype, safetensors_only=True)
    elif Path(name_s).expanduser().is_dir():
        model = _load_dir(Path(name_s).expanduser(), name_s, dtype, safetensors_only=False)
    elif name_s.count("/") == 1 and not name_s.startswith((".", "/", "~")):
        model = _load_hub(name_s, dtype)
    else:
        raise GipError(
            f"unknown model {name_s!r}: use an embedded model ({', '.join(embedded_models()) or 'none installed'}), "
            f"a local diffusers folder, or a hub id such as {', '.join(HUB_MODELS[:3])}"
        )
    if device is not None:
        model.to(device)
    return model


def _load_hub(repo_id: str, dtype: torch.dtype) -> Model:
    try:
        from huggingface_hub import snapshot_download

        path = snapshot_download(repo_id, allow_patterns=["*.json", "*.safetensors", "*.bin"])
    except Exception as e:  # network errors come in many types; all mean the same to the user
        offline = os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False")
        why = "HF_HUB_OFFLINE is set" if offline else f"{e.__class__.__name__}"
        raise GipError(
            f"could not download {repo_id!r} ({why}; no internet?): on a machine with internet run "
            f"`gip.load_model({repo_id!r}).save_pretrained(DIR)`, copy DIR here and pass it as the model; or use the embedded default model (gip.load_model())"
        ) from None
    return _load_dir(Path(path), repo_id, dtype, safetensors_only=False)
