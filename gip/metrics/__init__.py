"""Quantitative metrics for guided inpainting: scene preservation, object survival and fidelity, seams,
colour harmony, cost, and one score to pick seeds by.

Every function is pure (numpy in, numpy out) and works per sample: images are (N, 3, H, W) tensors or
arrays in [-1, 1] (a single (3, H, W) image or a (1, 3, H, W) reference broadcasts), masks (H, W) bool.
Errors are in the [-1, 1] units of the images (an MSE of 4 is black against white).

Regions: the fill region O (where the object goes), the object's *silhouette* S (its own pixels, inside O;
known when it was placed with :func:`gip.place_object` or :func:`gip.auto_inpaint`), the enforced keep
region K_b and the buffer ring B = ~O & ~K_b of width b that the model repaints freely. The target is the
scene with the object pasted on S, so on S the target is the object.

:func:`evaluate` turns one :class:`gip.InpaintResult` into a flat ``dict[str, float]`` for tables:

=================== ===========================================================================
``keep_max``        max |output - scene| over the enforced keep region K_b (0 for gip outputs)
``keep_mean``       mean |output - scene| over K_b
``ring_mean``       mean |output - scene| over the buffer ring B (how much the buffer changed)
``fill_mse``        mean squared error output vs target inside the fill region
``fill_mse_heat``   the same, weighted by the heat map (the object's centre counts most)
``fill_ssim``       SSIM output vs target, averaged over the fill region (1 = identical)
``object_error``    MSE output vs target on the silhouette S (the object's own pixels)
``object_ratio``    object_error / the error of the object-free scene on S: 0 = the object exactly,
                    1 = as far from it as no object at all (the object was deleted)
``object_presence`` on S, which hypothesis the output is closer to, normalised by how much they differ:
                    ``(d(out, scene) - d(out, target)) / d(target, scene)``, 1 = the object, -1 = the
                    object-free scene (scale-free: a low-contrast crown is judged like a black hat)
``object_structure`` on S, the share of the object's *structure* between the same two hypotheses
                    (in-context SSIM to the object and to the scene, normalised): 1 = the object's
``object_ssim``     in-context SSIM output vs target on S (1 = the same structure)
``object_survived`` 1.0 if the object is in the picture, else 0.0 (mean: survival rate): closer to the
                    object than to the scene in colour (presence > 0) and at least
                    :data:`SURVIVAL_STRUCTURE` of its structure
``seam``            |log| of the output's edge strength on the seam band (the same for every buffer
                    width) over the expected one (the scene with the object on S): 0 = natural; too
                    sharp (pasted) and too smooth (blurred, featureless, object gone) are > 0
``seam_grad``       the output's edge strength on the seam band (RMS gradient magnitude)
``harmony``         colour statistics (per-channel mean and std) of the non-object fill pixels against
                    the scene's there (without a silhouette: the fill against the scene ring around
                    it): 0 = the same, in [-1, 1] intensity units
``model_calls``     UNet evaluations of the run
``seconds``         wall time of the sampling loop
=================== ===========================================================================

With a known answer (:mod:`gip.benchmark`: the object alpha-composited on the scene) the ``object_*`` keys
are measured against the answer, and :mod:`gip.metrics.answer` adds error to the answer, the target's
background left in the output (``leak``), sharpness and colour shift (``ANSWER_KEYS``).

The ``object_*`` keys need the silhouette (``evaluate(..., silhouette=S)``) and are NaN without it. To
pick one of several seeds use :func:`selection_score` (lower is better), which deleting the object can
never improve.

One module per family: :mod:`~gip.metrics.preservation`, :mod:`~gip.metrics.fidelity` (masked MSE and
SSIM, the ``object_*`` metrics), :mod:`~gip.metrics.seam`, :mod:`~gip.metrics.colour` (harmony),
:mod:`~gip.metrics.evaluation` (all of them at once, cost) and :mod:`~gip.metrics.selection`, over the
input handling of ``_inputs``; every public name is here too (``gip.metrics.object_ratio``).
"""

from __future__ import annotations

from . import answer
from .answer import ANSWER_KEYS, against_answer
from .colour import HARMONY_RING, harmony, scene_ring
from .evaluation import COST_KEYS, METRIC_KEYS, cost, evaluate, evaluate_samples
from .fidelity import (
    MIN_OBJECT_CONTRAST,
    SURVIVAL_STRUCTURE,
    masked_mse,
    masked_ssim,
    object_error,
    object_presence,
    object_ratio,
    object_ssim,
    object_structure,
    object_survived,
    ssim_map,
    survived,
)
from .preservation import scene_preservation
from .seam import SEAM_EPS, SEAM_WIDTH, expected_composite, gradient_magnitude, seam_band, seam_visibility
from .selection import HARMONY_SCALE, SEAM_SCALE, selection_score

__all__ = [
    "ANSWER_KEYS", "against_answer", "answer", "COST_KEYS", "HARMONY_RING", "HARMONY_SCALE", "METRIC_KEYS", "MIN_OBJECT_CONTRAST", "SEAM_EPS", "SEAM_SCALE",
    "SEAM_WIDTH", "SURVIVAL_STRUCTURE", "cost", "evaluate", "evaluate_samples",
    "expected_composite", "gradient_magnitude", "harmony", "masked_mse", "masked_ssim", "object_error",
    "object_presence", "object_ratio", "object_ssim", "object_structure", "object_survived", "scene_preservation", "scene_ring", "seam_band",
    "seam_visibility", "selection_score", "ssim_map", "survived",
]  # fmt: skip
