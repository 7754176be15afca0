"""The training data of the embedded model: emoji faces of two styles, and faces that wear things.

Developer-only (needs ``npm`` and the registry; never runs in CI or at import of ``gip``). Sources, both from
npm, cached under the git-ignored ``.cache/``:

- ``emoji-datasource-google@16.0.0``: Noto Emoji, Apache-2.0;
- ``emoji-datasource-twitter@16.0.0``: Twemoji, graphics CC-BY 4.0 (Twitter, Inc. and other contributors).

**Base images**: every ``Smileys & Emotion`` face (``face-*``, ``cat-face``, ``monkey-face``) and every
``People & Body`` ``person`` emoji with all its skin tones, of each style (298 + 298), RGBA 64x64.

**Held out** (never a training base, never composited): per style, sorted by file name, every image whose
index is a multiple of 10; plus the book's demo scenes (:data:`DEMO_SCENES`, Noto). The insertion pairs of the
book and the model card (:func:`insertion_pairs`) use held-out scenes only.

**Accessories** (:data:`ACCESSORIES`): clothing and heart emoji of both styles, cut to their alpha box, plus a
mouth cover cut out of the "face with medical mask" emoji. :class:`Composer` puts one on a training face at
a plausible place (eye band, head top, mouth, cheek) with random scale and offset, at 64 px on the RGBA
originals, then composites on white and resizes to the model's resolution with Lanczos.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

VERSION = "16.0.0"
STYLES = ("google", "twitter")
HOLDOUT_EVERY = 10
#: The book's demo scenes (gip/assets): held out of training in every case.
DEMO_SCENES = {
    "grinning": "1f604.png",
    "sunglasses": "1f60e.png",
    "crying": "1f622.png",
    "grimacing": "1f62c.png",
    "kissing-cat": "1f63d.png",
    "ghost": "1f47b.png",
    "boy": "1f466-1f3fb.png",
    "bearded": "1f9d4-1f3fe.png",
}

#: Accessory emoji -> placement. Placements (fractions of the 64-px canvas): centre y, width, jitter.
ACCESSORIES = {
    "glasses": ("1f453.png", "eyes"),
    "dark-sunglasses": ("1f576-fe0f.png", "eyes"),
    "goggles": ("1f97d.png", "eyes"),
    "tophat": ("1f3a9.png", "head"),
    "crown": ("1f451.png", "head"),
    "billed-cap": ("1f9e2.png", "head"),
    "graduation-cap": ("1f393.png", "head"),
    "womans-hat": ("1f452.png", "head"),
    "ribbon": ("1f380.png", "head"),
    "lips": ("1f444.png", "mouth"),
    "mouth-cover": ("1f637.png", "mouth"),  # cut out of the "face with medical mask" emoji
    "heart": ("2764-fe0f.png", "cheek"),
    "two-hearts": ("1f495.png", "cheek"),
}
PLACES = {  # centre (x, y) and width as fractions of the canvas; the accessory keeps its aspect ratio
    "eyes": dict(cx=0.5, cy=0.40, w=0.82, jitter=0.05, scale=0.12),
    "head": dict(cx=0.5, cy=0.14, w=0.62, jitter=0.05, scale=0.15),
    "mouth": dict(cx=0.5, cy=0.72, w=0.50, jitter=0.04, scale=0.15),
    "cheek": dict(cx=0.5, cy=0.55, w=0.30, jitter=0.25, scale=0.20),
}


def package_dir(cache_dir: str | Path, style: str) -> Path:
    """Fetch (once) ``emoji-datasource-<style>`` with npm into ``cache_dir``; return its ``package/`` folder."""
    name = f"emoji-datasource-{style}"
    root = Path(cache_dir) / f"{name}-{VERSION}"
    if (root / "package" / "emoji.json").exists():
        return root / "package"
    if shutil.which("npm") is None:
        raise SystemExit("npm is not installed: install Node.js/npm to fetch the emoji data")
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "pack", f"{name}@{VERSION}", "--silent"], cwd=root, check=True)
    tgz = next(root.glob(f"{name}-*.tgz"))
    with tarfile.open(tgz) as tar:
        tar.extractall(root, filter="data")
    tgz.unlink()
    return root / "package"


def image_dir(cache_dir: str | Path, style: str) -> Path:
    return package_dir(cache_dir, style) / "img" / style / "64"


def select_faces(cache_dir: str | Path, style: str) -> list[str]:
    """Sorted file names of the base faces of one style."""
    pkg = package_dir(cache_dir, style)
    entries = json.loads((pkg / "emoji.json").read_text())
    names: set[str] = set()
    for e in entries:
        sub = e.get("subcategory", "")
        face = e["category"] == "Smileys & Emotion" and (sub.startswith("face-") or sub in ("cat-face", "monkey-face"))
        person = e["category"] == "People & Body" and sub == "person"
        if (face or person) and e.get(f"has_img_{style}"):
            names.add(e["image"])
            for var in (e.get("skin_variations") or {}).values():
                if var.get(f"has_img_{style}"):
                    names.add(var["image"])
    folder = image_dir(cache_dir, style)
    return sorted(n for n in names if (folder / n).exists())


def composite_on_white(img: Image.Image) -> Image.Image:
    """RGBA (or any mode) -> RGB on white."""
    rgba = img.convert("RGBA")
    canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    canvas.alpha_composite(rgba)
    return canvas.convert("RGB")


def to_res(img: Image.Image, resolution: int) -> np.ndarray:
    """RGBA 64 px -> (res, res, 3) uint8 on white (Lanczos)."""
    return np.asarray(composite_on_white(img).resize((resolution, resolution), Image.Resampling.LANCZOS))


@dataclass
class Faces:
    """Base faces: ``rgba`` list of 64-px RGBA images, ``names`` ("style/file.png"), ``holdout`` (N,) bool."""

    rgba: list[Image.Image]
    names: list[str]
    holdout: np.ndarray

    def arrays(self, resolution: int = 32) -> np.ndarray:
        return np.stack([to_res(im, resolution) for im in self.rgba])

    def styles(self) -> np.ndarray:
        return np.array([n.split("/")[0] for n in self.names])


def load_faces(cache_dir: str | Path = ".cache") -> Faces:
    """Both styles' base faces with the fixed held-out rule (see the module docstring)."""
    rgba, names, hold = [], [], []
    for style in STYLES:
        files = select_faces(cache_dir, style)
        folder = image_dir(cache_dir, style)
        for i, f in enumerate(files):
            with Image.open(folder / f) as im:
                rgba.append(im.convert("RGBA"))
            names.append(f"{style}/{f}")
            hold.append(i % HOLDOUT_EVERY == 0 or (style == "google" and f in DEMO_SCENES.values()))
    return Faces(rgba=rgba, names=names, holdout=np.array(hold))


