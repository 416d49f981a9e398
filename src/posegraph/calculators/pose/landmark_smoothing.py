"""Temporal smoothing of pose landmarks, as MediaPipe's pose_landmark_filtering graph does it
(LandmarksSmoothingCalculator with one-euro filters, VisibilitySmoothingCalculator), composed from
the generic smoothers of ``util.landmarks_smoothing``.

Coordinates are filtered in pixels (``X = x*W, Y = y*H, Z = z*W``), per landmark and axis.
"""

from __future__ import annotations

import numpy as np

from posegraph.calculators.util.landmarks_smoothing import (LandmarksSmoother, OneEuroParams, VisibilitySmoother,
                                                             object_scale_of_rect)
from posegraph.calculators.util.rect_geometry import rect_from_alignment_points

__all__ = ["BODY_PARAMS", "WORLD_PARAMS", "AUX_PARAMS", "VISIBILITY_ALPHA", "PoseLandmarkSmoother",
           "object_scale_from_auxiliary"]

_F = np.float32


#: Body landmarks (MediaPipe's pose_landmark_filtering).
BODY_PARAMS = OneEuroParams(min_cutoff=0.05, beta=80.0)
#: World landmarks; filtered without value scaling (value_scale 1).
WORLD_PARAMS = OneEuroParams(min_cutoff=0.1, beta=40.0, disable_value_scaling=True)
#: Auxiliary landmarks 33/34, which drive the next ROI; always on.
AUX_PARAMS = OneEuroParams(min_cutoff=0.01, beta=10.0)
#: VisibilitySmoothingCalculator's low-pass alpha.
VISIBILITY_ALPHA = 0.1


def object_scale_from_auxiliary(aux: np.ndarray, image_size: tuple[int, int]) -> float:
    """The object scale MediaPipe's pose graph smooths with: ``(w_px + h_px) / 2`` of the unscaled
    ROI from the auxiliary landmarks (``2 * |lm34 - lm33|`` in pixels), float32.

    Args:
        aux: float32 (2, >=2) auxiliary landmarks 33 and 34, normalized to the image.
        image_size: ``(W, H)`` in pixels.
    """
    return object_scale_of_rect(rect_from_alignment_points(aux[0, :2], aux[1, :2], image_size), image_size)


class PoseLandmarkSmoother:
    """MediaPipe's pose_landmark_filtering: visibility low-pass, body, world and auxiliary
    one-euro smoothing, with the pose graph's reset rules.

    With ``enabled=False`` only the auxiliary landmarks are smoothed (they drive the ROI, and
    MediaPipe smooths them regardless); body and world landmarks pass through.
    """

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.body = LandmarksSmoother(BODY_PARAMS)
        self.world = LandmarksSmoother(WORLD_PARAMS)
        self.aux = LandmarksSmoother(AUX_PARAMS)
        self.visibility = VisibilitySmoother(VISIBILITY_ALPHA)
        self.world_visibility = VisibilitySmoother(VISIBILITY_ALPHA)
        self.aux_visibility = VisibilitySmoother(VISIBILITY_ALPHA)

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
        aux_out = self.aux.apply(self.aux_visibility.apply(aux), timestamp_us, image_size, scale)
        if not self.enabled:
            return (np.array(landmarks, _F, copy=True), aux_out,
                    None if world is None else np.array(world, _F, copy=True))
        body = self.body.apply(self.visibility.apply(landmarks), timestamp_us, image_size, scale)
        world_out = None
        if world is not None:
            world_out = self.world.apply(self.world_visibility.apply(world), timestamp_us)
        return body, aux_out, world_out
