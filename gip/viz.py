"""Static figures (matplotlib). Every function returns the ``Figure``; nothing is shown or saved here."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .images import as_pil


def as_display(img) -> np.ndarray:
    """An array for imshow: (H, W) maps (bool masks, heat maps; arrays or tensors) as they are, for a colour
    map; any other image through :func:`gip.images.as_pil` (paths, PIL images, (H, W, 3|4) arrays,
    (1, 3, H, W) / (3, H, W) tensors in [-1, 1]) as (H, W, 3|4) uint8."""
    a = img.detach().float().cpu().numpy() if isinstance(img, torch.Tensor) else img
    flat = isinstance(a, np.ndarray) and a.ndim >= 2 and a.squeeze().ndim == 2
    if flat and (a.ndim == 2 or a.shape[-1] not in (3, 4)):  # a map, not an (H, W, 3) image
        return a.squeeze()
    return np.asarray(as_pil(img))


def _panel(ax, img, cmap: str = "gray") -> None:
    arr = as_display(img)
    if arr.ndim == 2:  # masks and maps: keep a frame, so a white region on the white page stays visible
        ax.imshow(arr.astype(float), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        ax.imshow(arr, interpolation="nearest")
        ax.axis("off")


#: Width in px of the book's text column (sphinx-book-theme): wider figures are scaled down to it.
PAGE_PX = 676


def panel_px(fig: plt.Figure, page_px: int = PAGE_PX, dpi: float | None = None) -> float:
    """Width in px that the narrowest image panel of ``fig`` gets on the book's page: its width at the
    figure's dpi (as the inline backend saves it), scaled down when the figure is wider than ``page_px``.
    Book chapters keep face panels at 150 px or more (``book.check(viz.panel_px(fig) >= 150)``)."""
    dpi = dpi or fig.dpi
    fig_px = fig.get_figwidth() * dpi
    widths = [ax.get_position().width * fig_px for ax in fig.axes if ax.images]
    if not widths:
        raise ValueError("the figure has no image panels")
    return min(widths) * min(1.0, page_px / fig_px)


def show_row(
    images: Mapping[str, object], scale: float = 2.0, title: str | None = None, cmap: str = "gray"
) -> plt.Figure:
    """One row of labelled panels; 2-D arrays (masks, heat maps) use ``cmap`` scaled to [0, 1]."""
    n = len(images)
    fig, axes = plt.subplots(1, n, figsize=(scale * n, scale * 1.15), squeeze=False)
    for ax, (label, img) in zip(axes[0], images.items()):
        _panel(ax, img, cmap)
        ax.set_title(label, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def show_grid(
    rows: Sequence[Sequence[object]],
    col_titles: Sequence[str] | None = None,
    row_titles: Sequence[str] | None = None,
    scale: float = 1.6,
    cmap: str = "gray",
) -> plt.Figure:
    """A grid of panels: ``rows[i][j]`` is any image :func:`as_display` accepts (all rows the same length)."""
    n_rows, n_cols = len(rows), len(rows[0]) if rows else 0
    if n_rows == 0 or n_cols == 0 or any(len(r) != n_cols for r in rows):
        raise ValueError("show_grid needs a non-empty list of rows of equal length")
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(scale * n_cols, scale * n_rows + 0.3), squeeze=False)
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            _panel(axes[i, j], img, cmap)
            if i == 0 and col_titles is not None:
                axes[i, j].set_title(col_titles[j], fontsize=9)
        if row_titles is not None:
            axes[i, 0].text(-0.08, 0.5, row_titles[i], transform=axes[i, 0].transAxes, rotation=90,
                            ha="right", va="center", fontsize=8)  # fmt: skip
    fig.tight_layout()
    return fig


def page_grid(rows: Sequence[Sequence[object]], col_titles: Sequence[str] | None = None,
              row_titles: Sequence[str] | None = None, titles: Sequence[Sequence[str]] | None = None,
              width: float = (PAGE_PX - 6) / 100, pt: float = 10) -> plt.Figure:  # fmt: skip
    """Image panels laid out to fill the book's page exactly (``width`` inches at 100 dpi: never scaled
    down), so 4 columns with row titles keep ~154-px panels and ``pt``-point (≥ 10 px) labels.

    ``rows[i][j]``: any image :func:`as_display` takes (2-D maps gray and framed); ``titles[i][j]`` a title
    per panel (a band above every row) or ``col_titles`` above the first row; ``row_titles`` at the left.
    """
    n_r, n_c = len(rows), len(rows[0]) if rows else 0
    if n_r == 0 or n_c == 0 or any(len(r) != n_c for r in rows):
        raise ValueError("page_grid needs a non-empty list of rows of equal length")
    first = as_display(rows[0][0])
    band = 0.3 if titles is not None else 0.0  # inches above every row
    left, gap, top = (0.3 if row_titles else 0.04), 0.06, (0.3 if col_titles else 0.04)
    w = (width - left - 0.04 - gap * (n_c - 1)) / n_c
    h = w * first.shape[0] / first.shape[1]
    height = top + n_r * (h + band) + gap * (n_r - 1) + 0.04
    fig = plt.figure(figsize=(width, height))
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            y = height - top - i * (band + h + gap) - band - h
            ax = fig.add_axes([(left + j * (w + gap)) / width, y / height, w / width, h / height])
            _panel(ax, img)
            ax.axis("on")
            ax.set_xticks([])
            ax.set_yticks([])
            if as_display(img).ndim == 3:
                for sp in ax.spines.values():
                    sp.set_visible(False)
            if titles is not None or (i == 0 and col_titles):
                ax.set_title(titles[i][j] if titles is not None else col_titles[j], fontsize=pt)
            if j == 0 and row_titles:
                ax.set_ylabel(row_titles[i], fontsize=pt)
    return fig


# --- trajectories: every timestep of a recorded run (gip.Trajectory) -------------------------------------

GRAY = 0.5  # background of the masked-out area in part panels


def frame_indices(n: int, max_frames: int | None = None) -> list[int]:
    """Up to ``max_frames`` indices spread evenly over ``0 .. n-1``, always with the first and the last."""
    if n < 1:
        raise ValueError("the trajectory is empty")
    if max_frames is None or max_frames >= n:
        return list(range(n))
    if max_frames < 2:
        return [n - 1]
    return sorted({round(i * (n - 1) / (max_frames - 1)) for i in range(max_frames)})


def _part(traj, part: str, s: int, sample: int) -> np.ndarray | None:
    t = traj.frames.get(part)
    if t is None:
        return None
    return ((t[s, sample].float().clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()


def _masked(img: np.ndarray, region: np.ndarray) -> np.ndarray:
    return np.where(np.asarray(region, bool)[..., None], img, GRAY)


def trajectory_panels(traj, s: int, sample: int = 0, masked: bool = True) -> dict[str, np.ndarray]:
    """Panels of recorded frame ``s``: x_t, x0_hat, the parts and the mask; each (H, W, 3) or (H, W) in [0, 1].

    With ``masked`` the parts show only the pixels they contribute (known: the enforced scene K_b;
    target and generated: the fill region, generated also the buffer ring); the rest is gray. The last
    panel is the map ``Lambda = lam * H`` for guided runs, the fill mask otherwise.
    """
    fill = traj.fill.numpy().astype(bool)
    keep = traj.keep.numpy().astype(bool)
    out = {"x_t": _part(traj, "x_t", s, sample), "x0_hat": _part(traj, "x0", s, sample)}
    regions = {"known": keep, "target": fill, "generated": ~keep}
    for name, region in regions.items():
        img = _part(traj, name, s, sample)
        if img is not None:
            out[name] = _masked(img, region) if masked and not region.all() else img
    out = {k: v for k, v in out.items() if v is not None}
    if traj.frames.get("target") is not None:
        out["Lambda"] = traj.lambda_map(s).numpy()
    elif not fill.all():
        out["mask"] = fill.astype(float)
    return out


def frame_title(traj, s: int) -> str:
    """``'entry i/N  t=level  down|up  lam=..'`` for recorded frame ``s``."""
    n = len(traj.schedule)
    level = traj.level[s]
    lv = "clean" if level < 0 else str(level)
    kind = "down (model call)" if traj.down[s] else "up (re-noise)"
    lam = f"   lambda={traj.lam[s]:.2f}" if traj.frames.get("target") is not None else ""
    return f"entry {traj.index[s] + 1}/{n}   t={lv}   {kind}{lam}"


def trajectory_figure(traj, s: int = -1, sample: int = 0, scale: float = 1.6) -> plt.Figure:
    """One recorded frame as a row of panels (see :func:`trajectory_panels`) titled with entry and level."""
    s = s % len(traj)
    fig = show_row(trajectory_panels(traj, s, sample), scale=scale, cmap="magma")
    fig.suptitle(frame_title(traj, s), fontsize=9)
    fig.tight_layout()
    return fig


def scrubber_animation(traj, max_frames: int = 60, sample: int = 0, scale: float = 1.6, interval: int = 120,
                       cols: int | None = None):  # fmt: skip
    """A matplotlib ``FuncAnimation`` over up to ``max_frames`` recorded frames (evenly spread, last included).

    ``cols``: panels per row (default: all in one row, ``scale`` inches each); with ``cols`` the figure is
    the page's width (:data:`PAGE_PX`) and the panels wrap, so each stays large (3 per row: ~200 px)."""
    from matplotlib.animation import FuncAnimation

    idx = frame_indices(len(traj), max_frames)
    first = trajectory_panels(traj, idx[0], sample)
    n_c = len(first) if cols is None else cols
    n_r = -(-len(first) // n_c)
    cell = scale if cols is None else (PAGE_PX / 100 - 0.1) / n_c
    fig, axes = plt.subplots(n_r, n_c, figsize=(cell * n_c, n_r * cell * 1.1 + 0.35), squeeze=False)
    artists = []
    for ax, (label, img) in zip(axes.flat, first.items()):
        kw = dict(cmap="magma", vmin=0, vmax=1) if img.ndim == 2 else {}
        artists.append(ax.imshow(img, interpolation="nearest", **kw))
        ax.set_title(label, fontsize=9 if cols is None else 11)
    for ax in axes.flat:
        ax.axis("off")
    title = fig.suptitle(frame_title(traj, idx[0]), fontsize=9 if cols is None else 11)
    fig.tight_layout()

    def update(k: int):
        for art, img in zip(artists, trajectory_panels(traj, idx[k], sample).values()):
            art.set_data(img)
        title.set_text(frame_title(traj, idx[k]))
        return [*artists, title]

    anim = FuncAnimation(fig, update, frames=len(idx), interval=interval, blit=False)
    anim.frame_indices = idx
    return anim


def scrubber(traj, max_frames: int = 60, sample: int = 0, scale: float = 1.6, interval: int = 120,
             cols: int | None = None):  # fmt: skip
    """The static timestep scrubber: ``IPython.display.HTML`` with the frames embedded and a JS slider.

    Works in exported HTML with no kernel and no CDN (``FuncAnimation.to_jshtml``). Frames are spread
    over the whole trajectory; ``max_frames`` bounds the page size (about 10-20 KB per frame at 32x32).
    It opens on the last frame (the result); the slider and the buttons go back to the noise. ``cols``:
    panels per row at the page's width (see :func:`scrubber_animation`; the book uses 3).
    """
    import re

    from IPython.display import HTML

    anim = scrubber_animation(traj, max_frames, sample, scale, interval, cols)
    try:
        html = anim.to_jshtml(default_mode="once")
    finally:
        plt.close(anim._fig)
    # matplotlib links Font Awesome 4 from a CDN (an error offline); the book's theme ships Font Awesome
    html = re.sub(r'<link rel="stylesheet"\s+href="https://maxcdn[^"]*font-awesome[^"]*">', "", html)
    m = re.search(r"(anim[0-9a-f]+) = new Animation", html)
    if m:  # matplotlib opens on frame 0 (pure noise): show the result first, once its Animation exists
        a = m.group(1)
        html += (f"<script>(function go(n) {{ if (typeof {a} !== 'undefined') {a}.set_frame({a}.frames.length - 1);"
                 f" else if (n > 0) setTimeout(function () {{ go(n - 1); }}, 50); }})(100);</script>")
    return HTML(html)


def filmstrip(
    traj, n: int = 8, parts: tuple[str, ...] = ("x_t", "x0"), indices: list[int] | None = None,
    sample: int = 0, scale: float = 1.1,
) -> plt.Figure:  # fmt: skip
    """A grid: one row per part, one column per selected frame (``indices`` or ``n`` spread evenly)."""
    idx = list(indices) if indices is not None else frame_indices(len(traj), n)
    parts = tuple(p for p in parts if traj.frames.get(p) is not None)
    fig, axes = plt.subplots(len(parts), len(idx), figsize=(scale * len(idx), scale * 1.15 * len(parts)), squeeze=False)
    for r, part in enumerate(parts):
        for c, s in enumerate(idx):
            ax = axes[r][c]
            ax.imshow(_part(traj, part, s, sample), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                lv = traj.level[s]
                ax.set_title("clean" if lv < 0 else f"t={lv}", fontsize=8)
            if c == 0:
                ax.set_ylabel("x0_hat" if part == "x0" else part, fontsize=9)
    fig.tight_layout()
    return fig


def schedule_plot(
    steps: int | list[int], jump_length: int = 10, jump_n_sample: int = 10, ax=None, title: str | None = None
) -> plt.Figure:
    """Level t against schedule entry: down-steps (model calls) in blue, up-steps (re-noise) in red.

    ``steps`` is T (the schedule is :func:`gip.jump_schedule`) or a schedule list (``traj.schedule``).
    """
    from .schedule import jump_schedule

    if isinstance(steps, (list, tuple)):
        sched = list(steps)
        T = (max(sched) + 1) if sched else 0
    else:
        T, sched = steps, jump_schedule(steps, jump_length, jump_n_sample)
    prev = [T, *sched[:-1]]
    down = np.array([t < p for t, p in zip(sched, prev)])
    x, y = np.arange(len(sched)), np.array(sched)
    fig = ax.figure if ax is not None else plt.figure(figsize=(7, 2.8))
    ax = ax or fig.add_subplot()
    ax.plot(x, y, color="0.8", lw=0.8, zorder=1)
    ms = 4 if len(sched) < 300 else 0.3
    ax.scatter(x[down], y[down], s=ms, c="tab:blue", label=f"down (model call): {down.sum()}", zorder=3)
    ax.scatter(x[~down], y[~down], s=ms, c="tab:red", label=f"up (re-noise): {(~down).sum()}", zorder=2)
    ax.set_xlabel("schedule entry")
    ax.set_ylabel("level t")
    ax.set_title(title or (f"T={T}, j={jump_length}, r={jump_n_sample}" if not isinstance(steps, (list, tuple)) else ""))
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def alphabar_plot(scheduler, ax=None) -> plt.Figure:
    """The noise schedule of a checkpoint: abar_k, signal sqrt(abar_k) and noise sqrt(1 - abar_k) vs k."""
    acp = np.asarray(torch.as_tensor(scheduler.alphas_cumprod, dtype=torch.float64))
    fig = ax.figure if ax is not None else plt.figure(figsize=(6, 3))
    ax = ax or fig.add_subplot()
    k = np.arange(len(acp))
    ax.plot(k, acp, label="abar_k")
    ax.plot(k, np.sqrt(acp), label="sqrt(abar_k) (signal)")
    ax.plot(k, np.sqrt(1 - acp), label="sqrt(1 - abar_k) (noise)")
    ax.set_xlabel("training timestep k")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def forward_grid(x0: torch.Tensor, scheduler, timesteps=(0, 50, 100, 250, 500, 750, 999), seed: int = 0,
                 scale: float = 1.4) -> plt.Figure:  # fmt: skip
    """q(x_t | x_0) for one image (1, 3, H, W) at several training timesteps, with the same noise draw."""
    from .diffusion import q_sample

    acp = torch.as_tensor(scheduler.alphas_cumprod, dtype=torch.float64)
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(seed))
    row = {f"k={k}\nabar={acp[k]:.3f}": q_sample(x0, float(acp[k]), noise) for k in timesteps}
    return show_row(row, scale=scale)


def save_animation(traj, path, fps: int = 8, max_frames: int = 60, sample: int = 0, scale: float = 1.6):
    """Write the trajectory as an animated GIF (Pillow) or MP4 (needs ffmpeg on the PATH). Returns the path."""
    from pathlib import Path

    from matplotlib import animation

    from .errors import GipError

    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".gif":
        writer = animation.PillowWriter(fps=fps)
    elif ext == ".mp4":
        if not animation.writers.is_available("ffmpeg"):
            raise GipError("MP4 export needs ffmpeg on the PATH (e.g. apt-get install ffmpeg); or save a .gif")
        writer = animation.FFMpegWriter(fps=fps)
    else:
        raise GipError(f"unsupported animation format {ext!r}: use .gif or .mp4")
    anim = scrubber_animation(traj, max_frames, sample, scale)
    try:
        anim.save(path, writer=writer)
    finally:
        plt.close(anim._fig)
    return path


# --- experiments (gip.experiment) and lambda schedules ------------------------------------------------------


def mean_std_table(df, by, metrics, digits: int = 3):
    """A pandas DataFrame of ``mean ± std`` text cells of ``metrics`` grouped ``by`` (plus ``n``), for pages.

    Constant columns (the same value in every row of a group, e.g. ``model_calls``) show the value alone.
    """
    import pandas as pd

    def num(v: float, d: int) -> str:  # 185 stays "185" (not "1.8e+02"), 0.12345 -> "0.123"
        if np.isnan(v):
            return "nan"
        if float(v).is_integer() or abs(v) >= 10**d:
            return f"{v:.0f}"
        return f"{v:.{d}g}"

    g = df.groupby(list(by), sort=False)
    out = pd.DataFrame({"n": g.size()})
    for m in metrics:
        mean, std = g[m].mean(), g[m].std(ddof=1).fillna(0.0)
        out[m] = [num(a, digits) if s == 0 or np.isnan(s) else f"{num(a, digits)} ± {num(s, 2)}" for a, s in zip(mean, std)]
    return out


def lambda_plot(settings: Mapping[str, object], model, ax=None) -> plt.Figure:
    """lambda of every level (left) and the target's share of the noised signal ``lambda * sqrt(abar)``
    (right), for each ``{label: gip.Settings}``, on the model's own levels t = T-1 .. 0.

    The right panel is what eq. 3 actually mixes in: a lambda of 1 at a level where sqrt(abar) is 0.05
    injects almost nothing of the target.
    """
    from .schedule import NoiseTables

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.2))
    for label, st in settings.items():
        T = st.steps
        vals = np.array(st.lam_levels(model))[1:]  # levels 0 .. T-1
        tables = NoiseTables.from_scheduler(model.scheduler, T, st.time_grid)
        k = np.array([tables.timestep(i) for i in range(T)])
        signal = np.sqrt(np.array(tables.abar))
        a.plot(k, vals, label=label)
        b.plot(k, vals * signal, label=label)
    a.set_title("lambda", fontsize=10)
    b.set_title("lambda * sqrt(abar): the target's signal mixed in", fontsize=10)
    for ax_, ylab in ((a, "lambda"), (b, "lambda * sqrt(abar)")):
        ax_.set_xlabel("training timestep of the level (0 = clean, 999 = noise)")
        ax_.set_ylabel(ylab)
        ax_.invert_xaxis()
        ax_.grid(alpha=0.3)
    a.legend(fontsize=8)
    fig.tight_layout()
    return fig


def quality_cost_plot(df, y: str = "object_error", x: str = "model_calls", group: str = "sampler",
                      label: str | None = None, ax=None, errorbars: bool = True) -> plt.Figure:  # fmt: skip
    """Mean ± std of ``y`` against ``x`` for each ``group`` (a line per group, points annotated with
    ``label`` when given); ``df`` is an experiment's rows (one per sample). ``errorbars=False`` for rates
    (e.g. ``object_survived``), where a std of 0/1 values says little."""
    fig = ax.figure if ax is not None else plt.figure(figsize=(6.4, 4))
    ax = ax or fig.add_subplot()
    keys = [group] + ([label] if label and label != group else [])
    for gname, part in df.groupby(group, sort=False):
        s = part.groupby([x] + keys[1:], sort=True)[y].agg(["mean", "std"]).reset_index()
        err = s["std"].fillna(0) if errorbars else None
        ax.errorbar(s[x], s["mean"], yerr=err, fmt="o-", ms=5, capsize=3, label=str(gname))
        if label and label != group:
            for _, r in s.iterrows():
                ax.annotate(str(r[label]), (r[x], r["mean"]), fontsize=9, xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel(x)
    ax.set_ylabel(f"{y} (mean ± std)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig
