"""Live widgets (ipywidgets): the parameter explorer that runs the sampler, and its trajectory scrubber.

In Jupyter and Colab they respond; in the static HTML of the book they show their saved state (use
:func:`gip.viz.scrubber` for a scrubber that works without a kernel).
"""

from __future__ import annotations

import io
from typing import Any, Callable

import ipywidgets as W
import matplotlib.pyplot as plt

from . import lambdas, viz
from .errors import GipError
from .models import Model
from .schedule import jump_schedule
from .settings import OPTIONS, Option, Settings


def figure_png(fig: plt.Figure, dpi: int = 80) -> bytes:
    """Render a figure to PNG bytes and close it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


class TrajectoryScrubber(W.VBox):
    """A slider (with play button) over every recorded frame of a :class:`gip.Trajectory`.

    ``slider.value`` is the recorded frame; ``image`` shows :func:`gip.viz.trajectory_figure` of it.
    """

    def __init__(self, traj, sample: int = 0, scale: float = 1.6):
        self.traj, self.sample, self.scale = traj, sample, scale
        n = len(traj)
        self.slider = W.IntSlider(value=n - 1, min=0, max=n - 1, description="frame", continuous_update=False,
                                  layout=W.Layout(width="60%"))  # fmt: skip
        self.play = W.Play(value=n - 1, min=0, max=n - 1, interval=150)
        W.jslink((self.play, "value"), (self.slider, "value"))
        self.image = W.Image(format="png")
        self.slider.observe(lambda ch: self.show(ch["new"]), names="value")
        super().__init__([W.HBox([self.play, self.slider]), self.image])
        self.show(n - 1)

    def show(self, s: int) -> None:
        """Draw recorded frame ``s``."""
        self.image.value = figure_png(viz.trajectory_figure(self.traj, s, self.sample, self.scale))



def _field_control(o: Option, value: Any, style: dict) -> W.Widget:
    """The control of a :class:`gip.Settings` field, from its :data:`gip.settings.OPTIONS` entry: a dropdown
    (choices), a checkbox (a bool), a slider (a slider range) or a text box."""
    kw = dict(value=value, description=o.label, style=style)
    if o.choices is not None:
        return W.Dropdown(options=list(o.choices), **kw)
    if isinstance(o.default, bool):
        return W.Checkbox(**kw)
    if o.slider is not None:
        lo, hi, step = o.slider
        return (W.FloatSlider if isinstance(o.default, float) else W.IntSlider)(min=lo, max=hi, step=step, **kw)
    return {int: W.IntText, float: W.FloatText}.get(type(o.default), W.Text)(**kw)


def _special_controls(st: Settings, style: dict) -> dict[str, Callable[[], W.Widget]]:
    """The controls that are not one field each: ``lam`` as ``schedule`` and ``p``, ``heat`` on/off, ``seed``."""
    kind, p, _ = lambdas.parameters(st.lam)
    kind = kind if kind in lambdas.SCHEDULES else "linear"
    return {
        "schedule": lambda: W.Dropdown(options=list(lambdas.SCHEDULES), value=kind, description="lambda schedule",
                                       style=style),  # fmt: skip
        "p": lambda: W.FloatSlider(value=p, min=0.0, max=1.0, step=0.05, description="lambda p", style=style),
        "heat": lambda: W.Checkbox(value=st.heat is not None, description=OPTIONS["heat"].label, style=style),
        "seed": lambda: W.IntText(value=0, description="seed", style=style),
    }


#: Every control the explorer has: one per :class:`gip.Settings` field (``lam`` as ``schedule`` and ``p``), and
#: the ``seed``.
CONTROLS = (*(n for f in OPTIONS for n in (("schedule", "p") if f == "lam" else (f,))), "seed")


def _standard(name: str, st: Settings, style: dict) -> W.Widget:
    """The widget of a control (:data:`CONTROLS`), starting at the value in ``st``."""
    special = _special_controls(st, style)
    if name in special:
        return special[name]()
    if name not in OPTIONS:
        raise GipError(f"unknown control {name!r}: choose among {', '.join(CONTROLS)}")
    return _field_control(OPTIONS[name], getattr(st, name), style)


GUIDED_CONTROLS = ("steps", "jump_length", "jump_n_sample", "schedule", "p", "lam_axis", "heat", "buffer", "seed")
REPAINT_CONTROLS = ("steps", "jump_length", "jump_n_sample", "seed")


class Explorer(W.VBox):
    """The live parameter explorer: controls for any :class:`gip.Settings` fields, a Run button with a
    progress bar (a step callback counting model calls), the result row with its metrics, and a
    :class:`TrajectoryScrubber` of the run.

    ``controls``: names among :data:`CONTROLS` (every :class:`gip.Settings` field, ``lam`` as ``schedule``
    and ``p``, and ``seed``; default: :data:`GUIDED_CONTROLS` or :data:`REPAINT_CONTROLS`). ``settings``:
    the starting values (default ``gip.Settings()``). Without a target it runs plain RePaint. ``result``
    shows an earlier run without sampling; ``run()`` runs the current settings and returns the
    :class:`gip.InpaintResult`.
    """

    def __init__(self, scene, target=None, mask=None, settings: Settings | None = None, controls=None,
                 model: Model | None = None, silhouette=None, max_frames: int = 120, result=None):  # fmt: skip
        from .sampler import default_model

        from .images import to_tensor

        # read paths / PIL / arrays once: the figures and the metrics need tensors
        self.scene = to_tensor(scene, "scene")
        self.target = None if target is None else to_tensor(target, "target")
        self.mask, self.silhouette = mask, silhouette
        self.model = model or default_model()
        self.base = settings or (Settings() if target is not None else Settings(buffer=0))
        self.max_frames = max_frames
        names = controls or (GUIDED_CONTROLS if target is not None else REPAINT_CONTROLS)
        style = {"description_width": "110px"}
        self.controls = {n: _standard(n, self.base, style) for n in names}
        self.button = W.Button(description="Run", button_style="primary", icon="play")
        self.progress = W.IntProgress(value=0, min=0, max=1, description="model calls")
        self.status = W.Label()
        self.image = W.Image(format="png")
        self.view = W.VBox([self.image])
        for c in self.controls.values():
            c.observe(lambda _: self._update_cost(), names="value")
        self.button.on_click(lambda _: self.run())
        super().__init__([W.VBox(list(self.controls.values())), W.HBox([self.button, self.progress, self.status]),
                          self.view])  # fmt: skip
        self.result = None
        self._update_cost()
        if result is not None:
            self._show(result)

    def settings(self) -> Settings:
        """The :class:`gip.Settings` the controls describe (validated)."""
        c = {k: w.value for k, w in self.controls.items() if k != "seed"}
        kind, p = c.pop("schedule", None), c.pop("p", None)
        if kind is not None or p is not None:
            c["lam"] = lambdas.reshape(self.base.lam, kind, p)
        if "heat" in c:
            c["heat"] = (self.base.heat or True) if c["heat"] else False
        return self.base.replace(**c)

    @property
    def seed(self) -> int:
        return int(self.controls["seed"].value) if "seed" in self.controls else 0

    def _update_cost(self) -> None:
        try:
            self.status.value = f"{self.settings().model_calls} model calls per run"
        except GipError as e:
            self.status.value = f"invalid: {e}"

    def run(self):
        """Run the sampler with the current settings; returns (and stores) the result."""
        from .sampler import inpaint

        st = self.settings()
        n_entries = len(jump_schedule(st.steps, st.jump_length, st.jump_n_sample))
        stride = max(1, -(-n_entries // self.max_frames))
        self.progress.max, self.progress.value = st.model_calls, 0
        self.button.disabled = True
        self.status.value = "running..."

        def tick(step) -> None:
            if step.down:
                self.progress.value += 1

        try:
            res = inpaint(self.scene, self.target, self.mask, st, model=self.model, seed=self.seed, record=stride,
                          callback=tick, progress=False)  # fmt: skip
        finally:
            self.button.disabled = False
        self._show(res)
        return res

    def _show(self, res) -> None:
        from .metrics import evaluate_samples

        self.result = res
        self.progress.max = max(res.model_calls, 1)
        self.progress.value = res.model_calls
        m = evaluate_samples(res, self.scene, self.target, silhouette=self.silhouette)[0]
        shown = [f"{k} {m[k]:.3g}" for k in ("object_error", "seam", "harmony") if k in m and m[k] == m[k]]
        self.status.value = f"{res.model_calls} model calls, {res.seconds:.1f} s | " + ", ".join(shown)
        row = {"scene": self.scene, "fill mask": res.fill.astype(float)}
        if self.target is not None:
            row["target"] = self.target
        row["result"] = res.tensor
        self.image.value = figure_png(viz.show_row(row, scale=1.8))
        children = [self.image]
        if res.trajectory is not None:
            children.append(TrajectoryScrubber(res.trajectory))
        self.view.children = children


def explorer(scene, target=None, mask=None, settings: Settings | None = None, **kwargs) -> Explorer:
    """Build an :class:`Explorer` (guided when a target is given, plain RePaint otherwise)."""
    return Explorer(scene, target, mask, settings, **kwargs)
