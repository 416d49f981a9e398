"""Decoding of the BlazePose landmark model's tensors into image and world landmarks, as MediaPipe's
pose_landmark_by_roi graph does it: TensorsToLandmarksCalculator, RefineLandmarksFromHeatmap-
Calculator, LandmarkLetterboxRemovalCalculator, LandmarkProjectionCalculator and
WorldLandmarkProjectionCalculator, composed from their generic math in ``tensor.landmark_tensors``
and ``util.landmark_projection``. Float32 throughout, like the C++ code.

Landmark arrays are float32 (N, 5): x, y, z, visibility, presence (see ``formats``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect
from posegraph.calculators.tensor.landmark_tensors import (normalize_landmarks, refine_landmarks_from_heatmap,
                                                           tensor_to_landmarks)
from posegraph.calculators.util.landmark_projection import (project_landmarks, remove_landmark_letterbox,
                                                            rotate_world_landmarks)

__all__ = ["NUM_BODY_LANDMARKS", "NUM_MODEL_LANDMARKS", "decode_landmarks",
           "refine_landmarks_from_heatmap", "remove_landmark_letterbox", "project_landmarks",
           "decode_world_landmarks", "pose_landmarks_from_tensors"]

_F = np.float32
#: Landmarks 0..32 are the body; 33 (hip centre) and 34 (size/rotation point) are auxiliary.
NUM_BODY_LANDMARKS = 33
#: The model's landmark count (35..38 unused).
NUM_MODEL_LANDMARKS = 39


def decode_landmarks(raw: np.ndarray, *, num_landmarks: int = NUM_MODEL_LANDMARKS,
                     input_size: tuple[int, int] = (256, 256)) -> np.ndarray:
    """Landmarks in the model's input tensor, normalized (MediaPipe's TensorsToLandmarksCalculator
    with sigmoid visibility and presence activations: ``tensor.landmark_tensors``).

    Args:
        raw: float32 (num_landmarks*5,) or (1, num_landmarks*5): x, y, z in pixels of the input
            tensor, visibility logit, presence logit per landmark.
        num_landmarks: landmarks in the tensor.
        input_size: the model's input ``(width, height)`` in pixels.

    Returns:
        float32 (num_landmarks, 5): x/width, y/height, z/width, sigmoid(visibility logit),
        sigmoid(presence logit), normalized to the input tensor.

    Raises:
        ValueError: if ``raw`` does not hold ``num_landmarks * 5`` values.
    """
    raw = np.asarray(raw, _F)
    if raw.size != num_landmarks * 5:
        raise ValueError(f"decode_landmarks: expected {num_landmarks * 5} values "
                         f"({num_landmarks} x 5), got shape {raw.shape}")
    landmarks = tensor_to_landmarks(raw, num_landmarks, visibility_activation="sigmoid",
                                    presence_activation="sigmoid")
    return normalize_landmarks(landmarks, input_size)


def decode_world_landmarks(raw: np.ndarray, rect: NormalizedRect,
                           visibility_presence: np.ndarray | None = None) -> np.ndarray:
    """World landmarks in metres, rotated by the ROI (MediaPipe's TensorsToLandmarksCalculator on
    the world tensor, then WorldLandmarkProjectionCalculator): ``x' = cos a * x - sin a * y``,
    ``y' = sin a * x + cos a * y``, z unchanged, float32.

    Args:
        raw: float32 (N*3,) or (1, N*3): x, y, z in metres, origin at the hip centre.
        rect: the ROI the model ran on (only its rotation is used).
        visibility_presence: optional float32 (N, 2) copied into columns 3..4 (MediaPipe copies
            them from the image landmarks); zeros otherwise.

    Returns:
        float32 (N, 5).
    """
    raw = np.asarray(raw, _F).reshape(-1, 3)
    out = np.zeros((raw.shape[0], 5), _F)
    out[:, :3] = raw
    if visibility_presence is not None:
        out[:, 3:] = np.asarray(visibility_presence, _F)
    return rotate_world_landmarks(out, rect)


def pose_landmarks_from_tensors(landmark_tensor: np.ndarray, heatmap: np.ndarray,
                                world_tensor: np.ndarray, rect: NormalizedRect,
                                padding: Sequence[float] = (0.0, 0.0, 0.0, 0.0), *,
                                kernel_size: int = 9
                                ) -> tuple[NormalizedLandmarkList, NormalizedLandmarkList,
                                           LandmarkList]:
    """The whole landmark decoding of MediaPipe's pose_landmark_by_roi graph, unsmoothed.

    decode -> heatmap refinement -> letterbox removal -> projection through ``rect``; world
    landmarks rotated by ``rect`` with visibility and presence copied from the image landmarks.

    Args:
        landmark_tensor: the model's (1, 195) output.
        heatmap: the model's (1, 64, 64, 39) output.
        world_tensor: the model's (1, 117) output.
        rect: the ROI the tensor was cropped from, normalized to the image.
        padding: the warp's letterbox padding ``[left, top, right, bottom]``.
        kernel_size: heatmap refinement window (see ``refine_landmarks_from_heatmap``).

    Returns:
        ``(landmarks, auxiliary, world)``: the 33 body landmarks normalized to the image, the 2
        auxiliary landmarks (33, 34) likewise, and the 33 world landmarks in metres.
    """
    lms = decode_landmarks(landmark_tensor)
    lms = refine_landmarks_from_heatmap(lms, heatmap, kernel_size=kernel_size)
    lms = project_landmarks(remove_landmark_letterbox(lms, padding), rect)
    world = decode_world_landmarks(world_tensor, rect, lms[:, 3:5])
    body = NUM_BODY_LANDMARKS
    return (NormalizedLandmarkList(lms[:body].copy()),
            NormalizedLandmarkList(lms[body:body + 2].copy()),
            LandmarkList(world[:body].copy()))
