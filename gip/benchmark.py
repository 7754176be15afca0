"""A known-answer integration benchmark: the object placed into the scene, with targets that do *not*
give the answer away.

For each (scene, object) the object sits at its kind's place (the held-out pairs of
:func:`gip.assets.insertion_pairs`: glasses and sunglasses over the eyes, hats and crowns on the head),
and the **answer** is known: the object alpha-composited on the scene, ``A = a * object + (1 - a) *
scene`` with the object's own alpha ``a``. The *target* differs by kind (:data:`KINDS`):

=================== =================================================================== ==============
kind                target (what the sampler is given)                                  fill mask
=================== =================================================================== ==============
``aligned``         the answer itself (scene + object): copy-paste is perfect, the      silhouette + 1 px
                    control that every earlier study used
``boxed-white``     the object in a box of white (an object photographed on white)      the box + 1 px
``boxed-colour``    the object in a box of a plain colour                               the box + 1 px
``textured-face``   the object on a patch of another face (someone else wearing it)     the box + 1 px
``textured-photo``  the object on a crop of a photo (Chelsea the cat, CC0)              the box + 1 px
``degraded-lowres`` scene + the object at a quarter of the resolution, scaled back up   the box + 1 px
``degraded-cast``   scene + the object with a colour cast (+0.35 red, -0.35 blue)       the box + 1 px
=================== =================================================================== ==============

Pixel error to the answer favours copy-paste on the ``degraded`` kinds (any re-synthesis moves pixels:
the perception-distortion trade-off, Blau & Michaeli 2018); judge them with the structure and colour
measures of :mod:`gip.metrics.answer` and with your eyes.

    cases = gip.benchmark.cases()                     # 16 pairs x 7 kinds at 32 px (the embedded model)
    cases = gip.benchmark.cases(kinds=["boxed-white"], resolution=256, scene="astronaut-face")  # photo path
    table = gip.benchmark.run(cases, {"gip": gip.Settings()}, seeds=2)   # + copy-paste, RePaint, answer rows

Every case is a :class:`gip.Case` with ``answer`` and ``alpha`` (the object's matte on the canvas), so
:func:`gip.experiment.run` measures it against the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch
from PIL import Image
from scipy import ndimage

from . import assets
from .errors import GipError
from .images import to_tensor

KINDS = ("aligned", "boxed-white", "boxed-colour", "textured-face", "textured-photo", "degraded-lowres",
         "degraded-cast")  # fmt: skip
#: Plain background colours of ``boxed-colour`` (uint8 RGB), one per pair in turn.
PLAIN = ((190, 215, 255), (200, 235, 195), (255, 205, 215), (175, 175, 175))
#: The colour cast of ``degraded-cast`` in [0, 1] units per channel (+0.35 / -0.35 in [-1, 1] units).
CAST = (0.175, 0.0, -0.175)
#: Alpha above which a canvas pixel is part of the object's box (its visible extent).
VISIBLE = 0.02


@dataclass(frozen=True)
class Layer:
    """An object placed on a canvas: ``colour`` (H, W, 3) and ``alpha`` (H, W), both in [0, 1]."""

    colour: np.ndarray
    alpha: np.ndarray

    def over(self, background: np.ndarray) -> np.ndarray:
        """(H, W, 3) the layer alpha-composited over ``background`` (H, W, 3) in [0, 1]."""
        a = self.alpha[..., None]
        return a * self.colour + (1.0 - a) * background


def place_layer(obj: Image.Image, box: Sequence[int], size: int) -> Layer:
    """An RGBA object resized into ``box`` = (x, y, w, h) on a ``size`` px canvas (parts outside cut off).
    Resampled premultiplied (Pillow's RGBA resize), so the edges carry no background colour."""
    x, y, w, h = (int(v) for v in box)
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    canvas.paste(obj.convert("RGBA").resize((w, h), Image.Resampling.LANCZOS), (x, y))
    a = np.asarray(canvas, np.float64) / 255.0
    return Layer(a[..., :3], a[..., 3])


def _rgba(layer: Layer) -> Image.Image:
    arr = np.concatenate([layer.colour, layer.alpha[..., None]], -1)
    return Image.fromarray((arr * 255).round().astype(np.uint8), "RGBA")


def degrade_resolution(layer: Layer, factor: int = 4) -> Layer:
    """The layer down ``factor`` times and back up (bicubic, premultiplied): the object at low resolution."""
    im = _rgba(layer)
    small = im.resize((max(1, im.width // factor), max(1, im.height // factor)), Image.Resampling.BOX)
    a = np.asarray(small.resize(im.size, Image.Resampling.BICUBIC), np.float64) / 255.0
    return Layer(a[..., :3], a[..., 3])


def degrade_colour(layer: Layer, cast: Sequence[float] = CAST) -> Layer:
    """The layer with a colour cast added to its colour (clipped to [0, 1])."""
    return Layer(np.clip(layer.colour + np.asarray(cast), 0.0, 1.0), layer.alpha)


def object_box(alpha: np.ndarray, margin: int = 1) -> np.ndarray:
    """(H, W) bool: the bounding box of the visible object (alpha > :data:`VISIBLE`) grown by ``margin``."""
    ys, xs = np.nonzero(alpha > VISIBLE)
    if not len(ys):
        raise GipError("the object is not visible on the canvas: check its box")
    H, W = alpha.shape
    m = np.zeros((H, W), bool)
    m[max(ys.min() - margin, 0) : ys.max() + margin + 1, max(xs.min() - margin, 0) : xs.max() + margin + 1] = True
    return m


def _rgb(x: torch.Tensor) -> np.ndarray:
    return ((x[0].double().clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()


def _tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1)[None].float() * 2 - 1


def _patch(kind: str, index: int, scene_name: str, size: int) -> np.ndarray:
    """(size, size, 3) in [0, 1]: the texture behind the object of a ``textured`` kind: another held-out
    face (emoji scenes; the scene mirrored for a photo), or Chelsea the cat (the astronaut for Chelsea)."""
    if kind == "textured-face":
        if scene_name in assets.photos():
            return _rgb(assets.load_scene(scene_name, size))[:, ::-1]
        pairs = assets.insertion_pairs()
        return _rgb(assets.load_scene(pairs[(index + 5) % len(pairs)]["scene"], size))
    photo = "astronaut-face" if scene_name == "chelsea" else "chelsea"
    big = _rgb(assets.load_scene(photo, 2 * size))  # zoomed in: texture, not a whole picture
    off = (index * 7) % size
    return big[off : off + size, size // 2 : size // 2 + size]


def target_of(kind: str, layer: Layer, scene: np.ndarray, index: int, scene_name: str) -> tuple[np.ndarray, np.ndarray]:
    """(target (H, W, 3) in [0, 1], fill (H, W) bool) of one kind (see the module docstring)."""
    if kind == "aligned":
        sil = layer.alpha > 0.5
        return layer.over(scene), ndimage.binary_dilation(sil | (layer.alpha > 0.1), np.ones((3, 3), bool))
    box = object_box(layer.alpha)
    if kind.startswith("degraded"):
        bad = degrade_resolution(layer) if kind == "degraded-lowres" else degrade_colour(layer)
        fill = box | object_box(bad.alpha)
        return np.where(fill[..., None], bad.over(scene), scene), fill
    if kind == "boxed-white":
        back = np.ones_like(scene)
    elif kind == "boxed-colour":
        back = np.broadcast_to(np.asarray(PLAIN[index % len(PLAIN)]) / 255.0, scene.shape)
    elif kind in ("textured-face", "textured-photo"):
        back = _patch(kind, index, scene_name, scene.shape[0])
    else:
        raise GipError(f"unknown target kind {kind!r}: use one of {', '.join(KINDS)}")
    return np.where(box[..., None], layer.over(back), scene), box


def compose(scene: torch.Tensor, obj: Image.Image, box: Sequence[int], kind: str, index: int = 0,
            scene_name: str = "", name: str = "case", obj_name: str | None = None):
    """The case of one kind for any scene (1, 3, R, R) in [-1, 1] and RGBA object placed at ``box`` =
    (x, y, w, h) pixels: a :class:`gip.Case` with ``target``, fill ``mask``, ``answer`` and ``alpha``.
    ``index`` picks the plain colour and the texture of the boxed and textured kinds."""
    from .experiment import Case

    layer = place_layer(obj, box, scene.shape[-1])
    answer = layer.over(_rgb(scene))
    target, fill = target_of(kind, layer, _rgb(scene), index, scene_name)
    if fill.all():
        raise GipError(f"the fill of {kind} covers the whole image: use a smaller object box")
    return Case(name, scene, _tensor(target), fill, silhouette=(layer.alpha > 0.5) & fill, object=obj_name,
                box=tuple(int(v) for v in box), kind=kind, answer=_tensor(answer), alpha=layer.alpha * fill)


def case(pair: dict, kind: str, resolution: int = 32, scene: str | None = None, index: int = 0):
    """One benchmark case of a held-out ``pair`` (:func:`gip.assets.insertion_pairs`) as a :class:`gip.Case`
    (``kind``, ``answer``, ``alpha``, ``object``, ``box``); ``scene`` replaces the pair's (a photo)."""
    scene_name = scene or pair["scene"]
    obj_name = pair["object"].removesuffix("-rgba64")
    box = assets.place(pair["box"], scene_name, resolution)
    return compose(assets.load_scene(scene_name, resolution), assets.load_object(pair["object"], resolution), box,
                   kind, index, scene_name, f"{scene_name.split('/')[-1]}+{obj_name}/{kind}", obj_name)  # fmt: skip


def pairs(scene: str | None = None) -> list[dict]:
    """The (scene, object) pairs: the 16 held-out pairs; with a photo ``scene``, its four accessories."""
    every = assets.insertion_pairs()
    if scene is None:
        return every
    assets.photo_info(scene)
    first: dict[str, dict] = {}
    for p in every:
        first.setdefault(p["object"], p)
    return list(first.values())


def cases(kinds: Sequence[str] = KINDS, n: int | None = None, resolution: int = 32, scene: str | None = None) -> list:
    """Every pair (the first ``n``) x ``kinds`` as :class:`gip.Case` objects, pair-major."""
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise GipError(f"unknown target kind {', '.join(map(repr, bad))}: use among {', '.join(KINDS)}")
    ps = pairs(scene)[:n]
    return [case(p, k, resolution, scene, i) for i, p in enumerate(ps) for k in kinds]


#: The reference rows of every benchmark table: what the target gives away, what the model does without
#: it, and the best possible result.
REFERENCES = ("copy-paste", "RePaint", "answer")


def _reference_output(case, label: str, seeds: Sequence[int], samples: int, model):
    """(seed, (N, 3, H, W) outputs) of one reference row kind for ``case``."""
    from .sampler import repaint

    for seed in seeds:
        if label == "RePaint":
            out = repaint(case.scene, case.mask, model=model, seed=seed, num_samples=samples, progress=False)
            yield seed, out
        else:
            yield seed, (case.target if label == "copy-paste" else case.answer).expand(samples, -1, -1, -1)


def run(cases: Sequence, settings, seeds: int | Sequence[int] = (0,), samples: int = 1, model=None,
        references: Sequence[str] = REFERENCES, progress: bool = True):  # fmt: skip
    """:func:`gip.experiment.run` on benchmark cases, plus the :data:`REFERENCES` rows for every case and
    seed (labels ``"copy-paste"``: the target itself, ``"RePaint"``: no target, ``"answer"``), all scored
    against the answer. Returns the :class:`gip.experiment.Experiment` (``df`` grouped by ``kind`` and
    ``label`` makes the benchmark's table: :func:`table`)."""
    import pandas as pd

    from .experiment import Experiment, run as run_experiment, score
    from .sampler import InpaintResult, default_model
    from .settings import Settings

    bad = [r for r in references if r not in REFERENCES]
    if bad:
        raise GipError(f"unknown reference {', '.join(map(repr, bad))}: use among {', '.join(REFERENCES)}")
    model = model or default_model()
    seeds = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    exp = run_experiment(cases, settings, seeds=seeds, samples=samples, model=model, progress=progress)
    rows, images = [], []
    for case in cases:
        for label in references:
            for seed, out in _reference_output(case, label, seeds, samples, model):
                res = out if label == "RePaint" else InpaintResult(
                    out, None, case.mask, ~case.mask, case.mask.astype(float), 0, 0.0, Settings(lam=0.0, heat=False))
                rows += score(case, label, seed, res, model.name)
                images += list(res.tensor)
    df = pd.concat([exp.df, pd.DataFrame(rows)], ignore_index=True)
    return Experiment(df, exp.images + images, exp.cases, exp.settings, exp.results)


#: The columns of :func:`table`.
TABLE_METRICS = ("answer_error", "answer_object", "leak", "object_survived", "object_structure", "sharpness",
                 "colour_shift")


def table(df, metrics: Sequence[str] = TABLE_METRICS, by: Sequence[str] = ("kind", "label")):
    """Mean of ``metrics`` per (kind, label) of a benchmark table, plus ``vs_copy``: the error to the answer
    over copy-paste's on the same kind (when the table has copy-paste rows)."""
    order = {c: {v: (1, i) for i, v in enumerate(dict.fromkeys(df[c]))} for c in by}  # first appearance
    if "label" in order:  # the references first
        order["label"].update({v: (0, REFERENCES.index(v)) for v in order["label"] if v in REFERENCES})
    t = df.groupby(list(by), sort=False)[list(metrics)].mean()
    t = t.iloc[sorted(range(len(t)), key=lambda i: tuple(order[c][v] for c, v in zip(by, np.atleast_1d(t.index[i]))))]
    if "copy-paste" in set(df["label"]) and "answer_error" in metrics and by[-1] == "label":
        copy = t.xs("copy-paste", level=-1)["answer_error"].reindex(t.index.droplevel(-1)).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            t["vs_copy"] = np.where(copy > 0, t["answer_error"].to_numpy() / np.where(copy > 0, copy, 1), np.nan)
    return t
