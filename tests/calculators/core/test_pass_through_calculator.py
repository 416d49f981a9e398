"""PassThroughCalculator: input i to output i, unchanged, at its own timestamps."""

from __future__ import annotations

from typing import Callable

PASS3 = '''
input_stream: "a"
input_stream: "b"
input_stream: "c"
node { calculator: "PassThroughCalculator" input_stream: "a" input_stream: "b" input_stream: "c"
       output_stream: "x" output_stream: "y" output_stream: "z" }
'''


def test_each_input_goes_to_the_output_of_its_index(run_graph: Callable) -> None:
    packets = [("a", "a0", 0), ("b", "b0", 0), ("c", "c0", 0), ("b", "b1", 1), ("c", "c2", 2), ("a", "a3", 3)]
    out = run_graph(PASS3, packets, ["x", "y", "z"])
    assert out == {"x": [(0, "a0"), (3, "a3")], "y": [(0, "b0"), (1, "b1")], "z": [(0, "c0"), (2, "c2")]}


def test_payload_is_passed_unchanged(run_graph: Callable) -> None:
    payload = [1, 2, 3]
    text = 'input_stream: "a"\nnode { calculator: "PassThroughCalculator" input_stream: "a" output_stream: "x" }'
    out = run_graph(text, [("a", payload, 9)], ["x"])
    assert out["x"][0][1] is payload


def test_an_unconnected_output_index_drops_its_input(run_graph: Callable) -> None:
    text = '''
    input_stream: "a"
    input_stream: "b"
    node { calculator: "PassThroughCalculator" input_stream: "a" input_stream: "b" output_stream: "x" }
    '''
    out = run_graph(text, [("a", 1, 0), ("b", 2, 0), ("b", 3, 1)], ["x"])
    assert out == {"x": [(0, 1)]}


def test_same_output_with_a_thread_pool(run_graph: Callable) -> None:
    packets = [(s, f"{s}{t}", t) for t in range(30) for s in "abc" if (t + ord(s)) % 3]
    assert run_graph(PASS3, packets, ["x", "y", "z"], num_threads=3) == run_graph(PASS3, packets, ["x", "y", "z"])
