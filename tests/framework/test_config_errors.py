"""Graph config errors: every problem is a GraphConfigError that says file, line and column.

Configs are written to files under ``tmp_path`` and loaded by path, so the file name in each
problem is checked along with the line and column (1-based) of the offending entry.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import posegraph
from posegraph import ConfigProblem, Graph, GraphConfigError
from posegraph.calculators.core.gate import GateCalculatorOptions


def load_error(tmp_path: Path, text: str, suffix: str = ".pbtxt") -> tuple[GraphConfigError, str]:
    """Writes ``text`` to a config file, builds a Graph from it, and returns the error and the path."""
    path = tmp_path / f"graph{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GraphConfigError) as info:
        Graph(path)
    return info.value, str(path)


def build(tmp_path: Path, text: str, suffix: str = ".pbtxt") -> Graph:
    path = tmp_path / f"graph{suffix}"
    path.write_text(text, encoding="utf-8")
    return Graph(path)


def only_problem(error: GraphConfigError) -> ConfigProblem:
    assert len(error.problems) == 1, error.problems
    return error.problems[0]


# --- syntax ---------------------------------------------------------------------------------------

def test_pbtxt_syntax_error_gives_file_line_and_column(tmp_path: Path) -> None:
    text = ('input_stream: "in"\n'
            'node {\n'
            '  calculator: "PassThroughCalculator"\n'
            '  input_stream: "in"\n'
            '  output_stream "out"\n'
            '}\n')
    error, path = load_error(tmp_path, text)
    problem = only_problem(error)
    assert (problem.file, problem.line, problem.column) == (path, 5, 17)  # the '"out"' after a missing ':'
    assert (error.file, error.line, error.column) == (path, 5, 17)
    assert 'Expected ":"' in problem.message
    assert str(error).startswith(f"{path}:5:17: ")


def test_pbtxt_unbalanced_brace_points_at_the_extra_brace(tmp_path: Path) -> None:
    text = ('input_stream: "in"\n'
            'node {\n'
            '  calculator: "PassThroughCalculator"\n'
            '  input_stream: "in" }}\n')
    problem = only_problem(load_error(tmp_path, text)[0])
    assert (problem.line, problem.column) == (4, 23)


def test_yaml_syntax_error_gives_file_line_and_column(tmp_path: Path) -> None:
    text = ('input_stream: in\n'
            'node:\n'
            '  - calculator: PassThroughCalculator\n'
            '   input_stream: in\n')
    error, path = load_error(tmp_path, text, ".yaml")
    problem = only_problem(error)
    assert (problem.file, problem.line, problem.column) == (path, 4, 4)
    assert problem.message.startswith("YAML syntax error")


def test_yaml_unclosed_flow_sequence_points_at_the_end(tmp_path: Path) -> None:
    text = 'input_stream: in\nnode:\n  - calculator: GateCalculator\n    input_stream: [in\n'
    problem = only_problem(load_error(tmp_path, text, ".yml")[0])
    assert (problem.line, problem.column) == (5, 1)
    assert "YAML syntax error" in problem.message


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "absent.pbtxt"
    with pytest.raises(GraphConfigError) as info:
        Graph(missing)
    assert info.value.file == str(missing)
    assert "cannot read graph config" in str(info.value)


# --- fields and types -------------------------------------------------------------------------------

def test_pbtxt_unknown_field(tmp_path: Path) -> None:
    text = 'input_stream: "in"\nnode {\n  calculator: "GateCalculator"\n  bogus_field: 3\n}\n'
    error, path = load_error(tmp_path, text)
    problem = only_problem(error)
    assert (problem.file, problem.line, problem.column) == (path, 4, 3)
    assert "bogus_field" in problem.message


def test_yaml_unknown_field_suggests_the_close_name(tmp_path: Path) -> None:
    text = 'input_stream: in\nnode:\n  - calculator: GateCalculator\n    input_streem: in\n'
    error, path = load_error(tmp_path, text, ".yaml")
    problem = only_problem(error)
    assert (problem.file, problem.line, problem.column) == (path, 4, 5)
    assert "unknown field 'input_streem' in Node" in problem.message
    assert "did you mean 'input_stream'" in problem.message


def test_pbtxt_wrong_type(tmp_path: Path) -> None:
    problem = only_problem(load_error(tmp_path, 'input_stream: "in"\nnum_threads: "four"\n')[0])
    assert (problem.line, problem.column) == (2, 14)
    assert "four" in problem.message


def test_yaml_wrong_type(tmp_path: Path) -> None:
    problem = only_problem(load_error(tmp_path, "input_stream: in\nnum_threads: four\n", ".yaml")[0])
    assert (problem.line, problem.column) == (2, 14)
    assert problem.message == "field 'num_threads' takes an integer, got 'four'"


@pytest.mark.parametrize("text, position, message", [
    # test_fuzz.py found the first one: it escaped as protobuf's ValueError.
    ("input_stream: in\nnode:\n  - calculator: PassThroughCalculator\n    input_stream: in\n"
     "    max_in_flight: 2147483648\n", (5, 20),
     "field 'max_in_flight' takes an integer from -2147483648 to 2147483647, got 2147483648"),
    ("input_stream: in\nnum_threads: -2147483649\n", (2, 14),
     "field 'num_threads' takes an integer from -2147483648 to 2147483647, got -2147483649"),
    ("input_stream: in\nmax_queue_size: 99999999999\n", (2, 17),
     "field 'max_queue_size' takes an integer from -2147483648 to 2147483647, got 99999999999"),
], ids=["max_in_flight", "num_threads", "max_queue_size"])
def test_yaml_integer_out_of_range(tmp_path: Path, text: str, position: tuple[int, int], message: str) -> None:
    error, path = load_error(tmp_path, text, ".yaml")
    problem = only_problem(error)
    assert (problem.file, problem.line, problem.column, problem.message) == (path, *position, message)


def test_yaml_sequence_where_a_single_value_belongs(tmp_path: Path) -> None:
    problem = only_problem(load_error(tmp_path, "node: [{calculator: [1]}]\n", ".yaml")[0])
    assert (problem.line, problem.column) == (1, 21)
    assert "'calculator' takes a single value" in problem.message


# --- wiring -------------------------------------------------------------------------------------------

def test_bad_stream_name_syntax(tmp_path: Path) -> None:
    text = ('input_stream: "in"\n'
            'node {\n'
            '  calculator: "PassThroughCalculator"\n'
            '  input_stream: "Bad-Name"\n'
            '  output_stream: "out"\n'
            '}\n')
    problem = load_error(tmp_path, text)[0].problems[0]
    assert (problem.line, problem.column) == (4, 17)
    assert "bad input_stream entry 'Bad-Name'" in problem.message


@pytest.mark.parametrize("entry", ["lower:name", "TAG:x:name", "TAG:", "9name", "TAG:1:Name"])
def test_stream_reference_forms_that_are_rejected(tmp_path: Path, entry: str) -> None:
    text = f'input_stream: "{entry}"\n'
    problem = only_problem(load_error(tmp_path, text)[0])
    assert (problem.line, problem.column) == (1, 15)
    assert f"bad input_stream entry {entry!r}" in problem.message


def test_bad_tag_names_the_tags_the_calculator_takes(tmp_path: Path) -> None:
    text = ('input_stream: "in"\n'
            'node {\n'
            '  calculator: "GateCalculator"\n'
            '  input_stream: "FOO:in"\n'
            '  output_stream: "out"\n'
            '}\n')
    problem = only_problem(load_error(tmp_path, text)[0])
    assert (problem.line, problem.column) == (4, 17)
    assert problem.message == ("node 'GateCalculator': GateCalculator has no input stream tag 'FOO' "
                               "(it takes: (untagged), 'ALLOW', 'DISALLOW')")


def test_missing_required_tag(tmp_path: Path) -> None:
    text = ('input_stream: "in"\n'
            'node {\n'
            '  calculator: "PacketPresenceCalculator"\n'
            '  input_stream: "PACKET:in"\n'
            '}\n')
    problem = only_problem(load_error(tmp_path, text)[0])
    assert (problem.line, problem.column) == (2, 1)  # the node
    assert "PacketPresenceCalculator needs output stream 'PRESENCE'" in problem.message


def test_index_on_a_tag_that_is_not_repeated(tmp_path: Path) -> None:
    text = ('input_stream: "in"\n'
            'node {\n'
            '  calculator: "PacketPresenceCalculator"\n'
            '  input_stream: "PACKET:0:in"\n'
            '  input_stream: "PACKET:1:in"\n'
            '  output_stream: "PRESENCE:p"\n'
            '}\n')
    problem = only_problem(load_error(tmp_path, text)[0])
    assert (problem.line, problem.column) == (5, 17)
    assert "takes only one input stream for tag 'PACKET'" in problem.message


def test_stream_produced_twice(tmp_path: Path) -> None:
    text = ('input_stream: "in"\n'
            'node {\n'
            '  name: "first"\n'
            '  calculator: "PassThroughCalculator"\n'
            '  input_stream: "in"\n'
            '  output_stream: "out"\n'
            '}\n'
            'node {\n'
            '  name: "second"\n'
            '  calculator: "PassThroughCalculator"\n'
            '  input_stream: "in"\n'
            '  output_stream: "out"\n'
            '}\n')
    problem = only_problem(load_error(tmp_path, text)[0])
    assert (problem.line, problem.column) == (12, 18)
    assert problem.message == "stream 'out' is produced twice: by node 'second' and by node 'first'"


def test_node_output_that_is_also_a_graph_input(tmp_path: Path) -> None:
    text = 'input_stream: "in"\nnode { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "in" }\n'
    problem = only_problem(load_error(tmp_path, text)[0])
    assert "stream 'in' is produced twice" in problem.message and "a graph input stream" in problem.message


def test_input_stream_nobody_produces(tmp_path: Path) -> None:
    text = ('input_stream: "in"\n'
            'node {\n'
            '  name: "reader"\n'
            '  calculator: "PassThroughCalculator"\n'
            '  input_stream: "nope"\n'
            '  output_stream: "out"\n'
            '}\n')
    problem = only_problem(load_error(tmp_path, text)[0])
    assert (problem.line, problem.column) == (5, 17)
    assert "node 'reader' reads stream 'nope', which no node produces" in problem.message


def test_graph_output_nobody_produces(tmp_path: Path) -> None:
    problem = only_problem(load_error(tmp_path, 'input_stream: "in"\noutput_stream: "ghost"\n')[0])
    assert (problem.line, problem.column) == (2, 16)
    assert "graph output_stream 'ghost' is not produced by any node" in problem.message


CYCLE = ('input_stream: "in"\n'
         'node {{\n'
         '  name: "merge"\n'
         '  calculator: "MergeCalculator"\n'
         '  input_stream: "in"\n'
         '  input_stream: "b"\n'
         '  output_stream: "a"\n'
         '{info}'
         '}}\n'
         'node {{\n'
         '  name: "pass"\n'
         '  calculator: "PassThroughCalculator"\n'
         '  input_stream: "a"\n'
         '  output_stream: "b"\n'
         '}}\n')


def test_cycle_without_back_edge_is_an_error(tmp_path: Path) -> None:
    problem = only_problem(load_error(tmp_path, CYCLE.format(info=""))[0])
    assert (problem.line, problem.column) == (6, 17)  # merge's input "b", which closes the cycle
    assert "cycle without a back edge through nodes 'merge', 'pass'" in problem.message


def test_same_cycle_with_a_back_edge_validates(tmp_path: Path) -> None:
    graph = build(tmp_path, CYCLE.format(info='  input_stream_info { tag_index: ":1" back_edge: true }\n'))
    merge = next(n for n in graph.validated.nodes if n.name == "merge")
    assert [(r.name, r.back_edge) for r in merge.inputs] == [("in", False), ("b", True)]
    assert {n.name: n.rank for n in graph.validated.nodes} == {"merge": 0, "pass": 1}


def test_cycle_hint_names_the_stream_that_closes_the_cycle(tmp_path: Path) -> None:
    problem = only_problem(load_error(tmp_path, CYCLE.format(info=""))[0])
    assert 'tag_index: ":1"' in problem.message


def test_input_stream_info_naming_no_input(tmp_path: Path) -> None:
    text = CYCLE.format(info='  input_stream_info { tag_index: "LOOP" back_edge: true }\n')
    problems = load_error(tmp_path, text)[0].problems
    assert any(p.line == 8 and "input_stream_info names 'LOOP'" in p.message for p in problems), problems


def test_unknown_calculator_suggests_close_names(tmp_path: Path) -> None:
    text = 'input_stream: "in"\nnode {\n  calculator: "GateCalculatr"\n  input_stream: "in"\n}\n'
    error, path = load_error(tmp_path, text)
    problem = only_problem(error)
    assert (problem.file, problem.line, problem.column) == (path, 3, 15)
    assert problem.message.startswith("unknown calculator 'GateCalculatr'; did you mean GateCalculator")


def test_unknown_calculator_case_insensitive_substring_is_suggested(tmp_path: Path) -> None:
    text = 'input_stream: "in"\nnode { calculator: "loopback" input_stream: "in" }\n'
    problem = only_problem(load_error(tmp_path, text)[0])
    assert "PreviousLoopbackCalculator" in problem.message


def test_unknown_input_stream_handler(tmp_path: Path) -> None:
    text = ('input_stream: "in"\n'
            'node {\n'
            '  calculator: "PassThroughCalculator"\n'
            '  input_stream: "in"\n'
            '  output_stream: "out"\n'
            '  input_stream_handler { input_stream_handler: "SyncSetInputStreamHandler" }\n'
            '}\n')
    problem = only_problem(load_error(tmp_path, text)[0])
    assert "unknown input stream handler 'SyncSetInputStreamHandler'" in problem.message
    assert problem.line is not None


# --- options ----------------------------------------------------------------------------------------

GATE_NODE = ('input_stream: "in"\n'
             'node {{\n'
             '  calculator: "GateCalculator"\n'
             '  input_stream: "in"\n'
             '  output_stream: "out"\n'
             '  {options}\n'
             '}}\n')


def gate_options(graph: Graph) -> GateCalculatorOptions:
    (node,) = graph.validated.nodes
    return node.options


@pytest.mark.parametrize("suffix,text", [
    (".pbtxt", GATE_NODE.format(options="options { [mediapipe.GateCalculatorOptions.ext] "
                                        "{ empty_packets_as_allow: true allow: false } }")),
    (".pbtxt", GATE_NODE.format(options="node_options: { [type.googleapis.com/mediapipe.GateCalculatorOptions] "
                                        "{ empty_packets_as_allow: true allow: false } }")),
    (".yaml", "input_stream: in\n"
              "node:\n"
              "  - calculator: GateCalculator\n"
              "    input_stream: in\n"
              "    output_stream: out\n"
              "    options: {empty_packets_as_allow: true, allow: false}\n"),
], ids=["options-extension", "node_options-any", "yaml-plain"])
def test_three_option_forms_give_the_same_options(tmp_path: Path, suffix: str, text: str) -> None:
    assert gate_options(build(tmp_path, text, suffix)) == GateCalculatorOptions(empty_packets_as_allow=True,
                                                                                allow=False)


def test_no_options_gives_the_defaults(tmp_path: Path) -> None:
    assert gate_options(build(tmp_path, GATE_NODE.format(options=""))) == GateCalculatorOptions()


@pytest.mark.parametrize("options,message", [
    ("options { [mediapipe.SplitVectorCalculatorOptions.ext] { element_only: true } }",
     "options [mediapipe.SplitVectorCalculatorOptions.ext] given to GateCalculator, "
     "which takes mediapipe.GateCalculatorOptions"),
    ("node_options: { [type.googleapis.com/mediapipe.SplitVectorCalculatorOptions] { element_only: true } }",
     "node_options mediapipe.SplitVectorCalculatorOptions given to GateCalculator, "
     "which takes mediapipe.GateCalculatorOptions"),
])
def test_options_of_the_wrong_message_type(tmp_path: Path, options: str, message: str) -> None:
    error, path = load_error(tmp_path, GATE_NODE.format(options=options))
    problem = only_problem(error)
    assert problem.file == path and problem.line is not None
    assert message in problem.message


def test_pbtxt_options_problem_points_at_the_options_line(tmp_path: Path) -> None:
    options = "options { [mediapipe.SplitVectorCalculatorOptions.ext] { element_only: true } }"
    problem = only_problem(load_error(tmp_path, GATE_NODE.format(options=options))[0])
    assert (problem.line, problem.column) == (6, 3)


def test_unknown_options_extension(tmp_path: Path) -> None:
    options = "options { [mediapipe.NoSuchOptions.ext] { x: 1 } }"
    problem = only_problem(load_error(tmp_path, GATE_NODE.format(options=options))[0])
    assert problem.line == 6
    assert "unknown options [mediapipe.NoSuchOptions.ext]" in problem.message


@pytest.mark.parametrize("plain,message", [
    ("{element_only: true}", "options: unknown field 'element_only' (fields of GateCalculatorOptions: "
                             "allow, empty_packets_as_allow, initial_gate_state)"),
    ("{allow: 3}", "options.allow: expected bool, got int 3"),
])
def test_yaml_plain_options_checked_against_the_dataclass(tmp_path: Path, plain: str, message: str) -> None:
    text = ("input_stream: in\n"
            "node:\n"
            "  - calculator: GateCalculator\n"
            "    input_stream: in\n"
            "    output_stream: out\n"
            f"    options: {plain}\n")
    error, path = load_error(tmp_path, text, ".yaml")
    problem = only_problem(error)
    assert (problem.file, problem.line, problem.column) == (path, 6, 14)
    assert message in problem.message


def test_options_on_a_calculator_without_options(tmp_path: Path) -> None:
    text = ("input_stream: in\n"
            "node:\n"
            "  - calculator: PassThroughCalculator\n"
            "    input_stream: in\n"
            "    output_stream: out\n"
            "    options: {allow: true}\n")
    problem = only_problem(load_error(tmp_path, text, ".yaml")[0])
    assert "PassThroughCalculator takes no options" in problem.message


# --- several problems -------------------------------------------------------------------------------

def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = ('input_stream: "in"\n'                        # 1
            'node {\n'                                    # 2
            '  calculator: "GateCalculatr"\n'             # 3  unknown calculator
            '  input_stream: "in"\n'                      # 4
            '}\n'                                         # 5
            'node {\n'                                    # 6
            '  calculator: "GateCalculator"\n'            # 7
            '  input_stream: "BOGUS:in"\n'                # 8  bad tag
            '  output_stream: "gated"\n'                  # 9
            '}\n'                                         # 10
            'node {\n'                                    # 11
            '  calculator: "PassThroughCalculator"\n'     # 12
            '  input_stream: "nowhere"\n'                 # 13 nobody produces it
            '  output_stream: "out"\n'                    # 14
            '}\n')
    error, path = load_error(tmp_path, text)
    assert [(p.file, p.line, p.column) for p in error.problems] == [(path, 3, 15), (path, 8, 17), (path, 13, 17)]
    lines = str(error).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{path}:3:15: unknown calculator 'GateCalculatr'")
    assert lines[1].startswith(f"{path}:8:17: node 'GateCalculator': GateCalculator has no input stream tag 'BOGUS'")
    assert lines[2].startswith(f"{path}:13:17: node 'PassThroughCalculator' reads stream 'nowhere'")


def test_all_problems_are_reported_at_once_in_yaml(tmp_path: Path) -> None:
    text = ("input_stream: in\n"                           # 1
            "node:\n"                                      # 2
            "  - calculator: NoSuchCalculator\n"           # 3
            "  - calculator: GateCalculator\n"             # 4
            "    input_stream: [in, Bad-Name]\n"           # 5
            "    output_stream: out\n"                     # 6
            "  - calculator: PassThroughCalculator\n"      # 7
            "    input_stream: missing\n"                  # 8
            "    output_stream: out2\n")
    error, path = load_error(tmp_path, text, ".yaml")
    assert [(p.line, p.column) for p in error.problems] == [(3, 17), (5, 24), (8, 19)]
    assert all(p.file == path for p in error.problems)
    assert len(str(error).splitlines()) == 3


def test_errors_derive_from_the_root_exception(tmp_path: Path) -> None:
    error, _ = load_error(tmp_path, "node {")
    assert isinstance(error, posegraph.PosegraphError)


@pytest.mark.parametrize("text", ["? [a]\n: 1\n", "node: [{calculator: GateCalculator, {a: 1}: 2}]\n"])
def test_yaml_non_scalar_key_is_a_config_error(tmp_path: Path, text: str) -> None:
    error, path = load_error(tmp_path, text, ".yaml")
    assert error.file == path and error.line is not None


def test_graph_input_stream_declared_twice(tmp_path: Path) -> None:
    problem = only_problem(load_error(tmp_path, 'input_stream: "in"\ninput_stream: "in"\n')[0])
    assert (problem.line, problem.column) == (2, 15)
    assert "'in'" in problem.message


def test_negative_max_in_flight(tmp_path: Path) -> None:
    text = ('input_stream: "in"\n'
            'node {\n'
            '  calculator: "PassThroughCalculator"\n'
            '  input_stream: "in"\n'
            '  output_stream: "out"\n'
            '  max_in_flight: -1\n'
            '}\n')
    problem = only_problem(load_error(tmp_path, text)[0])
    assert problem.line == 6 and "max_in_flight" in problem.message
