"""Demo images shipped with gip (held-out Noto emoji, Apache-2.0, and Twemoji, CC-BY 4.0; see NOTICE).

For the 256x256 hub models (Colab) there are real photos in ``photo/`` (scikit-image's astronaut, public
domain, and Chelsea the cat, CC0) and the accessories rendered at 256 px from Twemoji's SVGs. Boxes are given
in *face coordinates*: 32x32 units over the face, which are the embedded model's pixels on an emoji face and
the photo's *face box* (:func:`photos`) on a photo, so one box means "over the eyes" on both.

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


def photos() -> dict[str, dict]:
    """The shipped photos by name: ``file`` (a :func:`load` name), ``face_box`` (x, y, w, h at 256 px),
    ``source`` (author and licence) and ``crop`` (of the original)."""
    return json.loads((HERE / "photos.json").read_text())


def photo_info(name: str) -> dict:
    """One entry of :func:`photos`, or a clear error naming the shipped ones."""
    info = photos().get(name)
    if info is None:
        raise GipError(f"no photo {name!r}: choose one of {', '.join(photos())}")
    return info


def face_box(scene: str, resolution: int) -> tuple[float, float, float, float]:
    """Where the 32x32 face coordinates lie on ``scene`` at ``resolution`` px: the whole image for an emoji
    face, the photo's measured face box for a photo (:func:`photos`)."""
    info = photos().get(scene)
    if info is None:
        return (0.0, 0.0, float(resolution), float(resolution))
    return tuple(v * resolution / 256 for v in info["face_box"])


def place(box, scene: str = "grinning", resolution: int = 32) -> tuple[int, int, int, int]:
    """A box (x, y, w, h) in face coordinates as whole pixels of ``scene`` at ``resolution`` (``y`` may be
    negative: above the image)."""
    fx, fy, fw, fh = face_box(scene, resolution)
    x, y, w, h = box
    return (round(fx + x * fw / 32), round(fy + y * fh / 32), max(1, round(w * fw / 32)), max(1, round(h * fh / 32)))


def load_scene(name: str, resolution: int):
    """A shipped emoji face or photo (:func:`photos`) as a (1, 3, R, R) tensor in [-1, 1]."""
    from ..images import resize, to_tensor

    info = photos().get(name)
    file = info["file"] if info else name
    return resize(to_tensor(load(file).convert("RGB")), resolution)


def load_object(name: str, resolution: int = 32) -> Image.Image:
    """An accessory (``glasses``, ``dark-sunglasses``, ``tophat``, ``crown``; also ``heart``, ``mouth``,
    ``ghost`` at 64 px) as RGBA cut to its visible pixels: the 64 px emoji original for resolutions below 128,
    the 256 px Twemoji rendering (``photo/<name>-rgba256``) from 128 up where there is one."""
    from ..images import crop_to_alpha

    name = name.removesuffix("-rgba64")
    big = HERE / "photo" / f"{name}-rgba256.png"
    return crop_to_alpha(load(f"photo/{name}-rgba256" if resolution >= 128 and big.exists() else f"{name}-rgba64"))


def insertion_pairs() -> list[dict]:
    """The fixed held-out pairs: dicts with ``scene``, ``object`` (image names), ``place`` and ``box``
    (x, y, w, h) at 32 px for the object cut to its visible pixels (``y`` < 0: the top is cut off)."""
    return json.loads((HERE / "insertion_pairs.json").read_text())


def insertion_case(pair: dict, resolution: int = 32, dilate: int | None = None, scene: str | None = None):
    """One pair as a :class:`gip.Case` at ``resolution``: target = scene with the object pasted on,
    fill mask = the object's silhouette grown by ``dilate`` px (default: 1 px per 32), ``silhouette`` = the
    object's own pixels, ``object`` its name (``"crown"``) and ``box`` where it was placed (x, y, w, h in
    pixels). ``scene`` replaces the pair's scene (e.g. a photo of :func:`photos`); the box is
    then placed on that scene's face box."""
    from ..auto import compose
    from ..experiment import Case

    scene = scene or pair["scene"]
    obj = load_object(pair["object"], resolution)
    x, y, w, h = place(pair["box"], scene, resolution)
    if y < 0:  # the part above the image is cut off
        top = round(obj.height * -y / h)
        obj, h, y = obj.crop((0, top, obj.width, obj.height)), h + y, 0
    dilate = max(1, round(resolution / 32)) if dilate is None else dilate
    image = load_scene(scene, resolution)
    target, fill, sil = compose(image, obj, (x, y, w, h), dilate=dilate)
    obj_name = pair["object"].removesuffix("-rgba64")
    return Case(f"{scene.split('/')[-1]}+{obj_name}", image, target, fill, silhouette=sil, object=obj_name,
                box=(x, y, w, h), kind="aligned")


def insertion_cases(resolution: int = 32, dilate: int | None = None) -> list:
    """Every pair of :func:`insertion_pairs` as a :class:`gip.Case` (see :func:`insertion_case`)."""
    return [insertion_case(p, resolution, dilate) for p in insertion_pairs()]


def photo_cases(photo: str = "astronaut-face", resolution: int = 256, dilate: int | None = None) -> list:
    """The four accessories of the insertion pairs (glasses, dark sunglasses, top hat, crown), each where its
    first pair places it, on a shipped photo (:func:`photos`): the cases the book uses with a hub model."""
    photo_info(photo)  # a clear error for an unknown name
    first = {}
    for p in insertion_pairs():
        first.setdefault(p["object"], p)
    return [insertion_case(p, resolution, dilate, scene=photo) for p in first.values()]
