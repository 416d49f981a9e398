"""MediaPipe 0.10.21's own poses on the images of a COCO keypoint annotation file, written as a COCO
results file for ``posegraph eval --predictions``.

    python benchmarks/mediapipe_predictions.py ANNOTATIONS.json --images DIR -o OUT.json \\
        --mediapipe-python mp/bin/python [--model lite|full|heavy] [--num-poses N]

MediaPipe is never a dependency of posegraph: ``--mediapipe-python`` is the Python of a separate
environment that has it, and the shared reference tools (``../shared/tools/``) run there, once per
image. Without ``--num-poses``: the legacy single-person solution (``mediapipe_reference.py --static
--model-complexity 0|1|2``, as ``mp.solutions.pose`` on still images), one pose per image, scored by
its detection's score (that tool's landmarks carry no presence). With ``--num-poses N``: the Tasks
PoseLandmarker (``mediapipe_tasks_reference.py --mode image --num-poses N``), up to N poses per
image, scored by their mean landmark presence (Tasks gives no detection score). The conversion and
the score rule are posegraph eval's own (``posegraph.app.eval.predict``). Images the annotation file
lists but ``--images`` lacks are skipped (``posegraph eval`` reports them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from posegraph.app.eval import load_annotations
from posegraph.app.eval.predict import pose_score, to_result

TOOLS = Path(__file__).resolve().parents[1].parent / "shared" / "tools"
COMPLEXITY = {"lite": 0, "full": 1, "heavy": 2}


def reference(python: str, image: Path, out: Path, model: str, num_poses: int | None) -> dict[str, Any]:
    """Runs the shared reference tool on one image; its JSON output."""
    if num_poses is None:
        command = [python, str(TOOLS / "mediapipe_reference.py"), str(image), str(out), "--static",
                   "--model-complexity", str(COMPLEXITY[model])]
    else:
        command = [python, str(TOOLS / "mediapipe_tasks_reference.py"), str(image), str(out), "--mode", "image",
                   "--num-poses", str(num_poses), "--model", model]
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    return json.loads(out.read_text())


def poses(ref: dict[str, Any]) -> list[tuple[np.ndarray, float | None]]:
    """(landmarks (33, 4 or 5) normalized, detection score or None) of each pose of a one-frame reference."""
    frame = ref["frames"][0]
    if "poses" in frame:  # Tasks
        return [(np.asarray(p["landmarks"], np.float64), None) for p in frame["poses"]]
    if frame["landmarks"] is None:
        return []
    detection = frame.get("detection")
    return [(np.asarray(frame["landmarks"], np.float64), None if detection is None else detection["score"])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("annotations")
    parser.add_argument("--images", required=True)
    parser.add_argument("-o", "--output", required=True, help="COCO results file to write (.json)")
    parser.add_argument("--mediapipe-python", required=True, help="Python of an environment with mediapipe==0.10.21")
    parser.add_argument("--model", choices=tuple(COMPLEXITY), default="full")
    parser.add_argument("--num-poses", type=int, help="use the Tasks PoseLandmarker with up to N poses per image")
    args = parser.parse_args(argv)
    annotations = load_annotations(args.annotations)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for image in annotations.images:
            path = Path(args.images) / image["file_name"]
            if not path.is_file():
                continue
            ref = reference(args.mediapipe_python, path, Path(tmp) / "ref.json", args.model, args.num_poses)
            for landmarks, detection_score in poses(ref):
                results.append(to_result(image["id"], landmarks, ref["width"], ref["height"], annotations.layout,
                                         pose_score(landmarks, detection_score)))
    Path(args.output).write_text(json.dumps(results) + "\n")
    print(f"{args.output}: {len(results)} poses on {len(annotations.images)} images", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
