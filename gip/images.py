"""Image I/O and conversions: anything image-like -> tensors in [-1, 1] (1, 3, H, W) for the sampler
(:func:`to_tensor`), or a PIL image for display and placement (:func:`as_pil`, the one converter the
explorer, the figures and the automated pipeline use), and back; the one output guard (:func:`check_output`).

Accepted inputs: a path, a PIL image, an (H, W, 3|4) or (H, W) uint8/float array, or a tensor
((3, H, W), (1, 3, H, W); floats are taken as [-1, 1]). For the sampler RGBA images are composited on
white and grayscale is repeated to RGB. Masks: any of the same, reduced to one channel in [0, 1] (white = 1).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Callable, Sequence, Union

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from .errors import GipError
from .masks import check_box

ImageLike = Union[str, os.PathLike, Image.Image, np.ndarray, torch.Tensor]


def load_image(path: str | os.PathLike) -> Image.Image:
    """Open an image file fully (so the file is closed), with a clear error for unreadable files."""
    path = Path(path)
    if not path.is_file():
        raise GipError(f"{path}: no such file")
    try:
        with Image.open(path) as im:
            im.load()
            return im.copy()
    except (UnidentifiedImageError, OSError) as e:
        raise GipError(f"{path}: not a readable image ({e.__class__.__name__}); use a PNG or JPEG file") from None


def composite_on_white(img: Image.Image) -> Image.Image:
    """Any PIL mode -> RGB; transparent pixels become white."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        return canvas.convert("RGB")
    return img.convert("RGB")


def _check_finite(t: torch.Tensor, name: str) -> None:
    if not torch.isfinite(t).all():
        raise GipError(f"the {name} contains NaN or inf values: pass a finite image")


def to_tensor(image: ImageLike, name: str = "image") -> torch.Tensor:
    """Image-like -> float32 tensor (1, 3, H, W) in [-1, 1]."""
    if isinstance(image, (str, os.PathLike)):
        image = load_image(image)
    if isinstance(image, Image.Image):
        arr = np.asarray(composite_on_white(image))
        return torch.from_numpy(arr.copy()).permute(2, 0, 1)[None].contiguous().float() / 127.5 - 1.0  # NCHW-contiguous
    if isinstance(image, np.ndarray):
        arr = image
        if arr.ndim == 2:
            arr = np.repeat(arr[..., None], 3, axis=-1)
        if arr.ndim != 3 or arr.shape[-1] not in (3, 4):
            raise GipError(f"the {name} array must be (H, W), (H, W, 3) or (H, W, 4), got {arr.shape}")
        if arr.dtype == np.uint8:
            return to_tensor(Image.fromarray(arr), name)
        t = torch.from_numpy(np.ascontiguousarray(arr[..., :3], dtype=np.float32)).permute(2, 0, 1)[None].contiguous()
        _check_finite(t, name)
        if t.min() < 0 or t.max() > 1:
            raise GipError(f"the float {name} array must be in [0, 1] (uint8 arrays in [0, 255])")
        return t * 2.0 - 1.0
    if isinstance(image, torch.Tensor):
        t = image.detach().float().cpu().contiguous()
        if t.ndim == 3:
            t = t[None]
        if t.ndim != 4 or t.shape[:2] != (1, 3):
            raise GipError(f"the {name} tensor must be (3, H, W) or (1, 3, H, W) in [-1, 1], got {tuple(image.shape)}")
        _check_finite(t, name)
        if t.min() < -1.0001 or t.max() > 1.0001:
            raise GipError(f"the {name} tensor must be in [-1, 1] (use x / 127.5 - 1 for uint8 data)")
        return t.clamp(-1, 1)
    raise GipError(f"cannot read the {name} from a {type(image).__name__}: pass a path, PIL image, array or tensor")


