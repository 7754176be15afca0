"""The automated pipeline the paper proposes as future work: object photo + box -> best of several seeds.

1. Cut the object out (:func:`object_mask`): its alpha channel, else the pixels not connected to a
   near-uniform border colour (flood fill from the image border).
2. Place and scale it into the scene at ``box = (x, y, w, h)`` (:func:`gip.images.place_object`); the
   fill mask is its silhouette, optionally dilated by ``dilate`` pixels (:func:`compose`). The target is the
   scene with the object pasted on top, so the target's own background never enters the fill region.
3. Run the guided sampler for every seed (:func:`gip.experiment.run`) and score each output with
   :func:`gip.metrics.selection_score` (lower is better; an output that lost the object never wins);
   return the best and all candidates.

The settings default to :data:`AUTO_SETTINGS`, gip's defaults (``gip.Settings()``: the floor schedule
``Floor(p=0.3)``, the matte, no heat, no buffer), decided on the known-answer benchmark (the model card; book
chapter 8 measures the pipeline's own case).

    res = gip.auto_inpaint(scene, "sunglasses.png", box=(4, 8, 24, 10), seeds=4)
    res.image.save("out.png"); print(res.scores)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import torch
from PIL import Image
from scipy import ndimage

from . import images, lambdas
from .errors import GipError
from .images import ImageLike, alpha_to_mask, as_pil, place_object, to_pil, to_tensor
from .masks import check_box
from .models import Model
from .settings import Settings

#: :func:`object_mask` accepts a plain background when at least this share of the image border lies near its
#: median colour. Not 0.9: an object photographed on white and cropped tight to its pixels touches the border
#: (the Twemoji renderings at 256 px: 75-91 % of the border is white, the crown the least); noise or a
#: cluttered photo has no colour on most of its border.
BORDER_SHARE = 0.6

#: The automated pipeline's settings: gip's defaults (see the module docstring).
AUTO_SETTINGS = Settings()


@dataclass
class AutoResult:
    """The best candidate and all of them. Tensors are (1, 3, H, W) in [-1, 1] at the model's resolution."""

    tensor: torch.Tensor  # the best output
    best: int  # index of the best candidate
    candidates: list[torch.Tensor]
    seeds: list[int]
    scores: list[float]  # selection_score per candidate, lower is better
    metrics: list[dict[str, float]]  # gip.metrics.evaluate_samples per candidate
    scene: torch.Tensor  # the scene as sampled (resized if asked)
    target: torch.Tensor  # scene with the placed object pasted on: what guides the fill region
    fill: np.ndarray  # (H, W) bool, the fill mask (silhouette, dilated)
    silhouette: np.ndarray  # (H, W) bool, the object's own pixels
    settings: Settings = field(default_factory=Settings)
    model_calls: int = 0
    seconds: float = 0.0

    @property
    def image(self) -> Image.Image:
        """The best output as a PIL image."""
        return to_pil(self.tensor)[0]

    @property
    def images(self) -> list[Image.Image]:
        """All candidates as PIL images, in seed order."""
        return [to_pil(c)[0] for c in self.candidates]


def object_mask(obj: ImageLike, tolerance: float = 0.1, border_share: float = BORDER_SHARE) -> np.ndarray:
    """The object's silhouette (H, W) bool, True on the object.

    With transparency: where alpha > 0.5. Without: a simple background removal for product-style photos on
    a plain background. The background colour is the median of the border pixels; it is accepted when at
    least ``border_share`` of the border lies within ``tolerance`` (max channel difference, fraction of 255)
    of it (:data:`BORDER_SHARE`: an object cropped tight to its pixels covers part of the border); the
    background is then every pixel within ``tolerance`` of it that is connected (4-neighbours) to the
    border, and the object everything else (enclosed holes count as object). Cluttered photos are an error:
    pass an RGBA cut-out or an explicit mask instead.
    """
    img = as_pil(obj, "object")
    has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    if has_alpha:
        sil = alpha_to_mask(img)
        if sil.all():  # fully opaque: treat as a photo without transparency
            has_alpha = False
    if not has_alpha:
        rgb = np.asarray(img.convert("RGB"), dtype=np.float64) / 255.0
        border = np.concatenate([rgb[0], rgb[-1], rgb[1:-1, 0], rgb[1:-1, -1]])
        colour = np.median(border, axis=0)
        near = np.abs(rgb - colour).max(axis=-1) <= tolerance
        on_border = np.concatenate([near[0], near[-1], near[1:-1, 0], near[1:-1, -1]])
        if on_border.mean() < border_share:
            raise GipError(
                "the object image has no transparency and no plain background to remove: "
                "pass an RGBA cut-out (transparent background) or an object mask"
            )
        labels, _ = ndimage.label(near)
        edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
        sil = ~np.isin(labels, edge[edge > 0])
    if not sil.any():
        raise GipError("no object found in the object image (it is all background): check the image or its alpha")
    return sil


def parse_box(text: str | Sequence[int]) -> tuple[int, int, int, int]:
    """``"X,Y,W,H"`` (or a 4-sequence) -> (x, y, w, h) ints, with w, h >= 1 and x, y >= 0."""

    def whole(v) -> int:
        if isinstance(v, str):
            return int(v.strip())
        if isinstance(v, (float, np.floating)) and not float(v).is_integer():
            raise ValueError(v)
        return int(v)

    try:
        vals = [whole(v) for v in (text.split(",") if isinstance(text, str) else text)]
    except (TypeError, ValueError):
        vals = []
    if len(vals) != 4:
        raise GipError(f"box must be four whole numbers X,Y,W,H (left, top, width, height), got {text!r}")
    return check_box(vals)


