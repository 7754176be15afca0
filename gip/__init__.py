"""gip: target-guided diffusion inpainting (RePaint extended as in "Fill in the ____", 2024).

    import gip
    model = gip.load_model()                        # embedded default, offline
    res = gip.inpaint(scene, target, mask, model=model)              # gip.Settings() defaults
    res = gip.inpaint(scene, target, mask, lam=gip.lambdas.Floor(0.3), buffer=0)   # single overrides
    res.images[0].save("out.png")

Images are tensors in [-1, 1], NCHW; the public mask is the fill mask (1 = where the target goes).
"""

from . import accel, assets, benchmark, diffusion, experiment, images, lambdas, masks, matte, metrics
from .auto import AutoResult, auto_inpaint
from .errors import GipError
from .experiment import Case
from .images import place_object
from .metrics import evaluate
from .models import DEFAULT_MODEL, HUB_MODELS, Model, embedded_models, load_model
from .recorder import Trajectory
from .sampler import InpaintResult, Step, inpaint, repaint
from .schedule import NoiseTables, count_model_calls, jump_schedule, moves
from .settings import Settings
from .unconditional import SampleResult, sample

__version__ = "0.2.0"

__all__ = [
    "AutoResult",
    "Case",
    "DEFAULT_MODEL",
    "HUB_MODELS",
    "GipError",
    "InpaintResult",
    "Model",
    "NoiseTables",
    "SampleResult",
    "Settings",
    "Step",
    "Trajectory",
    "accel",
    "assets",
    "benchmark",
    "auto_inpaint",
    "count_model_calls",
    "diffusion",
    "embedded_models",
    "evaluate",
    "experiment",
    "images",
    "inpaint",
    "jump_schedule",
    "lambdas",
    "load_model",
    "masks",
    "matte",
    "metrics",
    "moves",
    "place_object",
    "repaint",
    "sample",
]
