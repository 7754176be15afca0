"""Write the demo images and the held-out insertion pairs shipped in gip/assets/ (developer-only, needs npm).

    python scripts/make_assets.py             # the emoji assets (npm data in .cache/)
    python scripts/make_assets.py --photos    # the 256x256 photo assets (scikit-image, npm, rsvg-convert)

- 32x32 RGB versions (composited on white, Lanczos) of the book's demo scenes (Noto, held out of training),
  two 64x64 RGBA originals of those, and 64x64 RGBA objects (accessories) for placing into scenes;
- ``heldout/``: 32x32 scenes of both styles (Noto and Twemoji) that training never saw, and
  ``insertion_pairs.json``: the fixed (scene, object, box) pairs of the model card and the book, with the box
  (x, y, w, h) at 32 px placing the object (cut to its visible pixels) where training puts accessories;
- ``photo/`` (``--photos``) for the 256x256 hub models (Colab): two scikit-image sample photos cropped square
  (the astronaut Eileen Collins, NASA, public domain; Chelsea the cat, CC0) and the four accessories rendered
  at 256 px from Twemoji's SVGs (npm ``@twemoji/svg``, graphics CC-BY 4.0) with ``rsvg-convert``
  (Debian ``librsvg2-bin``); ``photos.json`` records each photo's crop, source and *face box*: where the
  32x32 face coordinates of the book's boxes lie on the photo.
"""

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from PIL import Image

import emoji_data as ed
from gip.images import crop_to_alpha

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "gip" / "assets"
RGBA = ("sunglasses", "ghost")
OBJECTS = {"glasses": "1f453.png", "dark-sunglasses": "1f576-fe0f.png", "tophat": "1f3a9.png", "crown": "1f451.png",
           "heart": "2764-fe0f.png", "mouth": "1f444.png"}  # fmt: skip
N_PAIRS = 16


def box_for(obj: Image.Image, place: str, size: int = 32) -> list[int]:
    """(x, y, w, h) at ``size`` px: the object's width and centre of ``emoji_data.PLACES[place]``, as in
    training; ``y`` may be negative (a hat reaching above the image: the part above is cut off)."""
    p = ed.PLACES[place]
    cut = crop_to_alpha(obj)
    w = round(size * p["w"])
    h = max(1, round(cut.height * w / cut.width))
    return [round(size * p["cx"] - w / 2), round(size * p["cy"] - h / 2), w, h]


def main() -> None:
    cache = ROOT / ".cache"
    faces = ed.load_faces(cache)
    held = {n for n, h in zip(faces.names, faces.holdout) if h}
    google = ed.image_dir(cache, "google")
    OUT.mkdir(exist_ok=True)
    for stem, name in ed.DEMO_SCENES.items():
        assert f"google/{name}" in held, f"{name} is not held out"
        img = Image.open(google / name).convert("RGBA")
        ed.composite_on_white(img).resize((32, 32), Image.Resampling.LANCZOS).save(OUT / f"{stem}.png")
        if stem in RGBA:
            img.save(OUT / f"{stem}-rgba64.png")
    for stem, name in OBJECTS.items():
        Image.open(google / name).convert("RGBA").save(OUT / f"{stem}-rgba64.png")
    (OUT / "heldout").mkdir(exist_ok=True)
    pairs = []
    for i, pair in enumerate(ed.insertion_pairs(faces, N_PAIRS)):
        style, file = pair["scene"].split("/")
        stem = f"{style}-{Path(file).stem}"
        with Image.open(ed.image_dir(cache, style) / file) as im:
            ed.composite_on_white(im).resize((32, 32), Image.Resampling.LANCZOS).save(OUT / "heldout" / f"{stem}.png")
        obj = Image.open(OUT / f"{pair['object']}-rgba64.png")
        pairs.append({"scene": f"heldout/{stem}", "object": f"{pair['object']}-rgba64", "place": pair["place"],
                      "box": box_for(obj, pair["place"])})  # fmt: skip
    (OUT / "insertion_pairs.json").write_text(json.dumps(pairs, indent=1) + "\n")
    print("wrote", len(pairs), "pairs and", sorted(p.name for p in OUT.glob("*.png")))


# photo name -> scikit-image loader, square crop (left, top, right, bottom) of the original, the face box
# (x, y, w, h) in the 256x256 result: the rectangle the book's 32x32 face coordinates are scaled to (measured
# by eye: the eyes at 37 % of its height, the glasses' width 81 % of its width, as on the emoji faces)
PHOTOS = {
    "astronaut-face": dict(loader="astronaut", crop=(118, 0, 338, 220), face_box=(64, 72, 128, 126),
                           source="scikit-image data.astronaut(): Eileen Collins, NASA; public domain"),
    "chelsea": dict(loader="chelsea", crop=(75, 0, 375, 300), face_box=(26, 13, 230, 230),
                    source="scikit-image data.chelsea(): Chelsea the cat by Stefan van der Walt; CC0"),
}  # fmt: skip
# object name -> Twemoji code point (the same four accessories as the emoji pairs)
TWEMOJI = {"glasses": "1f453", "dark-sunglasses": "1f576", "tophat": "1f3a9", "crown": "1f451"}
TWEMOJI_SVG = "@twemoji/svg@15.0.0"


def make_photos(size: int = 256) -> None:
    from skimage import data

    out = OUT / "photo"
    out.mkdir(exist_ok=True)
    meta = {}
    for name, spec in PHOTOS.items():
        img = Image.fromarray(getattr(data, spec["loader"])()).crop(spec["crop"])
        img.resize((size, size), Image.Resampling.LANCZOS).save(out / f"{name}.png")
        meta[name] = {"file": f"photo/{name}", "face_box": list(spec["face_box"]), "source": spec["source"],
                      "crop": list(spec["crop"])}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", "-q", TWEMOJI_SVG], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        with tarfile.open(next(Path(tmp).glob("*.tgz"))) as tar:
            tar.extractall(tmp, filter="data")
        for name, code in TWEMOJI.items():
            svg = Path(tmp) / "package" / f"{code}.svg"
            subprocess.run(["rsvg-convert", "-w", str(size), "-h", str(size), "-o", str(out / f"{name}-rgba{size}.png"),
                            str(svg)], check=True)  # fmt: skip
    (OUT / "photos.json").write_text(json.dumps(meta, indent=1) + "\n")
    print("wrote", sorted(p.name for p in out.glob("*.png")))


if __name__ == "__main__":
    make_photos() if "--photos" in sys.argv[1:] else main()
