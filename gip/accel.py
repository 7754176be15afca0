"""Making the UNet call fast on a GPU: ``torch.compile`` and CUDA graphs.

At 32x32 a UNet call is launch-bound on a GPU: the kernels take less time than Python takes to launch
them (measured on an H200: 7.5 ms per eager call, 1.0 ms replayed from a CUDA graph). A CUDA graph records
the call's kernels once and replays them with one launch. :class:`CUDAGraphUNet` captures one graph per
(input shape, dtype) and replays it; :func:`denoiser` is what :func:`gip.inpaint` calls the model through:

    gip.inpaint(scene, target, mask, device="cuda", graph=True)                 # CUDA graph
    gip.inpaint(scene, target, mask, device="cuda", graph=True, compile=True)   # the graph of compiled code

On the CPU, or when capture fails, the UNet runs eagerly and a :class:`GraphFallback` warning says why
(once per model). The captured graphs live on the :class:`gip.Model` (``model.accel``), so a second call
with the same batch replays at once.
"""

from __future__ import annotations

import warnings

import torch
from diffusers.models.unets.unet_2d import UNet2DOutput


class GraphFallback(UserWarning):
    """``graph=True`` could not use a CUDA graph; the UNet runs eagerly (the message says why)."""


class CUDAGraphUNet(torch.nn.Module):
    """A UNet whose forward replays a CUDA graph captured once per input (shape, dtype).

    ``forward(sample, timestep)`` copies the inputs into the static buffers of the graph captured for that
    key and replays it; the first call at a key warms up on a side stream (cuDNN choices, lazy inits,
    compilation) and captures. ``fn`` is what gets captured (default: the UNet; pass ``torch.compile(unet)``
    to graph compiled code). If capture fails, or the input is not on a CUDA device, the reason is kept in
    ``error``, warned once (:class:`GraphFallback`), and every call runs ``fn`` eagerly. ``config``,
    ``dtype`` and ``device`` are the UNet's, so it stands in wherever the UNet does (diffusers pipelines).
    """

    def __init__(self, unet: torch.nn.Module, fn=None, warmup: int = 3, label: str = "UNet"):
        super().__init__()
        self.unet = unet
        self._fn = fn if fn is not None else unet
        self.warmup = warmup
        self.label = label
        self.error: str | None = None
        self._graphs: dict = {}

    @property
    def config(self):
        return self.unet.config

    @property
    def dtype(self) -> torch.dtype:
        return next(self.unet.parameters()).dtype

    @property
    def device(self) -> torch.device:
        return next(self.unet.parameters()).device

    @property
    def captured(self) -> int:
        """How many graphs (input shapes) have been captured."""
        return len(self._graphs)

    def _fail(self, reason: str) -> None:
        self.error = reason
        warnings.warn(f"CUDA graph not used for {self.label}: {reason}; running the UNet eagerly", GraphFallback,
                      stacklevel=4)  # fmt: skip

    def _capture(self, sample: torch.Tensor, t: torch.Tensor):
        static_x, static_t = sample.clone(), t.clone()
        side = torch.cuda.Stream(device=sample.device)
        side.wait_stream(torch.cuda.current_stream(sample.device))
        with torch.cuda.stream(side):
            for _ in range(self.warmup):
                self._fn(static_x, static_t)
        torch.cuda.current_stream(sample.device).wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            static_out = self._fn(static_x, static_t).sample
        return graph, static_x, static_t, static_out

    def forward(self, sample: torch.Tensor, timestep, return_dict: bool = True):
        t = (timestep if torch.is_tensor(timestep) else torch.tensor(timestep)).to(sample.device)
        key = (tuple(sample.shape), sample.dtype, tuple(t.shape), t.dtype, torch.is_inference_mode_enabled())
        if self.error is None and key not in self._graphs:
            if sample.device.type != "cuda":
                self._fail(f"CUDA graphs need a CUDA device, the input is on {sample.device}")
            else:
                try:
                    self._graphs[key] = self._capture(sample, t)
                except Exception as e:  # noqa: BLE001 - any capture failure falls back to eager
                    self._fail(f"capture failed ({type(e).__name__}: {str(e).splitlines()[0][:200]})")
        entry = self._graphs.get(key) if self.error is None else None
        if entry is None:
            out = self._fn(sample, t).sample
        else:
            graph, static_x, static_t, static_out = entry
            static_x.copy_(sample)
            static_t.copy_(t)
            graph.replay()
            out = static_out.clone()  # the next replay overwrites static_out
        return UNet2DOutput(sample=out) if return_dict else (out,)


def denoiser(model, compile: bool = False, graph: bool = False) -> torch.nn.Module:
    """The callable the sampler runs the UNet through: the UNet itself, ``torch.compile(unet)``, or a
    :class:`CUDAGraphUNet` (of the compiled UNet with both). Compiled and graphed wrappers are kept on
    ``model.accel`` and reused by later calls (a graph is captured once per batch shape and dtype)."""
    if not (compile or graph):
        return model.unet
    key = ("graph" if graph else "eager", compile, id(model.unet))
    cache = model.accel
    if key not in cache:
        fn = torch.compile(model.unet) if compile else model.unet
        cache[key] = CUDAGraphUNet(model.unet, fn=fn, label=model.name) if graph else fn
    return cache[key]
