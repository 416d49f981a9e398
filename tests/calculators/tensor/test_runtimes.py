"""InferenceCalculator's runtimes, APIs and accelerators: the same landmarks from each runtime
installed here and from tflite-runtime in an environment of its own, the CPU CompiledModel path
bit-identical with the Interpreter, clear errors for a runtime that is missing and for a GPU that
is not there."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from functools import lru_cache

import numpy as np
import pytest

from posegraph import CalculatorError, Graph, ModelError, graphs
from posegraph.app.media import open_source
from posegraph.calculators.image.image_to_tensor import letterbox_to_tensor
from posegraph.calculators.tensor import runtimes
from posegraph.calculators.tensor.runtimes import (
    dense_model_file, densified, gpu_unavailable_reason, has_sparse_weights, load_runner,
)

FRAMES = 20


@pytest.fixture(scope="module")
def squat_frames(shared_data, pose_models):
    with open_source(str(shared_data / "media" / "pose_squats.mp4")) as source:
        return [frame.image for _, frame in zip(range(FRAMES), source)]


def landmarks(frames, **options) -> dict[int, np.ndarray]:
    """The module's raw landmarks (smoothing off) per timestamp, with ``options`` set on every
    InferenceCalculator."""
    graph = Graph(graphs.path("pose_tracking_module"))
    if options:
        assert graph.set_options("InferenceCalculator", **options) == 2  # the detector and the landmark model
    out: dict[int, np.ndarray] = {}
    graph.observe("pose_landmarks", lambda p: out.__setitem__(p.timestamp, p.payload.data.copy()))
    graph.start({"smooth_landmarks": False})
    for i, image in enumerate(frames):
        graph.add_packet("image", image, i * 33_333)
    graph.close()
    assert len(out) == len(frames)
    return out


@lru_cache(maxsize=1)
def gpu_available(pose_models) -> bool:
    """Whether LiteRT can run the landmark model on a GPU here (found out once)."""
    return gpu_unavailable_reason(pose_models / "pose_landmark_full.tflite") is None


def test_compiled_model_on_the_cpu_gives_the_interpreters_landmarks(squat_frames):
    ours, theirs = landmarks(squat_frames), landmarks(squat_frames, api="compiled_model")
    for t in ours:
        np.testing.assert_array_equal(theirs[t], ours[t])


@pytest.mark.parametrize("runtime", ["tflite_runtime", "tensorflow"])
def test_other_runtimes_give_the_same_landmarks(squat_frames, pose_models, runtime):
    module = {"tflite_runtime": "tflite_runtime", "tensorflow": "tensorflow"}[runtime]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install 'posegraph[{runtime.replace('_', '-')}]')")
    try:
        load_runner(pose_models / "pose_detection.tflite", runtime=runtime)
    except ModelError as e:
        pytest.skip(f"{runtime} is installed but cannot run here: {e}")
    ours, theirs = landmarks(squat_frames), landmarks(squat_frames, runtime=runtime)
    for t in ours:
        np.testing.assert_array_equal(theirs[t], ours[t])


#: A Python whose environment has posegraph with tflite-runtime (and NumPy 1.x, which tflite-runtime
#: 2.14, its last release, is built against); ``.ci/run`` makes one.
TFLITE_RUNTIME_PYTHON = "POSEGRAPH_TFLITE_RUNTIME_PYTHON"

TFLITE_RUNTIME_CHILD = """
import sys
import numpy as np
from posegraph import Graph, graphs

frames = np.load(sys.argv[1])
graph = Graph(graphs.path("pose_tracking_module"))
assert graph.set_options("InferenceCalculator", runtime="tflite_runtime") == 2
out = {}
graph.observe("pose_landmarks", lambda p: out.__setitem__(p.timestamp, p.payload.data.copy()))
graph.start({"smooth_landmarks": False})
for i, image in enumerate(frames):
    graph.add_packet("image", image, i * 33_333)
