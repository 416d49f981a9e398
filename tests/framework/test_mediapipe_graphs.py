"""MediaPipe 0.10.21's own pose graphs (``../shared/data/mediapipe_graphs``), unchanged: every
construct they use is understood (subgraphs found in the folder's tree, options in both of
MediaPipe's syntaxes, SwitchContainer, model loading, MediaPipe's image tags).

The generic calculators those graphs compose are written separately; until they exist, the only
problems validation may report are "unknown calculator" for them (``PENDING``). The test tightens as
they land: a name that no longer fails validation must leave ``PENDING``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from posegraph import Graph, GraphConfigError, parse_config
from posegraph.framework.config.loader import load_config
from posegraph.framework.subgraph import expand_subgraphs, find_subgraphs
from posegraph.framework.validated_graph import validate

#: MediaPipe calculators the graphs use that posegraph does not have yet (none now: a name added
#: here must also be marked pending in docs/mediapipe_compatibility.md).
PENDING: set[str] = set()
_UNKNOWN = re.compile(r"unknown calculator '(\w+)'")


@pytest.fixture(scope="module")
def mediapipe_graphs(shared_data: Path) -> Path:
    path = shared_data / "mediapipe_graphs"
    if not path.is_dir():
        pytest.skip(f"MediaPipe's graphs not found at {path}")
    return path


def _graph_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pbtxt"))


def _problems(path: Path, root: Path) -> list[str]:
    try:
        validate(expand_subgraphs(load_config(path), [root]))
    except GraphConfigError as e:
        return [p.message for p in e.problems]
    return []


def test_every_subgraph_type_is_found_in_the_folders_tree(mediapipe_graphs: Path) -> None:
    found = find_subgraphs([mediapipe_graphs])
    declared = {}
    for path in _graph_files(mediapipe_graphs):
        m = re.search(r'^type: "(\w+)"', path.read_text(), re.MULTILINE)
        if m:
            declared[m.group(1)] = path
    assert len(declared) == 12
    assert {name: found[name] for name in declared} == declared


def test_only_the_pending_generic_calculators_stop_validation(mediapipe_graphs: Path) -> None:
    unknown_seen: set[str] = set()
    for path in _graph_files(mediapipe_graphs):
        problems = _problems(path, mediapipe_graphs)
        others = [p for p in problems if not (_UNKNOWN.search(p) and _UNKNOWN.search(p).group(1) in PENDING)]
        assert others == [], f"{path.relative_to(mediapipe_graphs)}: {others}"
        unknown_seen |= {_UNKNOWN.search(p).group(1) for p in problems}
    assert unknown_seen == PENDING, f"no longer missing (remove from PENDING): {sorted(PENDING - unknown_seen)}"


def test_graphs_without_generic_calculators_validate(mediapipe_graphs: Path) -> None:
    for name in ("modules/pose_detection/pose_detection_cpu.pbtxt",
                 "modules/pose_landmark/pose_landmark_model_loader.pbtxt",
                 "modules/pose_landmark/pose_detection_to_roi.pbtxt",
                 "modules/pose_landmark/pose_segmentation_filtering.pbtxt"):
        assert _problems(mediapipe_graphs / name, mediapipe_graphs) == [], name


@pytest.mark.parametrize("complexity, model", [(0, "pose_landmark_lite"), (1, "pose_landmark_full"),
                                               (2, "pose_landmark_heavy")])
def test_model_loader_picks_the_model_by_complexity_from_the_verified_cache(
        mediapipe_graphs: Path, model_file, complexity: int, model: str) -> None:
    expected = model_file(model)
    graph = Graph(load_config(mediapipe_graphs / "modules/pose_landmark/pose_landmark_model_loader.pbtxt"))
    with graph:
        graph.start({"model_complexity": complexity})
    assert graph.output_side_packet("model").path == expected


def test_mediapipe_detector_graph_runs_on_an_image(mediapipe_graphs: Path, pose_models: Path) -> None:
    graph = Graph(load_config(mediapipe_graphs / "modules/pose_detection/pose_detection_cpu.pbtxt"))
    image = np.zeros((240, 320, 3), np.uint8)
    out = []
    graph.observe("detections", lambda p: out.append(p.payload))
    with graph:
        graph.start()
        graph.add_packet("image", image, 0)
    assert out == []  # a black frame: nothing found, and (MediaPipe's NMS default) nothing sent


def test_mediapipe_detector_graph_finds_what_posegraphs_detector_graph_finds(
        mediapipe_graphs: Path, shared_data: Path, pose_models: Path) -> None:
    import cv2

    image = cv2.cvtColor(cv2.imread(str(shared_data / "media" / "pose.jpg")), cv2.COLOR_BGR2RGB)
    found = []
    for graph in (Graph(load_config(mediapipe_graphs / "modules/pose_detection/pose_detection_cpu.pbtxt")),
                  Graph.from_name("pose_detection")):
        out = []
        graph.observe("detections", lambda p: out.append(p.payload))
        with graph:
            graph.start({} if graph.validated.input_side_packets == [] else
                        {"min_score_thresh": 0.5, "min_suppression_threshold": 0.3})
            graph.add_packet("image", image, 0)
        found.append(out)
    import dataclasses

    (theirs,), (ours,) = found
    assert len(theirs) == len(ours) >= 1
    for a, b in zip(theirs, ours):  # bit for bit
        for f in dataclasses.fields(a):
            np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)


# --- SwitchContainer ------------------------------------------------------------------------

_SWITCH = '''
input_side_packet: "SELECT:which"
output_side_packet: "PACKET:chosen"
node {
  calculator: "SwitchContainer"
  %s
  output_side_packet: "PACKET:chosen"
  options: { [mediapipe.SwitchContainerOptions.ext] {
    %s
    contained_node: { calculator: "ConstantSidePacketCalculator"
      options: { [mediapipe.ConstantSidePacketCalculatorOptions.ext]: { packet { string_value: "zero" } } } }
    contained_node: { calculator: "ConstantSidePacketCalculator"
      node_options: { [type.googleapis.com/mediapipe.ConstantSidePacketCalculatorOptions]: {
        packet { string_value: "one" } } } }
  } }
}
'''


@pytest.mark.parametrize("side, options, side_packets, expected", [
    ('input_side_packet: "SELECT:which"', "", {"which": 1}, "one"),
    ('input_side_packet: "SELECT:which"', "select: 1", {"which": 0}, "zero"),  # the side packet wins
    ('input_side_packet: "ENABLE:which"', "", {"which": True}, "one"),
    ("", "select: 1", {}, "one"),
    ("", "enable: true", {}, "one"),
    ("", "", {}, "zero"),
])
def test_switch_container_runs_the_selected_node(side: str, options: str, side_packets: dict, expected: str) -> None:
    text = _SWITCH % (side, options)
    if "which" not in side:
        text = text.replace('input_side_packet: "SELECT:which"\n', "", 1)
    graph = Graph(parse_config(text))
    with graph:
        graph.start(side_packets)
    assert graph.output_side_packet("chosen") == expected


def test_switch_container_streams_reach_the_selected_calculator() -> None:
    text = '''
    input_stream: "v"
    output_stream: "out"
    node {
      calculator: "SwitchContainer"
      input_stream: "v"
      output_stream: "out"
      options: { [mediapipe.SwitchContainerOptions.ext] {
        enable: true
        contained_node: { calculator: "SplitVectorCalculator"
          options: { [mediapipe.SplitVectorCalculatorOptions.ext] { ranges { begin: 0 end: 1 } } } }
        contained_node: { calculator: "SplitVectorCalculator"
          options: { [mediapipe.SplitVectorCalculatorOptions.ext] { ranges { begin: 1 end: 3 } } } }
      } }
    }
    '''
    graph = Graph(parse_config(text))
    out = []
    graph.observe("out", lambda p: out.append(p.payload))
    with graph:
        graph.start()
        graph.add_packet("v", [1, 2, 3], 0)
    assert out == [[2, 3]]


@pytest.mark.parametrize("contained, message", [
    ('contained_node: { calculator: "NoSuchCalculator" }', "unknown calculator 'NoSuchCalculator'"),
    ('contained_node: { calculator: "MergeCalculator" }', "has no output side packet tag 'PACKET'"),
    ('contained_node: { calculator: "ConstantSidePacketCalculator" output_side_packet: "PACKET:x" }',
     "a contained node takes the container's"),
    ("async_selection: true", "async_selection is not supported"),
])
def test_switch_container_errors_name_the_contained_node(contained: str, message: str) -> None:
    text = f'''
    node {{ calculator: "SwitchContainer" output_side_packet: "PACKET:p"
      options: {{ [mediapipe.SwitchContainerOptions.ext] {{
        contained_node: {{ calculator: "ConstantSidePacketCalculator" }}
        {contained} }} }} }}
    '''
    with pytest.raises(GraphConfigError, match=re.escape(message)):
        Graph(parse_config(text))


def test_switch_container_refuses_a_channel_it_does_not_have() -> None:
    text = (_SWITCH % ('input_side_packet: "SELECT:which"', ""))
    graph = Graph(parse_config(text))
    with pytest.raises(Exception, match="channel 2 selected, but it contains 2 node"):
        with graph:
            graph.start({"which": 2})


# --- options of calculators posegraph does not have -------------------------------------------

def test_options_of_an_unknown_calculator_leave_only_the_unknown_calculator_error() -> None:
    text = '''
    input_stream: "a"
    output_stream: "c"
    node { calculator: "NoSuchCalculator" input_stream: "a" output_stream: "b"
           options: { [mediapipe.NoSuchCalculatorOptions.ext] { x: 1 } } }
    node { calculator: "PassThroughCalculator" input_stream: "b" output_stream: "c"
           node_options: { [type.googleapis.com/mediapipe.NoSuchOptions] { y: 2 } } }
    '''
    with pytest.raises(GraphConfigError) as e:
        Graph(parse_config(text))
    messages = [p.message for p in e.value.problems]
    assert len(messages) == 1 and "Type mediapipe.NoSuchOptions not found" in messages[0]  # a known calculator's
    text = text.replace("node_options: { [type.googleapis.com/mediapipe.NoSuchOptions] { y: 2 } }", "")
    with pytest.raises(GraphConfigError) as e:
        Graph(parse_config(text))
    assert [(p.line, p.message.split(";")[0]) for p in e.value.problems] == [
        (4, "unknown calculator 'NoSuchCalculator'")]


def test_inference_refuses_the_gpu_delegate(pose_models: Path) -> None:
    text = '''
    input_stream: "t"
    node { calculator: "InferenceCalculator" input_stream: "TENSORS:t" output_stream: "TENSORS:o"
      options: { [mediapipe.InferenceCalculatorOptions.ext] {
        model_path: "mediapipe/modules/pose_detection/pose_detection.tflite" delegate { gpu {} } } } }
    '''
    graph = Graph(parse_config(text))
    with pytest.raises(Exception, match="GPU and NNAPI delegates are not supported"):
        with graph:
            graph.start()


# --- MediaPipe's options messages -------------------------------------------------------------

def test_a_mediapipe_option_posegraph_does_not_implement_is_refused_not_ignored() -> None:
    text = '''
    input_stream: "r"
    input_stream: "s"
    node { calculator: "RectTransformationCalculator" input_stream: "NORM_RECT:r" input_stream: "IMAGE_SIZE:s"
           output_stream: "o"
           options: { [mediapipe.RectTransformationCalculatorOptions.ext] { scale_x: 1.5 rotation_degrees: 90 } } }
    '''
    with pytest.raises(GraphConfigError, match=r"RectTransformationCalculatorOptions.rotation_degrees = 90 is not "
                                               r"supported \(rotating the rect is not implemented\)"):
        Graph(parse_config(text))
    Graph(parse_config(text.replace(" rotation_degrees: 90", "")))


@pytest.mark.parametrize("calculator, extension, fields", [
    ("GateCalculator", 261754847, {"empty_packets_as_allow": 1, "allow": 2, "initial_gate_state": 3}),
    ("SplitVectorCalculator", 259438222, {"ranges": 1, "element_only": 2, "combine_outputs": 3}),
    ("RectTransformationCalculator", 262226312, {"scale_x": 1, "shift_x": 5, "square_long": 7}),
    ("AlignmentPointsRectsCalculator", 262691807, {"rotation_vector_target_angle_degrees": 4}),
    ("TensorsToDetectionsCalculator", 335742639, {"keypoint_coord_offset": 9, "min_score_thresh": 19}),
    ("NonMaxSuppressionCalculator", 55383100, {"min_suppression_threshold": 3, "algorithm": 7}),
    ("SsdAnchorsCalculator", 247258239, {"strides": 10, "fixed_anchor_size": 14}),
    ("ImageToTensorCalculator", 334361939, {"gpu_origin": 5, "border_mode": 6}),
    ("InferenceCalculator", 336783863, {"model_path": 1, "delegate": 5}),
    ("ConstantSidePacketCalculator", 291214597, {"packet": 1}),
    ("FlowLimiterCalculator", 326963320, {"max_in_flight": 1, "in_flight_timeout": 3}),
    ("SegmentationSmoothingCalculator", 377425128, {"combine_with_previous_ratio": 1}),
    ("SwitchContainer", 345967970, {"contained_node": 2, "select": 3, "enable": 4}),
])
def test_options_messages_carry_mediapipes_extension_and_field_numbers(calculator: str, extension: int,
                                                                       fields: dict) -> None:
    from posegraph.framework.options import options_message
    from posegraph.framework.registry import get_calculator

    om = options_message(get_calculator(calculator).contract.options)
    assert om.extension.number == extension
    assert {name: om.message_class.DESCRIPTOR.fields_by_name[name].number for name in fields} == fields


def test_enums_are_numbered_as_mediapipe_numbers_them() -> None:
    from posegraph.calculators.util.non_max_suppression_calculator import NonMaxSuppressionCalculatorOptions
    from posegraph.framework.options import from_message, options_message

    om = options_message(NonMaxSuppressionCalculatorOptions)
    enum_type = om.message_class.DESCRIPTOR.fields_by_name["overlap_type"].enum_type
    assert enum_type.values_by_name["INTERSECTION_OVER_UNION"].number == 3
    msg = om.message_class(overlap_type=3)
    assert from_message(NonMaxSuppressionCalculatorOptions, msg).overlap_type.name == "INTERSECTION_OVER_UNION"


# --- binary graphs ----------------------------------------------------------------------------

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, wire_type: int, payload: bytes) -> bytes:
    if wire_type == 2:
        payload = _varint(len(payload)) + payload
    return _varint(number << 3 | wire_type) + payload


def _binary_node(calculator: str, extension: int, options: bytes, *streams: tuple[int, str]) -> bytes:
    """A serialized CalculatorGraphConfig.Node: calculator (2), streams, options (7) holding one extension."""
    body = _field(2, 2, calculator.encode())
    for number, entry in streams:
        body += _field(number, 2, entry.encode())
    body += _field(7, 2, _field(extension, 2, options))
    return _field(1, 2, body)  # CalculatorGraphConfig.node = 1


def test_the_compiled_pose_landmark_graph_reads_as_its_text_form(mediapipe_graphs: Path, model_file) -> None:
    binary = load_config(model_file("pose_landmark_cpu_graph"))
    text = load_config(mediapipe_graphs / "modules/pose_landmark/pose_landmark_cpu.pbtxt")
    assert binary.config.type == "PoseLandmarkCpu"
    assert list(binary.config.node) == list(text.config.node)
    assert list(binary.config.input_side_packet) == list(text.config.input_side_packet)
    assert _problems(model_file("pose_landmark_cpu_graph"), mediapipe_graphs) == \
        _problems(mediapipe_graphs / "modules/pose_landmark/pose_landmark_cpu.pbtxt", mediapipe_graphs)


def test_mediapipes_32_bit_floats_read_as_the_text_form_would_say_them(tmp_path: Path) -> None:
    import struct

    options = (_field(1, 5, struct.pack("<f", 1.25)) + _field(5, 5, struct.pack("<f", 0.3))
               + _field(7, 0, _varint(1)))  # scale_x, shift_x (floats in MediaPipe), square_long
    path = tmp_path / "g.binarypb"
    path.write_bytes(_field(10, 2, b"r") + _field(10, 2, b"s")
                     + _binary_node("RectTransformationCalculator", 262226312, options,
                                    (3, "NORM_RECT:r"), (3, "IMAGE_SIZE:s"), (4, "o")))
    graph = Graph.from_file(path)
    o = graph.validated.nodes[0].options
    assert (o.scale_x, o.shift_x, o.square_long) == (1.25, 0.3, True)


def test_binary_options_posegraph_does_not_know_are_an_error_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "g.binarypb"
    path.write_bytes(_binary_node("GateCalculator", 261754847, _field(9, 0, _varint(1)), (3, "a")))
    with pytest.raises(GraphConfigError, match=r"node 0 \(GateCalculator\).*GateCalculatorOptions field\(s\) 9 "
                                               r"are not declared"):
        load_config(path)


def test_binary_options_of_an_unknown_calculator_leave_the_unknown_calculator_error(tmp_path: Path) -> None:
    path = tmp_path / "g.binarypb"
    path.write_bytes(_binary_node("NoSuchCalculator", 123456789, _field(1, 0, _varint(1)), (4, "b")))
    with pytest.raises(GraphConfigError) as e:
        Graph.from_file(path)
    assert [p.message.split(";")[0] for p in e.value.problems] == ["unknown calculator 'NoSuchCalculator'"]


def test_the_compatibility_table_lists_every_type_and_marks_the_pending_ones(mediapipe_graphs: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "mediapipe_compatibility.md").read_text()
    table = doc.split("## Calculators and subgraphs the graphs name")[1].split("\n## ")[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|", table, re.MULTILINE))
    named = set()
    for path in _graph_files(mediapipe_graphs):
        text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        named |= set(re.findall(r'calculator: *"(\w+)"', text))
    assert set(rows) == named
    assert {name for name, status in rows.items() if status.strip() == "pending"} == PENDING
