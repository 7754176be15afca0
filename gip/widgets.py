"""Live widgets (ipywidgets): a trajectory slider and a parameter explorer that runs the sampler.

In Jupyter and Colab they respond; in the static HTML of the book they show their saved state (use
:func:`gip.viz.scrubber` for a scrubber that works without a kernel).
"""

from __future__ import annotations

import io

import ipywidgets as W
import matplotlib.pyplot as plt
import torch

from . import lambdas, viz
from .errors import GipError
from .models import Model
from .schedule import count_model_calls, jump_schedule


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


class _CountingUNet(torch.nn.Module):
    """Wraps a UNet and calls ``callback()`` after each evaluation (drives the progress bar)."""

    def __init__(self, unet, callback):
        super().__init__()
        self.inner, self.callback = unet, callback

    @property
    def config(self):
        return self.inner.config

    def forward(self, *args, **kwargs):
        out = self.inner(*args, **kwargs)
        self.callback()
        return out


class Explorer(W.VBox):
    """Parameter explorer: steps, jump length, resamples, seed (and for guided mode the lambda schedule
    and its p, heat, buffer).

    The Run button calls :func:`gip.inpaint` (or :func:`gip.repaint` with ``guided=False``) with a
    progress bar, then shows the result row and a :class:`TrajectoryScrubber`. ``result`` holds the
    last :class:`gip.InpaintResult`; pass ``result=`` to show an earlier run without sampling.
    """

    def __init__(self, scene, target=None, mask=None, model: Model | None = None, guided: bool = True,
                 steps: int = 50, jump_length: int = 5, jump_n_sample: int = 2, seed: int = 0,
                 p: float = 0.75, heat: bool = True, buffer: int = 2, max_frames: int = 120, result=None,
                 schedule: str = "linear"):  # fmt: skip
        from .sampler import default_model

        self.scene, self.target, self.mask = scene, target, mask
        self.model = model or default_model()
        self.guided = guided and target is not None
        self.max_frames = max_frames
        style = {"description_width": "110px"}
        self.controls = {
            "steps": W.IntSlider(value=steps, min=10, max=250, step=10, description="steps T", style=style),
            "jump_length": W.IntSlider(value=jump_length, min=1, max=20, description="jump length j", style=style),
            "jump_n_sample": W.IntSlider(value=jump_n_sample, min=1, max=10, description="resamples r", style=style),
            "seed": W.IntText(value=seed, description="seed", style=style),
        }
        if self.guided:
            if schedule not in lambdas.SCHEDULES:
                raise GipError(f"unknown lambda schedule {schedule!r}: use one of {', '.join(lambdas.SCHEDULES)}")
            self.controls |= {
                "schedule": W.Dropdown(options=list(lambdas.SCHEDULES), value=schedule, description="lambda schedule",
                                       style=style),  # fmt: skip
                "p": W.FloatSlider(value=p, min=0.0, max=1.0, step=0.05, description="lambda p", style=style),
                "heat": W.Checkbox(value=heat, description="heated mask", style=style),
                "buffer": W.IntSlider(value=buffer, min=0, max=6, description="buffer b", style=style),
            }
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

    def settings(self) -> dict:
        """The sampler keyword arguments the controls describe."""
        c = {k: w.value for k, w in self.controls.items()}
        kw = dict(steps=c["steps"], jump_length=c["jump_length"], jump_n_sample=c["jump_n_sample"], seed=c["seed"])
        if self.guided:
            kw |= dict(lam=lambdas.by_name(c["schedule"], c["p"]), heat=c["heat"], buffer=c["buffer"])
        return kw

    def _calls(self) -> int:
        kw = self.settings()
        return count_model_calls(kw["steps"], kw["jump_length"], kw["jump_n_sample"])

    def _update_cost(self) -> None:
        self.status.value = f"{self._calls()} model calls per run"

    def run(self):
        """Run the sampler with the current settings; returns (and stores) the result."""
        from . import sampler

        kw = self.settings()
        n_entries = len(jump_schedule(kw["steps"], kw["jump_length"], kw["jump_n_sample"]))
        stride = max(1, -(-n_entries // self.max_frames))
        self.progress.max, self.progress.value = self._calls(), 0
        self.button.disabled = True
        self.status.value = "running..."

        def tick():
            self.progress.value += 1

        counted = Model(_CountingUNet(self.model.unet, tick), self.model.scheduler, self.model.name)
        try:
            if self.guided:
                res = sampler.inpaint(self.scene, self.target, self.mask, model=counted, record=stride,
                                      progress=False, **kw)  # fmt: skip
            else:
                res = sampler.repaint(self.scene, self.mask, model=counted, record=stride, progress=False, **kw)
        finally:
            self.button.disabled = False
        self._show(res)
        return res

    def _show(self, res) -> None:
        self.result = res
        self.progress.max = max(res.model_calls, 1)
        self.progress.value = res.model_calls
        self.status.value = f"{res.model_calls} model calls, {res.seconds:.1f} s"
        row = {"scene": self.scene, "fill mask": res.fill.astype(float)}
        if self.guided:
            row["target"] = self.target
        row["result"] = res.tensor
        self.image.value = figure_png(viz.show_row(row, scale=1.8))
        children = [self.image]
        if res.trajectory is not None:
            children.append(TrajectoryScrubber(res.trajectory))
        self.view.children = children


def explorer(scene, target=None, mask=None, model: Model | None = None, **kwargs) -> Explorer:
    """Build an :class:`Explorer` (guided when a target is given; ``guided=False`` for RePaint)."""
    return Explorer(scene, target, mask, model=model, **kwargs)


def trajectory_slider(traj, sample: int = 0) -> TrajectoryScrubber:
    """Build a live :class:`TrajectoryScrubber` for a recorded trajectory."""
    return TrajectoryScrubber(traj, sample)
