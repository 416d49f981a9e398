"""BeginLoop/EndLoop: a loop body run per element at loop-internal timestamps, gathered back at the
outer timestamp (MediaPipe's begin_end_loop_calculator_graph_test semantics); ClipVectorSize."""

from __future__ import annotations

from typing import Callable

import pytest

from posegraph import CalculatorError, SidePacketError

# The body passes the True items only (a gate on the item itself), so some elements drop out.
LOOP = '''
input_stream: "vec"
input_stream: "extra"
node {
  calculator: "BeginLoopNormalizedRectCalculator"
  input_stream: "ITERABLE:vec"
  input_stream: "CLONE:extra"
  output_stream: "ITEM:item"
  output_stream: "CLONE:loop_extra"
  output_stream: "BATCH_END:batch_end"
}
node {
  calculator: "GateCalculator"
  input_stream: "item"
  input_stream: "ALLOW:item"
  output_stream: "kept"
}
node {
  calculator: "EndLoopFloatCalculator"
  input_stream: "ITEM:kept"
  input_stream: "BATCH_END:batch_end"
  output_stream: "ITERABLE:gathered"
}
node {
  calculator: "MergeCalculator"
  input_stream: "gathered"
  input_stream: "extra"
  output_stream: "after"
}
'''
PACKETS = [("vec", [True, False, True], 10), ("extra", "a", 10), ("vec", [], 20), ("extra", "b", 20),
           ("vec", [False], 30), ("extra", "c", 30), ("extra", "d", 40), ("vec", [True], 50), ("extra", "e", 50)]


@pytest.mark.parametrize("num_threads", [1, 3])
def test_the_body_runs_per_element_and_the_results_come_back_at_the_outer_timestamp(
        run_graph: Callable, num_threads: int) -> None:
    out = run_graph(LOOP, PACKETS, ["item", "loop_extra", "batch_end", "gathered", "after"], num_threads=num_threads)
    # Internal timestamps count elements over the whole run; an empty or absent collection uses one up.
    assert out["item"] == [(0, True), (1, False), (2, True), (4, False), (6, True)]
    assert out["loop_extra"] == [(0, "a"), (1, "a"), (2, "a"), (4, "c"), (6, "e")]
    assert out["batch_end"] == [(2, 10), (3, 20), (4, 30), (5, 40), (6, 50)]
    assert out["gathered"] == [(10, (True, True)), (50, (True,))]
    # Nothing gathered at 20, 30 and 40: their timestamps settle empty and the merge goes on.
    assert out["after"] == [(10, (True, True)), (20, "b"), (30, "c"), (40, "d"), (50, (True,))]


ZIPPED = '''
input_stream: "a"
input_stream: "b"
node {
  calculator: "BeginLoopNormalizedRectCalculator"
  input_stream: "ITERABLE:0:a"
  input_stream: "ITERABLE:1:b"
  output_stream: "ITEM:0:item_a"
  output_stream: "ITEM:1:item_b"
  output_stream: "BATCH_END:batch_end"
}
node {
  calculator: "EndLoopFloatCalculator"
  input_stream: "ITEM:item_b"
  input_stream: "BATCH_END:batch_end"
  output_stream: "ITERABLE:gathered_b"
}
'''


@pytest.mark.parametrize("num_threads", [1, 3])
def test_repeated_iterables_are_iterated_side_by_side(run_graph: Callable, num_threads: int) -> None:
    out = run_graph(ZIPPED, [("a", ["x", "y"], 10), ("b", (1.0, 2.0), 10), ("b", [], 20), ("a", ["z"], 30),
                             ("b", [3.0], 30)],
                    ["item_a", "item_b", "batch_end", "gathered_b"], num_threads=num_threads)
    assert out["item_a"] == [(0, "x"), (1, "y"), (3, "z")]
    assert out["item_b"] == [(0, 1.0), (1, 2.0), (3, 3.0)]
    # At 20 "a" is absent and "b" empty: one internal timestamp used up, no ITEM on either.
    assert out["batch_end"] == [(1, 10), (2, 20), (3, 30)]
    assert out["gathered_b"] == [(10, (1.0, 2.0)), (30, (3.0,))]


def test_repeated_iterables_of_different_lengths_are_an_error(run_graph: Callable) -> None:
    with pytest.raises(CalculatorError, match=r"different lengths at 10: \[2, 1\]"):
        run_graph(ZIPPED, [("a", ["x", "y"], 10), ("b", [1.0], 10)], ["item_a"])


def test_clip_keeps_the_leading_elements_up_to_the_side_packet(run_graph: Callable) -> None:
    text = '''
    input_stream: "v"
    input_side_packet: "n"
    node { calculator: "ClipNormalizedRectVectorSizeCalculator" input_stream: "v" input_side_packet: "n"
           output_stream: "clipped" }
    '''
    out = run_graph(text, [("v", [1, 2, 3], 0), ("v", (4,), 1), ("v", [], 2)], ["clipped"], side_packets={"n": 2})
    assert out["clipped"] == [(0, (1, 2)), (1, (4,)), (2, ())]
    with pytest.raises(SidePacketError, match="at least 1, got 0"):
        run_graph(text, [("v", [1], 0)], ["clipped"], side_packets={"n": 0})
