"""Write the demo images and the held-out insertion pairs shipped in gip/assets/ (developer-only, needs npm).

    python scripts/make_assets.py

- 32x32 RGB versions (composited on white, Lanczos) of the book's demo scenes (Noto, held out of training),
  two 64x64 RGBA originals of those, and 64x64 RGBA objects (accessories) for placing into scenes;
- ``heldout/``: 32x32 scenes of both styles (Noto and Twemoji) that training never saw, and
  ``insertion_pairs.json``: the fixed (scene, object, box) pairs of the model card and the book, with the box
  (x, y, w, h) at 32 px placing the object (cut to its visible pixels) where training puts accessories.
"""

import json
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


if __name__ == "__main__":
    main()
