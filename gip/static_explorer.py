"""A static explorer: precomputed runs as a self-contained HTML widget (sliders, images, metrics; no kernel).

    from gip.static_explorer import StaticExplorer
    runs = {(p, b): {"images": res[p, b].images[0], "metrics": gip.evaluate(...)} for p in ps for b in bs}
    StaticExplorer(runs, {"p": ps, "buffer": bs}, references={"scene": scene, "target": target})

The output is plain HTML + inline JavaScript + base64 PNGs: it works in Jupyter, in the book's HTML and in a
file saved with :meth:`StaticExplorer.save`, with no kernel and no network. Every combination of the control
values is embedded, so keep the grid small (2-4 values per control).
"""

from __future__ import annotations

import base64
import functools
import html
import io
import itertools
import json
import math
import os
import uuid
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from PIL import Image

from .errors import GipError
from .images import as_pil, composite_on_white, write_atomic

_CSS = """
#{id} {{font: 13px/1.4 sans-serif; margin: .5em 0}}
#{id} .gipx-controls {{display: flex; flex-wrap: wrap; gap: .4em 1.5em; margin-bottom: .5em}}
#{id} .gipx-controls label {{display: inline-flex; align-items: center; gap: .4em}}
#{id} .gipx-controls output {{min-width: 3em; font-weight: bold}}
#{id} .gipx-panels {{display: flex; flex-wrap: wrap; gap: .6em; align-items: flex-start}}
#{id} figure {{margin: 0; text-align: center}}
#{id} figure img {{image-rendering: crisp-edges; image-rendering: pixelated; display: block; border: 1px solid #ccc}}
#{id} figcaption {{font-size: 12px; color: #555}}
#{id} table {{border-collapse: collapse; margin-top: .5em; width: auto}}
#{id} td, #{id} th {{padding: 1px .8em 1px 0; text-align: left; border: 0}}
#{id} td {{font-family: monospace; text-align: right}}
"""

# Root-relative lookups: the root may not be in the document yet when a notebook front end runs the script.
_JS = """(function () {
  var id = %s, me = document.currentScript;
  var root = me && me.parentElement ? me.parentElement : document.getElementById(id);
  function el(suffix) { return root.querySelector("#" + id + suffix); }
  var data = JSON.parse(el("-data").textContent);
  var ctrls = root.querySelectorAll("[data-gipx-control]");
  function update() {
    var key = [];
    for (var i = 0; i < ctrls.length; i++) {
      key.push(ctrls[i].value);
      el("-v" + i).textContent = data.labels[i][+ctrls[i].value];
    }
    var run = data.runs[key.join("-")];
    if (!run) return;
    run.images.forEach(function (src, j) { el("-img" + j).src = src; });
    run.metrics.forEach(function (v, j) { el("-m" + j).textContent = v; });
  }
  for (var i = 0; i < ctrls.length; i++) {
    ctrls[i].addEventListener("input", update);
    ctrls[i].addEventListener("change", update);
  }
  update();
})();"""


def to_rgb(img: Any) -> Image.Image:
    """An image as an RGB PIL image of the same size: :func:`gip.images.as_pil` (a path, a PIL image, an
    (H, W, 3|4) / (H, W) uint8 or [0, 1] float array, a bool mask, or a (1, 3, H, W) / (3, H, W) tensor in
    [-1, 1]), RGBA composited on white as everywhere in gip."""
    return composite_on_white(as_pil(img))


