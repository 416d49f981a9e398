"""Model outputs a graph does not read (InferenceCalculator's UNUSED_OUTPUTS): the model runs
without the operators that compute only them, and the other outputs are the same, bit for bit."""

from __future__ import annotations

import logging
import os
import re
import shutil

import numpy as np
import pytest

from posegraph import CalculatorError, Graph, ModelError, graphs
from posegraph.app.media import open_source
from posegraph.calculators.image.image_to_tensor import warp_roi_to_tensor
from posegraph.calculators.pose.pose_landmark_model_calculator import SEGMENTATION_OUTPUT as SEGMENTATION
from posegraph.calculators.tensor import runtimes
from posegraph.calculators.tensor.runtimes import WithoutOutputs, load_runner, pruned_model_file, without_outputs


@pytest.fixture(scope="module")
def squat_image(shared_data):
    with open_source(str(shared_data / "media" / "pose_squats.mp4")) as source:
        return next(iter(source)).image


@pytest.fixture(scope="module")
def model_inputs(shared_data, pose_models):
    """Landmark-model inputs: three squat frames warped whole (a person in each), and noise."""
    with open_source(str(shared_data / "media" / "pose_squats.mp4")) as source:
        frames = [frame.image for _, frame in zip(range(30), source)][::10]
    tensors = [warp_roi_to_tensor(image, None)[0][None] for image in frames]
    return tensors + [np.random.default_rng(0).random((1, 256, 256, 3), dtype=np.float32)]


def operators(data: bytes) -> list[int]:
    from ai_edge_litert import schema_py_generated as schema

    model = schema.Model.GetRootAsModel(data, 0)
    codes = [max(c.BuiltinCode(), c.DeprecatedBuiltinCode())
             for c in map(model.OperatorCodes, range(model.OperatorCodesLength()))]
    graph = model.Subgraphs(0)
    return [codes[graph.Operators(i).OpcodeIndex()] for i in range(graph.OperatorsLength())]


@pytest.mark.parametrize("name", ["pose_landmark_lite", "pose_landmark_full", "pose_landmark_heavy"])
def test_each_landmark_model_without_segmentation_computes_the_same_other_outputs(name, model_inputs, model_file):
    path = model_file(name)
    pruned = without_outputs(path.read_bytes(), (SEGMENTATION,), name)
    whole_ops, pruned_ops = operators(path.read_bytes()), operators(pruned)
    assert len(pruned_ops) < len(whole_ops) - 20  # the segmentation head's convolutions and upsampling are gone
    whole = load_runner(path, num_threads=2)
    without = load_runner(path, num_threads=2, content=pruned)
    assert (whole.output_count, without.output_count) == (5, 4)
    for tensor in model_inputs:
        expected = whole.run([tensor])
        got = without.run([tensor])
        assert float(np.abs(expected[SEGMENTATION]).max()) > 1  # the mask's logits: computed there
        for e, g in zip(expected[:SEGMENTATION] + expected[SEGMENTATION + 1:], got):
            assert float(np.abs(e).max()) > 0
            np.testing.assert_array_equal(g, e)


def test_the_pruned_copy_is_made_once_and_its_outputs_keep_their_places(pose_models, model_inputs, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(tmp_path / "cache"))
    model = tmp_path / "pose_landmark_full.tflite"
    shutil.copyfile(pose_models / "pose_landmark_full.tflite", model)
    runner = load_runner(model, unused_outputs=(SEGMENTATION,))
    copies = list((tmp_path / "cache" / "pruned").glob("*.tflite"))
    assert len(copies) == 1 and copies[0].name.startswith("pose_landmark_full-")
    assert copies[0].name.endswith("-without-2.tflite")
    assert isinstance(runner, WithoutOutputs) and runner.pruned
    made = copies[0].stat().st_mtime_ns
    assert pruned_model_file(model, (SEGMENTATION,)) == copies[0]
    assert copies[0].stat().st_mtime_ns == made  # reused, not made again

    whole = load_runner(model)
    expected, got = whole.run(model_inputs[:1]), runner.run(model_inputs[:1])
    assert len(got) == 5 and got[SEGMENTATION] is None
    for i in (0, 1, 3, 4):
        np.testing.assert_array_equal(got[i], expected[i])

    other = pruned_model_file(model, (SEGMENTATION, 4))  # another set of outputs: its own copy
    assert other.name.endswith("-without-2-4.tflite") and copies[0].exists()
    assert pruned_model_file(model, (4, SEGMENTATION, 4)) == other  # the same set, the same copy
    os.utime(model, ns=(1, 1))  # "a new version" of the model
    newer = pruned_model_file(model, (SEGMENTATION,))
    assert newer != copies[0] and newer.is_file() and not copies[0].exists() and other.exists()


