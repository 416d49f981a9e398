"""End to end: the pose tracking graph against MediaPipe 0.10.21's own outputs (spec section 11).

Tolerances are the parity contract: per frame (open loop) 0.05 px median and 0.5 px p99,
detections within 0.002 (keypoints) and 0.01 (score); closed loop on pose_squats.mp4 pose present
on exactly the reference's frames and 1 px median, 9 px p99; stills 0.1 px median and 1 px p99.
Beyond the contract, posegraph computes MediaPipe's numbers themselves: every landmark within
``EXACT_PX`` (a few float32 ulps of a coordinate on a 1280-pixel frame) and every world landmark
within ``EXACT_M``, open and closed loop, raw and smoothed, and on the stills.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from posegraph import graphs
from posegraph.app.media import open_source
from posegraph.app.parity import compare, parity

REPO_ROOT = Path(__file__).resolve().parents[2]

SQUATS = "media/pose_squats.mp4"
#: Landmarks (image pixels) and world landmarks (metres) as MediaPipe's own, to float32 rounding.
EXACT_PX = 0.001
EXACT_M = 1e-5


@pytest.fixture(scope="module")
def data(shared_data, pose_models):
    return shared_data


def _check_detection(report):
    det = report["detection"]
    assert det["frames"] >= 1 and det["missed_frames"] == []
    assert det["keypoint_max_abs"] <= 0.002
    assert det["score_max_abs"] <= 0.01


_CLOSED_LOOP: dict[str, dict] = {}


def closed_loop_report(data, reference: str) -> dict:
    """The inline closed-loop parity report on the squat video, computed once per reference."""
    if reference not in _CLOSED_LOOP:
        _CLOSED_LOOP[reference] = parity(data / "reference" / reference, str(data / SQUATS))
    return _CLOSED_LOOP[reference]


@pytest.mark.parametrize("reference", ["pose_squats.raw.json", "pose_squats.smooth.json"])
def test_closed_loop_squats(data, reference):
    report = closed_loop_report(data, reference)
    assert report["frames"] == 65
    assert report["presence_mismatch_frames"] == []
    assert report["landmark_px"]["median"] <= 1.0
    assert report["landmark_px"]["p99"] <= 9.0
    _check_detection(report)


def _check_exact(report):
    assert report["presence_mismatch_frames"] == []
    assert report["landmark_px"]["max"] <= EXACT_PX, report["landmark_px"]
    assert report["world_m"]["max"] <= EXACT_M, report["world_m"]
    assert report["detection"]["keypoint_max_abs"] <= 1e-6 and report["detection"]["score_max_abs"] <= 1e-6


@pytest.mark.parametrize("reference", ["pose_squats.raw.json", "pose_squats.smooth.json"])
def test_closed_loop_gives_mediapipes_own_numbers(data, reference):
    """The tracking loop feeds each frame's ROI from the last frame's landmarks, so one last-bit
    difference anywhere (a rounding of a sine, a sum in another order, an OpenCV release's corner
    of a rotated rect) grows frame after frame; with none, the loop gives MediaPipe's landmarks."""
    _check_exact(closed_loop_report(data, reference))


def test_open_loop_squats(data):
    report = parity(data / "reference" / "pose_squats.raw.json", str(data / SQUATS), open_loop=True)
    assert report["presence_mismatch_frames"] == []
    assert report["landmark_px"]["median"] <= 0.05
    assert report["landmark_px"]["p99"] <= 0.5
    _check_detection(report)
    _check_exact(report)


@pytest.mark.parametrize("still", ["pose.jpg", "standing_man.jpeg", "yoga_tree.jpeg"])
def test_stills(data, still):
    stem = still.rsplit(".", 1)[0]
    report = parity(data / "reference" / f"{stem}.static.json", str(data / "media" / still))
    assert report["frames_with_pose"] == {"reference": 1, "posegraph": 1}
    assert report["landmark_px"]["median"] <= 0.1
    assert report["landmark_px"]["p99"] <= 1.0
    _check_detection(report)
    _check_exact(report)


def test_open_loop_refuses_smoothed_reference(data):
    with pytest.raises(ValueError, match="smoothing off"):
        parity(data / "reference" / "pose_squats.smooth.json", str(data / SQUATS), open_loop=True)


@pytest.mark.parametrize("threads", ["1", "2"])
def test_cli_run_writes_video_and_jsonl(data, tmp_path, threads):
    """`posegraph run pose_tracking` (flow limiter, PoseTracking, renderer) against MediaPipe, inline and
    on a thread pool (where the flow limiter would drop a frame fed before the last one is done): every
    frame is written, the JSONL's landmarks meet the closed-loop contract above (pose on exactly the
    reference's frames, 1 px median, 9 px p99) and are the very numbers the PoseTracking module gives
    alone (the parity report's figures, equal to the last digit: float32 values written in their
    shortest exact form)."""
    out, lms = tmp_path / "out.mp4", tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-m", "posegraph.app.cli", "run", "pose_tracking", "--threads", threads,
                           "--input", str(data / SQUATS), "--output", str(out), "--landmarks", str(lms), "-q"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "INFO:" not in proc.stderr  # LiteRT's chatter stays hidden without -v
    lines = [json.loads(line) for line in lms.read_text().splitlines()]
    assert [l["frame"] for l in lines] == list(range(65))
    reference = json.loads((data / "reference" / "pose_squats.smooth.json").read_text())
    fps = reference["fps"]
    assert [l["timestamp_us"] for l in lines] == [round(i * 1e6 / fps) for i in range(65)]
    assert {(l["width"], l["height"], l["fps"]) for l in lines} == {(reference["width"], reference["height"], fps)}
    # JSON holds float32's shortest decimal form: back to float32 it is the exact value the graph gave.
    def float32(rows):
        return None if rows is None else np.asarray(rows, np.float32)

    ours = [{"landmarks": float32(l["pose_landmarks"]), "world": float32(l["pose_world_landmarks"])} for l in lines]
    report = compare(reference, ours)
    assert report["presence_mismatch_frames"] == [] and report["frames_with_pose"]["posegraph"] == 65
    assert report["landmark_px"]["median"] <= 1.0
    assert report["landmark_px"]["p99"] <= 9.0
    module = closed_loop_report(data, "pose_squats.smooth.json")
    assert (report["landmark_px"], report["world_m"]) == (module["landmark_px"], module["world_m"])
    with open_source(str(out)) as video:  # every frame decodes, not just a count in the header
        assert sum(1 for _ in video) == 65


def test_thread_pool_gives_the_same_landmarks_as_one_thread(data):
    inline = closed_loop_report(data, "pose_squats.smooth.json")
    pooled = parity(data / "reference" / "pose_squats.smooth.json", str(data / SQUATS), num_threads=2)
    assert pooled == inline
