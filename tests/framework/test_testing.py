"""posegraph.testing: one calculator on lists of packets, a whole graph on a list of frames."""

from __future__ import annotations

from pathlib import Path

import pytest

from posegraph import (Calculator, CalculatorContext, CalculatorError, Contract, GraphConfigError, GraphRunError,
                       Packet, Port, parse_config, register_calculator)
from posegraph.calculators.core.gate import GateCalculatorOptions
from posegraph.testing import run_calculator, run_graph


def stamped(packets: list[Packet]) -> list[tuple[int, object]]:
    return [(p.timestamp, p.payload) for p in packets]


def test_gate_passes_packets_where_allow_is_true() -> None:
    out = run_calculator("GateCalculator", {"": {0: "a", 10: "b", 20: "c"},
                                            "ALLOW": {0: True, 10: False, 20: True}})
    assert stamped(out[""]) == [(0, "a"), (20, "c")]
    assert stamped(out["STATE_CHANGE"]) == [(10, False), (20, True)]


def test_plain_values_are_stamped_0_1_2() -> None:
    out = run_calculator("GateCalculator", {"": ["a", "b", "c"], "ALLOW": [False, True, True]})
    assert stamped(out[""]) == [(1, "b"), (2, "c")]


def test_repeated_outputs_follow_the_inputs_given() -> None:
    out = run_calculator("PassThroughCalculator", {"": ["a", "b"], ":1": [1, 2]})
    assert stamped(out[""]) == [(0, "a"), (1, "b")]
    assert stamped(out[":1"]) == [(0, 1), (1, 2)]


def test_previous_loopback_sends_nothing_for_the_first_main_packet() -> None:
    out = run_calculator("PreviousLoopbackCalculator", {"MAIN": {0: "m0", 5: "m1", 9: "m2"},
                                                        "LOOP": {0: "l0", 5: "l1", 9: "l2"}})
    assert stamped(out["PREV_LOOP"]) == [(5, "l0"), (9, "l1")]


@pytest.mark.parametrize("options", [GateCalculatorOptions(allow=False), {"allow": False}],
                         ids=["dataclass", "dict"])
def test_options_as_a_dataclass_or_a_dict(options: object) -> None:
    assert run_calculator("GateCalculator", {"": ["a", "b"]}, options=options)[""] == []
    assert len(run_calculator("GateCalculator", {"": ["a", "b"]})[""]) == 2


def test_side_packets_by_port_key() -> None:
    assert run_calculator("GateCalculator", {"": ["a"]}, side_packets={"DISALLOW": True})[""] == []
    assert len(run_calculator("GateCalculator", {"": ["a"]}, side_packets={"DISALLOW": False})[""]) == 1


def test_outputs_selects_the_ports_connected() -> None:
    out = run_calculator("GateCalculator", {"": ["a"]}, outputs=[""])
    assert list(out) == [""]


@register_calculator
class TestingHelperDoubleCalculator(Calculator):
    contract = Contract(inputs={"": Port(int)}, outputs={"": Port(int)})

    def process(self, cc: CalculatorContext) -> None:
        if cc.value("") < 0:
            raise ValueError("negative")
        cc.send("", 2 * cc.value(""))


def test_a_calculator_class_runs_and_its_failure_names_the_timestamp() -> None:
    assert [p.payload for p in run_calculator(TestingHelperDoubleCalculator, {"": [1, 2]})[""]] == [2, 4]
    with pytest.raises(CalculatorError, match="ValueError: negative") as info:
        run_calculator(TestingHelperDoubleCalculator, {"": {3: 1, 7: -1}})
    assert info.value.timestamp == "7"


def test_wrong_calculator_options_and_ports_are_reported() -> None:
    with pytest.raises(GraphConfigError, match="did you mean GateCalculator"):
        run_calculator("GateCalculatr", {"": [1]})
    with pytest.raises(TypeError, match="GateCalculatorOptions or a dict"):
        run_calculator("GateCalculator", {"": [1]}, options=42)
    with pytest.raises(GraphConfigError, match="has no input stream tag 'NOPE'"):
        run_calculator("GateCalculator", {"NOPE": [1]})
    with pytest.raises(GraphConfigError, match="unknown field 'alow'"):
        run_calculator("GateCalculator", {"": [1]}, options={"alow": True})


GRAPH = """
input_stream: "value"
input_stream: "allow"
output_stream: "gated"
output_stream: "present"
node { calculator: "GateCalculator" input_stream: "value" input_stream: "ALLOW:allow" output_stream: "gated" }
node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:gated" output_stream: "PRESENCE:present" }
"""


def test_run_graph_returns_each_frames_outputs_with_none_where_empty(tmp_path: Path) -> None:
    path = tmp_path / "g.pbtxt"
    path.write_text(GRAPH, encoding="utf-8")
    frames = [{"value": 1, "allow": True}, {"value": 2, "allow": False}, {"value": 3, "allow": True}]
    assert run_graph(path, frames, start_timestamp=100, step_us=10) == [
        {"gated": 1, "present": True}, {"gated": None, "present": False}, {"gated": 3, "present": True}]


def test_run_graph_feeds_the_only_input_stream_and_takes_side_packets() -> None:
    config = parse_config('input_stream: "in" input_side_packet: "shut" output_stream: "out" '
                          'node { calculator: "GateCalculator" input_side_packet: "DISALLOW:shut" '
                          'input_stream: "in" output_stream: "out" }')
    assert run_graph(config, ["a", "b"], side_packets={"shut": False}) == [{"out": "a"}, {"out": "b"}]
    assert run_graph(config, ["a", "b"], side_packets={"shut": True}) == [{"out": None}, {"out": None}]


def test_run_graph_collects_named_inner_streams_at_the_frame_timestamps() -> None:
    config = parse_config(GRAPH)
    got = run_graph(config, [{"value": "x", "allow": True}], outputs=["present"], start_timestamp=5)
    assert got == [{"present": True}]
    got = run_graph(config.config, ["x", "y"], input_stream="value", outputs=["gated"])
    assert got == [{"gated": None}, {"gated": None}]  # ALLOW never arrives: the gate waits, then closes


def test_run_graph_needs_a_stream_when_the_graph_has_several() -> None:
    with pytest.raises(GraphRunError, match="name input_stream"):
        run_graph(parse_config(GRAPH), [1, 2])


def test_tuple_payloads_are_not_mistaken_for_timestamps() -> None:
    out = run_calculator("PassThroughCalculator", {"": [(200, 100), (640, 480)]})
    assert stamped(out[""]) == [(0, (200, 100)), (1, (640, 480))]
