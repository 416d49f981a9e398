"""The pose segmentation mask: sigmoid of the model's logits, warped back onto the image, blended
with the previous frame's mask (MediaPipe's TensorsToSegmentationCalculator, the inverse ROI warp
of its pose graph, and SegmentationSmoothingCalculator)."""

from __future__ import annotations

import numpy as np

from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.image.image_to_tensor import warp_tensor_to_image
from posegraph.calculators.tensor.activations import sigmoid

__all__ = ["segmentation_mask", "blend_with_previous"]

_F = np.float32
# SegmentationSmoothingCalculator's polynomial for the uncertainty of a probability.
_C1, _C2, _C3, _C4, _C5 = 5.68842, -0.748699, -57.8051, 291.309, -624.717


def segmentation_mask(logits: np.ndarray, rect: NormalizedRect, image_size: tuple[int, int], *,
                      keep_aspect_ratio: bool = True) -> np.ndarray:
    """The person probability for every image pixel.

    Args:
        logits: float32 (1, h, w, 1) or (h, w) segmentation logits of the landmark model.
        rect: the ROI the model ran on, normalized to the image.
        image_size: ``(W, H)`` in pixels.
        keep_aspect_ratio: as given to the ROI warp.

    Returns:
        float32 (H, W) in [0, 1]; 0 outside the ROI.
    """
    logits = np.asarray(logits, _F)
    probability = sigmoid(logits.reshape(logits.shape[-3], logits.shape[-2])
                          if logits.ndim == 4 else logits)
    return warp_tensor_to_image(probability, rect, image_size, keep_aspect_ratio=keep_aspect_ratio)


def blend_with_previous(mask: np.ndarray, previous: np.ndarray | None,
                        combine_with_previous_ratio: float = 0.0) -> np.ndarray:
    """Temporal smoothing of the mask (MediaPipe's SegmentationSmoothingCalculator, CPU).

    With ``p`` the new and ``q`` the previous mask, ``t = p - 0.5``, ``x = t*t``,
    ``u = 1 - min(1, x*(c1 + x*(c2 + x*(c3 + x*(c4 + x*c5)))))``, the output is
    ``p + (q - p) * u * ratio``: confident pixels follow the new mask, uncertain ones the old.
    MediaPipe's Python package runs ratio 0 (its graph's 0.7 is dropped), i.e. no smoothing.

    Args:
        mask: float32 (H, W) new probabilities.
        previous: float32 (H, W) previous output, or ``None`` on the first frame.
        combine_with_previous_ratio: weight of the previous mask, in [0, 1].

    Returns:
        float32 (H, W).

    Raises:
        ValueError: if the masks' shapes differ.
    """
    p = np.asarray(mask, _F)
    if previous is None or combine_with_previous_ratio <= 0.0:
        return p.copy()
    q = np.asarray(previous, _F)
    if q.shape != p.shape:
        raise ValueError(f"blend_with_previous: mask {p.shape} and previous {q.shape} differ")
    x = (p - _F(0.5)) ** 2
    poly = x * (_F(_C1) + x * (_F(_C2) + x * (_F(_C3) + x * (_F(_C4) + x * _F(_C5)))))
    uncertainty = _F(1.0) - np.minimum(_F(1.0), poly)
    return (p + (q - p) * (uncertainty * _F(combine_with_previous_ratio))).astype(_F)
