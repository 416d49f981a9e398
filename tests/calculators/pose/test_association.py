"""Multi-person association: ids kept by one-to-one overlap, duplicates, new and re-found people;
MediaPipe's replacement rule with ids; the pose box and repeated poses; the detector's schedule."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from posegraph import SidePacketError
from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.pose.association import (associate_by_replacement_with_ids, associate_rects, duplicate_poses,
                                                    iou_matrix, landmarks_box, rect_boxes)
from posegraph.testing import run_calculator

A = NormalizedRect(0.25, 0.5, 0.2, 0.4)
B = NormalizedRect(0.70, 0.5, 0.2, 0.4)


def shifted(rect: NormalizedRect, dx: float, rect_id: int | None = None) -> NormalizedRect:
    return dataclasses.replace(rect, x_center=rect.x_center + dx, rect_id=rect_id)


def associate(tracked, detected, lost=()):
    return associate_rects(tracked, detected, match_threshold=0.5, duplicate_threshold=0.8, lost=lost)


def test_rect_boxes_and_iou_ignore_rotation_as_mediapipe_does() -> None:
    rotated = dataclasses.replace(A, rotation=1.0)
    np.testing.assert_allclose(rect_boxes([rotated]), [[0.15, 0.3, 0.2, 0.4]], atol=1e-7)
    # Shifted by a quarter of the width: overlap 0.15 x 0.4 over union 2 * 0.08 - 0.06.
    np.testing.assert_allclose(iou_matrix(rect_boxes([A]), rect_boxes([shifted(A, 0.05)])), [[0.6]], atol=1e-6)


def test_people_keep_their_ids_whatever_order_the_detector_finds_them_in() -> None:
    tracked = [shifted(A, 0.0, 3), shifted(B, 0.0, 7)]
    detected = [shifted(B, 0.01), shifted(A, -0.01)]
    out = associate(tracked, detected)
    assert [r.rect_id for r in out] == [3, 7]
    # A paired person takes the detection's rect (MediaPipe's fresh view) with the track's id.
    assert out[0].x_center == pytest.approx(A.x_center - 0.01) and out[1].x_center == pytest.approx(B.x_center + 0.01)


def test_new_people_come_after_the_tracked_ones_in_detection_order() -> None:
    c = NormalizedRect(0.5, 0.2, 0.1, 0.1)
    out = associate([shifted(A, 0.0, 4)], [c, shifted(A, 0.0), shifted(B, 0.0)])
    assert [(r.rect_id, r.x_center) for r in out] == [(4, A.x_center), (None, c.x_center), (None, B.x_center)]


def test_two_tracks_on_one_person_become_the_older_one() -> None:
    out = associate([shifted(A, 0.001, 9), shifted(A, 0.0, 2), shifted(B, 0.0, 5)], [])
    assert [r.rect_id for r in out] == [2, 5]


def test_people_close_together_are_both_kept() -> None:
    # IoU 0.6: above the match threshold but below the duplicate one (a hug, two detections).
    out = associate([], [A, shifted(A, 0.05)])
    assert [r.rect_id for r in out] == [None, None]
    # A tracked person whose detection was missed stays beside the one detected next to it.
    out = associate([shifted(A, 0.0, 1), shifted(A, 0.05, 2)], [shifted(A, 0.0)])
    assert [r.rect_id for r in out] == [1, 2]


def test_a_tracked_rect_on_a_paired_person_is_dropped() -> None:
    # The detection pairs with track 1 (IoU 0.87); track 2 overlaps it by 0.85 (> the duplicate
    # threshold) though the two tracks overlap each other by only 0.74.
    out = associate([shifted(A, -0.014, 1), shifted(A, 0.016, 2)], [shifted(A, 0.0)])
    assert [r.rect_id for r in out] == [1]


def test_someone_found_where_a_person_was_lost_gets_the_id_back() -> None:
    out = associate([shifted(B, 0.0, 1)], [shifted(A, 0.01), shifted(B, 0.0)], lost=[shifted(A, 0.0, 6)])
    assert [r.rect_id for r in out] == [1, 6]


def replace(tracked, detected, lost=()):
    return associate_by_replacement_with_ids(tracked, detected, match_threshold=0.5, lost=lost)


def test_mediapipe_rule_a_detection_takes_the_place_and_the_id_of_the_track_it_overlaps() -> None:
    detection = shifted(A, 0.01, rect_id=99)  # a detection's own rect_id is not an id
    out = replace([shifted(B, 0.0, 4), shifted(A, 0.0, 3)], [detection])
    assert out == [shifted(B, 0.0, 4), dataclasses.replace(detection, rect_id=3)]


def test_mediapipe_rule_keeps_the_later_of_two_overlapping_detections() -> None:
    # IoU 0.6 > 0.5: MediaPipe keeps one person of a hug, the later (lower-scored) detection.
    assert replace([], [A, shifted(A, 0.05)]) == [shifted(A, 0.05)]
    # Overlapping tracks (no detector run) become the later one, with the earlier's id.
    assert replace([shifted(A, 0.0, 1), shifted(A, 0.05, 2)], []) == [shifted(A, 0.05, 1)]


def test_mediapipe_rule_gives_a_lost_id_back() -> None:
    out = replace([shifted(B, 0.0, 1)], [shifted(A, 0.01)], lost=[shifted(A, 0.0, 6)])
    assert [r.rect_id for r in out] == [1, 6]


def test_tracked_rect_association_takes_the_rule_from_a_side_packet() -> None:
    inputs = {"TRACKED": {0: [shifted(A, 0.0, 1)]}, "DETECTED": {0: [shifted(A, 0.05), shifted(A, 0.10)]}}
    assignment = run_calculator("TrackedRectAssociationCalculator", inputs)[""][0].payload
    mediapipe = run_calculator("TrackedRectAssociationCalculator", inputs,
                               side_packets={"ASSOCIATION": "mediapipe"})[""][0].payload
    assert [r.rect_id for r in assignment] == [1, None]
    assert mediapipe == (shifted(A, 0.10, 1),)
    with pytest.raises(SidePacketError, match="assignment, mediapipe"):
        run_calculator("TrackedRectAssociationCalculator", inputs, side_packets={"ASSOCIATION": "hungarian"})
    # Static-image mode: MediaPipe's IMAGE mode associates nothing, so overlapping detections both pass.
    for rule in ("assignment", "mediapipe"):
        alone = run_calculator("TrackedRectAssociationCalculator", {"DETECTED": {0: [A, shifted(A, 0.05, 3)]}},
                               side_packets={"ASSOCIATION": rule, "DISABLE": True})[""][0].payload
        assert alone == (A, shifted(A, 0.05))


def test_landmarks_box_is_clipped_to_the_image() -> None:
    landmarks = np.array([[0.2, 0.3, 0, 1, 1], [-0.1, 0.9, 0, 1, 1], [0.6, 1.2, 0, 1, 1]], np.float32)
    assert landmarks_box(landmarks) == pytest.approx((0.0, 0.3, 0.6, 1.0))


def test_duplicate_poses_flag_a_second_pose_on_the_same_body() -> None:
    rng = np.random.default_rng(1)
    body = rng.uniform(0.2, 0.6, (33, 2)).astype(np.float32)  # ~0.4 x 100 px a side: diagonal ~55 px
    same = body + 0.02  # 2.8 px away: 0.05 of the diagonal
    other = body + 0.1  # 14 px away: 0.25 of it
    assert duplicate_poses([body, same, other], (100, 100), 0.1) == [False, True, False]


def test_detector_schedule_mediapipe_rule_and_interval() -> None:
    tracked = {0: [], 1: [A], 2: [A, B], 3: [A, B], 4: [A], 5: [A], 6: [A], 7: []}
    ticks = {t: t for t in tracked}
    skip = run_calculator("PoseDetectionScheduleCalculator", {"TICK": ticks, "TRACKED": tracked},
                          side_packets={"NUM_POSES": 2})[""]
    assert [p.payload for p in skip] == [False, False, True, True, False, False, False, False]
    skip = run_calculator("PoseDetectionScheduleCalculator", {"TICK": ticks, "TRACKED": tracked},
                          side_packets={"NUM_POSES": 2, "REDETECT_INTERVAL": 3})[""]
    assert [p.payload for p in skip] == [False, True, True, False, True, True, False, False]


@pytest.mark.parametrize("side_packets", [{"NUM_POSES": 0}, {"NUM_POSES": 101}, {"REDETECT_INTERVAL": -1}])
def test_detector_schedule_refuses_bad_side_packets(side_packets: dict) -> None:
    with pytest.raises(SidePacketError):
        run_calculator("PoseDetectionScheduleCalculator", {"TICK": [0]}, side_packets=side_packets)
