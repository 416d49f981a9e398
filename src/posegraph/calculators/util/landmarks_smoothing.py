"""Temporal smoothing of landmark lists, as MediaPipe's LandmarksSmoothingCalculator (one-euro
filter) and VisibilitySmoothingCalculator (low-pass filter) do it, for any landmark list.

Normalized landmarks are filtered in pixels (``X = x*W, Y = y*H, Z = z*W``), per landmark and
axis; absolute ones (world landmarks, metres) as they are. The filters are ``util.one_euro``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.util.one_euro import LowPassFilter, OneEuroFilter

__all__ = ["OneEuroParams", "MIN_ALLOWED_OBJECT_SCALE", "object_scale_of_rect",
           "object_scale_of_landmarks", "LandmarksSmoother", "VisibilitySmoother"]

_F = np.float32
#: Below this object scale smoothing is skipped (MediaPipe's min_allowed_object_scale default).
MIN_ALLOWED_OBJECT_SCALE = 1e-6


@dataclass(frozen=True)
class OneEuroParams:
    """MediaPipe's ``LandmarksSmoothingCalculatorOptions.OneEuroFilter`` (its defaults, except that
    ``min_cutoff`` and ``beta`` must be given)."""

    min_cutoff: float
    beta: float
    derivate_cutoff: float = 1.0
    frequency: float = 30.0
    min_allowed_object_scale: float = MIN_ALLOWED_OBJECT_SCALE
    disable_value_scaling: bool = False


def object_scale_of_rect(rect: NormalizedRect, image_size: tuple[int, int]) -> float:
    """``(width_px + height_px) / 2`` of a normalized rect in a ``(W, H)`` image, float32
    (MediaPipe's GetObjectScale of the OBJECT_SCALE_ROI)."""
    w, h = _F(image_size[0]), _F(image_size[1])
    return float((_F(rect.width) * w + _F(rect.height) * h) / _F(2.0))


def object_scale_of_landmarks(landmarks: np.ndarray) -> float:
    """``(x extent + y extent) / 2`` of the landmarks, in their own units, float32 (MediaPipe's
    GetObjectScale of a landmark list)."""
    points = np.asarray(landmarks, _F)
    extent = points[:, :2].max(axis=0) - points[:, :2].min(axis=0)
    return float((extent[0] + extent[1]) / _F(2.0))


class LandmarksSmoother:
    """One landmark list's coordinate smoothing (MediaPipe's LandmarksSmoothingCalculator with a
    one-euro filter): x, y, z of every landmark filtered separately; other columns pass through.
    """

    def __init__(self, params: OneEuroParams) -> None:
        self.params = params
        self._filter = OneEuroFilter(min_cutoff=params.min_cutoff, beta=params.beta,
                                     derivate_cutoff=params.derivate_cutoff,
                                     frequency=params.frequency)

    def reset(self) -> None:
        """Forget all state (MediaPipe resets on a timestamp without landmarks)."""
        self._filter.reset()

    def apply(self, landmarks: np.ndarray, timestamp_us: int,
              image_size: tuple[int, int] | None = None,
              object_scale: float | None = None) -> np.ndarray:
        """Smooth one frame.

        Args:
            landmarks: float32 (N, 5). Normalized to the image when ``image_size`` is given
                (filtered in pixels, z on the x scale), else absolute (e.g. world, metres).
            timestamp_us: the frame's timestamp in microseconds.
            image_size: ``(W, H)`` in pixels for normalized landmarks.
            object_scale: the object's size in the filtered units; unless value scaling is
                disabled, the derivative is scaled by its inverse. ``None``: the landmarks'
                own extent (:func:`object_scale_of_landmarks`). Below
                ``params.min_allowed_object_scale`` the landmarks pass unsmoothed.

        Returns:
            Smoothed float32 (N, 5), in the input's units.
        """
        lms = np.array(landmarks, _F, copy=True)
        size = None if image_size is None else np.array([image_size[0], image_size[1], image_size[0]], _F)
        values = lms[:, :3] if size is None else lms[:, :3] * size
        value_scale = 1.0
        if not self.params.disable_value_scaling:
            scale = object_scale_of_landmarks(values) if object_scale is None else object_scale
            if scale < self.params.min_allowed_object_scale:
                return lms
            value_scale = float(_F(1.0) / _F(scale))
        smoothed = self._filter.apply(values, timestamp_us * 1000, value_scale)
        lms[:, :3] = smoothed if size is None else smoothed / size
        return lms


class VisibilitySmoother:
    """Low-pass smoothing of each landmark's visibility (MediaPipe's VisibilitySmoothingCalculator
    with ``low_pass_filter``): ``alpha * new + (1 - alpha) * previous output``; the rest passes."""

    def __init__(self, alpha: float = 0.1) -> None:
        self._filter = LowPassFilter(alpha)

    def reset(self) -> None:
        """Forget all state."""
        self._filter.reset()

    def apply(self, landmarks: np.ndarray) -> np.ndarray:
        """Smooth one frame: float32 (N, 5) in, a float32 (N, 5) copy out."""
        out = np.array(landmarks, _F, copy=True)
        out[:, 3] = self._filter.apply(out[:, 3])
        return out