@pytest.mark.parametrize("unused,message", [
    ((5,), "has 5 outputs (0 to 4); unused_outputs names 5"),
    ((-1, 7), "has 5 outputs (0 to 4); unused_outputs names -1, 7"),
    ((0, 1, 2, 3, 4), "unused_outputs leaves none of its 5 outputs to compute"),
])
def test_outputs_the_model_does_not_have_are_a_model_error(pose_models, tmp_path, monkeypatch, unused, message):
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(tmp_path))
    model = pose_models / "pose_landmark_full.tflite"
    with pytest.raises(ModelError, match=re.escape(f"model {model} {message}" if "has" in message else message)):
        load_runner(model, unused_outputs=unused)
    assert not list(tmp_path.glob("pruned/*.tflite"))
    (tmp_path / "file").write_text("not a folder")  # no copy can be kept: the whole model checks the same
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(tmp_path / "file" / "cache"))
    with pytest.raises(ModelError, match=re.escape(message)):
        load_runner(model, unused_outputs=unused)


def test_without_a_writable_cache_the_whole_model_runs_and_the_output_is_dropped(pose_models, model_inputs,
                                                                                  tmp_path, monkeypatch, caplog):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(tmp_path / "file" / "cache"))
    monkeypatch.setattr(runtimes, "without_outputs", lambda *a: pytest.fail("pruned a model it cannot keep"))
    model = pose_models / "pose_landmark_full.tflite"
    with caplog.at_level(logging.INFO, logger="posegraph.calculators.tensor.runtimes"):
        runner = load_runner(model, unused_outputs=(SEGMENTATION,))
    assert "loads whole: cannot keep a pruned copy in" in caplog.text
    assert isinstance(runner, WithoutOutputs) and not runner.pruned
    got, expected = runner.run(model_inputs[:1]), load_runner(model).run(model_inputs[:1])
    assert len(got) == 5 and got[SEGMENTATION] is None
    for i in (0, 1, 3, 4):
        np.testing.assert_array_equal(got[i], expected[i])


def test_a_damaged_pruned_copy_is_removed_and_the_whole_model_loads(pose_models, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(tmp_path))
    model = pose_models / "pose_landmark_full.tflite"
    copy = pruned_model_file(model, (SEGMENTATION,))
    copy.write_bytes(b"\0" * copy.stat().st_size)
    with caplog.at_level(logging.WARNING, logger="posegraph.calculators.tensor.runtimes"):
        runner = load_runner(model, unused_outputs=(SEGMENTATION,))
    assert f"the pruned copy {copy} of model {model} does not load" in caplog.text
    assert not copy.exists() and not runner.pruned and runner.output_count == 5


def landmark_runner(graph: Graph):
    [node] = [n for n in graph._scheduler.nodes if n.name.endswith("poselandmarkbyroi__InferenceCalculator")]
    return node.calc.runner


def test_the_tracking_graph_runs_the_landmark_model_without_segmentation_unless_asked(squat_image):
    for enable in (False, True):
        graph = Graph(graphs.path("pose_tracking_module"))
        masks = []
        graph.observe("segmentation_mask", masks.append)
        graph.start({"enable_segmentation": enable})
        graph.add_packet("image", squat_image, 0)
        graph.wait_until_idle()
        runner = landmark_runner(graph)
        graph.close()
        if enable:
            assert not isinstance(runner, WithoutOutputs) and len(masks) == 1
        else:
            assert isinstance(runner, WithoutOutputs) and runner.pruned and runner.unused == {SEGMENTATION}
            assert not masks


