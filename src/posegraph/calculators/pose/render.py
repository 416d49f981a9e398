"""Drawing pose landmarks and their connections on an image, as MediaPipe's drawing_utils does.

Colours follow MediaPipe's default pose style: the person's left side orange, the right side
cyan, the centre (nose, and connections across the body) white. Colours here are RGB.
"""

from __future__ import annotations

import cv2
import numpy as np

from posegraph.calculators.formats import NormalizedLandmarkList
from posegraph.calculators.pose.landmarks import POSE_LANDMARK_NAMES

POSE_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10), (11, 12), (11, 13),
    (13, 15), (15, 17), (15, 19), (15, 21), (17, 19), (12, 14), (14, 16), (16, 18), (16, 20),
    (16, 22), (18, 20), (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)
"""MediaPipe's 35 POSE_CONNECTIONS between landmark indices."""

LEFT_COLOR = (255, 138, 0)
RIGHT_COLOR = (0, 217, 231)
CENTER_COLOR = (224, 224, 224)


def _side_color(name: str) -> tuple[int, int, int]:
    parts = name.split("_")  # "left_wrist" and "mouth_left" are both on the left
    if "left" in parts:
        return LEFT_COLOR
    if "right" in parts:
        return RIGHT_COLOR
    return CENTER_COLOR


LANDMARK_COLORS: tuple[tuple[int, int, int], ...] = tuple(
    _side_color(name) for name in POSE_LANDMARK_NAMES)
"""RGB colour of each landmark: orange for left_*, cyan for right_*, white for the nose."""

CONNECTION_COLORS: tuple[tuple[int, int, int], ...] = tuple(
    LANDMARK_COLORS[a] if LANDMARK_COLORS[a] == LANDMARK_COLORS[b] else CENTER_COLOR
    for a, b in POSE_CONNECTIONS)
"""RGB colour of each connection: its side's colour, white when it joins two sides."""


def draw_pose(image_rgb: np.ndarray, landmarks: np.ndarray | None,
              visibility_threshold: float = 0.5) -> np.ndarray:
    """Draw the pose skeleton on a copy of ``image_rgb`` and return the copy.

    Args:
        image_rgb: uint8 array (H, W, 3), RGB; left unchanged.
        landmarks: float array (33, 4) or (33, 5) of x, y normalized to this image (fractions of
            its width and height), z, visibility and optionally presence; ``None`` draws nothing.
        visibility_threshold: landmarks whose visibility (or presence, when given) is below this
            are not drawn, nor are their connections (MediaPipe's drawing_utils uses 0.5).

    Line thickness and dot radius grow with the image so the skeleton reads at any size.
    Raises ValueError for arrays of other shapes or types.
    """
    if image_rgb.dtype != np.uint8 or image_rgb.ndim != 3 or image_rgb.shape[2] != 3:
        raise ValueError(f"image_rgb: expected a uint8 (H, W, 3) array, got {image_rgb.dtype} "
                         f"{image_rgb.shape}")
    out = image_rgb.copy()
    if landmarks is None:
        return out
    points = np.asarray(landmarks, dtype=np.float64)
    if points.shape not in ((33, 4), (33, 5)):
        raise ValueError(f"landmarks: expected a (33, 4) or (33, 5) array, got {points.shape}")
    height, width = out.shape[:2]
    shown = np.all(points[:, 3:] >= visibility_threshold, axis=1) & np.all(
        np.isfinite(points[:, :2]), axis=1)
    pixels = np.zeros((33, 2), np.int64)
    # Far-off points (a landmark can lie outside the image) are pulled in to stay within
    # OpenCV's int32 coordinates; the visible part of each line is unchanged to within a pixel.
    span = 10 * max(height, width)
    pixels[shown] = np.rint(np.clip(points[shown, :2] * (width, height), -span, span))
    thickness = max(1, round(max(height, width) / 400))
    radius = thickness + 1
    for (a, b), color in zip(POSE_CONNECTIONS, CONNECTION_COLORS):
        if shown[a] and shown[b]:
            cv2.line(out, tuple(map(int, pixels[a])), tuple(map(int, pixels[b])), color,
                     thickness, cv2.LINE_AA)
    for index in np.flatnonzero(shown):
        cv2.circle(out, tuple(map(int, pixels[index])), radius, LANDMARK_COLORS[index], -1,
                   cv2.LINE_AA)
    return out


def draw_landmark_list(image_rgb: np.ndarray, landmarks: NormalizedLandmarkList | None,
                       visibility_threshold: float = 0.5) -> np.ndarray:
    """:func:`draw_pose` for a :class:`NormalizedLandmarkList`: landmarks marked not ``visible`` by
    the visibility-gating stage are skipped; unmarked lists fall back to the visibility threshold.
    ``None`` returns the image itself (nothing to draw)."""
    if landmarks is None:
        return image_rgb
    data = landmarks.data
    if landmarks.visible is not None:
        data = data.copy()
        data[:, 3] = landmarks.visible
        data[:, 4] = 1.0
    return draw_pose(image_rgb, data, visibility_threshold)
