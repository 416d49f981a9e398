"""The payloads read at a glance: a landmark list's repr gives the count and the first landmark, a
pose's its id, score, box and (a summary of) its mask, never the arrays."""

from __future__ import annotations

import numpy as np

from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, Pose, SegmentationMask


def test_landmark_lists_show_their_count_and_first_landmark():
    data = np.zeros((33, 5), np.float32)
    data[0] = (0.49630272, 0.18553975, -0.31976676, 0.9999958, 0.9999747)
    assert repr(NormalizedLandmarkList(data)) == (
        "NormalizedLandmarkList(33 landmarks, first: x=0.4963 y=0.1855 z=-0.3198 visibility=1.0000 presence=1.0000)")
    assert repr(LandmarkList(data[:2] * 2)) == (
        "LandmarkList(2 landmarks, first: x=0.9926 y=0.3711 z=-0.6395 visibility=2.0000 presence=1.9999)")
    assert repr(LandmarkList(np.zeros((0, 5), np.float32))) == "LandmarkList(0 landmarks)"


def test_a_pose_shows_its_mask_as_a_summary():
    data = np.zeros((33, 5), np.float32)
    pose = Pose(id=3, score=0.9, box=(0.1, 0.2, 0.5, 0.75), landmarks=NormalizedLandmarkList(data),
                world_landmarks=LandmarkList(data))
    assert pose.segmentation_mask is None
    assert repr(pose) == "Pose(id=3, score=0.900, box=(0.100, 0.200, 0.500, 0.750), landmarks=33)"
    mask = np.zeros((480, 640), np.float32)
    mask[:240] = 1.0
    masked = Pose(3, 0.9, (0.1, 0.2, 0.5, 0.75), NormalizedLandmarkList(data), LandmarkList(data),
                  SegmentationMask(mask))
    assert repr(masked) == ("Pose(id=3, score=0.900, box=(0.100, 0.200, 0.500, 0.750), landmarks=33, "
                            "segmentation_mask=SegmentationMask(640x480, mean=0.500))")
