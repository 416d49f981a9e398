"""MultiPoseTrackingCalculator: new ids never reused, per-person smoothing, next ROIs with ids,
a person found twice given once."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect, Pose
from posegraph.calculators.pose.landmark_smoothing import PoseLandmarkSmoother
from posegraph.calculators.util.rect_geometry import roi_from_alignment_points
from posegraph.testing import run_calculator

SIZE = (640, 480)


def person(x: float) -> tuple[NormalizedLandmarkList, LandmarkList, NormalizedLandmarkList]:
    """A stick figure around x: 33 landmarks spread over a 0.2 x 0.6 box, and its two auxiliary ones."""
    grid = np.linspace(0, 1, 33, dtype=np.float32)
    body = np.stack([x - 0.1 + 0.2 * grid, 0.2 + 0.6 * grid[::-1], np.zeros(33), np.ones(33), np.ones(33)], 1)
    aux = np.array([[x, 0.6, 0, 1, 1], [x, 0.3, 0, 1, 1]], np.float32)
    return NormalizedLandmarkList(body.astype(np.float32)), LandmarkList(body.astype(np.float32)), NormalizedLandmarkList(aux)


def frame(people: list[tuple[int | None, float]]) -> dict[str, tuple]:
    parts = [person(x) for _, x in people]
    return {"NORM_RECTS": tuple(NormalizedRect(x, 0.5, 0.3, 0.4, rect_id=i) for i, x in people),
            "NORM_LANDMARKS": tuple(p[0] for p in parts), "WORLD_LANDMARKS": tuple(p[1] for p in parts),
            "AUXILIARY_LANDMARKS": tuple(p[2] for p in parts), "PRESENCE": tuple(0.9 for _ in parts)}


def run(frames: dict[int, list[tuple[int | None, float]]], smooth: bool) -> dict[str, list]:
    inputs: dict[str, dict[int, object]] = {"IMAGE_SIZE": {t: SIZE for t in frames}}
    for t, people in frames.items():
        if people:
            for tag, value in frame(people).items():
                inputs.setdefault(tag, {})[t] = value
    return run_calculator("MultiPoseTrackingCalculator", inputs, side_packets={"ENABLE": smooth})


def test_new_people_get_new_ids_and_ids_are_never_reused() -> None:
    out = run({0: [(None, 0.3), (None, 0.7)], 33_333: [(1, 0.7), (None, 0.3)], 66_666: [], 99_999: [(None, 0.5)]},
              smooth=False)
    assert [[p.id for p in packet.payload] for packet in out["POSES"]] == [[0, 1], [1, 2], [], [3]]
    assert [[r.rect_id for r in packet.payload] for packet in out["NEXT_NORM_RECTS"]] == [[0, 1], [1, 2], [], [3]]
    pose = out["POSES"][0].payload[0]
    assert isinstance(pose, Pose) and pose.score == pytest.approx(0.9)
    assert pose.box == pytest.approx((0.2, 0.2, 0.4, 0.8))
    lm, _, aux = person(0.3)
    expected = roi_from_alignment_points(aux.data[0, :2], aux.data[1, :2], SIZE)
    assert out["NEXT_NORM_RECTS"][0].payload[0] == dataclasses.replace(expected, rect_id=0)
    np.testing.assert_array_equal(pose.landmarks.data, lm.data)  # smoothing off: untouched


def test_each_person_is_smoothed_with_its_own_filters() -> None:
    out = run({0: [(None, 0.3), (None, 0.7)], 33_333: [(0, 0.32), (1, 0.7)]}, smooth=True)
    smoother = PoseLandmarkSmoother()
    for t, x in ((0, 0.3), (33_333, 0.32)):
        lm, world, aux = person(x)
        expected, _, _ = smoother.apply(lm.data, aux.data, world.data, t, SIZE)
    np.testing.assert_array_equal(out["POSES"][1].payload[0].landmarks.data, expected)
    # Person 1 did not move: its own filters give it back as it was.
    np.testing.assert_allclose(out["POSES"][1].payload[1].landmarks.data[:, :3], person(0.7)[0].data[:, :3], atol=1e-6)


def test_a_person_found_twice_is_given_once() -> None:
    out = run({0: [(4, 0.3), (None, 0.301), (None, 0.7)]}, smooth=False)
    assert [p.id for p in out["POSES"][0].payload] == [4, 0]
