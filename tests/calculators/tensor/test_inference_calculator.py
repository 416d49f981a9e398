"""InferenceCalculator's interpreter pool: graphs run one after another reuse the interpreters
and give the same results (run in a subprocess: the pool is process-wide)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r'''
import sys
import cv2
import numpy as np
from posegraph import Graph, graphs
from posegraph.calculators.tensor import inference_calculator as ic

image = cv2.cvtColor(cv2.imread(sys.argv[1]), cv2.COLOR_BGR2RGB)

def landmarks():
    graph = Graph(graphs.path("pose_tracking"))
    frames = graph.process_frames([(0, image), (200_000, image)], outputs=["pose_world_landmarks"])
    return graph, {t: out["pose_world_landmarks"] for t, out in frames}

def interpreters(graph):
    return [n.calc.pool is not None for n in graph._scheduler.nodes if n.spec.calculator == "InferenceCalculator"]

graph, first = landmarks()
assert interpreters(graph) == [False, False]
ic.reuse_interpreters()
graph, second = landmarks()
idle = {key: list(v) for key, v in ic._pool._idle.items()}
assert sorted(len(v) for v in idle.values()) == [1, 1], idle
graph, third = landmarks()
assert {key: list(v) for key, v in ic._pool._idle.items()} == idle, "the same interpreters came back"
for a, b in ((first, second), (first, third)):
    assert list(a) == list(b) == [0, 200_000]
    for t in a:
        assert np.array_equal(a[t].data, b[t].data)
print("ok")
'''


def test_reused_interpreters_give_the_same_results(pose_models, shared_data):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(shared_data / "media" / "pose.jpg")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


GRAPH = '''
input_stream: "tensors"
output_stream: "out"
node {
  calculator: "InferenceCalculator"
  input_stream: "TENSORS:tensors"
  output_stream: "TENSORS:out"
  options: { [mediapipe.InferenceCalculatorOptions.ext] { model_path: "%s" %s } }
}
'''


def test_load_on_first_packet_defers_the_model_to_the_first_tensors(tmp_path, pose_models):
    """A model that cannot be loaded fails ``start`` by default; with ``load_on_first_packet`` the
    graph starts and the error comes with the first tensors. A good model runs the same either way."""
    import numpy as np
    import pytest

    from posegraph import CalculatorError, Graph, ModelError

    broken = tmp_path / "broken.tflite"
    broken.write_bytes(b"TFL3 not a model at all")
    (tmp_path / "eager.pbtxt").write_text(GRAPH % (broken, ""))
    (tmp_path / "lazy.pbtxt").write_text(GRAPH % (broken, "load_on_first_packet: true"))
    with pytest.raises(CalculatorError) as caught:
        Graph(tmp_path / "eager.pbtxt").start()
    assert isinstance(caught.value.__cause__, ModelError)
    graph = Graph(tmp_path / "lazy.pbtxt")
    graph.start()
    with pytest.raises(CalculatorError) as caught:
        graph.add_packet("tensors", [np.zeros((1, 224, 224, 3), np.float32)], 0)
        graph.close()
    assert isinstance(caught.value.__cause__, ModelError) and "process" in str(caught.value)

    model = pose_models / "pose_detection.tflite"
    tensors = [np.random.default_rng(0).uniform(-1, 1, (1, 224, 224, 3)).astype(np.float32)]
    outputs = []
    for extra in ("", "load_on_first_packet: true"):
        (tmp_path / "g.pbtxt").write_text(GRAPH % (model, extra))
        out = Graph(tmp_path / "g.pbtxt").process_frames([(0, tensors)], outputs=["out"])
        outputs.append([t for _, o in out for t in o["out"]])
    assert len(outputs[0]) == len(outputs[1]) == 2  # boxes and scores
    for eager, lazy in zip(*outputs):
        np.testing.assert_array_equal(lazy, eager)
