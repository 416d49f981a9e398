"""The landmark payloads read at a glance: their repr gives the count and the first landmark."""

from __future__ import annotations

import numpy as np

from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList


def test_landmark_lists_show_their_count_and_first_landmark():
    data = np.zeros((33, 5), np.float32)
    data[0] = (0.49630272, 0.18553975, -0.31976676, 0.9999958, 0.9999747)
    assert repr(NormalizedLandmarkList(data)) == (
        "NormalizedLandmarkList(33 landmarks, first: x=0.4963 y=0.1855 z=-0.3198 visibility=1.0000 presence=1.0000)")
    assert repr(LandmarkList(data[:2] * 2)) == (
        "LandmarkList(2 landmarks, first: x=0.9926 y=0.3711 z=-0.6395 visibility=2.0000 presence=1.9999)")
    assert repr(LandmarkList(np.zeros((0, 5), np.float32))) == "LandmarkList(0 landmarks)"