graph.close()
np.save(sys.argv[2], np.stack([out[t] for t in sorted(out)]))
print(np.__version__, "tflite_runtime.interpreter" in sys.modules, "ai_edge_litert.interpreter" in sys.modules)
"""


def test_tflite_runtime_in_an_environment_of_its_own_gives_the_same_landmarks(squat_frames, tmp_path):
    """tflite-runtime cannot start beside this environment's NumPy 2 (which OpenCV >= 4.10 needs),
    so it runs where ``POSEGRAPH_TFLITE_RUNTIME_PYTHON`` says: the tracking module there, on these
    frames, with ``runtime: tflite_runtime`` on both models, gives this process's LiteRT landmarks,
    bit for bit."""
    python = os.environ.get(TFLITE_RUNTIME_PYTHON)
    if not python:
        pytest.skip(f"{TFLITE_RUNTIME_PYTHON} is not set (a Python with posegraph[tflite-runtime] and NumPy 1.x: "
                    "see the README's Runtimes)")
    frames, result = tmp_path / "frames.npy", tmp_path / "landmarks.npy"
    np.save(frames, np.stack(squat_frames))  # the same pixels: the other environment's OpenCV decodes its own way
    proc = subprocess.run([python, "-c", TFLITE_RUNTIME_CHILD, str(frames), str(result)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    numpy_version, used_tflite_runtime, used_litert = proc.stdout.split()
    assert numpy_version.startswith("1.") and used_tflite_runtime == "True" and used_litert == "False"
    ours = landmarks(squat_frames)
    theirs = np.load(result)
    assert theirs.shape == (len(squat_frames), 33, 5)
    np.testing.assert_array_equal(theirs, np.stack([ours[t] for t in sorted(ours)]))


def test_a_missing_runtime_names_its_extra(pose_models, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # import tensorflow now raises ImportError
    with pytest.raises(ModelError, match=r"runtime 'tensorflow' needs the tensorflow package, which is not "
                                         r"installed .*: pip install 'posegraph\[tensorflow\]'"):
        load_runner(pose_models / "pose_detection.tflite", runtime="tensorflow")


@pytest.mark.parametrize("options, message", [
    ({"runtime": "onnx"}, "unknown runtime 'onnx' (one of litert, tflite_runtime, tensorflow)"),
    ({"accelerator": "npu"}, "unknown accelerator 'npu' (one of cpu, gpu)"),
    ({"runtime": "tensorflow", "accelerator": "gpu"},
     "api 'compiled_model' and accelerator 'gpu' need runtime 'litert', not 'tensorflow'"),
])
def test_impossible_options_are_refused(pose_models, options, message):
    with pytest.raises(ValueError) as caught:
        load_runner(pose_models / "pose_detection.tflite", **options)
    assert message in str(caught.value)


def test_the_detector_with_dense_weights_is_bit_identical_on_the_cpu(pose_models):
    """The GPU gets the detector with its sparse weights stored dense; the same model, bit for bit."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.interpreter import Interpreter

    assert densified(pose_models / "pose_landmark_full.tflite") is None  # nothing sparse there
    path = pose_models / "pose_detection.tflite"
    dense = densified(path)
    model = schema.Model.GetRootAsModel(dense, 0)
    codes = [max(c.BuiltinCode(), c.DeprecatedBuiltinCode())
             for c in map(model.OperatorCodes, range(model.OperatorCodesLength()))]
    graph = model.Subgraphs(0)
    ops = {codes[graph.Operators(i).OpcodeIndex()] for i in range(graph.OperatorsLength())}
    assert schema.BuiltinOperator.DENSIFY not in ops and schema.BuiltinOperator.CONV_2D in ops
    outputs = []
    for interpreter in (Interpreter(model_path=str(path)), Interpreter(model_content=dense)):
        interpreter.allocate_tensors()
        image = np.random.default_rng(0).uniform(-1, 1, (1, 224, 224, 3)).astype(np.float32)
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], image)
        interpreter.invoke()
        outputs.append([interpreter.get_tensor(d["index"]).copy() for d in interpreter.get_output_details()])
    for original, dense_output in zip(*outputs):
        assert np.abs(original).max() > 1  # boxes in pixels, scores as logits: not all zeros
        np.testing.assert_array_equal(dense_output, original)


def test_only_the_detector_has_sparse_weights(pose_models, shared_data, tmp_path):
    assert has_sparse_weights(pose_models / "pose_detection.tflite")
    assert not has_sparse_weights(pose_models / "pose_landmark_full.tflite")
    assert not has_sparse_weights(shared_data / "media" / "pose.jpg")  # no model: loading it says so
    (tmp_path / "empty.tflite").write_bytes(b"")
    assert not has_sparse_weights(tmp_path / "empty.tflite")


