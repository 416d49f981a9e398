"""Subgraphs: files with ``type: "Name"`` used as nodes, expanded as MediaPipe expands them."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from posegraph import graphs
from posegraph import Calculator, CalculatorContext, Contract, Graph, GraphConfigError, Port, register_calculator
from posegraph.calculators.formats import NormalizedLandmarkList
from posegraph.framework.config.loader import load_config
from posegraph.framework.subgraph import GRAPH_PATH_ENV, expand_subgraphs, find_subgraphs

GRAPHS = graphs.directory()


@register_calculator
class SubgraphTestAddCalculator(Calculator):
    """Sends the input plus the ADDEND side packet (default 100)."""

    contract = Contract(inputs={"": Port(int)}, outputs={"": Port(int)},
                        input_side_packets={"ADDEND": Port(int, optional=True)})

    def process(self, cc: CalculatorContext) -> None:
        cc.send("", cc.value("") + cc.side_input("ADDEND", default=100))


ADD_SUBGRAPH = """
type: "AddOne"
input_stream: "IN:x"
input_side_packet: "ADDEND:addend"
output_stream: "OUT:y"
node {
  calculator: "SubgraphTestAddCalculator"
  input_stream: "x"
  input_side_packet: "ADDEND:addend"
  output_stream: "y"
}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def run(graph: Graph, values: list[int], side_packets: dict | None = None, stream: str = "out") -> list[int]:
    got: list[int] = []
    graph.observe(stream, lambda p: got.append(p.payload))
    graph.start(side_packets or {})
    for t, v in enumerate(values):
        graph.add_packet("in", v, t)
    graph.close()
    return got


def test_subgraph_node_is_replaced_by_prefixed_inner_nodes_wired_by_tag(tmp_path: Path) -> None:
    write(tmp_path, "add_one.pbtxt", ADD_SUBGRAPH)
    parent = write(tmp_path, "main.pbtxt", """
        input_stream: "in"
        input_side_packet: "k"
        output_stream: "out"
        node { name: "First" calculator: "AddOne" input_stream: "IN:in" output_stream: "OUT:mid"
               input_side_packet: "ADDEND:k" }
        node { calculator: "AddOne" input_stream: "IN:mid" output_stream: "OUT:out" input_side_packet: "ADDEND:k" }
    """)
    graph = Graph(parent, search_path=[tmp_path])
    nodes = graph.validated.nodes
    assert [n.name for n in nodes] == ["first__SubgraphTestAddCalculator", "addone__SubgraphTestAddCalculator"]
    assert [[r.name for r in n.inputs] for n in nodes] == [["in"], ["mid"]]
    assert [[r.name for r in n.outputs] for n in nodes] == [["mid"], ["out"]]
    assert [[r.name for r in n.side_inputs] for n in nodes] == [["k"], ["k"]]
    assert run(graph, [1, 2, 3], {"k": 10}) == [21, 22, 23]


def test_inner_streams_get_the_lower_cased_node_name_prefix(tmp_path: Path) -> None:
    write(tmp_path, "twice.pbtxt", """
        type: "Twice"
        input_stream: "IN:x"
        output_stream: "OUT:z"
        node { calculator: "SubgraphTestAddCalculator" input_stream: "x" output_stream: "y" }
        node { calculator: "SubgraphTestAddCalculator" input_stream: "y" output_stream: "z" }
    """)
    graph = Graph.from_string("""
        input_stream: "in" output_stream: "out"
        node { name: "Stage" calculator: "Twice" input_stream: "IN:in" output_stream: "OUT:out" }
    """, search_path=[tmp_path])
    nodes = graph.validated.nodes
    # MediaPipe's CanonicalNodeName numbers repeated calculator names from 1.
    assert [n.name for n in nodes] == ["stage__SubgraphTestAddCalculator_1", "stage__SubgraphTestAddCalculator_2"]
    assert [r.name for r in nodes[0].outputs] == ["stage__y"]
    assert run(graph, [0]) == [200]


