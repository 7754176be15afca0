"""What every chapter of the book starts with, in one call.

    from gip.book import setup
    book = setup()                      # the model, the speed switch, the demo inputs
    scene, mask = book.scene(), book.box(4, 8, 24, 9)

``setup(use_hub=True)`` loads a 256x256 hub checkpoint instead (Colab with a GPU) and the chapters then run on
real photos: :meth:`Book.scene` is a scikit-image photo (the astronaut's face for face models, Chelsea for
the cat model), :meth:`Book.object` the accessories rendered at 256 px, :meth:`Book.cases` the accessories on
the photo. Boxes are given in *face coordinates* (32x32 units over the face, see :mod:`gip.assets`), so the
same chapter code puts the glasses over the eyes of either. ``GIP_FAST=1`` (the tests) makes
:meth:`Book.pick` return the fast value; ``GIP_HUB_MODEL=<folder or id>`` runs every chapter as if
``use_hub=True`` with that model (the test that runs the chapters on the photo path uses a local folder).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from . import assets, images, masks
from .errors import GipError
from .models import Model, embedded_models, load_model

HUB_MODEL = "google/ddpm-ema-celebahq-256"
#: the photo a hub model's chapters use, by a word in its id (faces otherwise)
PHOTO_FOR = {"cat": "chelsea"}


@dataclass
class Book:
    """A chapter's context: ``model``, ``fast`` (tests: fewer steps and seeds), ``photo`` (None: the emoji
    demo inputs of the embedded model; else the name of the :func:`gip.assets.photos` entry in use)."""

    model: Model
    fast: bool
    photo: str | None = None

    @property
    def R(self) -> int:
        return self.model.resolution

    @property
    def scene_name(self) -> str:
        return self.photo or "grinning"

    def scene(self) -> torch.Tensor:
        """The demo face as a (1, 3, R, R) tensor in [-1, 1]: the held-out grinning emoji, or the photo."""
        return assets.load_scene(self.scene_name, self.R)

    def face(self, name: str, tint: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> torch.Tensor:
        """Another face, (1, 3, R, R): the held-out emoji ``name`` (a ``gip/assets/heldout`` scene such as
        ``"twitter-1f475-1f3ff"``, or ``"grinning"``) on the embedded model; with a photo, the photo tinted by
        the (r, g, b) gains ``tint``, standing in for a face of another colour."""
        if self.photo:
            return ((self.scene() + 1) * torch.tensor(tint, dtype=torch.float32).view(1, 3, 1, 1) - 1).clamp(-1, 1)
        return assets.load_scene(name if name == "grinning" else f"heldout/{name}", self.R)

    def demo(self, name: str) -> torch.Tensor:
        """A shipped emoji image (``gip.assets``) as a (1, 3, R, R) tensor in [-1, 1] (embedded model only)."""
        if self.photo:
            raise GipError(f"book.demo({name!r}) is an emoji for the embedded model; with a hub model use "
                           "book.scene(), book.object() and book.cases() (real photos)")  # fmt: skip
        return images.resize(images.to_tensor(assets.load(name)), self.R)

    def check(self, condition: bool, message: str = "") -> None:
        """A claim the page's text makes about the embedded model's results: asserted on the embedded model;
        with a hub model (other weights, other pictures) only a note is printed when it does not hold.
        ``GIP_CHECKS=report`` prints ``CHECK FAILED: <message>`` instead of raising (re-measuring a chapter:
        every stale claim in one run)."""
        if condition:
            return
        if os.environ.get("GIP_CHECKS") == "report":  # maintainers: list every claim that fails in one run
            print(f"CHECK FAILED: {message}")
            return
        if self.photo:
            print(f"note: the text describes the embedded model; on {self.model.name} this differs: {message}")
            return
        raise AssertionError(message or "the page's text does not match the results")

    def where(self, x: float, y: float, w: float, h: float) -> tuple[int, int, int, int]:
        """A box in face coordinates (32x32 units over the demo face) as pixels (x, y, w, h) of :meth:`scene`."""
        return assets.place((x, y, w, h), self.scene_name, self.R)

    def box(self, x: float, y: float, w: float, h: float) -> np.ndarray:
        """A rectangular (R, R) fill mask given in face coordinates (:meth:`where`)."""
        return masks.box(self.R, *self.where(x, y, w, h))

    def object(self, name: str) -> Image.Image:
        """An accessory as RGBA cut to its pixels, at a size that suits the model (:func:`gip.assets.load_object`)."""
        return assets.load_object(name, self.R)

    def pick(self, full, fast):
        """``fast`` under GIP_FAST=1 (nbval, the CI book build), ``full`` otherwise."""
        return fast if self.fast else full

    def cases(self, n: int | None = None):
        """The insertion cases: the 16 held-out emoji pairs (:func:`gip.assets.insertion_cases`), or with a
        photo the four accessories on it (:func:`gip.assets.photo_cases`); the first ``n`` of them."""
        out = assets.photo_cases(self.photo, self.R) if self.photo else assets.insertion_cases(self.R)
        return out if n is None else out[:n]


def photo_for(model_id: str) -> str:
    """The shipped photo that suits a hub model (:data:`PHOTO_FOR`; the astronaut's face otherwise)."""
    return next((p for word, p in PHOTO_FOR.items() if word in str(model_id).lower()), "astronaut-face")


def for_model(model: Model, fast: bool = False) -> Book:
    """A :class:`Book` around an already loaded model: emoji inputs for an embedded model, else a photo."""
    return Book(model=model, fast=fast, photo=None if model.name in embedded_models() else photo_for(model.name))


def setup(use_hub: bool = False, hub_model: str = HUB_MODEL, threads: int = 1, seed: int = 0,
          photo: str | None = None) -> Book:  # fmt: skip
    """Load the model (embedded, offline; or ``hub_model`` on a GPU when ``use_hub``), fix the threads
    (the embedded model is tiny: one thread is as fast on a shared CPU) and the global seed. With a hub model
    the demo inputs are a real photo: ``photo`` (a :func:`gip.assets.photos` name) or the one that suits the
    model's id (:data:`PHOTO_FOR`; the astronaut's face otherwise)."""
    fast = bool(os.environ.get("GIP_FAST")) or os.environ.get("CI") == "true"
    if os.environ.get("GIP_HUB_MODEL"):
        use_hub, hub_model = True, os.environ["GIP_HUB_MODEL"]
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    if not use_hub:
        return Book(model=load_model(), fast=fast)
    model = load_model(hub_model, device="cuda" if torch.cuda.is_available() else "cpu")
    model.graph = model.device.type == "cuda"  # every gip.inpaint of the chapter replays a CUDA graph (gip.accel)
    photo = photo_for(hub_model) if photo is None else photo
    assets.photo_info(photo)  # a clear error for an unknown name, before any chapter cell runs
    return Book(model=model, fast=fast, photo=photo)
