"""benchmarks/identity_strip.py: which frames its strip shows, and how it draws a frame."""

from __future__ import annotations

import numpy as np

from benchmarks.identity_strip import draw, strip_frames
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, Pose


def test_the_strip_centres_on_the_first_switch_and_stays_in_the_clip() -> None:
    assert strip_frames(8, [170, 172], 300) == list(range(166, 174))
    assert strip_frames(8, [2], 300) == list(range(0, 8))
    assert strip_frames(8, [298], 300) == list(range(292, 300))
    assert strip_frames(8, [], 300) == [0, 43, 85, 128, 171, 214, 256, 299]
    assert strip_frames(8, [1], 5) == [0, 1, 2, 3, 4]


def test_a_frame_is_scaled_and_each_pose_boxed() -> None:
    zeros = np.zeros((33, 5), np.float32)
    pose = Pose(7, 1.0, (0.25, 0.25, 0.75, 0.75), NormalizedLandmarkList(zeros), LandmarkList(zeros))
    tile = draw(np.zeros((240, 426, 3), np.uint8), [pose], "clip #3", 360)
    assert tile.shape == (360, 639, 3)
    assert tile[90, 200:440].any() and not tile[150:200, 200:300].any()  # the box's top edge, not its inside
