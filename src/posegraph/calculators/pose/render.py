"""Drawing pose landmarks and their connections on an image, as MediaPipe's drawing_utils does.

Colours follow MediaPipe's default pose style: the person's left side orange, the right side
cyan, the centre (nose, and connections across the body) white. Several people (the multi-person
graph's poses) are each drawn in one colour of their own, picked by track id from
:data:`PERSON_COLORS`, with the id written above the head. Colours here are RGB.
"""

from __future__ import annotations

import cv2
import numpy as np

from posegraph.calculators.formats import NormalizedLandmarkList, Pose
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

PERSON_COLORS: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
    (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
)
"""RGB colours of the people of a multi-person frame (Sasha Trubetskoy's distinct colours): the
person with track id ``i`` is drawn in ``PERSON_COLORS[i % 10]``, the same colour on every frame."""

FACE = slice(0, 11)
"""The face landmarks (nose to mouth_right), above which a person's id is written."""


def person_color(track_id: int) -> tuple[int, int, int]:
    """The RGB colour of the person with ``track_id``, stable across frames (:data:`PERSON_COLORS`)."""
    return PERSON_COLORS[track_id % len(PERSON_COLORS)]


def _check_image(image_rgb: np.ndarray) -> None:
    if image_rgb.dtype != np.uint8 or image_rgb.ndim != 3 or image_rgb.shape[2] != 3:
        raise ValueError(f"image_rgb: expected a uint8 (H, W, 3) array, got {image_rgb.dtype} "
                         f"{image_rgb.shape}")


def _stroke(image: np.ndarray) -> int:
    """Line thickness for ``image``: grows with it so the drawing reads at any size."""
    return max(1, round(max(image.shape[:2]) / 400))


def _skeleton_pixels(image: np.ndarray, landmarks: np.ndarray,
                     visibility_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Which of 33 landmarks are drawn (bool (33,)) and where (int64 (33, 2) pixels of ``image``)."""
    points = np.asarray(landmarks, dtype=np.float64)
    if points.shape not in ((33, 4), (33, 5)):
        raise ValueError(f"landmarks: expected a (33, 4) or (33, 5) array, got {points.shape}")
    height, width = image.shape[:2]
    shown = np.all(points[:, 3:] >= visibility_threshold, axis=1) & np.all(
        np.isfinite(points[:, :2]), axis=1)
    pixels = np.zeros((33, 2), np.int64)
    # Far-off points (a landmark can lie outside the image) are pulled in to stay within
    # OpenCV's int32 coordinates; the visible part of each line is unchanged to within a pixel.
    span = 10 * max(height, width)
    pixels[shown] = np.rint(np.clip(points[shown, :2] * (width, height), -span, span))
    return shown, pixels


def _draw_skeleton(out: np.ndarray, shown: np.ndarray, pixels: np.ndarray,
                   connection_colors: tuple[tuple[int, int, int], ...],
                   landmark_colors: tuple[tuple[int, int, int], ...]) -> None:
    """Draws the connections and dots of the ``shown`` landmarks on ``out``, in place."""
    thickness = _stroke(out)
    radius = thickness + 1
    for (a, b), color in zip(POSE_CONNECTIONS, connection_colors):
        if shown[a] and shown[b]:
            cv2.line(out, tuple(map(int, pixels[a])), tuple(map(int, pixels[b])), color,
                     thickness, cv2.LINE_AA)
    for index in np.flatnonzero(shown):
        cv2.circle(out, tuple(map(int, pixels[index])), radius, landmark_colors[index], -1,
                   cv2.LINE_AA)


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
    _check_image(image_rgb)
    out = image_rgb.copy()
    if landmarks is None:
        return out
    shown, pixels = _skeleton_pixels(out, landmarks, visibility_threshold)
    _draw_skeleton(out, shown, pixels, CONNECTION_COLORS, LANDMARK_COLORS)
    return out


def draw_landmark_list(image_rgb: np.ndarray, landmarks: NormalizedLandmarkList | None,
                       visibility_threshold: float = 0.5) -> np.ndarray:
    """:func:`draw_pose` for a :class:`NormalizedLandmarkList`: landmarks marked not ``visible`` by
    the visibility-gating stage are skipped; unmarked lists fall back to the visibility threshold.
    ``None`` returns the image itself (nothing to draw)."""
    if landmarks is None:
        return image_rgb
    return draw_pose(image_rgb, _drawable(landmarks), visibility_threshold)


def _drawable(landmarks: NormalizedLandmarkList) -> np.ndarray:
    """``landmarks.data``, with the visibility-gating stage's ``visible`` marks (when set) as its
    visibility and presence."""
    data = landmarks.data
    if landmarks.visible is not None:
        data = data.copy()
        data[:, 3] = landmarks.visible
        data[:, 4] = 1.0
    return data


def draw_poses(image_rgb: np.ndarray, poses: tuple[Pose, ...], visibility_threshold: float = 0.5) -> np.ndarray:
    """Draw each person of a multi-person frame on a copy of ``image_rgb`` and return the copy.

    Each pose's skeleton (as :func:`draw_landmark_list` picks its landmarks) is drawn in
    :func:`person_color` of its id, and the id is written in that colour, outlined in black, above
    its head (a face's width above the highest face landmark drawn; above its box when none is).
    ``image_rgb`` is uint8 (H, W, 3), left unchanged; an empty ``poses`` returns an unchanged copy.

    Raises:
        ValueError: ``image_rgb`` or a pose's landmarks of another shape or type.
    """
    _check_image(image_rgb)
    out = image_rgb.copy()
    height, width = out.shape[:2]
    thickness = _stroke(out)
    scale = 0.5 * thickness
    for pose in poses:
        color = person_color(pose.id)
        shown, pixels = _skeleton_pixels(out, _drawable(pose.landmarks), visibility_threshold)
        _draw_skeleton(out, shown, pixels, (color,) * len(POSE_CONNECTIONS), (color,) * 33)
        face = pixels[FACE][shown[FACE]]
        if len(face):  # the top of the head lies about a face's width above the eyes
            x, y = int(np.median(face[:, 0])), int(face[:, 1].min() - np.ptp(face[:, 0]))
        else:
            x, y = int(pose.box[0] * width), int(pose.box[1] * height)
        label = str(pose.id)
        (text_width, _), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        origin = (x - text_width // 2, y - 4 * thickness)
        cv2.putText(out, label, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3 * thickness, cv2.LINE_AA)
        cv2.putText(out, label, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thickness, cv2.LINE_AA)
    return out
