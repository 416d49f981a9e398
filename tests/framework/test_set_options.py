"""Graph.set_options: option fields set on every node of a calculator before the run starts."""

from __future__ import annotations

import pytest

from posegraph import Graph, GraphRunError

# A gate with no ALLOW stream passes by its option ``allow`` (default true).
GATES = '''
input_stream: "in"
output_stream: "out"
node { calculator: "GateCalculator" input_stream: "in" output_stream: "mid" }
node { calculator: "GateCalculator" input_stream: "mid" output_stream: "out" }
'''


def run(graph: Graph) -> list[int]:
    seen: list[int] = []
    graph.observe("out", lambda p: seen.append(p.payload))
    graph.start()
    for t in range(3):
        graph.add_packet("in", t, t)
    graph.close()
    return seen


def test_set_options_changes_every_node_of_the_calculator():
    assert run(Graph.from_string(GATES)) == [0, 1, 2]
    graph = Graph.from_string(GATES)
    assert graph.set_options("GateCalculator", allow=False) == 2
    assert all(not n.options.allow for n in graph.validated.nodes)
    assert run(graph) == []


def test_set_options_refuses_unknown_fields_and_a_started_graph():
    graph = Graph.from_string(GATES)
    with pytest.raises(GraphRunError, match=r"GateCalculator has no option alow \(its options: empty_packets_as_allow, allow, initial_gate_state\)"):
        graph.set_options("GateCalculator", alow=False)
    assert graph.set_options("NoSuchCalculator", x=1) == 0
    graph.start()
    with pytest.raises(GraphRunError, match="already started"):
        graph.set_options("GateCalculator", allow=False)
    graph.close()
