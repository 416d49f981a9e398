"""Losing and re-acquiring a person, against MediaPipe 0.10.21 on a clip built for it.

The clip (tests/e2e/make_gap_clip.py, built from the shared squat video at test time) blanks frames
25-28 and turns frames 45-64 upside down. MediaPipe's outputs on it (tests/e2e/data/) show pose
on 60 frames and the detector re-acquiring the person 3 times (frames 0, 29 and 50).

Tolerances: presence and detector frames exactly as MediaPipe's; detections within 0.002
(keypoints) and 0.01 (score); open loop 0.05 px median, 0.5 px p99 (spec section 11). Closed loop
1 px median overall and 9 px p99 outside frames 45-48: there the landmark model runs on the last
upright ROI over an upside-down person, an input far outside what it was trained on, whose output
swings by tens of pixels with last-bit changes of the input (posegraph's open-loop error on those
same frames is 0.12 px at most); there the test bounds the median at 1.5 times what was measured.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posegraph import Graph
from posegraph.app.parity import bundled_graph, compare, parity, run_closed_loop

HERE = Path(__file__).resolve().parent
FLIP = range(45, 49)


@pytest.fixture(scope="module")
def clip(shared_data, pose_models, tmp_path_factory):
    from make_gap_clip import make_clip

    return str(make_clip(tmp_path_factory.mktemp("clip") / "gap.avi", shared_data / "media" / "pose_squats.mp4"))


def _reference(mode: str) -> dict:
    return json.loads((HERE / "data" / f"pose_squats_gap.{mode}.json").read_text())


@pytest.mark.parametrize("mode", ["raw", "smooth"])
def test_lost_and_found_like_mediapipe(clip, mode):
    reference = _reference(mode)
    ours = run_closed_loop(Graph(bundled_graph("pose_tracking_module.pbtxt")), clip, {"smooth_landmarks": mode == "smooth"})
    report = compare(reference, ours)
    assert report["frames_with_pose"] == {"reference": 60, "posegraph": 60}
    assert report["presence_mismatch_frames"] == []
    assert [i for i, f in enumerate(reference["frames"]) if f["detection"]] == [0, 29, 50]
    assert report["detection"]["frames"] == 3 and report["detection"]["missed_frames"] == []
    assert report["detection"]["keypoint_max_abs"] <= 0.002 and report["detection"]["score_max_abs"] <= 0.01
    assert report["landmark_px"]["median"] <= 1.0

    steady = [i for i in range(len(ours)) if i not in FLIP]
    steady_report = compare({**reference, "frames": [reference["frames"][i] for i in steady]}, [ours[i] for i in steady])
    assert steady_report["landmark_px"]["p99"] <= 9.0
    flip_report = compare({**reference, "frames": [reference["frames"][i] for i in FLIP]}, [ours[i] for i in FLIP])
    # Measured 19.8 px (raw) and 19.2 px (smooth) median there: bounded at 1.5x, see the module docstring.
    assert flip_report["landmark_px"]["median"] <= 30.0


def test_open_loop_on_the_clip(clip):
    report = parity(HERE / "data" / "pose_squats_gap.raw.json", clip, open_loop=True)
    assert report["presence_mismatch_frames"] == []
    assert report["landmark_px"]["median"] <= 0.05
    assert report["landmark_px"]["p99"] <= 0.5
    assert report["detection"]["frames"] == 3 and report["detection"]["keypoint_max_abs"] <= 0.002
