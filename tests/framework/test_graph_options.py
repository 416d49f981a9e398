"""Subgraph options as MediaPipe defines them: ``graph_options`` on the subgraph, the parent node's
options of that type merged over them, and ``option_value`` copying fields into inner nodes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from posegraph import Graph, GraphConfigError, parse_config
from posegraph.framework.options import options_message


@dataclass(frozen=True)
class Span:
    begin: int = 0
    end: int = 1


@dataclass(frozen=True)
class PickGraphOptions:
    """The options message of the test subgraph ``Pick``."""

    first: int = 0
    spans: tuple[Span, ...] = ()
    label: str = ""


options_message(PickGraphOptions)  # registered before any config names it

_PICK = '''
type: "Pick"
input_stream: "IN:v"
output_stream: "OUT:picked"
graph_options: { [type.googleapis.com/mediapipe.PickGraphOptions] { first: 1 spans { begin: 0 end: 2 } } }
node {
  calculator: "SplitVectorCalculator"
  input_stream: "v"
  output_stream: "picked"
  %s
}
'''


def _run(tmp_path: Path, inner: str, parent_options: str = "", vector=(10, 20, 30, 40)) -> list:
    (tmp_path / "pick.pbtxt").write_text(_PICK % inner)
    text = f'''
    input_stream: "v"
    output_stream: "out"
    node {{ calculator: "Pick" input_stream: "IN:v" output_stream: "OUT:out" {parent_options} }}
    '''
    graph = Graph(parse_config(text), search_path=[tmp_path])
    out = []
    graph.observe("out", lambda p: out.append(p.payload))
    with graph:
        graph.start()
        graph.add_packet("v", list(vector), 0)
    return out


def test_option_value_copies_a_graph_option_into_an_inner_node(tmp_path: Path) -> None:
    inner = 'option_value: "ranges/0/begin:options/first" option_value: "ranges/0/end:options/spans/0/end"'
    assert _run(tmp_path, inner) == [[20]]  # begin 1 and end 2 from the subgraph's graph_options


def test_the_parent_nodes_options_override_the_subgraphs_defaults(tmp_path: Path) -> None:
    inner = 'option_value: "ranges/0/begin:options/first" option_value: "ranges/0/end:OPTIONS/options/spans/0/end"'
    parent = 'node_options: { [type.googleapis.com/mediapipe.PickGraphOptions] { first: 0 } }'
    # proto merge: first is overwritten (0 is set explicitly), spans append after the defaults
    assert _run(tmp_path, inner, parent) == [[10, 20]]
    parent = 'options: { [mediapipe.PickGraphOptions.ext] { first: 2 } }'
    inner = 'option_value: "ranges/0/begin:options/first" option_value: "ranges/0/end:options/spans/1/end"'
    with pytest.raises(GraphConfigError, match="spans has 1 element"):
        _run(tmp_path, inner, parent)


def test_a_message_field_is_copied_whole(tmp_path: Path) -> None:
    inner = '''option_value: "ranges:options/spans"
      options: { [mediapipe.SplitVectorCalculatorOptions.ext] { element_only: false } }'''
    assert _run(tmp_path, inner) == [[10, 20]]


@pytest.mark.parametrize("inner, message", [
    ('option_value: "ranges/0/begin"', "expected 'NODE_FIELD_PATH:GRAPH_FIELD_PATH'"),
    ('option_value: "ranges/0/begin:options/nothing"', "has no field 'nothing'"),
    ('option_value: "nothing:options/first"', "SplitVectorCalculatorOptions has no field 'nothing'"),
    ('option_value: "ranges/0:options/first"', "ranges is a mediapipe.SplitVectorCalculatorOptions.Range message"),
])
def test_bad_option_values_are_config_errors_at_the_entry(tmp_path: Path, inner: str, message: str) -> None:
    with pytest.raises(GraphConfigError, match=message) as e:
        _run(tmp_path, inner)
    assert e.value.problems[0].file.endswith("pick.pbtxt") and e.value.problems[0].line == 10


def test_options_of_another_type_on_a_subgraph_node_are_an_error(tmp_path: Path) -> None:
    parent = 'options: { [mediapipe.GateCalculatorOptions.ext] { allow: true } }'
    with pytest.raises(GraphConfigError, match="takes options mediapipe.PickGraphOptions, not "
                                                "mediapipe.GateCalculatorOptions"):
        _run(tmp_path, "", parent)


def test_top_level_option_value_reads_the_graphs_own_graph_options() -> None:
    text = '''
    input_stream: "v"
    output_stream: "out"
    graph_options: { [type.googleapis.com/mediapipe.PickGraphOptions] { first: 3 } }
    node { calculator: "SplitVectorCalculator" input_stream: "v" output_stream: "out"
           option_value: "ranges/0/begin:options/first" }
    '''
    graph = Graph(parse_config(text))
    assert graph.validated.nodes[0].options.ranges[0].begin == 3