def to_mask_array(mask: ImageLike, name: str = "mask") -> np.ndarray:
    """Mask-like -> (H, W) float64 in [0, 1] (white/1 = on). Colour masks use their luminance."""
    if isinstance(mask, (str, os.PathLike)):
        mask = load_image(mask)
    if isinstance(mask, Image.Image):
        if mask.mode in ("RGBA", "LA"):
            mask = composite_on_white(mask)
        return np.asarray(mask.convert("L"), dtype=np.float64) / 255.0
    if isinstance(mask, torch.Tensor):
        mask = mask.detach().float().cpu().numpy()
    if isinstance(mask, np.ndarray):
        m = mask
        if m.dtype == bool:
            return m.astype(np.float64).squeeze() if m.ndim > 2 else m.astype(np.float64)
        scale = 255.0 if m.dtype == np.uint8 else 1.0
        m = m.astype(np.float64) / scale
        while m.ndim > 2 and m.shape[0] == 1:
            m = m[0]
        if m.ndim == 3 and m.shape[-1] in (3, 4):
            m = m[..., :3].mean(-1)
        elif m.ndim == 3 and m.shape[0] == 3:
            m = m.mean(0)
        if m.ndim != 2:
            raise GipError(f"the {name} must be a single (H, W) map, got shape {mask.shape}")
        if not np.isfinite(m).all():
            raise GipError(f"the {name} contains NaN or inf values: pass a finite mask in [0, 1]")
        return m
    raise GipError(f"cannot read the {name} from a {type(mask).__name__}: pass a path, PIL image, array or tensor")


def resize(x: torch.Tensor, size: int | tuple[int, int]) -> torch.Tensor:
    """Resize (N, C, H, W) images to ``size`` (square int or (H, W)) with antialiased bicubic."""
    hw = (size, size) if isinstance(size, int) else tuple(size)
    if tuple(x.shape[-2:]) == hw:
        return x
    return torch.nn.functional.interpolate(x, size=hw, mode="bicubic", antialias=True, align_corners=False).clamp(-1, 1)


