"""Demo images shipped with gip (held-out Noto emoji, Apache-2.0, and Twemoji, CC-BY 4.0; see NOTICE).

:func:`insertion_cases` gives the fixed held-out insertion pairs of the model card and the book: a face that
training never saw, an accessory placed where training places accessories, as :class:`gip.Case` objects
with the object's silhouette (so the metrics can measure the object on its own pixels).
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from ..errors import GipError

HERE = Path(__file__).parent


def names() -> list[str]:
    """Names of the shipped images (``grinning``, ``sunglasses``, ..., ``ghost-rgba64``, ``heldout/...``)."""
    return sorted(str(p.relative_to(HERE).with_suffix("")) for p in HERE.glob("**/*.png"))


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


def insertion_pairs() -> list[dict]:
    """The fixed held-out pairs: dicts with ``scene``, ``object`` (image names), ``place`` and ``box``
    (x, y, w, h) at 32 px for the object cut to its visible pixels (``y`` < 0: the top is cut off)."""
    return json.loads((HERE / "insertion_pairs.json").read_text())


def insertion_case(pair: dict, resolution: int = 32, dilate: int = 1):
    """One pair as a :class:`gip.Case` at ``resolution``: target = scene with the object pasted on,
    fill mask = the object's silhouette grown by ``dilate`` px, ``silhouette`` = the object's own pixels."""
    from ..auto import compose
    from ..experiment import Case
    from ..images import crop_to_alpha, resize, to_tensor

    obj = crop_to_alpha(load(pair["object"]))
    x, y, w, h = (v * resolution / 32 for v in pair["box"])
    x, y, w, h = round(x), round(y), max(1, round(w)), max(1, round(h))
    if y < 0:  # the part above the image is cut off
        top = round(obj.height * -y / h)
        obj, h, y = obj.crop((0, top, obj.width, obj.height)), h + y, 0
    scene = resize(to_tensor(load(pair["scene"])), resolution)
    target, fill, sil = compose(scene, obj, (x, y, w, h), dilate=dilate)
    name = f"{pair['scene'].split('/')[-1]}+{pair['object'].removesuffix('-rgba64')}"
    return Case(name, scene, target, fill, silhouette=sil)


def insertion_cases(resolution: int = 32, dilate: int = 1) -> list:
    """Every pair of :func:`insertion_pairs` as a :class:`gip.Case` (see :func:`insertion_case`)."""
    return [insertion_case(p, resolution, dilate) for p in insertion_pairs()]
