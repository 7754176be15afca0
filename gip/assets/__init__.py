"""Demo images shipped with gip (held-out Noto emoji, Apache-2.0; see NOTICE in this folder)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ..errors import GipError

HERE = Path(__file__).parent


def names() -> list[str]:
    """Names of the shipped demo images (``grinning``, ``sunglasses``, ..., ``ghost-rgba64``)."""
    return sorted(p.stem for p in HERE.glob("*.png"))


def path(name: str) -> Path:
    """Path of a demo image by name."""
    p = HERE / f"{name}.png"
    if not p.exists():
        raise GipError(f"no demo image {name!r}: choose one of {', '.join(names())}")
    return p


def load(name: str) -> Image.Image:
    """A demo image as a PIL image (RGB, or RGBA for the ``-rgba64`` originals)."""
    with Image.open(path(name)) as im:
        return im.copy()