def _alpha_crop(img: Image.Image) -> Image.Image:
    box = img.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
    return img.crop(box) if box else img


def mouth_cover(face: Image.Image) -> Image.Image:
    """Cut the mask out of a "face with medical mask" emoji: light, unsaturated pixels in its lower half."""
    a = np.asarray(face.convert("RGBA")).astype(np.float32)
    rgb, alpha = a[..., :3] / 255, a[..., 3]
    sat = rgb.max(-1) - rgb.min(-1)
    keep = (sat < 0.22) & (rgb.mean(-1) > 0.45) & (alpha > 0)
    keep[: int(0.45 * keep.shape[0])] = False
    out = a.copy()
    out[..., 3] = np.where(keep, alpha, 0)
    return Image.fromarray(out.astype(np.uint8), "RGBA")


def load_accessories(cache_dir: str | Path = ".cache") -> list[tuple[str, str, Image.Image]]:
    """(name, placement, RGBA cut to its alpha box) for every accessory of both styles."""
    out = []
    for style in STYLES:
        folder = image_dir(cache_dir, style)
        for name, (file, place) in ACCESSORIES.items():
            with Image.open(folder / file) as im:
                img = im.convert("RGBA")
            if name == "mouth-cover":
                img = mouth_cover(img)
            out.append((f"{style}/{name}", place, _alpha_crop(img)))
    return out