def resize_mask(m: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize an (H, W) mask in [0, 1] with area averaging (threshold it afterwards)."""
    hw = (size, size) if isinstance(size, int) else tuple(size)
    if m.shape == hw:
        return m
    t = torch.from_numpy(m.astype(np.float32))[None, None]
    return torch.nn.functional.interpolate(t, size=hw, mode="area").squeeze().numpy().astype(np.float64)


def to_pil(x: torch.Tensor) -> list[Image.Image]:
    """(N, 3, H, W) or (3, H, W) in [-1, 1] -> list of RGB PIL images."""
    if x.ndim == 3:
        x = x[None]
    arr = ((x.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return [Image.fromarray(a.permute(1, 2, 0).numpy()) for a in arr]


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(N, 3, H, W) in [-1, 1] -> (N, H, W, 3) uint8."""
    return ((x.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def as_pil(image: ImageLike, name: str = "image") -> Image.Image:
    """Anything image-like -> a PIL image of the same size, for display and placement (the one converter;
    the sampler's is :func:`to_tensor`). Paths and PIL images keep their mode (RGBA its alpha); arrays
    (H, W), (H, W, 1), (H, W, 3) or (H, W, 4): uint8 as they are, bool and float in [0, 1] scaled to 255,
    other integers clipped to [0, 255]; tensors (1, 3, H, W) or (3, H, W) in [-1, 1] become RGB."""
    if isinstance(image, (str, os.PathLike)):
        return load_image(image)
    if isinstance(image, Image.Image):
        return image
    if isinstance(image, torch.Tensor):
        t = image[0] if image.ndim == 4 and image.shape[0] == 1 else image
        if t.ndim != 3 or t.shape[0] != 3:
            raise GipError(f"the {name} tensor has shape {tuple(image.shape)}, but an image tensor must be "
                           "(1, 3, H, W) or (3, H, W) in [-1, 1]")  # fmt: skip
        return to_pil(t)[0]
    if not isinstance(image, np.ndarray):
        raise GipError(f"cannot read the {name} from a {type(image).__name__}: pass a path, PIL image, array or tensor")
    a = image[..., 0] if image.ndim == 3 and image.shape[2] == 1 else image
    if a.ndim != 2 and not (a.ndim == 3 and a.shape[2] in (3, 4)):
        raise GipError(f"the {name} has shape {image.shape}, but an image must be (H, W, 3), (H, W, 4) or (H, W): "
                       "pass a PIL image, array or tensor")  # fmt: skip
    if a.dtype == np.bool_ or np.issubdtype(a.dtype, np.floating):  # masks and [0, 1] floats
        a = (np.clip(a.astype(np.float64), 0, 1) * 255).round()
    return Image.fromarray(np.ascontiguousarray(np.clip(a, 0, 255).astype(np.uint8)))


def alpha_to_mask(image: ImageLike, threshold: float = 0.5) -> np.ndarray:
    """(H, W) bool: where an RGBA image is opaque (alpha > threshold). Images without alpha: all True."""
    if isinstance(image, (str, os.PathLike)):
        image = load_image(image)
    if isinstance(image, np.ndarray):
        if image.ndim == 3 and image.shape[-1] == 4:
            a = image[..., 3].astype(np.float64) / (255.0 if image.dtype == np.uint8 else 1.0)
            return a > threshold
        return np.ones(image.shape[:2], bool)
    if isinstance(image, Image.Image):
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            return np.asarray(image.convert("RGBA"))[..., 3] / 255.0 > threshold
        return np.ones((image.height, image.width), bool)
    raise GipError("alpha_to_mask needs a path, PIL image or (H, W, 4) array")


def crop_to_alpha(image: Image.Image, threshold: int = 8) -> Image.Image:
    """An RGBA image cropped to the box of its visible pixels (alpha > ``threshold`` of 255)."""
    rgba = image.convert("RGBA")
    box = rgba.getchannel("A").point(lambda a: 255 if a > threshold else 0).getbbox()
    return rgba.crop(box) if box else rgba


def place_object(
    obj: ImageLike,
    canvas_size: int | tuple[int, int],
    box: Sequence[int],
    mask: np.ndarray | None = None,
    background: tuple[int, int, int] = (255, 255, 255),
) -> tuple[Image.Image, np.ndarray]:
    """Place an object photo into a canvas: resize it into ``box = (x, y, w, h)``.

    The object's silhouette comes from ``mask`` (H, W, bool, same size as the object), else from its alpha
    channel, else the whole box. Returns (target canvas as RGB PIL image, fill mask (H, W) bool).
    """
    W, H = (canvas_size, canvas_size) if isinstance(canvas_size, int) else (canvas_size[1], canvas_size[0])
    x, y, w, h = check_box(box, W, H, "canvas")
    obj = as_pil(obj, "object")
    sil = alpha_to_mask(obj) if mask is None else np.asarray(mask, bool)
    rgb = composite_on_white(obj).resize((w, h), Image.Resampling.LANCZOS)
    sil_img = Image.fromarray(sil.astype(np.uint8) * 255).resize((w, h), Image.Resampling.BILINEAR)
    canvas = Image.new("RGB", (W, H), background)
    canvas.paste(rgb, (x, y))
    fill = np.zeros((H, W), bool)
    fill[y : y + h, x : x + w] = np.asarray(sil_img) > 127
    return canvas, fill


def check_output(path: str | os.PathLike, inputs: Sequence = ()) -> Path:
    """``path`` as a Path, or a :class:`gip.GipError` when it cannot be written: its folder does not exist,
    or it is one of the files ``inputs`` (paths; anything else there is skipped). The one guard that keeps
    every output (CLI, sweeps, :func:`save_image`) off its inputs."""
    path = Path(path)
    if not path.parent.is_dir():
        raise GipError(f"output folder {path.parent} does not exist: create it first")
    for p in inputs:
        if isinstance(p, (str, os.PathLike)) and Path(p).exists() and path.exists() and path.samefile(p):
            raise GipError(f"refusing to overwrite the input file {p}: choose another output path")
    return path


def save_image(image: Image.Image | torch.Tensor, path: str | os.PathLike, protect: Sequence = ()) -> Path:
    """Write an image atomically (temp file + rename). Refuses to overwrite any path in ``protect``
    (:func:`check_output`)."""
    path = check_output(path, protect)
    if isinstance(image, torch.Tensor):
        image = to_pil(image)[0]
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None:
        raise GipError(f"{path}: unknown image extension; use .png or .jpg")
    return write_atomic(path, lambda f: image.save(f, format=fmt))


def write_atomic(path: str | os.PathLike, write: Callable[[IO], None], mode: str = "wb") -> Path:
    """Write ``path`` atomically: ``write(f)`` fills a temporary file in the same folder, which then replaces
    ``path`` in one rename; on any error the temporary file is removed and ``path`` is left as it was."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".gip-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
