"""Temporal smoothing of a segmentation mask (MediaPipe's SegmentationSmoothingCalculator, CPU)."""

from __future__ import annotations

import numpy as np

__all__ = ["blend_with_previous"]

_F = np.float32
# SegmentationSmoothingCalculator's polynomial for the uncertainty of a probability.
_C1, _C2, _C3, _C4, _C5 = 5.68842, -0.748699, -57.8051, 291.309, -624.717


def blend_with_previous(mask: np.ndarray, previous: np.ndarray | None,
                        combine_with_previous_ratio: float = 0.0) -> np.ndarray:
    """Temporal smoothing of the mask (MediaPipe's SegmentationSmoothingCalculator, CPU).

    With ``p`` the new and ``q`` the previous mask, ``t = p - 0.5``, ``x = t*t``,
    ``u = 1 - min(1, x*(c1 + x*(c2 + x*(c3 + x*(c4 + x*c5)))))``, the output is
    ``p + (q - p) * (u * ratio)`` in float32: confident pixels follow the new mask, uncertain ones
    the old. With ratio 0 (MediaPipe's default, and what its 0.10.21 Python package runs: the
    pose graph's 0.7 is dropped with the other calculator options) the new mask is unchanged.

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
        return p
    q = np.asarray(previous, _F)
    if q.shape != p.shape:
        raise ValueError(f"blend_with_previous: mask {p.shape} and previous {q.shape} differ")
    x = (p - _F(0.5)) ** 2
    poly = x * (_F(_C1) + x * (_F(_C2) + x * (_F(_C3) + x * (_F(_C4) + x * _F(_C5)))))
    uncertainty = _F(1.0) - np.minimum(_F(1.0), poly)
    return (p + (q - p) * (uncertainty * _F(combine_with_previous_ratio))).astype(_F)
