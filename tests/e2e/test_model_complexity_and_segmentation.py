"""The lite and heavy landmark models and the segmentation masks against MediaPipe 0.10.21's own
outputs (tests/e2e/data/mediapipe/, made by tests/e2e/make_references.py).

Tolerances (spec section 11 and issue 9):
- per frame (open loop, the reference's ROI): landmarks within 0.05 px median and 0.5 px p99 for
  every model complexity; detections within 0.002 (keypoints) and 0.01 (score); masks within 0.002
  mean and 0.02 p99 absolute difference in every compared frame, with and without smooth_segmentation;
- stills (no tracking loop): landmarks within 0.1 px median and 1 px p99, masks as per frame;
- closed loop on pose_squats.mp4: pose present on exactly the reference's frames, landmarks and masks
  within twice MediaPipe's own spread (MediaPipe against itself with every timestamp from frame 3
  on nudged by 1 us, ``mediapipe_reference.py --perturb-us 1``): see CLOSED_LOOP and
  CLOSED_LOOP_MASK. The loop moves each frame's ROI by a pixel or so, and the mask's edge with it.
Beyond these, posegraph gives MediaPipe's numbers themselves, closed loop and on the stills: every
landmark within ``EXACT_PX`` and every mask within ``EXACT_MASK`` (mean and p99 of the worst frame).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from posegraph.app.parity import parity

DATA = Path(__file__).resolve().parent / "data" / "mediapipe"
SQUATS = "media/pose_squats.mp4"
COMPLEXITY = {"lite": 0, "full": 1, "heavy": 2}

#: Twice MediaPipe's own spread on pose_squats.mp4 (the smaller of the raw and smoothed runs'):
#: landmark px median, p99; mask worst-frame mean and p99 absolute difference.
CLOSED_LOOP = {
    # MediaPipe vs itself: raw 0.79 / 6.87 px, smoothed 0.67 / 5.84 px.
    "lite": {"median": 1.3, "p99": 11.0},
    # MediaPipe vs itself: raw 0.34 / 2.70 px, smoothed 0.31 / 2.32 px.
    "heavy": {"median": 0.6, "p99": 4.6},
}
#: Twice MediaPipe's own largest mask spread on pose_squats.mp4 (lite; frames 0, 8, ..., 64): the
#: worst frame's mean absolute difference 0.0027, its 99th percentile 0.095 (full 0.0022 / 0.085,
#: heavy 0.0010 / 0.032).
CLOSED_LOOP_MASK = {"mean_abs_max": 0.0055, "p99_abs_max": 0.19}
#: MediaPipe's own numbers, to float32 rounding (landmarks, px) and to the references' float16 masks.
EXACT_PX = 0.001
EXACT_MASK = {"mean_abs_max": 0.00001, "p99_abs_max": 0.0005}


def _check_exact(report):
    assert report["landmark_px"]["max"] <= EXACT_PX, report["landmark_px"]
    if "mask_abs" in report:
        assert report["mask_abs"]["mean_abs_max"] <= EXACT_MASK["mean_abs_max"], report["mask_abs"]
        assert report["mask_abs"]["p99_abs_max"] <= EXACT_MASK["p99_abs_max"], report["mask_abs"]


@pytest.fixture(scope="module")
def data(shared_data, all_pose_models):
    return shared_data


def _check_per_frame(report, complexity):
    assert report["side_packets"]["model_complexity"] == complexity
    assert report["presence_mismatch_frames"] == []
    assert report["landmark_px"]["median"] <= 0.05
    assert report["landmark_px"]["p99"] <= 0.5
    det = report["detection"]
    assert det["frames"] >= 1 and det["missed_frames"] == []
    assert det["keypoint_max_abs"] <= 0.002
    assert det["score_max_abs"] <= 0.01


def _check_masks(report, frames):
    masks = report["mask_abs"]
    assert masks["frames"] == frames and masks["missing_frames"] == []
    assert masks["mean_abs_max"] <= 0.002
    assert masks["p99_abs_max"] <= 0.02


@pytest.mark.parametrize("model", ["lite", "heavy"])
def test_open_loop_squats(data, model):
    report = parity(DATA / f"pose_squats.{model}.raw.json", str(data / SQUATS), open_loop=True)
    _check_per_frame(report, COMPLEXITY[model])
    _check_masks(report, frames=3)


@pytest.mark.parametrize("reference", ["pose_squats.full.seg.json", "pose_squats.full.seg_smooth.json"])
def test_masks_open_loop_with_and_without_smoothing(data, reference):
    report = parity(DATA / reference, str(data / SQUATS), open_loop=True)
    assert report["side_packets"]["enable_segmentation"] is True
    assert report["side_packets"]["smooth_segmentation"] is reference.endswith("_smooth.json")
    _check_per_frame(report, 1)
    _check_masks(report, frames=3)


@pytest.mark.parametrize("mode", ["raw", "smooth"])
@pytest.mark.parametrize("model", ["lite", "heavy"])
def test_closed_loop_squats(data, model, mode):
    report = parity(DATA / f"pose_squats.{model}.{mode}.json", str(data / SQUATS))
    assert report["side_packets"]["model_complexity"] == COMPLEXITY[model]
    assert report["frames"] == 65
    assert report["presence_mismatch_frames"] == []
    assert report["landmark_px"]["median"] <= CLOSED_LOOP[model]["median"]
    assert report["landmark_px"]["p99"] <= CLOSED_LOOP[model]["p99"]
    if mode == "raw":  # the raw references hold masks
        assert report["mask_abs"]["frames"] == 3 and report["mask_abs"]["missing_frames"] == []
        assert report["mask_abs"]["mean_abs_max"] <= CLOSED_LOOP_MASK["mean_abs_max"]
        assert report["mask_abs"]["p99_abs_max"] <= CLOSED_LOOP_MASK["p99_abs_max"]
    _check_exact(report)


@pytest.mark.parametrize("model", ["lite", "full", "heavy"])
@pytest.mark.parametrize("still", ["pose.jpg", "standing_man.jpeg", "yoga_tree.jpeg"])
def test_stills(data, still, model):
    stem = still.rsplit(".", 1)[0]
    report = parity(DATA / f"{stem}.{model}.static.json", str(data / "media" / still))
    assert report["side_packets"]["model_complexity"] == COMPLEXITY[model]
    assert report["frames_with_pose"] == {"reference": 1, "posegraph": 1}
    assert report["landmark_px"]["median"] <= 0.1
    assert report["landmark_px"]["p99"] <= 1.0
    _check_masks(report, frames=1)
    _check_exact(report)


def test_cli_says_which_model_ran_and_refuses_an_unknown_complexity(data):
    def run(complexity: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "posegraph.app.cli", "run", "pose_tracking", "--input",
                               str(data / "media" / "pose.jpg"), "--side-packet", f"model_complexity={complexity}",
                               "-q"], capture_output=True, text=True, timeout=120)

    proc = run("2")
    assert proc.returncode == 0, proc.stderr
    assert "posegraph: pose landmark model: pose_landmark_heavy\n" in proc.stderr
    proc = run("3")
    assert proc.returncode == 2
    assert ("side packet 'model_complexity' for node 'posetracking__poselandmarkbyroi__PoseLandmarkModelCalculator' "
            "(PoseLandmarkModelCalculator) must be one of 0, 1, 2 (the landmark model: 0 lite, 1 full, "
            "2 heavy), got 3") in proc.stderr
