"""posegraph.solutions.pose: MediaPipe 0.10.21's Pose API (names, timestamps, results, errors).

The numbers themselves are checked against MediaPipe by test_pose_script.py.
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from google.protobuf import json_format
from make_reference import REFERENCE_DIR

import posegraph as mp
from posegraph import Graph, GraphRunError
from posegraph.solutions import landmark_pb2

mp_pose = mp.solutions.pose

# MediaPipe 0.10.21's python/solutions/pose_connections.py.
MEDIAPIPE_POSE_CONNECTIONS = frozenset([
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10), (11, 12), (11, 13), (13, 15),
    (15, 17), (15, 19), (15, 21), (17, 19), (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28), (27, 29), (28, 30), (29, 31),
    (30, 32), (27, 31), (28, 32)])


@pytest.fixture(scope="module")
def still(shared_data, pose_models):
    """pose.jpg as RGB uint8 (667, 1000, 3)."""
    return cv2.cvtColor(cv2.imread(str(shared_data / "media" / "pose.jpg")), cv2.COLOR_BGR2RGB)


def test_pose_landmark_names_are_mediapipes():
    # The names MediaPipe printed for its PoseLandmark members, in order, in a reference output.
    lines = (REFERENCE_DIR / "stills.c1.txt").read_text().splitlines()
    names = [line.split()[1] for line in lines if line.startswith("landmark ")][:33]
    assert [m.name for m in mp_pose.PoseLandmark] == names
    assert [int(m) for m in mp_pose.PoseLandmark] == list(range(33))
    assert list(range(100, 133))[mp_pose.PoseLandmark.RIGHT_SHOULDER] == 112  # usable as a list index


def test_pose_connections_are_mediapipes():
    assert mp_pose.POSE_CONNECTIONS == MEDIAPIPE_POSE_CONNECTIONS
    assert isinstance(mp_pose.POSE_CONNECTIONS, frozenset)


def test_results_are_landmark_messages(still):
    with mp_pose.Pose(static_image_mode=True) as pose:
        results = pose.process(still)
    assert results._fields == ("pose_landmarks", "pose_world_landmarks", "segmentation_mask")
    landmarks = results.pose_landmarks
    assert isinstance(landmarks, landmark_pb2.NormalizedLandmarkList)
    assert isinstance(results.pose_world_landmarks, landmark_pb2.LandmarkList)
    assert len(landmarks.landmark) == len(list(landmarks.landmark)) == 33
    nose = landmarks.landmark[mp_pose.PoseLandmark.NOSE]
    assert nose.HasField("visibility") and not nose.HasField("presence") and nose.presence == 0.0
    assert str(nose).splitlines()[0] == f"x: {nose.x:.9g}"
    assert json_format.MessageToDict(landmarks)["landmark"][0].keys() == {"x", "y", "z", "visibility"}
    copy = landmark_pb2.NormalizedLandmarkList.FromString(landmarks.SerializeToString())
    assert copy == landmarks
    assert results.segmentation_mask is None


def test_frames_step_33333_us_from_33333(still, monkeypatch):
    fed = []
    add_packet = Graph.add_packet
    monkeypatch.setattr(Graph, "add_packet", lambda self, stream, payload, t: (fed.append(t),
                                                                                add_packet(self, stream, payload, t)))
    with mp_pose.Pose() as pose:
        for _ in range(3):
            pose.process(still)
    assert fed == [33_333, 66_666, 99_999]


def test_no_person_gives_none(pose_models):
    with mp_pose.Pose() as pose:
        results = pose.process(np.zeros((120, 160, 3), np.uint8))
    assert results == (None, None, None)


def test_reset_tracks_afresh(still):
    with mp_pose.Pose() as pose:
        first = pose.process(still)
        pose.process(still)
        pose.reset()
        after_reset = pose.process(still)
    assert after_reset.pose_landmarks == first.pose_landmarks


@pytest.mark.parametrize("image, error, match", [
    (np.zeros((64, 64), np.uint8), ValueError, r"three channel rgb data: got an array of shape \(64, 64\)"),
    (np.zeros((64, 64, 4), np.uint8), ValueError, "three channel rgb data"),
    (np.zeros((1, 64, 64, 3), np.uint8), ValueError, "three channel rgb data"),
    (np.zeros((64, 64, 3), np.float32), TypeError, "uint8 RGB data .* got dtype float32"),
    ([[0, 0, 0]], TypeError, "numpy array .* got list"),
])
def test_wrong_input_is_refused(pose_models, image, error, match):
    with mp_pose.Pose() as pose, pytest.raises(error, match=match):
        pose.process(image)


def test_closed_pose_refuses_work(still):
    pose = mp_pose.Pose()
    pose.close()
    with pytest.raises(ValueError, match="closed"):
        pose.process(still)
    with pytest.raises(ValueError, match="already closed"):
        pose.close()


@pytest.mark.parametrize("kwargs, match", [
    ({"min_detection_confidence": 1.5}, r"min_detection_confidence must be in \[0.0, 1.0\], got 1.5"),
    ({"min_tracking_confidence": -0.1}, r"min_tracking_confidence must be in \[0.0, 1.0\]"),
    ({"model_complexity": 3}, "model_complexity must be 0 .* got 3"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mp_pose.Pose(**kwargs)


def test_segmentation_mask(still):
    with mp_pose.Pose(static_image_mode=True, enable_segmentation=True) as pose:
        mask = pose.process(still).segmentation_mask
    assert mask.shape == still.shape[:2] and mask.dtype == np.float32
    assert 0.0 <= mask.min() and mask.max() <= 1.0
    assert not mask.flags.writeable


def test_a_failing_graph_raises_runtime_error(still, monkeypatch):
    def fail(self, stream, payload, t):
        raise GraphRunError("the graph broke")

    with mp_pose.Pose() as pose:
        monkeypatch.setattr(Graph, "add_packet", fail)
        with pytest.raises(RuntimeError, match="the graph broke") as caught:
            pose.process(still)
    assert isinstance(caught.value.__cause__, GraphRunError)


@pytest.mark.parametrize("static", [False, True])
def test_arguments_become_mediapipes_side_packets(monkeypatch, static):
    # As MediaPipe's Pose maps them: smoothing (landmarks and masks) only in video mode.
    started = []
    monkeypatch.setattr(Graph, "start", lambda self, side_packets: started.append(side_packets))
    mp_pose.Pose(static_image_mode=static, model_complexity=2, enable_segmentation=True,
                 min_detection_confidence=0.25, min_tracking_confidence=0.75)
    assert started == [{"static_image_mode": static, "smooth_landmarks": not static, "model_complexity": 2,
                        "enable_segmentation": True, "smooth_segmentation": not static,
                        "min_detection_confidence": 0.25, "min_tracking_confidence": 0.75}]
