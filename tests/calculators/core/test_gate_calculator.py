"""GateCalculator: ALLOW/DISALLOW as streams and side packets, empty signals, STATE_CHANGE."""

from __future__ import annotations

from typing import Callable

import pytest

from posegraph import CalculatorError, PosegraphError

STREAM_GATE = '''
input_stream: "a"
input_stream: "b"
input_stream: "signal"
node {{
  calculator: "GateCalculator"
  input_stream: "a"
  input_stream: "b"
  input_stream: "{tag}:signal"
  output_stream: "ga"
  output_stream: "gb"
  output_stream: "STATE_CHANGE:change"
  {options}
}}
'''


def frames(signals: list[tuple[int, bool | None]]) -> list[tuple[str, object, int]]:
    """Packets on a and b at each timestamp, and the signal where it is not None."""
    packets = []
    for t, signal in signals:
        packets += [("a", f"a{t}", t), ("b", f"b{t}", t)]
        if signal is not None:
            packets.append(("signal", signal, t))
    return packets


SIGNALS = [(0, True), (10, True), (20, False), (30, False), (40, True), (50, False)]


def test_allow_stream_passes_only_allowed_timestamps(run_graph: Callable) -> None:
    out = run_graph(STREAM_GATE.format(tag="ALLOW", options=""), frames(SIGNALS), ["ga", "gb", "change"])
    assert out["ga"] == [(0, "a0"), (10, "a10"), (40, "a40")]
    assert out["gb"] == [(0, "b0"), (10, "b10"), (40, "b40")]
    assert out["change"] == [(20, False), (40, True), (50, False)]


def test_disallow_stream_is_the_inverse(run_graph: Callable) -> None:
    out = run_graph(STREAM_GATE.format(tag="DISALLOW", options=""), frames(SIGNALS), ["ga", "change"])
    assert out["ga"] == [(20, "a20"), (30, "a30"), (50, "a50")]
    assert out["change"] == [(20, True), (40, False), (50, True)]


def test_gate_passes_the_packet_itself(run_graph: Callable) -> None:
    payload = {"frame": 1}
    text = STREAM_GATE.format(tag="ALLOW", options="")
    packets = [("a", payload, 5), ("signal", True, 5), ("b", "b", 6), ("signal", True, 6)]
    out = run_graph(text, packets, ["ga", "gb"])
    assert out["ga"] == [(5, payload)] and out["ga"][0][1] is payload
    assert out["gb"] == [(6, "b")]  # a timestamp where only one of the gated inputs has a packet


@pytest.mark.parametrize("tag,empty_as_allow,passed", [
    ("ALLOW", False, []), ("ALLOW", True, [10]), ("DISALLOW", False, []), ("DISALLOW", True, [10])])
def test_empty_signal_uses_empty_packets_as_allow(run_graph: Callable, tag: str, empty_as_allow: bool,
                                                   passed: list[int]) -> None:
    options = f"options {{ [mediapipe.GateCalculatorOptions.ext] {{ empty_packets_as_allow: {str(empty_as_allow).lower()} }} }}"
    # At 10 the signal is settled empty (its next packet is at 20).
    allowed = tag == "ALLOW"
    signals = [(0, not allowed), (10, None), (20, not allowed)]
    out = run_graph(STREAM_GATE.format(tag=tag, options=options), frames(signals), ["ga", "change"])
    assert [t for t, _ in out["ga"]] == passed
    assert out["change"] == ([(10, True), (20, False)] if passed else [])


SIDE_GATE = '''
input_stream: "a"
input_side_packet: "flag"
node {{ calculator: "GateCalculator" input_stream: "a" input_side_packet: "{tag}:flag" output_stream: "ga"
       output_stream: "STATE_CHANGE:change" }}
'''


@pytest.mark.parametrize("tag,flag,passes", [("ALLOW", True, True), ("ALLOW", False, False),
                                             ("DISALLOW", True, False), ("DISALLOW", False, True)])
def test_side_packet_decides_for_the_whole_run(run_graph: Callable, tag: str, flag: bool, passes: bool) -> None:
    packets = [("a", t, t) for t in (1, 2, 3)]
    out = run_graph(SIDE_GATE.format(tag=tag), packets, ["ga", "change"], side_packets={"flag": flag})
    assert out["ga"] == ([(1, 1), (2, 2), (3, 3)] if passes else [])
    assert out["change"] == []


@pytest.mark.parametrize("value", [1, "yes"])
def test_side_packet_of_the_wrong_type_is_refused(run_graph: Callable, value: object) -> None:
    with pytest.raises(PosegraphError, match="side packet 'flag'"):
        run_graph(SIDE_GATE.format(tag="ALLOW"), [("a", 1, 1)], ["ga"], side_packets={"flag": value})


@pytest.mark.parametrize("options,passes", [("", True), (
    "options { [mediapipe.GateCalculatorOptions.ext] { allow: false } }", False)])
def test_without_a_signal_the_allow_option_decides(run_graph: Callable, options: str, passes: bool) -> None:
    text = f'input_stream: "a"\nnode {{ calculator: "GateCalculator" input_stream: "a" output_stream: "ga" {options} }}'
    out = run_graph(text, [("a", "x", 7)], ["ga"])
    assert out["ga"] == ([(7, "x")] if passes else [])


def test_a_dropped_frame_still_advances_the_bound_downstream(run_graph: Callable) -> None:
    text = STREAM_GATE.format(tag="ALLOW", options="") + '''
    node { calculator: "MergeCalculator" input_stream: "ga" input_stream: "b" output_stream: "m" }
    '''
    out = run_graph(text, frames(SIGNALS), ["m"])
    assert out["m"] == [(0, "a0"), (10, "a10"), (20, "b20"), (30, "b30"), (40, "a40"), (50, "b50")]


def test_allow_and_disallow_together_are_refused(run_graph: Callable) -> None:
    text = '''
    input_stream: "a"
    input_stream: "allow"
    input_stream: "disallow"
    node { calculator: "GateCalculator" input_stream: "a" input_stream: "ALLOW:allow"
           input_stream: "DISALLOW:disallow" output_stream: "ga" }
    '''
    with pytest.raises(CalculatorError, match="connect only one of ALLOW and DISALLOW") as info:
        run_graph(text, [("a", 1, 0), ("allow", True, 0), ("disallow", True, 0)], ["ga"])
    assert info.value.method == "open"
