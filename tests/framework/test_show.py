"""``posegraph show``: the expanded graph as Graphviz DOT, and rendering it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import posegraph.framework.show as show
from posegraph import graphs
from posegraph import Graph, PosegraphError
from posegraph.framework.show import BACK_EDGE_COLOR, render, to_dot

GRAPHS = graphs.directory()
_STRING = r'"(?:[^"\\]|\\.)*"'
_NODE = re.compile(rf"^\s*({_STRING}) \[(.*)\];$")
_EDGE = re.compile(rf"^\s*({_STRING}) -> ({_STRING}) \[(.*)\];$")
_ATTR = re.compile(rf"(\w+)=({_STRING})")


def _unquote(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), s[1:-1])


def parse_dot(dot: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict[str, str]]]]:
    """Nodes (id -> attributes) and edges (tail, head, attributes) of to_dot's one-statement-per-line
    output, after checking its structure: one digraph block, balanced braces and brackets, every
    statement ended by ';', every edge between declared nodes."""
    lines = dot.strip().splitlines()
    assert re.match(rf"^digraph {_STRING} \{{$", lines[0]) and lines[-1] == "}"
    outside_strings = re.sub(_STRING, '""', dot)
    assert outside_strings.count("{") == outside_strings.count("}") == 1
    assert outside_strings.count("[") == outside_strings.count("]")
    nodes: dict[str, dict[str, str]] = {}
    edges = []
    for line in lines[1:-1]:
        assert line.endswith(";"), line
        if line.lstrip().startswith(("graph [", "node [", "edge [")):
            continue
        if m := _EDGE.match(line):
            attrs = {k: _unquote(v) for k, v in _ATTR.findall(m.group(3))}
            edges.append((_unquote(m.group(1)), _unquote(m.group(2)), attrs))
        else:
            m = _NODE.match(line)
            assert m, f"not a DOT statement: {line!r}"
            nodes[_unquote(m.group(1))] = {k: _unquote(v) for k, v in _ATTR.findall(m.group(2))}
    for tail, head, _ in edges:
        assert tail in nodes and head in nodes, (tail, head)
    return nodes, edges


@pytest.fixture(scope="module")
def pose_graph() -> Graph:
    return Graph(GRAPHS / "pose_tracking_module.pbtxt")


def test_every_expanded_node_is_drawn_with_its_name_and_calculator(pose_graph: Graph) -> None:
    nodes, _ = parse_dot(to_dot(pose_graph))
    for i, n in enumerate(pose_graph.validated.nodes):
        label = nodes[f"node{i}"]["label"]
        assert n.calculator in label and n.name in label
    names = [n.name for n in pose_graph.validated.nodes]
    node = f"node{names.index('posedetection__ImageToTensorCalculator')}"
    assert nodes[node]["label"] == "posedetection__ImageToTensorCalculator\nImageToTensorCalculator"


def test_graph_inputs_outputs_and_side_packets_have_their_own_shapes(pose_graph: Graph) -> None:
    nodes, edges = parse_dot(to_dot(pose_graph))
    assert nodes["input:image"]["shape"] == "invhouse"
    outputs = [k for k in nodes if k.startswith("output:")]
    assert sorted(outputs) == sorted(f"output:{r.name}" for r in pose_graph.validated.output_streams)
    assert {nodes[k]["shape"] for k in outputs} == {"house"}
    assert nodes["side:min_tracking_confidence"]["shape"] == "note"
    assert nodes["side:posedetection__anchors"]["shape"] == "note"  # made by a node, not given to start()
    side_edges = [e for e in edges if e[0].startswith("side:") or e[1].startswith("side:")]
    assert side_edges and all(a["style"] == "dashed" for _, _, a in side_edges)
    names = [n.name for n in pose_graph.validated.nodes]
    reader = f"node{names.index('posedetection__TensorsToDetectionsCalculator')}"
    assert ("side:min_detection_confidence", reader) in [(t, h) for t, h, _ in side_edges]


def test_stream_edges_carry_the_stream_name_and_the_tags_at_both_ends(pose_graph: Graph) -> None:
    _, edges = parse_dot(to_dot(pose_graph))
    names = [n.name for n in pose_graph.validated.nodes]
    merge = f"node{names.index('MergeCalculator')}"
    landmark_warp = f"node{names.index('poselandmarkbyroi__ImageToTensorCalculator')}"
    (attrs,) = [a for t, h, a in edges if t == merge and h == landmark_warp]
    assert attrs["label"] == "pose_rect" and attrs["headlabel"] == "NORM_RECT" and "taillabel" not in attrs
    (attrs,) = [a for t, h, a in edges if h == "output:pose_rect_from_landmarks"]
    assert attrs["headlabel"] == "ROI_FROM_LANDMARKS"
    stream_edges = [e for e in edges if not (e[0].startswith("side:") or e[1].startswith("side:"))]
    n_inputs = sum(len(n.inputs) for n in pose_graph.validated.nodes)
    assert len(stream_edges) == n_inputs + len(pose_graph.validated.output_streams)


def test_the_back_edge_is_drawn_dashed_coloured_and_outside_the_ranking(pose_graph: Graph) -> None:
    _, edges = parse_dot(to_dot(pose_graph))
    back = [(t, h, a) for t, h, a in edges if a.get("constraint") == "false"]
    names = [n.name for n in pose_graph.validated.nodes]
    node = {name: f"node{names.index(name)}" for name in names}
    # The ROI loop, and the segmentation mask's loop inside PoseSegmentationFiltering.
    loops = {(node["RectTransformationCalculator_2"], node["PreviousLoopbackCalculator"]): "pose_rect_from_landmarks",
             (node["posesegmentationfiltering__SegmentationSmoothingCalculator"],
              node["posesegmentationfiltering__PreviousLoopbackCalculator"]): "segmentation_mask"}
    assert sorted((t, h) for t, h, _ in back) == sorted(loops)
    for tail, head, attrs in back:
        assert attrs["style"] == "dashed" and attrs["color"] == BACK_EDGE_COLOR
        assert attrs["label"] == loops[(tail, head)] and attrs["headlabel"] == "LOOP"
    forward = [a for _, _, a in edges if a.get("constraint") != "false"]
    assert all(a.get("color") != BACK_EDGE_COLOR for a in forward)


def test_names_needing_escapes_stay_valid_dot() -> None:
    graph = Graph.from_string('input_stream: "in" output_stream: "out" '
                              'node { name: "say \\"hi\\"" calculator: "PassThroughCalculator" '
                              'input_stream: "in" output_stream: "out" }')
    dot = to_dot(graph.validated, name="a \\ b")
    nodes, edges = parse_dot(dot)
    assert nodes["node0"]["label"] == 'say "hi"\nPassThroughCalculator'
    assert [(t, h) for t, h, _ in edges] == [("input:in", "node0"), ("node0", "output:out")]


def test_render_writes_dot_text_without_graphviz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 pose_graph: Graph) -> None:
    monkeypatch.setattr(show.shutil, "which", lambda name: None)
    dot = to_dot(pose_graph)
    assert render(dot, tmp_path / "g.dot").read_text(encoding="utf-8") == dot
    with pytest.raises(PosegraphError, match="Install Graphviz.*or write a .dot file"):
        render(dot, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    with pytest.raises(PosegraphError, match=r"use a \.dot"):
        render(dot, tmp_path / "g.jpeg")


def test_render_runs_graphviz_for_svg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_run(args: list[str], **kwargs: object) -> None:
        calls.append((args, kwargs["input"]))
        Path(args[args.index("-o") + 1]).write_text("<svg/>", encoding="utf-8")

    monkeypatch.setattr(show.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(show.subprocess, "run", fake_run)
    out = render("digraph g {}\n", tmp_path / "g.svg")
    assert calls == [(["/usr/bin/dot", "-Tsvg", "-o", str(tmp_path / "g.svg")], "digraph g {}\n")]
    assert out.read_text(encoding="utf-8") == "<svg/>"
