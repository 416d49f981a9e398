"""ConstantSidePacketCalculator: each value kind, several indexes, one value per packet."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from posegraph import (Calculator, CalculatorContext, CalculatorError, Contract, Port, SidePacketError,
                       register_calculator)


@register_calculator
class CoreSidePacketEchoCalculator(Calculator):
    """Sends its side packets (VALUE:0, VALUE:1, ...) as a tuple at each input timestamp."""

    contract = Contract(inputs={"": Port(object)}, outputs={"": Port(object)},
                        input_side_packets={"VALUE": Port(object, repeated=True)})

    def process(self, cc: CalculatorContext) -> None:
        n = 0
        while ("VALUE", n) in cc.side_inputs:
            n += 1
        cc.send("", tuple(cc.side_input("VALUE", i) for i in range(n)))


def constants(*packets: str) -> str:
    outputs = "\n".join(f'  output_side_packet: "PACKET:{i}:c{i}"' for i in range(len(packets)))
    readers = "\n".join(f'  input_side_packet: "VALUE:{i}:c{i}"' for i in range(len(packets)))
    values = " ".join(f"packet {{ {p} }}" for p in packets)
    return f'''
input_stream: "tick"
node {{
  name: "constants"
  calculator: "ConstantSidePacketCalculator"
{outputs}
  options {{ [mediapipe.ConstantSidePacketCalculatorOptions.ext] {{ {values} }} }}
}}
node {{
  calculator: "CoreSidePacketEchoCalculator"
  input_stream: "tick"
  output_stream: "values"
{readers}
}}
'''


def echoed(run_graph: Callable, *packets: str) -> tuple:
    out = run_graph(constants(*packets), [("tick", None, 0)], ["values"])
    (_, values), = out["values"]
    return values


@pytest.mark.parametrize("packet,value", [
    ("int_value: 42", 42), ("int_value: 0", 0), ("int_value: -7", -7),
    ("float_value: 2.5", 2.5), ("float_value: 0", 0.0),
    ("bool_value: true", True), ("bool_value: false", False),
    ('string_value: "pose"', "pose"), ('string_value: ""', ""),
])
def test_each_kind_of_value(run_graph: Callable, packet: str, value: Any) -> None:
    (got,) = echoed(run_graph, packet)
    assert got == value and type(got) is type(value)


def test_several_packets_by_index(run_graph: Callable) -> None:
    assert echoed(run_graph, "int_value: 1", 'string_value: "two"', "bool_value: true") == (1, "two", True)


@pytest.mark.parametrize("packet", ["", "int_value: 1 bool_value: true"])
def test_a_packet_must_set_exactly_one_value(run_graph: Callable, packet: str) -> None:
    with pytest.raises(CalculatorError) as info:
        echoed(run_graph, packet)
    assert (info.value.node, info.value.method) == ("constants", "open")
    assert "packet 0: set exactly one of int_value, uint64_value, int64_value, float_value" in str(info.value)


def test_yaml_plain_options(run_graph: Callable) -> None:
    from posegraph import Graph, parse_config
    text = '''
input_stream: tick
node:
  - calculator: ConstantSidePacketCalculator
    output_side_packet: ["PACKET:0:a", "PACKET:1:b"]
    options: {packet: [{int_value: 3}, {string_value: s}]}
  - calculator: CoreSidePacketEchoCalculator
    input_stream: tick
    output_stream: values
    input_side_packet: ["VALUE:0:a", "VALUE:1:b"]
'''
    graph = Graph(parse_config(text, "yaml"))
    out = []
    graph.observe("values", lambda p: out.append(p.payload))
    with graph:
        graph.start()
        graph.add_packet("tick", None, 0)
    assert out == [(3, "s")]


def test_a_missing_packet_index_leaves_the_reader_without_its_side_packet(run_graph: Callable) -> None:
    text = constants("int_value: 1").replace('input_side_packet: "VALUE:0:c0"',
                                             'input_side_packet: "VALUE:0:c0"\n  input_side_packet: "VALUE:1:c1"')
    text = text.replace('output_side_packet: "PACKET:0:c0"',
                        'output_side_packet: "PACKET:0:c0"\n  output_side_packet: "PACKET:1:c1"')
    with pytest.raises(SidePacketError, match="'c1'"):
        run_graph(text, [("tick", None, 0)], ["values"])