def test_the_detector_loads_from_its_dense_copy_with_the_same_outputs(squat_frames, pose_models, tmp_path,
                                                                       monkeypatch):
    """The interpreter runs the copy kept in the cache's ``dense`` folder, made on the first load
    and reused after it; its detections on squat frames are the original model's, bit for bit.
    A model that changes gets a new copy, and the old one goes."""
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(tmp_path / "cache"))
    model = tmp_path / "pose_detection.tflite"
    shutil.copyfile(pose_models / "pose_detection.tflite", model)
    runner = load_runner(model)
    copies = list((tmp_path / "cache" / "dense").glob("*.tflite"))
    assert len(copies) == 1 and copies[0].name.startswith("pose_detection-")
    assert dense_model_file(model) == copies[0]
    made = copies[0].stat().st_mtime_ns
    load_runner(model)
    assert copies[0].stat().st_mtime_ns == made  # reused, not made again

    from ai_edge_litert.interpreter import Interpreter
    original = Interpreter(model_path=str(model))
    original.allocate_tensors()
    for image in squat_frames[:5]:
        tensor = letterbox_to_tensor(image)[0][None]
        original.set_tensor(original.get_input_details()[0]["index"], tensor)
        original.invoke()
        expected = [original.get_tensor(d["index"]) for d in original.get_output_details()]
        got = runner.run([tensor])
        assert max(float(np.abs(e).max()) for e in expected) > 1  # boxes in pixels: not all zeros
        for e, g in zip(expected, got):
            np.testing.assert_array_equal(g, e)

    os.utime(model, ns=(1, 1))  # "a new version" of the model
    newer = dense_model_file(model)
    assert newer != copies[0] and newer.is_file() and not copies[0].exists()


def test_a_damaged_dense_copy_is_removed_and_the_model_loads_as_it_is(pose_models, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(tmp_path))
    model = pose_models / "pose_detection.tflite"
    copy = dense_model_file(model)
    stat = copy.stat()
    copy.write_bytes(b"\0" * stat.st_size)
    with caplog.at_level(logging.WARNING, logger="posegraph.calculators.tensor.runtimes"):
        runner = load_runner(model)
    assert f"the dense copy {copy} of model {model} does not load" in caplog.text
    assert not copy.exists()  # the interpreter tried the copy first
    assert runner.input_shapes == [(1, 224, 224, 3)]


def test_without_a_writable_cache_the_detector_loads_as_it_is(pose_models, tmp_path, monkeypatch, caplog):
    """Found before expanding anything: a read-only cache costs a load no 0.4 s of expanding."""
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(tmp_path / "file" / "cache"))
    monkeypatch.setattr(runtimes, "densified", lambda path: pytest.fail("expanded weights it cannot keep"))
    with caplog.at_level(logging.INFO, logger="posegraph.calculators.tensor.runtimes"):
        assert dense_model_file(pose_models / "pose_detection.tflite") is None
        assert load_runner(pose_models / "pose_detection.tflite").input_shapes == [(1, 224, 224, 3)]
    assert "loads with its sparse weights: cannot keep a dense copy in" in caplog.text


def test_a_model_whose_copy_cannot_be_made_loads_as_it_is(pose_models, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(tmp_path))

    def fails(path):
        raise RuntimeError("cannot rewrite this model")

    monkeypatch.setattr(runtimes, "densified", fails)
    with caplog.at_level(logging.WARNING, logger="posegraph.calculators.tensor.runtimes"):
        assert load_runner(pose_models / "pose_detection.tflite").input_shapes == [(1, 224, 224, 3)]
    assert "its dense copy could not be made (RuntimeError: cannot rewrite this model)" in caplog.text
    assert dense_model_file(pose_models / "pose_detection.tflite") is None  # nothing kept: tried again


