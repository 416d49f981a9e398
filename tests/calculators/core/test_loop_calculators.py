"""BeginLoop/EndLoop: a loop body run per element at loop-internal timestamps, gathered back at the
outer timestamp (MediaPipe's begin_end_loop_calculator_graph_test semantics); ClipVectorSize."""

from __future__ import annotations

from typing import Callable

import pytest

from posegraph import SidePacketError

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