def put_on(face: Image.Image, acc: Image.Image, place: str, rng: np.random.Generator | None = None) -> Image.Image:
    """``face`` (64-px RGBA) wearing ``acc`` at ``place``; random scale and offset from ``rng`` (None: centred)."""
    p = PLACES[place]
    size = face.size[0]
    u = (lambda lo, hi: 0.0) if rng is None else (lambda lo, hi: float(rng.uniform(lo, hi)))
    w = max(4, round(size * p["w"] * (1 + u(-p["scale"], p["scale"]))))
    h = max(2, round(acc.size[1] * w / acc.size[0]))
    cx = size * (p["cx"] + u(-p["jitter"], p["jitter"]))
    cy = size * (p["cy"] + u(-p["jitter"], p["jitter"]))
    out = face.copy()
    layer = Image.new("RGBA", face.size, (0, 0, 0, 0))
    layer.paste(acc.resize((w, h), Image.Resampling.LANCZOS), (round(cx - w / 2), round(cy - h / 2)))
    out.alpha_composite(layer)
    return out


class Composer:
    """Training batches: faces from the training split, a fraction ``p_wear`` of them wearing an accessory.

    Call ``composer(rng_seed_tensor_generator, batch_size)`` -> (B, 3, R, R) float tensor in [-1, 1].
    """

    def __init__(self, faces: Faces, accessories, resolution: int = 32, p_wear: float = 0.5):
        train = [im for im, h in zip(faces.rgba, faces.holdout) if not h]
        self.faces = train
        self.plain = faces.arrays(resolution)[~faces.holdout]
        self.accessories = accessories
        self.resolution = resolution
        self.p_wear = p_wear

    def __call__(self, gen, batch_size: int):
        import torch

        idx = torch.randint(len(self.faces), (batch_size,), generator=gen).tolist()
        wear = (torch.rand(batch_size, generator=gen) < self.p_wear).tolist()
        rng = np.random.default_rng(int(torch.randint(2**31 - 1, (1,), generator=gen)))
        batch = np.empty((batch_size, self.resolution, self.resolution, 3), np.uint8)
        for k, (i, w) in enumerate(zip(idx, wear)):
            if w:
                _, place, acc = self.accessories[rng.integers(len(self.accessories))]
                batch[k] = to_res(put_on(self.faces[i], acc, place, rng), self.resolution)
            else:
                batch[k] = self.plain[i]
        return torch.from_numpy(batch).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def insertion_pairs(faces: Faces, n_scenes: int = 12) -> list[dict]:
    """The fixed held-out insertion pairs: held-out faces (both styles) x eye-band / head objects (Noto).

    Returns dicts with ``scene`` (name), ``object`` (accessory name), ``place``. Scenes: ``n_scenes / 2``
    held-out faces of each style that are not demo scenes, spread evenly over the sorted held-out list
    (smileys, cats and people alike), alternating styles.
    """
    held = [n for n, h in zip(faces.names, faces.holdout) if h and n.split("/")[1] not in DEMO_SCENES.values()]
    by_style = {s: [n for n in held if n.startswith(s)] for s in STYLES}
    per = n_scenes // len(STYLES)
    picks = {s: [v[round(i)] for i in np.linspace(0, len(v) - 1, per)] for s, v in by_style.items()}
    scenes = [n for pair in zip(*picks.values()) for n in pair]
    objects = ["glasses", "dark-sunglasses", "tophat", "crown"]
    return [
        {"scene": s, "object": objects[(i // 2) % len(objects)], "place": ACCESSORIES[objects[(i // 2) % len(objects)]][1]}
        for i, s in enumerate(scenes)
    ]