def test_nested_subgraphs_expand_recursively_with_both_prefixes(tmp_path: Path) -> None:
    write(tmp_path, "add_one.pbtxt", ADD_SUBGRAPH)
    write(tmp_path, "outer.yaml", """
type: Outer
input_stream: ["IN:a"]
output_stream: ["OUT:c"]
node:
  - {calculator: AddOne, input_stream: ["IN:a"], output_stream: ["OUT:b"]}
  - {calculator: SubgraphTestAddCalculator, input_stream: [b], output_stream: [c]}
""")
    graph = Graph.from_string('input_stream: "in" output_stream: "out" '
                              'node { calculator: "Outer" input_stream: "IN:in" output_stream: "OUT:out" }',
                              search_path=[tmp_path])
    assert [n.name for n in graph.validated.nodes] == ["outer__addone__SubgraphTestAddCalculator",
                                                       "outer__SubgraphTestAddCalculator"]
    assert [r.name for r in graph.validated.nodes[0].outputs] == ["outer__b"]
    assert run(graph, [1]) == [201]


def test_unconnected_subgraph_input_is_removed_so_the_inner_node_falls_back(tmp_path: Path) -> None:
    write(tmp_path, "add_one.pbtxt", ADD_SUBGRAPH)
    graph = Graph.from_string('input_stream: "in" output_stream: "out" '
                              'node { calculator: "AddOne" input_stream: "IN:in" output_stream: "OUT:out" }',
                              search_path=[tmp_path])
    assert graph.validated.nodes[0].side_inputs == []
    assert graph.side_packet_types == {}
    assert run(graph, [1, 2]) == [101, 102]


def test_unconnected_stream_input_and_its_stream_info_are_removed(tmp_path: Path) -> None:
    write(tmp_path, "gated.pbtxt", """
        type: "Gated"
        input_stream: "IN:x"
        input_stream: "ALLOW:allow"
        output_stream: "OUT:y"
        node {
          calculator: "GateCalculator"
          input_stream: "x"
          input_stream: "ALLOW:allow"
          input_stream_info { tag_index: "ALLOW" back_edge: false }
          output_stream: "y"
          options { [mediapipe.GateCalculatorOptions.ext] { allow: false } }
        }
    """)
    text = 'input_stream: "in" output_stream: "out" node { calculator: "Gated" input_stream: "IN:in" %s ' \
           'output_stream: "OUT:out" }'
    open_gate = Graph.from_string(text % "", search_path=[tmp_path])
    gate = open_gate.validated.nodes[0]
    assert [r.tag for r in gate.inputs] == [""]
    assert run(open_gate, [1, 2]) == []  # no ALLOW stream: the gate's options decide (allow: false)
    wired = Graph.from_string('input_stream: "in" input_stream: "ok" output_stream: "out" node { calculator: "Gated" '
                              'input_stream: "IN:in" input_stream: "ALLOW:ok" output_stream: "OUT:out" }',
                              search_path=[tmp_path])
    got: list[int] = []
    wired.observe("out", lambda p: got.append(p.payload))
    wired.start()
    for t, (v, ok) in enumerate([(1, True), (2, False), (3, True)]):
        wired.add_packet("ok", ok, t)
        wired.add_packet("in", v, t)
    wired.close()
    assert got == [1, 3]


LOOP_SUBGRAPH = """
type: "Previous"
input_stream: "MAIN:main"
input_stream: "LOOP:loop"
output_stream: "PREV:prev"
node {
  calculator: "PreviousLoopbackCalculator"
  input_stream: "MAIN:main"
  input_stream: "LOOP:loop"
  %s
  output_stream: "PREV_LOOP:prev"
}
"""


