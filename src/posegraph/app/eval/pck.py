"""PCK@0.2: the share of keypoints within 20% of the person's torso size of the truth.

The BlazePose paper (Bazarevsky et al. 2020, "BlazePose: On-device Real-time Body Pose
tracking", arXiv:2006.10204) reports PCK@0.2 "where we assume the point to be detected
correctly if the 2D Euclidean error is smaller than 20% of the corresponding person's torso size",
without defining the torso size. Here it is the distance, in image pixels, between the midpoint of
the truth's two shoulders and the midpoint of its two hips: the torso size of MediaPipe's own pose
classification example (``FullBodyPoseEmbedder._get_pose_size``, ``np.linalg.norm(shoulders - hips)``,
in the "Pose classification" colab of MediaPipe's pose documentation). Where the truth lacks a
shoulder or a hip (v = 0), or the two midpoints coincide, the torso is undefined and that person's
keypoints are left out of PCK (and counted in ``pck_skipped``).
"""

from __future__ import annotations

import numpy as np

from posegraph.app.eval.layouts import TORSO

THRESHOLD = 0.2
"""PCK's tolerance, as a fraction of the torso size."""


def torso_size(keypoints: np.ndarray, names: tuple[str, ...]) -> float | None:
    """The torso size in pixels of a true pose: ``keypoints`` (K, 3) x, y (pixels), v in the
    layout ``names``; ``None`` where a shoulder or hip is not labelled, the layout has none, or
    the size is 0."""
    midpoints = []
    for pair in TORSO:
        if not all(name in names for name in pair):
            return None
        points = keypoints[[names.index(name) for name in pair]]
        if not (points[:, 2] > 0).all():
            return None
        midpoints.append(points[:, :2].mean(axis=0))
    size = float(np.hypot(*(midpoints[0] - midpoints[1])))
    return size if size > 0 else None


def correct(truth: np.ndarray, prediction: np.ndarray | None, torso: float) -> np.ndarray:
    """Per keypoint, whether ``prediction`` is within ``THRESHOLD * torso`` pixels of ``truth``
    (both (K, 2+) x, y in pixels; strictly less, as the paper says); all ``False`` for a missed
    person (``prediction`` ``None``). Bool (K,)."""
    if prediction is None:
        return np.zeros(len(truth), bool)
    error = np.hypot(*(prediction[:, :2] - truth[:, :2]).T)
    return error < THRESHOLD * torso