def test_a_mask_asked_of_a_model_run_without_it_is_a_model_error(squat_image, pose_models):
    config = '''
    input_stream: "image"
    input_stream: "roi"
    output_stream: "mask"
    node { calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image" input_stream: "NORM_RECT:roi"
           output_stream: "TENSORS:tensors"
           options: { [mediapipe.ImageToTensorCalculatorOptions.ext] { output_tensor_width: 256
               output_tensor_height: 256 output_tensor_float_range { min: 0.0 max: 1.0 } } } }
    node { calculator: "InferenceCalculator" input_stream: "TENSORS:tensors" output_stream: "TENSORS:out"
           options: { [mediapipe.InferenceCalculatorOptions.ext] { model_path: "pose_landmark_full"
                                                                   unused_outputs: [2] } } }
    node { name: "decode" calculator: "TensorsToPoseLandmarksCalculator" input_stream: "TENSORS:out"
           input_stream: "NORM_RECT:roi" input_side_packet: "ENABLE_SEGMENTATION:on"
           output_stream: "SEGMENTATION_MASK:mask" }
    node { calculator: "ConstantSidePacketCalculator" output_side_packet: "PACKET:on"
           options: { [mediapipe.ConstantSidePacketCalculatorOptions.ext] { packet { bool_value: true } } } }
    '''
    from posegraph.calculators.formats import NormalizedRect

    graph = Graph.from_string(config)
    graph.start()
    with pytest.raises(CalculatorError, match="ENABLE_SEGMENTATION is true but the landmark model ran without its "
                                              "segmentation output"):
        graph.add_packet("roi", NormalizedRect(0.5, 0.5, 0.8, 0.8), 0)
        graph.add_packet("image", squat_image, 0)
        graph.close()


def test_the_option_names_unused_outputs_and_the_side_packet_overrides_it(pose_models, tmp_path, monkeypatch):
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(tmp_path / "cache"))  # the copies made here go there
    model = tmp_path / "pose_landmark_full.tflite"
    shutil.copyfile(pose_models / "pose_landmark_full.tflite", model)
    config = '''
    input_stream: "tensors"
    input_side_packet: "unused"
    output_stream: "out"
    node { calculator: "InferenceCalculator" input_stream: "TENSORS:tensors" output_stream: "TENSORS:out"
           %s
           options: { [mediapipe.InferenceCalculatorOptions.ext] { model_path: "MODEL" unused_outputs: [3, 4] } } }
    '''.replace("MODEL", str(model))
    tensor = np.zeros((1, 256, 256, 3), np.float32)
    for side, packets, nones in (("", {}, [3, 4]), ('input_side_packet: "UNUSED_OUTPUTS:unused"', {"unused": (2,)}, [2])):
        graph = Graph.from_string(config % side)
        out = []
        graph.observe("out", lambda p: out.append(p.payload))
        graph.start(packets)
        graph.add_packet("tensors", [tensor], 0)
        graph.close()
        assert [i for i, t in enumerate(out[0]) if t is None] == nones
    assert sorted(f.name.split("-without-")[1] for f in (tmp_path / "cache" / "pruned").iterdir()) == [
        "2.tflite", "3-4.tflite"]
    graph = Graph.from_string(config % 'input_side_packet: "UNUSED_OUTPUTS:unused"')
    with pytest.raises(CalculatorError, match=r"unused_outputs must be output indices \(ints\), got \('2',\)"):
        graph.start({"unused": ("2",)})


def test_operators_without_outputs_stay_with_what_they_read():
    """An operator that acts by side effect (no outputs, as ASSIGN_VARIABLE) is kept, and so is what
    feeds it; what feeds only the unused output goes."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    def tensor(name: str) -> schema.TensorT:
        t = schema.TensorT()
        t.name, t.shape, t.type, t.buffer = name.encode(), [1], schema.TensorType.FLOAT32, 0
        return t

    def add(inputs: list[int], outputs: list[int]) -> schema.OperatorT:
        op = schema.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = 0, inputs, outputs
        return op

    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.ADD
    graph = schema.SubGraphT()
    graph.tensors = [tensor(n) for n in ("in", "kept", "unused", "for_effect")]
    graph.inputs, graph.outputs = [0], [1, 2]
    graph.operators = [add([0, 0], [1]), add([0, 0], [2]), add([0, 0], [3]), add([3, -1], [])]
    model = schema.ModelT()
    model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, [code], [graph], [schema.BufferT()]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")

    pruned = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(without_outputs(bytes(builder.Output()), (1,)), 0))
    kept = pruned.subgraphs[0]
    assert list(kept.outputs) == [1]
    assert [(list(op.inputs), [] if op.outputs is None else list(op.outputs)) for op in kept.operators] == [
        ([0, 0], [1]), ([0, 0], [3]), ([3, -1], [])]