@pytest.mark.parametrize("inner_info, parent_info", [
    ('input_stream_info { tag_index: "LOOP" back_edge: true }', ""),
    ("", 'input_stream_info { tag_index: "LOOP" back_edge: true }'),
], ids=["marked-in-subgraph", "marked-on-parent-node"])
def test_back_edges_through_a_subgraph_keep_working(tmp_path: Path, inner_info: str, parent_info: str) -> None:
    write(tmp_path, "previous.pbtxt", LOOP_SUBGRAPH % inner_info)
    graph = Graph.from_string(f"""
        input_stream: "in" output_stream: "out"
        node {{ calculator: "Previous" input_stream: "MAIN:in" input_stream: "LOOP:out" {parent_info}
               output_stream: "PREV:prev" }}
        node {{ calculator: "MergeCalculator" input_stream: "in" input_stream: "prev" output_stream: "sum_in" }}
        node {{ calculator: "SubgraphTestAddCalculator" input_stream: "sum_in" output_stream: "out" }}
    """, search_path=[tmp_path])
    loop_node = graph.validated.nodes[0]
    assert [r.back_edge for r in loop_node.inputs] == [False, True]
    assert run(graph, [1, 2, 3]) == [101, 102, 103]


def test_search_path_from_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    write(second, "add_one.pbtxt", ADD_SUBGRAPH)
    monkeypatch.setenv(GRAPH_PATH_ENV, os.pathsep.join([str(first), str(second)]))
    assert find_subgraphs()["AddOne"] == second / "add_one.pbtxt"
    graph = Graph.from_string('input_stream: "in" output_stream: "out" '
                              'node { calculator: "AddOne" input_stream: "IN:in" output_stream: "OUT:out" }')
    assert run(graph, [5]) == [105]


def test_search_path_argument_comes_before_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_dir, arg_dir = tmp_path / "env", tmp_path / "arg"
    env_dir.mkdir()
    arg_dir.mkdir()
    write(env_dir, "add.pbtxt", ADD_SUBGRAPH)
    write(arg_dir, "add.pbtxt", ADD_SUBGRAPH.replace('node {', 'node { name: "Mine"'))
    monkeypatch.setenv(GRAPH_PATH_ENV, str(env_dir))
    assert find_subgraphs([arg_dir])["AddOne"] == arg_dir / "add.pbtxt"


_USES_ADD_ONE = ('input_stream: "in" output_stream: "out" '
                 'node { calculator: "AddOne" input_stream: "IN:in" output_stream: "OUT:out" }')


def test_a_graph_files_subgraphs_are_found_beside_it(tmp_path: Path) -> None:
    write(tmp_path, "add_one.pbtxt", ADD_SUBGRAPH)
    assert run(Graph.from_file(write(tmp_path, "main.pbtxt", _USES_ADD_ONE)), [5]) == [105]
    (tmp_path / "below").mkdir()  # outside a MediaPipe tree, the file's folder alone, not its subfolders
    write(tmp_path / "below", "add_other.pbtxt", ADD_SUBGRAPH.replace("AddOne", "AddOther"))
    with pytest.raises(GraphConfigError, match="unknown calculator 'AddOther'"):
        Graph.from_file(write(tmp_path, "other.pbtxt", _USES_ADD_ONE.replace("AddOne", "AddOther")))
    with pytest.raises(GraphConfigError, match="unknown calculator 'AddOne'"):
        Graph.from_string(_USES_ADD_ONE)  # a config that is not a file has no folder to look in


def test_a_file_in_a_mediapipe_tree_finds_subgraphs_anywhere_in_that_tree(tmp_path: Path) -> None:
    # MediaPipe's layout: mediapipe/modules/<module>/*.pbtxt and mediapipe/graphs/<app>/*.pbtxt.
    root = tmp_path / "mediapipe"
    for folder in ("modules/adding", "modules/main", "graphs/app/subgraphs"):
        (root / folder).mkdir(parents=True)
    write(root / "modules" / "adding", "add_one.pbtxt", ADD_SUBGRAPH)
    module = write(root / "modules" / "main", "main.pbtxt", _USES_ADD_ONE)
    app = write(root / "graphs" / "app" / "subgraphs", "app.pbtxt", _USES_ADD_ONE)
    assert run(Graph.from_file(module), [1]) == [101]
    assert run(Graph.from_file(app), [2]) == [102]