def compose(
    scene: torch.Tensor,
    obj: ImageLike,
    box: Sequence[int],
    dilate: int = 1,
    mask: np.ndarray | None = None,
    tolerance: float = 0.1,
) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Place ``obj`` into ``scene`` (1, 3, H, W) at ``box`` = (x, y, w, h) in scene pixels.

    Returns (target (1, 3, H, W): the scene with the object pasted over its silhouette, fill mask (H, W)
    bool: the silhouette dilated by ``dilate`` pixels (chessboard), silhouette (H, W) bool: the object's own
    pixels). ``mask`` overrides the silhouette (same size as the object image); otherwise :func:`object_mask`.
    """
    H, W = scene.shape[-2:]
    box = parse_box(box)
    check_box(box, W, H, "scene")
    if dilate < 0:
        raise GipError(f"dilate must be >= 0 pixels, got {dilate}")
    img = as_pil(obj, "object")
    sil = object_mask(img, tolerance) if mask is None else np.asarray(mask, bool)
    if sil.shape != (img.height, img.width):
        raise GipError(f"the object mask is {sil.shape}, the object image {(img.height, img.width)}: they must match")
    canvas, fill = place_object(img, (H, W), box, mask=sil)
    if not fill.any():
        raise GipError(f"the object's silhouette vanishes when scaled into the {box[2]}x{box[3]} box: use a larger box")
    placed = to_tensor(canvas, "object")
    target = torch.where(torch.from_numpy(fill)[None, None], placed, scene)
    sil = fill
    if dilate > 0:
        fill = ndimage.binary_dilation(fill, np.ones((3, 3), bool), iterations=int(dilate))
    if fill.all():
        raise GipError("the dilated object covers the whole scene: use a smaller box or dilate=0")
    return target, fill, sil


def auto_inpaint(
    scene: ImageLike,
    obj: ImageLike,
    box: Sequence[int] | str,
    seeds: int | Iterable[int] = 4,
    model: Model | None = None,
    settings: Settings | None = None,
    *,
    dilate: int = 1,
    silhouette: np.ndarray | None = None,
    tolerance: float = 0.1,
    resize: bool = False,
    batch: bool = False,
    progress: bool = False,
    **overrides: Any,
) -> AutoResult:
    """Insert ``obj`` into ``scene`` at ``box`` = (x, y, w, h) and return the best of several seeds.

    Args:
        scene: the scene image; ``box`` is in its pixel coordinates.
        obj: the object (RGBA cut-out, or a photo on a plain background: see :func:`object_mask`).
        seeds: a count n (seeds 0..n-1) or a list of seeds.
        model: a :class:`gip.Model` (default: the embedded model).
        settings, overrides: the sampler's :class:`gip.Settings` (default :data:`AUTO_SETTINGS`) and single
            changes.
        dilate: grow the fill mask by this many pixels around the silhouette (room for the model to blend).
        silhouette: an explicit silhouette for ``obj`` (H, W bool), instead of alpha/background removal.
        resize: resize the scene to the model's resolution first (the box is scaled with it).
        batch: one sampler call with ``num_samples = len(seeds)`` seeded by the first seed (faster on a GPU;
            candidate k is then not reproducible on its own). Default: one call per seed.
    """
    from .experiment import Case, run
    from .sampler import default_model
    from .settings import resolve

    st = resolve(AUTO_SETTINGS if settings is None else settings, overrides)
    seed_list = list(range(int(seeds))) if isinstance(seeds, (int, np.integer)) else [int(s) for s in seeds]
    if not seed_list or (isinstance(seeds, (int, np.integer)) and seeds < 1):
        raise GipError(f"seeds must be a count >= 1 or a non-empty list of seeds, got {seeds!r}")
    box = parse_box(box)
    s = to_tensor(scene, "scene")
    H, W = s.shape[-2:]
    check_box(box, W, H, "scene")  # before loading or running anything
    model = model or default_model()
    res_px = model.resolution
    if (H, W) != (res_px, res_px):
        if not resize:
            raise GipError(
                f"the scene is {W}x{H} but the model {model.name!r} works at {res_px}x{res_px}: "
                "resize it, or pass resize=True (CLI: --resize)"
            )
        sx, sy = res_px / W, res_px / H
        x, y, w, h = box
        box = (round(x * sx), round(y * sy), max(1, round(w * sx)), max(1, round(h * sy)))
        box = (min(box[0], res_px - box[2]), min(box[1], res_px - box[3]), box[2], box[3])
        s = images.resize(s, res_px)
    target, fill, sil = compose(s, obj, box, dilate=dilate, mask=silhouette, tolerance=tolerance)

    case = Case("auto", s, target, fill, silhouette=sil)
    if batch:
        exp = run(case, st, seeds=[seed_list[0]], samples=len(seed_list), model=model, progress=progress)
    else:
        exp = run(case, st, seeds=seed_list, model=model, progress=progress)
    df = exp.df
    scores = df["selection_score"].tolist()
    best = int(np.nanargmin(scores))
    metric_cols = [c for c in df.columns if c not in ("case", "label", "seed", "sample", "model", *st.row())]
    return AutoResult(
        tensor=exp.images[best][None], best=best, candidates=[im[None] for im in exp.images], seeds=seed_list,
        scores=scores, metrics=df[metric_cols].to_dict("records"), scene=s, target=target, fill=fill,
        silhouette=sil, settings=st, model_calls=int(st.model_calls * (1 if batch else len(seed_list))),
        seconds=float(df["seconds"].sum()),
    )  # fmt: skip
