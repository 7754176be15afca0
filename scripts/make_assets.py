"""Write the demo images shipped in gip/assets/ from the (held-out part of the) emoji data set.

    python scripts/make_assets.py

32x32 RGB versions (composited on white, resized with Lanczos) of held-out emoji, which training never
sees, two 64x64 RGBA originals of those, and 64x64 RGBA objects that are not faces (never in the training
data), for placing into scenes and the automated pipeline.
"""

from pathlib import Path

from PIL import Image

from gip import data

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "gip" / "assets"
NAMES = {  # file stem in gip/assets -> emoji image name
    "grinning": "1f604.png",
    "sunglasses": "1f60e.png",
    "crying": "1f622.png",
    "grimacing": "1f62c.png",
    "kissing-cat": "1f63d.png",
    "ghost": "1f47b.png",
    "boy": "1f466-1f3fb.png",
    "bearded": "1f9d4-1f3fe.png",
}
RGBA = ("sunglasses", "ghost")
OBJECTS = {  # objects (not faces, never in the training data) as 64x64 RGBA cut-outs, for placing into scenes
    "glasses": "1f453.png",
    "dark-sunglasses": "1f576-fe0f.png",
    "tophat": "1f3a9.png",
    "crown": "1f451.png",
    "heart": "2764-fe0f.png",
    "mouth": "1f444.png",
}


def main() -> None:
    pkg = data.fetch_package(ROOT / ".cache")
    faces = data.prepared(ROOT / ".cache", 32)
    held = {n for n, h in zip(faces.names, faces.holdout) if h}
    OUT.mkdir(exist_ok=True)
    for stem, name in NAMES.items():
        assert name in held, f"{name} is not held out"
        img = Image.open(pkg / "img" / "google" / "64" / name).convert("RGBA")
        data.composite_on_white(img).resize((32, 32), Image.Resampling.LANCZOS).save(OUT / f"{stem}.png")
        if stem in RGBA:
            img.save(OUT / f"{stem}-rgba64.png")
    for stem, name in OBJECTS.items():
        assert name not in faces.names, f"{name} is in the training subset"
        Image.open(pkg / "img" / "google" / "64" / name).convert("RGBA").save(OUT / f"{stem}-rgba64.png")
    print("wrote", sorted(p.name for p in OUT.glob("*.png")))


if __name__ == "__main__":
    main()
