"""MediaPipe's ``solutions.drawing_styles`` (0.10.21), pose part: the default landmark colours."""

from __future__ import annotations

from collections.abc import Mapping

from posegraph.calculators.pose.render import LANDMARK_COLORS
from posegraph.solutions.drawing_utils import DrawingSpec
from posegraph.solutions.pose import PoseLandmark

_THICKNESS_POSE_LANDMARKS = 2


def get_default_pose_landmarks_style() -> Mapping[int, DrawingSpec]:
    """The default pose landmark style for ``drawing_utils.draw_landmarks``: one
    :class:`DrawingSpec` per :class:`PoseLandmark`, orange (B, G, R) (0, 138, 255) for the person's
    left side, cyan (231, 217, 0) for the right, white (224, 224, 224) for the nose; thickness 2,
    radius 2 (posegraph's renderer uses the same colours)."""
    specs: dict[tuple[int, int, int], DrawingSpec] = {}  # one spec per colour, shared as in MediaPipe
    style: dict[int, DrawingSpec] = {}
    for landmark, rgb in zip(PoseLandmark, LANDMARK_COLORS):
        bgr = (rgb[2], rgb[1], rgb[0])
        style[landmark] = specs.setdefault(bgr, DrawingSpec(color=bgr, thickness=_THICKNESS_POSE_LANDMARKS))
    return style
