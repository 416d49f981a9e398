"""Temporal smoothing of pose landmarks, as MediaPipe's pose_landmark_filtering graph does it
(LandmarksSmoothingCalculator with one-euro filters, VisibilitySmoothingCalculator).

Coordinates are filtered in pixels (``X = x*W, Y = y*H, Z = z*W``), per landmark and axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph.calculators.util.one_euro import LowPassFilter, OneEuroFilter
from posegraph.calculators.util.rect_geometry import rect_from_alignment_points

__all__ = ["OneEuroParams", "BODY_PARAMS", "WORLD_PARAMS", "AUX_PARAMS", "VISIBILITY_ALPHA",
           "MIN_ALLOWED_OBJECT_SCALE", "LandmarksSmoother", "PoseLandmarkSmoother",
           "object_scale_from_auxiliary"]

_F = np.float32


@dataclass(frozen=True)
class OneEuroParams:
    """MediaPipe's OneEuroFilter options (``LandmarksSmoothingCalculatorOptions.one_euro_filter``)."""

    min_cutoff: float
    beta: float
    derivate_cutoff: float = 1.0
    frequency: float = 30.0


#: Body landmarks (MediaPipe's pose_landmark_filtering).
BODY_PARAMS = OneEuroParams(min_cutoff=0.05, beta=80.0)
#: World landmarks; filtered without value scaling (value_scale 1).
WORLD_PARAMS = OneEuroParams(min_cutoff=0.1, beta=40.0)
#: Auxiliary landmarks 33/34, which drive the next ROI; always on.
AUX_PARAMS = OneEuroParams(min_cutoff=0.01, beta=10.0)
#: VisibilitySmoothingCalculator's low-pass alpha.
VISIBILITY_ALPHA = 0.1
#: Below this object scale (pixels) smoothing is skipped (MediaPipe's min_allowed_object_scale).
MIN_ALLOWED_OBJECT_SCALE = 1e-6


def object_scale_from_auxiliary(aux: np.ndarray, image_size: tuple[int, int]) -> float:
    """The object scale MediaPipe's pose graph smooths with: ``(w_px + h_px) / 2`` of the unscaled
    ROI from the auxiliary landmarks (``2 * |lm34 - lm33|`` in pixels), float32.

    Args:
        aux: float32 (2, >=2) auxiliary landmarks 33 and 34, normalized to the image.
        image_size: ``(W, H)`` in pixels.
    """
    rect = rect_from_alignment_points(aux[0, :2], aux[1, :2], image_size)
    w, h = _F(image_size[0]), _F(image_size[1])
    return float((_F(rect.width) * w + _F(rect.height) * h) / _F(2.0))


class LandmarksSmoother:
    """One landmark list's coordinate smoothing (MediaPipe's LandmarksSmoothingCalculator with a
    one-euro filter): x, y, z of every landmark filtered separately; other columns pass through.
    """

    def __init__(self, params: OneEuroParams, *, scale_values: bool = True) -> None:
        self.params = params
        self.scale_values = scale_values
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
            object_scale: the object's size in the filtered units; the derivative is scaled by its
                inverse when ``scale_values`` (required then). Smoothing is skipped below 1e-6.

        Returns:
            Smoothed float32 (N, 5), in the input's units.

        Raises:
            ValueError: if value scaling is on and no ``object_scale`` is given.
        """
        lms = np.array(landmarks, _F, copy=True)
        value_scale = 1.0
        if self.scale_values:
            if object_scale is None:
                raise ValueError("LandmarksSmoother: object_scale is required when scale_values")
            if object_scale < MIN_ALLOWED_OBJECT_SCALE:
                return lms
            value_scale = float(_F(1.0) / _F(object_scale))
        if image_size is not None:
            size = np.array([image_size[0], image_size[1], image_size[0]], _F)
            pixels = lms[:, :3] * size
            lms[:, :3] = self._filter.apply(pixels, timestamp_us * 1000, value_scale) / size
        else:
            lms[:, :3] = self._filter.apply(lms[:, :3], timestamp_us * 1000, value_scale)
        return lms


class PoseLandmarkSmoother:
    """MediaPipe's pose_landmark_filtering: visibility low-pass, body, world and auxiliary
    one-euro smoothing, with the pose graph's reset rules.

    With ``enabled=False`` only the auxiliary landmarks are smoothed (they drive the ROI, and
    MediaPipe smooths them regardless); body and world landmarks pass through.
    """

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.body = LandmarksSmoother(BODY_PARAMS)
        self.world = LandmarksSmoother(WORLD_PARAMS, scale_values=False)
        self.aux = LandmarksSmoother(AUX_PARAMS)
        self.visibility = LowPassFilter(VISIBILITY_ALPHA)
        self.world_visibility = LowPassFilter(VISIBILITY_ALPHA)
        self.aux_visibility = LowPassFilter(VISIBILITY_ALPHA)

    def reset(self) -> None:
        """Forget every filter's state (a new stream)."""
        for smoother in (self.body, self.world, self.aux):
            smoother.reset()
        for lp in (self.visibility, self.world_visibility, self.aux_visibility):
            lp.reset()

    def no_landmarks(self) -> None:
        """A frame without pose: the body and auxiliary filters reset, world and visibility
        filters keep their state (as MediaPipe's graph does)."""
        self.body.reset()
        self.aux.reset()

    def apply(self, landmarks: np.ndarray, aux: np.ndarray, world: np.ndarray | None,
              timestamp_us: int, image_size: tuple[int, int]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Smooth one frame's landmarks.

        Args:
            landmarks: float32 (33, 5) body landmarks normalized to the image.
            aux: float32 (2, 5) auxiliary landmarks normalized to the image (unsmoothed).
            world: float32 (33, 5) world landmarks in metres, or ``None``.
            timestamp_us: the frame's timestamp in microseconds.
            image_size: ``(W, H)`` in pixels.

        Returns:
            ``(landmarks, aux, world)`` smoothed, same shapes and units; the next ROI comes from
            the returned ``aux``.
        """
        scale = object_scale_from_auxiliary(aux, image_size)
        aux_out = np.array(aux, _F, copy=True)
        aux_out[:, 3] = self.aux_visibility.apply(aux_out[:, 3])
        aux_out = self.aux.apply(aux_out, timestamp_us, image_size, scale)
        if not self.enabled:
            return (np.array(landmarks, _F, copy=True), aux_out,
                    None if world is None else np.array(world, _F, copy=True))
        body = np.array(landmarks, _F, copy=True)
        body[:, 3] = self.visibility.apply(body[:, 3])
        body = self.body.apply(body, timestamp_us, image_size, scale)
        world_out = None
        if world is not None:
            world_out = np.array(world, _F, copy=True)
            world_out[:, 3] = self.world_visibility.apply(world_out[:, 3])
            world_out = self.world.apply(world_out, timestamp_us)
        return body, aux_out, world_out
