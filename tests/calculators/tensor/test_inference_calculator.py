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


VECTOR_GRAPH = '''
input_stream: "tensors"
output_stream: "out"
node {
  calculator: "InferenceCalculator"
  input_stream: "TENSORS_VECTOR:tensors"
  output_stream: "TENSORS_VECTOR:out"
  options: { [mediapipe.InferenceCalculatorOptions.ext] { model_path: "%s" max_batch_size: %d } }
}
'''


def test_a_tensors_vector_runs_in_batches_with_each_elements_own_outputs(tmp_path, pose_models):
    """TENSORS_VECTOR runs its elements in groups of at most max_batch_size, one model call per
    group; every element's outputs equal, bit for bit, a call on that element alone, for each
    landmark model (XNNPACK computes each batch entry on its own)."""
    import numpy as np

    from posegraph import Graph
    from posegraph.calculators.tensor.runtimes import load_runner

    rng = np.random.default_rng(0)
    elements = tuple([rng.random((1, 256, 256, 3), dtype=np.float32)] for _ in range(5))
    for name in ("pose_landmark_lite", "pose_landmark_full", "pose_landmark_heavy"):
        model = pose_models / f"{name}.tflite"
        single = load_runner(model, num_threads=2)
        expected = [single.run(e) for e in elements]
        (tmp_path / "g.pbtxt").write_text(VECTOR_GRAPH % (model, 2))  # groups of 2, 2 and 1
        graph = Graph(tmp_path / "g.pbtxt")
        got: dict = {}
        graph.observe("out", lambda p, got=got: got.__setitem__(p.timestamp, p.payload))
        graph.start()
        for t, vector in ((0, elements), (1, elements[:3]), (2, ()), (3, elements[:2])):
            graph.add_packet("tensors", vector, t)
        graph.wait_until_idle()
        calc = next(n.calc for n in graph._scheduler.nodes if n.spec.calculator == "InferenceCalculator")
        assert calc.runner.batch_size == 2  # the last group, of 2, ran as one batch
        graph.close()
        assert [len(got[t]) for t in (0, 1, 2, 3)] == [5, 3, 0, 2]
        for t, n in ((0, 5), (1, 3), (3, 2)):
            for want, have in zip(expected[:n], got[t]):
                assert [a.shape for a in have] == [a.shape for a in want]  # batch 1, as one call gives
                for a, b in zip(want, have):
                    np.testing.assert_array_equal(b, a, err_msg=name)


def test_tensors_and_tensors_vector_are_one_or_the_other(tmp_path, pose_models):
    import pytest

    from posegraph import CalculatorError, Graph

    model = pose_models / "pose_landmark_lite.tflite"
    both = VECTOR_GRAPH.replace('input_stream: "TENSORS_VECTOR:tensors"',
                                'input_stream: "TENSORS_VECTOR:tensors"\n  input_stream: "TENSORS:tensors"')
    for text, message in ((both % (model, 4), "one of the two"), (VECTOR_GRAPH % (model, 0), "at least 1, got 0")):
        (tmp_path / "g.pbtxt").write_text(text)
        with pytest.raises(CalculatorError, match=message):
            Graph(tmp_path / "g.pbtxt").start()


def test_a_tensors_vector_on_the_compiled_model_api_runs_one_element_a_call(tmp_path, pose_models):
    """The compiled-model API cannot resize its buffers: TENSORS_VECTOR there runs each element on
    its own, with the outputs a call on it gives."""
    import numpy as np

    from posegraph import Graph
    from posegraph.calculators.tensor.runtimes import load_runner

    rng = np.random.default_rng(1)
    elements = tuple([rng.random((1, 256, 256, 3), dtype=np.float32)] for _ in range(3))
    model = pose_models / "pose_landmark_lite.tflite"
    single = load_runner(model, api="compiled_model", num_threads=2)
    expected = [single.run(e) for e in elements]
    text = VECTOR_GRAPH.replace("max_batch_size: %d", 'max_batch_size: %d api: "compiled_model"')
    (tmp_path / "g.pbtxt").write_text(text % (model, 4))
    graph = Graph(tmp_path / "g.pbtxt")
    got = {}
    graph.observe("out", lambda p: got.__setitem__(p.timestamp, p.payload))
    graph.start()
    graph.add_packet("tensors", elements, 0)
    graph.wait_until_idle()
    calc = next(n.calc for n in graph._scheduler.nodes if n.spec.calculator == "InferenceCalculator")
    assert calc.max_batch == 1
    graph.close()
    assert len(got[0]) == 3
    for want, have in zip(expected, got[0]):
        for a, b in zip(want, have):
            np.testing.assert_array_equal(b, a)
