"""What every chapter of the book starts with, in one call.

    from gip.book import setup
    book = setup()                      # the model, the speed switch, the demo inputs
    scene, mask = book.demo("grinning"), book.box(4, 8, 24, 9)

``setup(use_hub=True)`` loads a 256x256 hub checkpoint instead (Colab with a GPU); the demo inputs are then
scaled to its resolution. ``GIP_FAST=1`` (the tests) makes :meth:`Book.steps` return the fast value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from . import assets, images, masks
from .models import Model, load_model

HUB_MODEL = "google/ddpm-ema-celebahq-256"


@dataclass
class Book:
    """A chapter's context: ``model``, ``fast`` (tests: fewer steps and seeds), ``R`` the model's resolution."""

    model: Model
    fast: bool

    @property
    def R(self) -> int:
        return self.model.resolution

    def demo(self, name: str) -> torch.Tensor:
        """A shipped image (``gip.assets``) as a (1, 3, R, R) tensor in [-1, 1]."""
        return images.resize(images.to_tensor(assets.load(name)), self.R)

    def box(self, x: int, y: int, w: int, h: int):
        """A rectangular fill mask given in 32x32 coordinates, scaled to the model's resolution."""
        return masks.box(self.R, *(v * self.R // 32 for v in (x, y, w, h)))

    def pick(self, full, fast):
        """``fast`` under GIP_FAST=1 (nbval, the CI book build), ``full`` otherwise."""
        return fast if self.fast else full

    def cases(self, n: int | None = None):
        """The held-out insertion pairs (:func:`gip.assets.insertion_cases`), the first ``n`` of them."""
        out = assets.insertion_cases(self.R)
        return out if n is None else out[:n]


def setup(use_hub: bool = False, hub_model: str = HUB_MODEL, threads: int = 1, seed: int = 0) -> Book:
    """Load the model (embedded, offline; or ``hub_model`` on a GPU when ``use_hub``), fix the threads
    (the embedded model is tiny: one thread is as fast on a shared CPU) and the global seed."""
    fast = bool(os.environ.get("GIP_FAST")) or os.environ.get("CI") == "true"
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    if use_hub:
        model = load_model(hub_model, device="cuda" if torch.cuda.is_available() else "cpu")
    else:
        model = load_model()
    return Book(model=model, fast=fast)
