"""gip: target-guided diffusion inpainting (RePaint extended as in "Fill in the ____", 2024).

    import gip
    model = gip.load_model()                        # embedded default, offline
    res = gip.inpaint(scene, target, mask, model=model, lam=gip.lambdas.Linear(p=0.75))
    res.images[0].save("out.png")

Images are tensors in [-1, 1], NCHW; the public mask is the fill mask (1 = where the target goes).
"""

from . import assets, diffusion, evaluation, images, lambdas, masks
from . import metrics, sweep
from .auto import AutoResult, auto_inpaint
from .errors import GipError
from .images import place_object
from .metrics import evaluate
from .models import DEFAULT_MODEL, HUB_MODELS, Model, embedded_models, load_model
from .recorder import Trajectory
from .sampler import InpaintResult, inpaint, repaint
from .schedule import NoiseTables, count_model_calls, jump_schedule, moves
from .sweep import summarize
from .unconditional import SampleResult, sample

__version__ = "0.1.0"

__all__ = [
    "AutoResult",
    "DEFAULT_MODEL",
    "HUB_MODELS",
    "GipError",
    "InpaintResult",
    "Model",
    "NoiseTables",
    "Trajectory",
    "auto_inpaint",
    "assets",
    "count_model_calls",
    "diffusion",
    "embedded_models",
    "evaluation",
    "evaluate",
    "images",
    "inpaint",
    "jump_schedule",
    "lambdas",
    "load_model",
    "masks",
    "metrics",
    "moves",
    "place_object",
    "repaint",
    "summarize",
    "sweep",
    "sample",
    "SampleResult",
]