def test_gpu_without_a_gpu_is_an_error_not_a_cpu_run(squat_frames, pose_models):
    if gpu_available(pose_models):
        pytest.skip("this machine has a GPU LiteRT can use")
    graph = Graph(graphs.path("pose_tracking_module"))
    graph.set_options("InferenceCalculator", accelerator="gpu")
    with pytest.raises(CalculatorError) as caught:
        graph.start({"smooth_landmarks": False})
    assert isinstance(caught.value.__cause__, ModelError)
    assert "on a GPU: LiteRT could not create a GPU accelerator" in str(caught.value)
    assert "Run on the CPU instead (accelerator 'cpu', the default)" in str(caught.value)


def test_gpu_landmarks_open_loop_are_the_cpus(shared_data, pose_models):
    """Open loop (MediaPipe's ROI each frame), the GPU's distance from MediaPipe's CPU reference is
    the CPU's within 0.005 px median and 0.05 px worst (measured on an H200: 0.05964 vs 0.05967 px
    median, 1.0976 px worst on both)."""
    if not gpu_available(pose_models):
        pytest.skip("no GPU LiteRT can use here")
    from posegraph.app.parity import parity

    reference, video = shared_data / "reference" / "pose_squats.raw.json", shared_data / "media" / "pose_squats.mp4"
    cpu, gpu = (parity(reference, str(video), open_loop=True, accelerator=a) for a in ("cpu", "gpu"))
    assert gpu["presence_agreement"] == cpu["presence_agreement"] == 1.0
    assert abs(gpu["landmark_px"]["median"] - cpu["landmark_px"]["median"]) <= 0.005
    assert gpu["landmark_px"]["max"] <= cpu["landmark_px"]["max"] + 0.05
    assert gpu["detection"]["keypoint_max_abs"] <= cpu["detection"]["keypoint_max_abs"] + 0.001


def test_gpu_landmarks_closed_loop_stay_near_the_cpus(squat_frames, pose_models):
    """Closed loop, the ROI each frame comes from the last frame's landmarks, so sub-pixel
    differences feed back: over 20 frames, median within 0.5 px of the CPU's, every landmark within
    0.01 of the image."""
    if not gpu_available(pose_models):
        pytest.skip("no GPU LiteRT can use here")
    ours, gpu = landmarks(squat_frames), landmarks(squat_frames, accelerator="gpu")
    height, width = squat_frames[0].shape[:2]
    distances = np.concatenate([np.hypot(*((gpu[t][:, :2] - ours[t][:, :2]) * (width, height)).T) for t in ours])
    assert np.median(distances) <= 0.5
    for t in ours:
        np.testing.assert_allclose(gpu[t][:, :2], ours[t][:, :2], atol=0.01)


def test_the_detector_on_the_gpu_gives_the_cpus_outputs(squat_frames, pose_models):
    """The detector reaches the GPU with dense weights (its sparse ones, expanded on the CPU, gave
    wrong outputs there): boxes within 0.05 px of the 224x224 input, score logits within 0.01."""
    if not gpu_available(pose_models):
        pytest.skip("no GPU LiteRT can use here")
    import cv2

    image = cv2.resize(squat_frames[0], (224, 224)).astype(np.float32)[None] / 127.5 - 1
    path = pose_models / "pose_detection.tflite"
    (cpu_boxes, cpu_scores), (gpu_boxes, gpu_scores) = (
        load_runner(path, **options).run([image]) for options in ({}, {"accelerator": "gpu"}))
    assert cpu_scores.max() > 0  # a person in view
    np.testing.assert_allclose(gpu_boxes, cpu_boxes, atol=0.05)
    np.testing.assert_allclose(gpu_scores, cpu_scores, atol=0.01)


def test_cli_accelerator_gpu_without_a_gpu_exits_with_the_reason(tmp_path, shared_data, pose_models):
    if gpu_available(pose_models):
        pytest.skip("this machine has a GPU LiteRT can use")
    proc = subprocess.run([sys.executable, "-m", "posegraph.app.cli", "run", "pose_tracking_module", "-q",
                           "--accelerator", "gpu", "--input", str(shared_data / "media" / "pose.jpg"),
                           "--landmarks", str(tmp_path / "out.jsonl")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("posegraph: error: ")]
    assert len(errors) == 1 and "on a GPU: LiteRT could not create a GPU accelerator" in errors[0], proc.stderr
    assert "DestroyAccelerator" not in proc.stderr and "Sparsity tensors" not in proc.stderr  # LiteRT's log hidden

