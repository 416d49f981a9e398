"""benchmarks/mediapipe_predictions.py: MediaPipe's reference outputs as a COCO results file, checked
with a stand-in for MediaPipe's Python that writes what the reference tools write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from posegraph.app.eval import load_annotations, load_results

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "mediapipe_predictions.py"

# Called as `python TOOL IMAGE OUT [flags]`; writes one frame: the legacy tool's
# {"landmarks": [[x, y, z, visibility] * 33], "detection": {"score"}} or the Tasks tool's
# {"poses": [{"landmarks": [[x, y, z, visibility, presence] * 33]}]}, and logs its arguments to
# $FAKE_MEDIAPIPE_LOG.
FAKE_PYTHON = '''#!{python}
import json, os, sys
tool, image, out, *flags = sys.argv[1:]
with open(os.environ["FAKE_MEDIAPIPE_LOG"], "a") as log:
    log.write(" ".join([tool.rsplit("/", 1)[-1], image.rsplit("/", 1)[-1], *flags]) + "\\n")
if "tasks" in tool:
    frame = {{"poses": [{{"landmarks": [[0.25, 0.5, 0.0, 1.0, 0.5]] * 33}},
                       {{"landmarks": [[0.75, 0.5, 0.0, 1.0, 1.0]] * 33}}]}}
else:
    frame = {{"landmarks": [[0.5, 0.25, 0.0, 1.0]] * 33, "detection": {{"score": 0.75}}}}
json.dump({{"width": 640, "height": 400, "frames": [frame]}}, open(out, "w"))
'''


@pytest.fixture
def fake_python(tmp_path):
    path = tmp_path / "python"
    path.write_text(FAKE_PYTHON.format(python=sys.executable))
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("flags, tool_call, poses", [
    ([], "mediapipe_reference.py 106848.jpg --static --model-complexity 2", [([320.0, 100.0, 1.0], 0.75)]),
    (["--num-poses", "3"], "mediapipe_tasks_reference.py 106848.jpg --mode image --num-poses 3 --model heavy",
     [([160.0, 200.0, 1.0], 0.5), ([480.0, 200.0, 1.0], 1.0)]),
])
def test_reference_outputs_become_coco_results(tmp_path, shared_data, fake_python, flags, tool_call, poses):
    crowdpose = shared_data / "multi" / "crowdpose"
    out = tmp_path / "results.json"
    subprocess.run([sys.executable, str(SCRIPT), str(crowdpose / "test_crowdpose.json"), "--images", str(crowdpose),
                    "-o", str(out), "--mediapipe-python", str(fake_python), "--model", "heavy", *flags],
                   check=True, capture_output=True, env=dict(os.environ, FAKE_MEDIAPIPE_LOG=str(tmp_path / "calls")))
    assert (tmp_path / "calls").read_text().splitlines() == [tool_call, tool_call.replace("106848", "103319")]
    annotations = load_annotations(crowdpose / "test_crowdpose.json")
    results = load_results(out, annotations)
    # The stand-in's image size (640x400) scales the normalized landmarks; the CrowdPose layout's
    # first keypoint is left_shoulder; head and neck have no BlazePose landmark.
    expected = [(image_id, keypoints, score) for image_id in (106848, 103319) for keypoints, score in poses]
    assert [(r["image_id"], r["keypoints"][:3], r["score"]) for r in results] == expected
    assert all(r["keypoints"][-6:] == [0.0] * 6 for r in results)
