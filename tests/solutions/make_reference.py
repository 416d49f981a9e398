"""Makes ``reference/*.txt``: what pose_script.py prints under MediaPipe 0.10.21, for each case.

Run with the Python that has ``mediapipe==0.10.21`` (not posegraph's), from anywhere::

    /path/to/mediapipe-venv/bin/python tests/solutions/make_reference.py [--models-dir DIR] [CASE ...]

The cases are the squat video (its first 60 frames, tracking) and the three stills (static-image
mode), for model complexity 0, 1 and 2, with and without segmentation. The wheel lacks the lite and
heavy landmark models; as ../shared/tools/mediapipe_reference.py does, they are copied into
MediaPipe's package from ``--models-dir`` (default: posegraph's model cache) after their SHA-256
is checked, so MediaPipe never tries to download them.

``--nudge-us N --out-dir DIR`` writes, instead, MediaPipe's output with every timestamp from the
4th frame on shifted by N us: against the reference (``python tests/solutions/script_output.py``),
it shows how far the tracking loop drifts from a last-bit change, which sets the test's tolerances.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared"
SCRIPT = HERE / "pose_script.py"
REFERENCE_DIR = HERE / "reference"
SQUATS = ["media/pose_squats.mp4", "--frames", "60"]
STILLS = ["media/pose.jpg", "media/standing_man.jpeg", "media/yoga_tree.jpeg", "--static"]


def _cases() -> dict[str, tuple[int, bool, list[str]]]:
    cases = {}
    for complexity in (0, 1, 2):
        for segmentation in (False, True):
            for media, media_args in (("squats", SQUATS), ("stills", STILLS)):
                name = f"{media}.c{complexity}" + (".seg" if segmentation else "")
                cases[name] = (complexity, segmentation, media_args + ["--model-complexity", str(complexity)]
                               + (["--segmentation"] if segmentation else []))
    return cases


CASES: dict[str, tuple[int, bool, list[str]]] = _cases()
"""name -> (model complexity, segmentation, pose_script.py's arguments with media paths relative
to ../shared/data)."""


# Runs a script with SolutionBase.process shifting the timestamp by argv[1] us from its 4th call on.
_NUDGED = """\
import runpy, sys
from mediapipe.python import solution_base
process, calls, nudge = solution_base.SolutionBase.process, [], int(sys.argv[1])
def nudged(self, input_data):
    calls.append(None)
    if len(calls) == 4:
        self._simulated_timestamp += nudge
    return process(self, input_data)
solution_base.SolutionBase.process = nudged
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def script_args(case: str, data_dir: Path) -> list[str]:
    """pose_script.py's arguments for ``case``, media paths resolved in ``data_dir``."""
    return [str(data_dir / a) if a.startswith("media/") else a for a in CASES[case][2]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", default=list(CASES), help="default: all")
    ap.add_argument("--nudge-us", type=int, default=0)
    ap.add_argument("--out-dir", type=Path, default=REFERENCE_DIR)
    ap.add_argument("--models-dir", default=os.environ.get("POSEGRAPH_MODEL_DIR")
                    or os.path.expanduser("~/.cache/posegraph/models"))
    a = ap.parse_args()
    sys.path.insert(0, str(SHARED / "tools"))
    from mediapipe_reference import ensure_landmark_model

    if a.nudge_us and a.out_dir == REFERENCE_DIR:
        ap.error("--nudge-us writes outputs that are not references: give --out-dir")
    a.out_dir.mkdir(exist_ok=True)
    runner = [sys.executable, "-c", _NUDGED, str(a.nudge_us)] if a.nudge_us else [sys.executable]
    for case in a.cases:
        ensure_landmark_model(CASES[case][0], a.models_dir)
        out = subprocess.run([*runner, str(SCRIPT), *script_args(case, SHARED / "data")],
                             check=True, capture_output=True, text=True).stdout
        (a.out_dir / f"{case}.txt").write_text(out)
        print(f"{case}: {out.count(': pose')} frames with a pose, {out.count(': no pose')} without")


if __name__ == "__main__":
    main()
