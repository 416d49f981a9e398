"""examples/custom_calculator: joint_angle, the squat counter's hysteresis, and run.py end to end."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from posegraph import CalculatorError, Graph, Packet
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList
from posegraph.testing import run_calculator, run_graph

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_calculator"

# The squats in ../shared/data/media/pose_squats.mp4 (65 frames at 5 fps, 13 s), established by
# eye: a contact sheet of all 65 frames shows the woman standing (frames 0-4), squatting down
# (deepest around frames 9-11) and standing up again (frames 17-27), a second squat (deepest around
# 33-35, standing again from 41 to 52), and a third descent (deepest around 58-61) from which she
# is only half way up when the video ends (frame 64). MediaPipe's own world landmarks
# (../shared/data/reference/pose_squats.smooth.json) agree: the mean knee angle goes 166 -> 90 ->
# 168 -> 83 -> 167 -> 83 -> 113 degrees. So two complete repetitions; the third is not finished.
SQUATS_IN_VIDEO = 2


def _load_angles_module():
    spec = importlib.util.spec_from_file_location("custom_calculator_angles", EXAMPLE / "angles.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while they are built
    spec.loader.exec_module(module)
    return module


angles = _load_angles_module()


# --- joint_angle ------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b", "c", "expected"), [
    ((1, 0, 0), (0, 0, 0), (0, 1, 0), 90.0),
    ((1, 0, 0), (0, 0, 0), (-1, 0, 0), 180.0),
    ((1, 0, 0), (0, 0, 0), (2, 0, 0), 0.0),
    ((1, 0, 0), (0, 0, 0), (1, 1, 0), 45.0),
    ((1, 0, 0), (0, 0, 0), (-1, math.sqrt(3), 0), 120.0),
    ((0, 0, 3), (0, 0, 1), (0, 5, 1), 90.0),      # translated, unequal limb lengths
    ((2, 0), (0, 0), (1, 1), 45.0),               # 2D points
])
def test_joint_angle(a, b, c, expected):
    assert angles.joint_angle(a, b, c) == pytest.approx(expected, abs=1e-9)


def test_joint_angle_is_symmetric_and_scale_free():
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(3, 3))
    assert angles.joint_angle(a, b, c) == pytest.approx(angles.joint_angle(c, b, a), abs=1e-12)
    assert angles.joint_angle(a * 7, b * 7, c * 7) == pytest.approx(angles.joint_angle(a, b, c), abs=1e-9)


def test_joint_angle_nearly_straight_stays_in_range():
    # Rounding can push the cosine a hair beyond -1; the angle must still be a number near 180.
    value = angles.joint_angle((0.1, 0.2, 0.3), (0.2, 0.4, 0.6), (0.3, 0.6, 0.9))
    assert 179.99 <= value <= 180.0


@pytest.mark.parametrize(("a", "b", "c"), [
    ((0, 0, 0), (0, 0, 0), (1, 0, 0)),            # a on the joint
    ((1, 0, 0), (0, 0, 0), (1, 0)),               # mixed dimensions
])
def test_joint_angle_rejects_undefined_input(a, b, c):
    with pytest.raises(ValueError):
        angles.joint_angle(a, b, c)


# --- JointAnglesCalculator --------------------------------------------------------------------

def _pose() -> np.ndarray:
    """33 landmarks (x, y, z, visibility, presence): right-angled knees, straight hips and elbows."""
    data = np.zeros((33, 5), dtype=np.float32)
    data[:, 3:] = 1.0
    for side, x in (("left", 0.1), ("right", -0.1)):
        shoulder, elbow, wrist, hip, knee, ankle = (
            (11, 13, 15, 23, 25, 27) if side == "left" else (12, 14, 16, 24, 26, 28))
        data[shoulder, :3] = (x, -0.5, 0)
        data[elbow, :3] = (x, -0.25, 0)
        data[wrist, :3] = (x, 0.0, 0)
        data[hip, :3] = (x, 0.0, 0)
        data[knee, :3] = (x, 0.4, 0)
        data[ankle, :3] = (x, 0.4, 0.4)           # shin forward: a right angle at the knee
    return data


def test_joint_angles_from_world_landmarks():
    out = run_calculator("JointAnglesCalculator", {"WORLD_LANDMARKS": [LandmarkList(_pose())]})
    (packet,) = out["ANGLES"]
    assert set(packet.payload) == set(angles.JOINTS)
    expected = {"left_knee": 90.0, "right_knee": 90.0, "left_hip": 180.0, "right_hip": 180.0,
                "left_elbow": 180.0, "right_elbow": 180.0}
    assert packet.payload == pytest.approx(expected, abs=1e-3)


def test_joint_angles_from_image_landmarks_use_pixels():
    # A left shin at 45 degrees in pixels (knee at 135), normalized to a 200x100 image: the angle in
    # normalized units would be 153.4 degrees; the calculator puts the image size back first.
    data = _pose()
    data[27, :3] = data[25, :3] + (0.2, 0.2, 0.0)
    data[:, 0] = data[:, 0] / 200 + 0.5
    data[:, 1] = data[:, 1] / 100 + 0.5
    data[:, 2] = data[:, 2] / 200
    # Packets, not plain values: run_calculator would read the (width, height) tuple as a
    # (timestamp, payload) pair.
    out = run_calculator("JointAnglesCalculator", {"LANDMARKS": [Packet(NormalizedLandmarkList(data), 0)],
                                                   "IMAGE_SIZE": [Packet((200, 100), 0)]})
    assert out["ANGLES"][0].payload["left_knee"] == pytest.approx(135.0, abs=1e-3)
    assert out["ANGLES"][0].payload["right_knee"] == pytest.approx(90.0, abs=1e-3)


def test_joint_angles_need_exactly_one_landmark_input():
    pose = LandmarkList(_pose())
    with pytest.raises(CalculatorError, match="exactly one"):
        run_calculator("JointAnglesCalculator", {"WORLD_LANDMARKS": [pose],
                                                 "LANDMARKS": [NormalizedLandmarkList(pose.data)]})
    with pytest.raises(CalculatorError, match="IMAGE_SIZE"):
        run_calculator("JointAnglesCalculator", {"LANDMARKS": [NormalizedLandmarkList(pose.data)]})


# --- SquatCounterCalculator -------------------------------------------------------------------

def _counts(knees, **options) -> list[int]:
    """The counts sent for a sequence of mean knee angles (None: a frame without a pose)."""
    frames = {t: {"left_knee": k, "right_knee": k} for t, k in enumerate(knees) if k is not None}
    out = run_calculator("SquatCounterCalculator", {"ANGLES": frames}, options=options or None)
    return [p.payload for p in out["COUNT"]]


def test_counter_counts_a_repetition_when_back_up():
    assert _counts([170, 140, 100, 90, 120, 155, 170]) == [0, 0, 0, 0, 0, 1, 1]


def test_counter_ignores_a_half_squat():
    # Never below down_angle (110): no repetition, however often it goes up and down.
    assert _counts([170, 115, 170, 112, 170])[-1] == 0


def test_counter_hysteresis_ignores_jitter_around_a_threshold():
    # Jitter around down_angle while down, and around up_angle without passing it: one repetition,
    # counted only once the angle clears up_angle.
    knees = [170, 109, 111, 108, 112, 140, 149, 151, 148, 152, 100, 149, 150, 151]
    assert _counts(knees) == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2]


def test_counter_unfinished_repetition_does_not_count():
    assert _counts([170, 90, 80, 100, 130])[-1] == 0


def test_counter_options():
    knees = [170, 105, 140, 170]
    assert _counts(knees)[-1] == 1
    assert _counts(knees, down_angle=100.0)[-1] == 0
    assert _counts(knees, up_angle=135.0) == [0, 0, 1, 1]


def test_counter_rejects_thresholds_in_the_wrong_order():
    with pytest.raises(CalculatorError, match="down_angle"):
        _counts([170], down_angle=150.0, up_angle=100.0)


def test_counter_sends_the_count_on_frames_without_a_pose():
    # A gate drops the angles of frame 1, as the pose graph sends nothing when no pose is found:
    # the counter still sends the count at that frame.
    graph = Graph.from_string("""
        input_stream: "angles"
        input_stream: "allow"
        node { calculator: "GateCalculator" input_stream: "angles" input_stream: "ALLOW:allow"
               output_stream: "gated_angles" }
        node { calculator: "SquatCounterCalculator" input_stream: "ANGLES:gated_angles"
               output_stream: "COUNT:count" }
    """)
    down, up = {"left_knee": 90.0, "right_knee": 90.0}, {"left_knee": 170.0, "right_knee": 170.0}
    frames = [{"angles": down, "allow": True}, {"angles": up, "allow": False}, {"angles": up, "allow": True}]
    assert [r["count"] for r in run_graph(graph, frames, outputs=["count"])] == [0, 0, 1]


# --- run.py on the squat video ------------------------------------------------------------------

def test_run_counts_the_squats_in_the_video(shared_data, pose_models):
    video = shared_data / "media" / "pose_squats.mp4"
    done = subprocess.run([sys.executable, str(EXAMPLE / "run.py"), str(video), "--angles"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == f"squats: {SQUATS_IN_VIDEO}"
    frame_lines = lines[:-1]
    assert len(frame_lines) == 65
    assert all("left_knee=" in line for line in frame_lines)  # a pose in every frame