def test_search_path_comes_before_the_files_own_folder(tmp_path: Path) -> None:
    mine, other = tmp_path / "mine", tmp_path / "other"
    mine.mkdir()
    other.mkdir()
    write(mine, "add_one.pbtxt", ADD_SUBGRAPH)
    write(other, "add_one.pbtxt", ADD_SUBGRAPH.replace("node {", "node { name: \"Other\""))
    main = write(mine, "main.pbtxt", _USES_ADD_ONE)
    assert run(Graph.from_file(main), [5]) == [105]
    found = find_subgraphs([other], graph_file=main)
    assert found["AddOne"] == other / "add_one.pbtxt"


def test_a_changed_subgraph_file_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path, "add_one.pbtxt", ADD_SUBGRAPH)
    text = ('input_stream: "in" output_stream: "out" '
            'node { calculator: "AddOne" input_stream: "IN:in" output_stream: "OUT:out" }')
    assert run(Graph.from_string(text, search_path=[tmp_path]), [1]) == [101]
    path.write_text(ADD_SUBGRAPH.replace('type: "AddOne"', 'type: "AddOther"'), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    assert "AddOne" not in find_subgraphs([tmp_path])
    assert find_subgraphs([tmp_path])["AddOther"] == path


def test_a_subgraph_including_itself_is_an_error_naming_the_cycle(tmp_path: Path) -> None:
    write(tmp_path, "ping.pbtxt", 'type: "Ping" input_stream: "IN:x" output_stream: "OUT:y" '
                                  'node { calculator: "Pong" input_stream: "IN:x" output_stream: "OUT:y" }')
    write(tmp_path, "pong.pbtxt", 'type: "Pong" input_stream: "IN:x" output_stream: "OUT:y" '
                                  'node { calculator: "Ping" input_stream: "IN:x" output_stream: "OUT:y" }')
    with pytest.raises(GraphConfigError, match="Ping -> Pong -> Ping") as info:
        Graph.from_string('input_stream: "in" output_stream: "out" '
                          'node { calculator: "Ping" input_stream: "IN:in" output_stream: "OUT:out" }',
                          search_path=[tmp_path])
    assert info.value.file == str(tmp_path / "pong.pbtxt")
    assert info.value.line == 1


def test_an_error_inside_a_subgraph_points_at_the_subgraph_file(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.pbtxt", """type: "Bad"
input_stream: "IN:x"
output_stream: "OUT:y"
node {
  calculator: "SubgraphTestAddCalculator"
  input_stream: "x"
  input_stream: "NOPE:x"
  output_stream: "y"
}
""")
    with pytest.raises(GraphConfigError) as info:
        Graph.from_string('input_stream: "in" output_stream: "out" '
                          'node { calculator: "Bad" input_stream: "IN:in" output_stream: "OUT:out" }',
                          search_path=[tmp_path])
    problem = info.value.problems[0]
    assert (problem.file, problem.line, problem.column) == (str(path), 7, 17)
    assert "'bad__SubgraphTestAddCalculator'" in problem.message and "NOPE" in problem.message


def test_error_positions_skip_the_removed_inputs(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.pbtxt", """type: "Bad"
input_stream: "IN:x"
input_stream: "OPT:unused"
output_stream: "OUT:y"
node {
  calculator: "SubgraphTestAddCalculator"
  input_stream: "unused"
  input_stream: "NOPE:x"
  output_stream: "y"
}
""")
    with pytest.raises(GraphConfigError) as info:
        Graph.from_string('input_stream: "in" output_stream: "out" '
                          'node { calculator: "Bad" input_stream: "IN:in" output_stream: "OUT:out" }',
                          search_path=[tmp_path])
    assert (info.value.file, info.value.line, info.value.column) == (str(path), 8, 17)


def test_a_tag_the_subgraph_does_not_declare_is_an_error_at_the_parent_node(tmp_path: Path) -> None:
    write(tmp_path, "add_one.pbtxt", ADD_SUBGRAPH)
    parent = write(tmp_path, "main.pbtxt", """input_stream: "in"
output_stream: "out"
node {
  calculator: "AddOne"
  input_stream: "IN:in"
  input_stream: "EXTRA:in"
  output_stream: "OUT:out"
}
""")
    with pytest.raises(GraphConfigError, match=r"subgraph 'AddOne' .* has no input stream EXTRA \(it declares: IN\)") as info:
        Graph(parent, search_path=[tmp_path])
    assert (info.value.file, info.value.line) == (str(parent), 6)


def test_unknown_calculator_that_is_no_subgraph_still_suggests_close_names(tmp_path: Path) -> None:
    write(tmp_path, "add_one.pbtxt", ADD_SUBGRAPH)
    with pytest.raises(GraphConfigError, match="unknown calculator 'GateCalculatr'; did you mean GateCalculator"):
        Graph.from_string('input_stream: "in" node { calculator: "GateCalculatr" input_stream: "in" '
                          'output_stream: "out" }', search_path=[tmp_path])


def test_a_subgraph_file_that_does_not_parse_is_reported_when_its_type_is_used(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.pbtxt", 'type: "Broken"\nnode { calculator: "X" bogus: 1 }\n')
    with pytest.raises(GraphConfigError) as info:
        Graph.from_string('input_stream: "in" node { calculator: "Broken" input_stream: "IN:in" }',
                          search_path=[tmp_path])
    assert info.value.file == str(path) and info.value.line == 2


def test_only_the_subgraphs_a_graph_uses_are_parsed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, "add_one.pbtxt", ADD_SUBGRAPH)
    write(tmp_path, "broken.pbtxt", 'type: "Broken"\nnode { calculator: "X" bogus: 1 }\n')
    text = 'input_stream: "in" output_stream: "out" node { calculator: "AddOne" input_stream: "IN:in" output_stream: "OUT:out" }'
    with caplog.at_level("DEBUG", logger="posegraph"):
        assert run(Graph.from_string(text, search_path=[tmp_path]), [1]) == [101]
    assert "broken" not in caplog.text  # never read as a graph, so no complaint about it
    assert find_subgraphs([tmp_path])["Broken"] == tmp_path / "broken.pbtxt"


def parsed_type(text: str, syntax: str) -> str:
    """The type the full parser reads (a pbtxt's options of an unknown message taken out first)."""
    from posegraph.framework.config.loader import parse_config

    return parse_config(text.replace("[mediapipe.FooOptions.ext] { type: \"Inner\" }", ""), syntax).config.type


@pytest.mark.parametrize("text,declared", [
    ('type: "Top"\nnode { calculator: "X" }', "Top"),
    ("type : 'Single'", "Single"),
    ('node { calculator: "X" }\ntype: "AfterNodes"', "AfterNodes"),
    ('executor { name: "pool" type: "ThreadPoolExecutor" }\nnode { calculator: "X" }', None),
    ('# type: "Commented"\nnode { calculator: "X" options { [mediapipe.FooOptions.ext] { type: "Inner" } } }', None),
    ('node < calculator: "}" >\ntype: "AfterAngleBrackets"', "AfterAngleBrackets"),
    ('node { calculator: "X" input_stream: "a#b" }\ntype: "AfterHashInString"', "AfterHashInString"),
])
def test_a_pbtxt_files_type_is_read_without_parsing_it(text: str, declared: str | None) -> None:
    from posegraph.framework.subgraph import _declared_type_in_text

    assert _declared_type_in_text(text, "pbtxt") == declared
    assert parsed_type(text, "pbtxt") == (declared or "")


@pytest.mark.parametrize("text,declared", [
    ("type: PoseSomething\nnode:\n  - calculator: X\n", "PoseSomething"),
    ("executor:\n  - type: ThreadPoolExecutor\ntype: 'Quoted'  # a comment\n", "Quoted"),
    ("executor:\n  - type: ThreadPoolExecutor\n", None),
])
def test_a_yaml_files_type_is_read_without_parsing_it(text: str, declared: str | None) -> None:
    from posegraph.framework.subgraph import _declared_type_in_text

    assert _declared_type_in_text(text, "yaml") == declared
    assert parsed_type(text, "yaml") == (declared or "")


def test_graph_without_subgraph_nodes_is_returned_unchanged() -> None:
    loaded = load_config(GRAPHS / "pose_renderer.pbtxt")
    assert expand_subgraphs(loaded) is loaded


# --- the shipped graphs ---------------------------------------------------------------------

def test_shipped_subgraphs_are_found_on_the_default_search_path() -> None:
    found = find_subgraphs()
    for name, file in [("PoseDetection", "pose_detection.pbtxt"), ("PoseLandmarkByRoi", "pose_landmark_by_roi.pbtxt"),
                       ("PoseRenderer", "pose_renderer.pbtxt"), ("PoseTracking", "pose_tracking_module.pbtxt"),
                       ("MultiPoseTracking", "multi_pose_tracking_module.pbtxt")]:
        assert found[name].name == file


def _signature(graph: Graph) -> list[tuple]:
    return [(n.name, n.calculator, n.inputs, n.outputs, n.side_inputs, n.side_outputs, n.options,
             n.input_stream_handler) for n in graph.validated.nodes]


def test_pose_tracking_module_keeps_its_interface_and_expands_its_subgraphs() -> None:
    graph = Graph(GRAPHS / "pose_tracking_module.pbtxt")
    v = graph.validated
    assert [(r.tag, r.name) for r in v.input_streams] == [("IMAGE", "image")]
    assert [(r.tag, r.name) for r in v.output_streams] == [
        ("LANDMARKS", "pose_landmarks"), ("WORLD_LANDMARKS", "pose_world_landmarks"),
        ("DETECTION", "pose_detection"), ("ROI", "pose_rect"), ("ROI_FROM_LANDMARKS", "pose_rect_from_landmarks"),
        ("SEGMENTATION_MASK", "segmentation_mask")]
    assert sorted(graph.side_packet_types) == ["enable_segmentation", "min_detection_confidence",
                                               "min_tracking_confidence", "model_complexity", "smooth_landmarks",
                                               "smooth_segmentation", "static_image_mode"]
    assert [(r.tag, r.name) for r in v.output_side_packets] == [("LANDMARK_MODEL", "pose_landmark_model")]
    names = [n.name for n in v.nodes]
    assert "posedetection__TensorsToDetectionsCalculator" in names
    assert "poselandmarkbyroi__VisibilityGatingCalculator" in names
    decode = v.nodes[names.index("posedetection__TensorsToDetectionsCalculator")]
    assert {r.tag: r.name for r in decode.side_inputs} == {"ANCHORS": "posedetection__anchors",
                                                          "MIN_SCORE_THRESH": "min_detection_confidence"}
    assert decode.source_map.file.endswith("pose_detection.pbtxt")
    loop = v.nodes[names.index("PreviousLoopbackCalculator")]
    assert [r.back_edge for r in loop.inputs] == [False, True]


def test_pose_tracking_app_graph_throttles_tracks_and_renders() -> None:
    """MediaPipe's pose_tracking_cpu: a flow limiter (FINISHED back edge from the rendered frame),
    the PoseTracking module and the PoseRenderer, with the module's nodes and side packets."""
    graph = Graph(GRAPHS / "pose_tracking.pbtxt")
    v = graph.validated
    assert [(r.tag, r.name) for r in v.input_streams] == [("IMAGE", "image")]
    assert [(r.tag, r.name) for r in v.output_streams] == [
        ("IMAGE", "output_video"), ("LANDMARKS", "pose_landmarks"), ("WORLD_LANDMARKS", "pose_world_landmarks"),
        ("ALLOW", "frame_allowed"), ("SEGMENTATION_MASK", "segmentation_mask")]
    assert [(r.tag, r.name) for r in v.output_side_packets] == [("LANDMARK_MODEL", "pose_landmark_model")]
    assert graph.side_packet_types == Graph(GRAPHS / "pose_tracking_module.pbtxt").side_packet_types
    limiter = v.nodes[0]
    assert limiter.calculator == "FlowLimiterCalculator"
    assert [(r.tag, r.name, r.back_edge) for r in limiter.inputs] == [("", "image", False),
                                                                      ("FINISHED", "output_video", True)]
    module = [n.calculator for n in v.nodes if n.name.startswith("posetracking__")]
    assert module == [n.calculator for n in Graph(GRAPHS / "pose_tracking_module.pbtxt").validated.nodes]
    [renderer] = [n for n in v.nodes if n.calculator == "PoseRendererCalculator"]
    assert {r.tag: r.name for r in renderer.inputs} == {"IMAGE": "throttled_image", "NORM_LANDMARKS": "pose_landmarks"}


def test_pose_tracking_yaml_expands_to_the_same_nodes_and_wiring_as_the_pbtxt() -> None:
    pbtxt, yaml = Graph(GRAPHS / "pose_tracking.pbtxt"), Graph(GRAPHS / "pose_tracking.yaml")
    assert _signature(yaml) == _signature(pbtxt)
    for field in ("input_streams", "output_streams", "input_side_packets", "output_side_packets"):
        assert getattr(yaml.validated, field) == getattr(pbtxt.validated, field)


def test_pose_renderer_subgraph_draws_as_the_calculator_does() -> None:
    from posegraph.calculators.pose.render import draw_pose

    rng = np.random.default_rng(0)
    data = np.zeros((33, 5), np.float32)
    data[:, :2] = rng.uniform(0.2, 0.8, (33, 2))
    data[:, 3:] = 1.0
    landmarks = NormalizedLandmarkList(data)
    image = np.zeros((64, 48, 3), np.uint8)
    graph = Graph.from_string("""
        input_stream: "image" input_stream: "landmarks" output_stream: "rendered"
        node { calculator: "PoseRenderer" input_stream: "IMAGE:image" input_stream: "LANDMARKS:landmarks"
               output_stream: "IMAGE:rendered" }
    """)
    got = []
    graph.observe("rendered", lambda p: got.append(p.payload))
    graph.start()
    graph.add_packet("landmarks", landmarks, 0)
    graph.add_packet("image", image, 0)
    graph.add_packet("image", image, 1)  # no landmarks at 1: the image passes unchanged
    graph.close()
    assert len(got) == 2
    np.testing.assert_array_equal(got[0], draw_pose(image, data, 0.5))
    assert got[0].any()
    np.testing.assert_array_equal(got[1], image)


def test_a_folder_on_the_path_twice_keeps_its_first_place_and_its_subfolders(tmp_path):
    """The graph file's own folder is searched without subfolders; when that folder is also on
    the path with them (here the bundled graphs), it is searched once, with them."""
    from posegraph.framework.subgraph import builtin_graph_dir, subgraph_search_path

    bundled = builtin_graph_dir()
    assert subgraph_search_path((), bundled / "multi_pose_tracking.pbtxt") == [(bundled, True)]
    (tmp_path / "deep").mkdir()
    (tmp_path / "g.pbtxt").write_text("")
    assert subgraph_search_path((), tmp_path / "g.pbtxt")[0] == (tmp_path, False)
    assert subgraph_search_path((tmp_path,), tmp_path / "g.pbtxt")[0] == (tmp_path, True)
