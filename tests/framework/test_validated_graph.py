"""Node names: one rule (MediaPipe's CanonicalNodeName) for a graph and for the inside of a subgraph."""

from __future__ import annotations

from pathlib import Path

from posegraph import Graph

# The example of mediapipe/framework/tool/name_util.h, with real calculators: unnamed nodes take
# their calculator's name, and a name several nodes share is numbered from 1 on every one of them.
NODES = '''
node {{ {a} calculator: "PassThroughCalculator" input_stream: "in" output_stream: "a" }}
node {{ name: "NameB" calculator: "PacketPresenceCalculator" input_stream: "PACKET:in" output_stream: "PRESENCE:b" }}
node {{ calculator: "MergeCalculator" input_stream: "in" output_stream: "c1" }}
node {{ calculator: "MergeCalculator" input_stream: "in" output_stream: "c2" }}
node {{ name: "NameX" calculator: "GateCalculator" input_stream: "in" output_stream: "x" }}
node {{ name: "NameY" calculator: "GateCalculator" input_stream: "in" output_stream: "y" }}
node {{ name: "NameZ" calculator: "PassThroughCalculator" input_stream: "in" output_stream: "z1" }}
node {{ name: "NameZ" calculator: "MergeCalculator" input_stream: "in" output_stream: "z2" }}
'''
NAMES = ["PassThroughCalculator", "NameB", "MergeCalculator_1", "MergeCalculator_2", "NameX", "NameY", "NameZ_1",
         "NameZ_2"]


def test_nodes_are_named_as_mediapipe_names_them() -> None:
    graph = Graph.from_string('input_stream: "in"\n' + NODES.format(a=""))
    assert [n.name for n in graph.validated.nodes] == NAMES


def test_a_subgraph_names_its_nodes_by_the_same_rule(tmp_path: Path) -> None:
    (tmp_path / "names.pbtxt").write_text('type: "Names"\ninput_stream: "IN:in"\n' + NODES.format(a=""))
    graph = Graph.from_string('input_stream: "in"\nnode { calculator: "Names" input_stream: "IN:in" }\n'
                              'node { calculator: "Names" input_stream: "IN:in" }\n', search_path=[tmp_path])
    assert [n.name for n in graph.validated.nodes] == [f"names_{i}__{name}" for i in (1, 2) for name in NAMES]


def test_a_name_given_to_a_node_counts_with_calculator_names() -> None:
    graph = Graph.from_string('input_stream: "in"\n' + NODES.format(a='name: "MergeCalculator"'))
    assert [n.name for n in graph.validated.nodes][:4] == ["MergeCalculator_1", "NameB", "MergeCalculator_2",
                                                          "MergeCalculator_3"]
