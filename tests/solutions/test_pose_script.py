"""The unchanged-script test: a typical MediaPipe Pose script (pose_script.py), with only its import
line changed to ``import posegraph as mp``, prints the numbers it printed under MediaPipe 0.10.21
(``reference/``, made by make_reference.py with MediaPipe itself).

Cases: the squat video (first 60 frames, tracking, smoothing on, 33333 us per call as MediaPipe's
solution steps) and the three stills (static-image mode), for model complexity 0, 1 and 2, with
and without segmentation.

Tolerances. The same frames have a pose, and every landmark has the fields x, y, z, visibility
(presence cleared, as MediaPipe's Pose does). Landmarks, in image pixels, as the parity contract
(spec/blazepose.md section 11): stills 0.1 px median and 1 px p99 (x, y; z on x's scale too);
tracking 1 px median and 9 px p99. The other numbers of a tracked video get twice MediaPipe's own
spread: MediaPipe against itself with every timestamp from the 4th frame nudged by 1 us
(make_reference.py --nudge-us 1, compared by script_output.py) differs, on these 60 frames, by
z median 1.97/1.56/4.08 px and p99 31.1/24.7/46.4 px, world landmarks median 1.85/1.47/3.22 mm
and p99 18.4/12.2/21.0 mm, drawn pixels at most 1.96/1.18/13.6 % (complexity 0/1/2), visibility
at most 0.0166 (and x, y by median 0.28/0.30/0.50 px, p99 3.4/2.0/3.5 px, within the contract).
Stills: visibility within 0.001, world landmarks within 1 mm (p99), drawn pixels within 0.5 %. Masks: their means within 0.002 (the
masks' own contract is a mean absolute difference of at most 0.002 per frame, which bounds it) and
their fractions above 0.5 within 0.005.
"""
from __future__ import annotations

import subprocess
import sys

import pytest
from make_reference import CASES, REFERENCE_DIR, SCRIPT, script_args
from script_output import differences, parse

from posegraph import Graph

STILLS = {"landmark_px": (0.1, 1.0), "z_px": (0.1, 1.0), "world_m": (0.001, 0.001), "visibility_max": 0.001,
          "drawn_rel_max": 0.005}
"""(median, p99) bounds, or a max, for the stills."""

TRACKING = {
    0: {"landmark_px": (1.0, 9.0), "z_px": (4.0, 63.0), "world_m": (0.0038, 0.037), "visibility_max": 0.034,
        "drawn_rel_max": 0.04},
    1: {"landmark_px": (1.0, 9.0), "z_px": (3.2, 50.0), "world_m": (0.003, 0.025), "visibility_max": 0.034,
        "drawn_rel_max": 0.024},
    2: {"landmark_px": (1.0, 9.0), "z_px": (8.2, 93.0), "world_m": (0.0065, 0.043), "visibility_max": 0.034,
        "drawn_rel_max": 0.28},
}
"""Per model complexity, for the tracked video: the contract for x, y; twice MediaPipe's own spread
for the rest."""

MASK = {"mask_mean": 0.002, "mask_foreground": 0.005}
EXACT = {"landmark_px": 0.0015, "z_px": 0.0015, "world_m": 1e-6}
"""Maximum differences from MediaPipe's printout in every case: its rounding, nothing more."""
LANDMARK_MODELS = {0: "pose_landmark_lite", 1: "pose_landmark_full", 2: "pose_landmark_heavy"}


def run_unchanged_script(tmp_path, args: list[str]) -> str:
    """Runs pose_script.py with ``import mediapipe as mp`` replaced by ``import posegraph as mp``
    (its only change) under this Python; returns what it printed."""
    text = SCRIPT.read_text()
    assert text.count("import mediapipe as mp\n") == 1 and "from mediapipe" not in text
    script = tmp_path / "pose_script.py"
    script.write_text(text.replace("import mediapipe as mp\n", "import posegraph as mp\n"))
    proc = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("case", list(CASES))
def test_script_prints_mediapipes_numbers(case, shared_data, pose_models, model_file, tmp_path):
    complexity, segmentation, _ = CASES[case]
    model_file(LANDMARK_MODELS[complexity])
    reference = parse((REFERENCE_DIR / f"{case}.txt").read_text())
    ours = parse(run_unchanged_script(tmp_path, script_args(case, shared_data)))
    diff = differences(ours, reference)

    assert diff["frames"]["ours"] == diff["frames"]["reference"] == len(reference)
    assert diff["pose_mismatch"] == []
    assert diff["fields"] == ["x,y,z,visibility"]
    assert diff["masks"]["ours"] == diff["masks"]["reference"]
    bounds = STILLS if case.startswith("stills") else TRACKING[complexity]
    for key in ("landmark_px", "z_px", "world_m"):
        median, p99 = bounds[key]
        assert diff[key]["median"] <= median and diff[key]["p99"] <= p99, (key, diff[key])
    assert diff["visibility"]["max"] <= bounds["visibility_max"], diff["visibility"]
    assert diff["drawn_rel"]["max"] <= bounds["drawn_rel_max"], diff["drawn_rel"]
    for key, bound in MASK.items():
        assert diff[key]["max"] <= bound, (key, diff[key])
    # Beyond the contract: MediaPipe's numbers themselves, to the script's printed precision (six
    # decimals of a normalized coordinate: 0.0013 px of a 1280-px frame; world landmarks in metres).
    for key, bound in EXACT.items():
        assert diff[key]["max"] <= bound, (key, diff[key])
