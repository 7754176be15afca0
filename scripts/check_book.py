"""Check a built book: every chapter page exists and shows executed figures (and no error output), every
figure has an alt text that says what it shows (not its file name), and no claim-check code is shown.

    python scripts/check_book.py _build/html

Guards against builds that "succeed" without pictures (e.g. a non-inline matplotlib backend in the kernel),
and against the two presentation faults a reader notices: ``alt="../_images/abc.png"`` and ``book.check``
calls printed on the page (hide those cells with the ``remove-cell`` or ``remove-input`` tag).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml


def chapters(root: Path) -> list[str]:
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def alt_texts(text: str) -> list[str]:
    """The alt texts of the page's executed figures (images under ``_images/``)."""
    out = []
    for tag in re.findall(r"<img[^>]+>", text):
        if "_images/" in tag:
            m = re.search(r'alt="([^"]*)"', tag)
            out.append(m.group(1) if m else "")
    return out


def page_problems(text: str) -> list[str]:
    """Figures whose alt text is empty or a file name; ``book.check(`` shown in a code cell."""
    bad = [a for a in alt_texts(text) if not a.strip() or re.search(r"\.(png|jpe?g|svg)$", a.strip())]
    out = [f"{len(bad)} figure(s) without an alt text that says what they show (e.g. {bad[0]!r})"] if bad else []
    if re.search(r"book</span><span[^>]*>\.</span><span[^>]*>check</span>|book\.check\(", text):
        out.append("shows book.check(...) code: tag its cell remove-cell or remove-input")
    return out


def main(html_dir: str) -> int:
    root = Path(__file__).resolve().parent.parent
    html = Path(html_dir)
    pages = chapters(root)
    problems, images = [], 0
    for f in pages:
        page = html / f"{f}.html"
        if not page.exists():
            problems.append(f"{page}: missing")
            continue
        text = page.read_text()
        n_img = len(re.findall(r'<img[^>]+src="[^"]*_images/', text))
        images += n_img
        if n_img + text.count('id="_anim_img') == 0:  # figures, or a to_jshtml scrubber
            problems.append(f"{page}: no executed figures")
        if "Traceback (most recent call last)" in text:
            problems.append(f"{page}: shows a traceback")
        problems += [f"{page}: {p}" for p in page_problems(text)]
    if images < len(pages):
        problems.append(f"{html}: only {images} figure images in {len(pages)} pages (inline backend off?)")
    for p in problems:
        print("check_book:", p)
    print(f"check_book: {len(pages)} pages, {'ok' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "_build/html"))
