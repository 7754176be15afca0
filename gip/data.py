"""The emoji-faces training set of the embedded default model ("a toy CelebA").

Source: the npm package ``emoji-datasource-google`` (Noto emoji, Apache-2.0), 64x64 RGBA PNGs. The subset
is every ``Smileys & Emotion`` face (``face-*``, ``cat-face``, ``monkey-face``) plus every ``People & Body``
``person`` emoji with all its skin-tone variants. Images are alpha-composited on white and resized.

Held-out rule (fixed, documented in the model card): sort the subset by file name; every image whose
index is a multiple of 10 is held out and never seen in training.

This is a developer-only preparation step: it needs ``npm`` and the registry, and runs neither in CI nor
at import time. The prepared arrays are cached under a git-ignored folder.
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

from .errors import GipError

PACKAGE = "emoji-datasource-google"
VERSION = "16.0.0"
HOLDOUT_EVERY = 10
FACE_SUBCATEGORIES = ("cat-face", "monkey-face")
PERSON_SUBCATEGORIES = ("person",)


@dataclass
class EmojiFaces:
    """Prepared images: ``images`` (N, H, W, 3) uint8 on white, ``names`` file names, ``holdout`` bool (N,)."""

    images: np.ndarray
    names: list[str]
    holdout: np.ndarray

    @property
    def train(self) -> np.ndarray:
        return self.images[~self.holdout]

    @property
    def test(self) -> np.ndarray:
        return self.images[self.holdout]


def fetch_package(cache_dir: str | Path) -> Path:
    """Download and unpack the npm package into ``cache_dir``; return the unpacked ``package/`` folder."""
    cache_dir = Path(cache_dir)
    root = cache_dir / f"{PACKAGE}-{VERSION}"
    if (root / "package" / "emoji.json").exists():
        return root / "package"
    if shutil.which("npm") is None:
        raise GipError("npm is not installed: install Node.js/npm to fetch the emoji data set")
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=root, check=True)
    tgz = next(root.glob(f"{PACKAGE}-*.tgz"))
    with tarfile.open(tgz) as tar:
        tar.extractall(root, filter="data")
    tgz.unlink()
    return root / "package"


def select_faces(package_dir: str | Path) -> list[str]:
    """File names (sorted) of the faces subset in ``package_dir/img/google/64``."""
    package_dir = Path(package_dir)
    entries = json.loads((package_dir / "emoji.json").read_text())
    names: set[str] = set()
    for e in entries:
        sub = e.get("subcategory", "")
        is_face = e["category"] == "Smileys & Emotion" and (
            sub.startswith("face-") or sub in FACE_SUBCATEGORIES
        )
        is_person = e["category"] == "People & Body" and sub in PERSON_SUBCATEGORIES
        if not (is_face or is_person) or not e.get("has_img_google"):
            continue
        names.add(e["image"])
        for var in (e.get("skin_variations") or {}).values():
            if var.get("has_img_google"):
                names.add(var["image"])
    img_dir = package_dir / "img" / "google" / "64"
    return sorted(n for n in names if (img_dir / n).exists())


def composite_on_white(img: Image.Image) -> Image.Image:
    """RGBA (or any mode) -> RGB on a white background."""
    rgba = img.convert("RGBA")
    canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    canvas.alpha_composite(rgba)
    return canvas.convert("RGB")


def prepare(package_dir: str | Path, resolution: int = 32) -> EmojiFaces:
    """Load, composite and resize the faces subset to ``resolution`` (a square)."""
    package_dir = Path(package_dir)
    names = select_faces(package_dir)
    img_dir = package_dir / "img" / "google" / "64"
    images = np.stack(
        [
            np.asarray(
                composite_on_white(Image.open(img_dir / n)).resize(
                    (resolution, resolution), Image.Resampling.LANCZOS
                )
            )
            for n in names
        ]
    )
    holdout = np.arange(len(names)) % HOLDOUT_EVERY == 0
    return EmojiFaces(images=images, names=names, holdout=holdout)


def save(faces: EmojiFaces, path: str | Path) -> None:
    np.savez_compressed(path, images=faces.images, names=np.array(faces.names), holdout=faces.holdout)


def load(path: str | Path) -> EmojiFaces:
    with np.load(path) as z:
        return EmojiFaces(images=z["images"], names=[str(n) for n in z["names"]], holdout=z["holdout"])


def prepared(cache_dir: str | Path = ".cache", resolution: int = 32) -> EmojiFaces:
    """Fetch (once) and prepare (once) the data set under ``cache_dir``; return it."""
    cache_dir = Path(cache_dir)
    out = cache_dir / f"emoji-faces-{resolution}.npz"
    if not out.exists():
        faces = prepare(fetch_package(cache_dir), resolution)
        cache_dir.mkdir(parents=True, exist_ok=True)
        save(faces, out)
    return load(out)