def png_uri(img: Image.Image, factor: int) -> str:
    """A ``data:image/png;base64`` URI of ``img`` upscaled ``factor`` times with NEAREST (crisp pixels)."""
    if factor > 1:
        img = img.resize((img.width * factor, img.height * factor), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _images(rec: Any, where: str) -> dict[str, Any]:
    imgs = rec.get("images", rec.get("image")) if isinstance(rec, Mapping) else None
    if imgs is None or (isinstance(imgs, (Mapping, list, tuple)) and not len(imgs)):
        raise GipError(f"{where} has no images: give each run a record {{'images': img_or_list_or_dict, 'metrics': {{...}}}}")
    if isinstance(imgs, Mapping):
        return dict(imgs)
    if isinstance(imgs, (list, tuple)):
        return {"result" if len(imgs) == 1 else f"sample {k + 1}": im for k, im in enumerate(imgs)}
    return {"result": imgs}


def _fmt(v: Any, digits: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, (bool, np.bool_, str)):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{float(v):.{digits}g}"


def _values(v: Any) -> list:
    """A control's values as a plain list (numpy scalars become Python numbers)."""
    v = v.tolist() if isinstance(v, np.ndarray) else v
    return list(v) if isinstance(v, (list, tuple, range)) else [v]


def _distinct(values: list) -> list:
    """The distinct values, sorted when they are comparable, else in first-seen order."""
    out = list(dict.fromkeys(values))
    try:
        return sorted(out)
    except TypeError:
        return out


class StaticExplorer:
    """Precomputed runs behind sliders: an image panel and a metrics table that follow the controls.

    Args:
        runs: every combination of the control values -> a record ``{"images": ..., "metrics": {name: float}}``.
            A mapping with tuple keys (values in control order; a bare value for one control) or an iterable
            of ``(key, record)`` pairs whose key may also be a dict ``{control: value}``. ``images`` is one
            image, a list (panels "sample 1".."sample n") or a dict ``{label: image}``; an image is a PIL
            image, a path, an (H, W, 3) uint8 array, an (H, W) mask or a (1, 3, H, W) / (3, H, W) tensor in
            [-1, 1] (see :func:`to_rgb`).
            All images (runs and references) must have the same H x W.
        controls: ordered ``{name: [values]}``. Numbers get a range slider over the value list, other values
            (bools, strings) a ``<select>``.
        references: fixed ``{label: image}`` panels shown before the result (e.g. scene, target, mask).
        size: minimum displayed side in px; images are upscaled by an integer factor with NEAREST.
        digits: significant digits of float metrics.
        title: an optional heading.
    """

    def __init__(self, runs: Mapping | Iterable, controls: Mapping[str, Sequence], *, references: Mapping | None = None,
                 size: int = 160, digits: int = 4, title: str | None = None):  # fmt: skip
        if not isinstance(controls, Mapping) or not controls:
            raise GipError("controls must be a non-empty dict {name: [values]}, e.g. {'p': [0.25, 0.5], 'heat': [False, True]}")
        self.controls = {str(k): _values(v) for k, v in controls.items()}
        for name, vals in self.controls.items():
            if not vals:
                raise GipError(f"control {name!r} has no values: give it a list of 2-4 values, or remove it")
            if any(vals.count(v) > 1 for v in vals):
                raise GipError(f"control {name!r} lists a value twice ({vals}): give distinct values")
        self.title, self.digits = title, digits
        #: value indices (one per control) -> ({panel label: RGB image}, {metric: value})
        self.runs: dict[tuple[int, ...], tuple[dict[str, Image.Image], dict[str, Any]]] = {}
        for key, rec in runs.items() if isinstance(runs, Mapping) else runs:
            idx = self._index(key)
            if idx in self.runs:
                raise GipError(f"run {self._combo(idx)} is given twice: keep one record per combination")
            imgs = {str(k): to_rgb(v) for k, v in _images(rec, f"run {self._combo(idx)}").items()}
            self.runs[idx] = (imgs, dict(rec.get("metrics") or {}))
        for idx in itertools.product(*(range(len(v)) for v in self.controls.values())):
            if idx not in self.runs:
                raise GipError(f"no run for {self._combo(idx)}: add that run, or drop the value from controls")
        self.references = {str(k): to_rgb(v) for k, v in (references or {}).items()}
        first = next(iter(self.runs.values()))[0]
        self.labels, self.hw = list(first), next(iter(first.values())).size[::-1]  # hw: (H, W)
        sized = [(f"reference {k!r}", im) for k, im in self.references.items()]
        for idx, (imgs, _) in self.runs.items():
            if list(imgs) != self.labels:
                raise GipError(f"run {self._combo(idx)} has image panels {list(imgs)}, the others {self.labels}: "
                               "give every run the same panels")  # fmt: skip
            sized += [(f"run {self._combo(idx)} image {k!r}", im) for k, im in imgs.items()]
        for label, im in sized:
            if im.size[::-1] != self.hw:
                raise GipError(f"{label} is {im.height}x{im.width} but the first image is {self.hw[0]}x{self.hw[1]}: "
                               "give all images the same size (resize them first)")  # fmt: skip
        self.metric_names = list(dict.fromkeys(m for _, ms in self.runs.values() for m in ms))
        self.factor = max(1, math.ceil(size / max(self.hw)))  # integer NEAREST upscaling of every PNG

    def _index(self, key: Any) -> tuple[int, ...]:
        """A run key (tuple in control order, bare value for one control, or dict) -> value indices."""
        names = list(self.controls)
        if isinstance(key, Mapping):
            missing = [n for n in names if n not in key]
            if missing:
                raise GipError(f"run {dict(key)} has no value for {missing}: give every control a value")
            key = tuple(key[n] for n in names)
        key = key if isinstance(key, tuple) else (key,)
        if len(key) != len(names):
            raise GipError(f"run key {key} has {len(key)} values but there are {len(names)} controls {names}: "
                           "give one value per control, in control order")  # fmt: skip
        for n, v in zip(names, key):
            if v not in self.controls[n]:
                raise GipError(f"run {key}: {n}={v!r} is not among controls[{n!r}] = {self.controls[n]}: add it there")
        return tuple(self.controls[n].index(v) for n, v in zip(names, key))

    def _combo(self, idx: tuple[int, ...]) -> str:
        return ", ".join(f"{n}={v[i]!r}" for (n, v), i in zip(self.controls.items(), idx))

    @classmethod
    def from_dataframe(cls, table: Any, controls: Sequence[str] | Mapping[str, Sequence], image: str | Sequence[str] = "image",
                       metrics: Sequence[str] | None = None, **kwargs) -> "StaticExplorer":  # fmt: skip
        """One row per run: a pandas DataFrame or a list of dicts with the control columns, the image column(s)
        and metric columns. ``controls`` is a list of columns (values: the sorted distinct values) or a dict
        ``{column: [values]}``; ``metrics`` defaults to every other column that holds numbers only."""
        rows = table.to_dict("records") if hasattr(table, "to_dict") else [dict(r) for r in table]
        if not rows:
            raise GipError("the table has no rows: give one row per run")
        images = [image] if isinstance(image, str) else list(image)
        if not isinstance(controls, Mapping):
            controls = {c: _distinct([r.get(c) for r in rows]) for c in controls}
        for col in [*controls, *images]:
            if col not in rows[0]:
                raise GipError(f"the table has no column {col!r}; its columns are {list(rows[0])}")
        if metrics is None:
            skip = {*controls, *images}
            metrics = [c for c in rows[0] if c not in skip and all(
                isinstance(r.get(c), (int, float, np.number)) and not isinstance(r.get(c), bool) for r in rows)]
        pairs = [({c: r[c] for c in controls}, {"images": {c: r[c] for c in images} if len(images) > 1 else r[images[0]],
                                                 "metrics": {m: r.get(m) for m in metrics}}) for r in rows]  # fmt: skip
        return cls(pairs, controls, **kwargs)

    @functools.cached_property
    def _payload(self) -> dict:
        """What the page embeds (encoded once): value labels, and per run key "i-j-k" its PNGs and metric texts."""
        runs = {"-".join(map(str, idx)): {"images": [png_uri(im, self.factor) for im in imgs.values()],
                                          "metrics": [_fmt(ms.get(m), self.digits) for m in self.metric_names]}
                for idx, (imgs, ms) in self.runs.items()}  # fmt: skip
        refs = [png_uri(im, self.factor) for im in self.references.values()]
        return {"labels": [[str(v) for v in vals] for vals in self.controls.values()], "runs": runs, "refs": refs}

    def _control_html(self, uid: str, i: int, name: str) -> str:
        """Control ``i``: a range slider over the value indices (numbers) or a <select>, and its value label."""
        vals, labels, esc, cid = self.controls[name], self._payload["labels"][i], html.escape, f"{uid}-c{i}"
        numeric = all(isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)) for v in vals)
        if numeric:
            widget = (f'<input type="range" id="{cid}" data-gipx-control min="0" max="{len(vals) - 1}" step="1" '
                      f'value="0" aria-label="{esc(name)}">')  # fmt: skip
        else:
            opts = "".join(f'<option value="{k}">{esc(s)}</option>' for k, s in enumerate(labels))
            widget = f'<select id="{cid}" data-gipx-control aria-label="{esc(name)}">{opts}</select>'
        hidden = "" if numeric else " hidden"  # a select shows its value itself
        return f'<label for="{cid}">{esc(name)} {widget}<output id="{uid}-v{i}"{hidden}>{esc(labels[0])}</output></label>'

    def _repr_html_(self) -> str:
        """The widget: a fresh random element id per call, so several explorers can share a page."""
        uid, esc, data = "gipx-" + uuid.uuid4().hex[:12], html.escape, self._payload
        first = data["runs"]["-".join(["0"] * len(self.controls))]  # shown before the script runs
        w, h = self.hw[1] * self.factor, self.hw[0] * self.factor
        out = [f'<div class="gip-explorer" id="{uid}"><style>{_CSS.format(id=uid)}</style>']
        if self.title:
            out.append(f"<strong>{esc(self.title)}</strong>")
        out.append('<div class="gipx-controls">')
        out += [self._control_html(uid, i, name) for i, name in enumerate(self.controls)]
        out.append('</div><div class="gipx-panels">')
        panels = [(f"{uid}-ref{j}", src, k) for j, (src, k) in enumerate(zip(data["refs"], self.references))]
        panels += [(f"{uid}-img{j}", src, k) for j, (src, k) in enumerate(zip(first["images"], self.labels))]
        for pid, src, cap in panels:
            out.append(f'<figure><img id="{pid}" src="{src}" width="{w}" height="{h}" alt="{esc(cap)}">'
                       f"<figcaption>{esc(cap)}</figcaption></figure>")  # fmt: skip
        out.append(f'</div><table class="gipx-metrics" id="{uid}-metrics">')
        for j, m in enumerate(self.metric_names):
            out.append(f'<tr><th>{esc(m)}</th><td id="{uid}-m{j}">{esc(first["metrics"][j])}</td></tr>')
        blob = json.dumps({"labels": data["labels"], "runs": data["runs"]}).replace("</", "<\\/")
        out.append(f'</table><script type="application/json" id="{uid}-data">{blob}</script>')
        out.append(f"<script>{_JS % json.dumps(uid)}</script></div>")
        return "\n".join(out)

    def save(self, path: str | os.PathLike) -> Path:
        """Write a standalone HTML page (atomically: a temporary file, then a rename). Returns the path."""
        path = Path(path)
        title = html.escape(self.title or "gip explorer")
        page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>\n'
                f"<body>\n{self._repr_html_()}\n</body></html>\n")  # fmt: skip
        return write_atomic(path, lambda f: f.write(page), mode="w")

