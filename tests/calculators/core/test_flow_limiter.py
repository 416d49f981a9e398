"""FlowLimiterCalculator: a live source drops frames instead of falling behind; nothing is lost
when the graph keeps up."""

from __future__ import annotations

import threading
import time

from posegraph import Calculator, CalculatorContext, Contract, Graph, Port, register_calculator


@register_calculator
class SlowDoubleForFlowTest(Calculator):
    """Doubles its input after sleeping 20 ms (a stand-in for inference)."""

    contract = Contract(inputs={"": Port(int)}, outputs={"": Port(int)})

    def process(self, cc: CalculatorContext) -> None:
        time.sleep(0.02)
        cc.send("", cc.value("") * 2)


CONFIG = """
input_stream: "frames"
output_stream: "out"
num_threads: 2
node {
  calculator: "FlowLimiterCalculator"
  input_stream: "frames"
  input_stream: "FINISHED:out"
  input_stream_info: { tag_index: "FINISHED" back_edge: true }
  output_stream: "limited"
  output_stream: "ALLOW:allowed"
  options { [mediapipe.FlowLimiterCalculatorOptions.ext] { max_in_flight: 1 max_in_queue: %d } }
}
node { calculator: "SlowDoubleForFlowTest" input_stream: "limited" output_stream: "out" }
"""


def run(max_in_queue: int, paced: bool, frames: int = 30) -> tuple[list[tuple[int, int]], list[tuple[int, bool]]]:
    """Feeds ``frames`` as fast as possible, or (``paced``) each only once the previous one came out."""
    graph = Graph.from_string(CONFIG % max_in_queue)
    out: list[tuple[int, int]] = []
    allowed: list[tuple[int, bool]] = []
    came_out = threading.Semaphore(0)

    def on_out(p) -> None:
        out.append((p.timestamp, p.payload))
        came_out.release()

    graph.observe("out", on_out)
    graph.observe("allowed", lambda p: allowed.append((p.timestamp, p.payload)))
    done = threading.Event()

    def feed() -> None:
        with graph:
            graph.start()
            for i in range(frames):
                graph.add_packet("frames", i, i * 1000)
                if paced:
                    came_out.acquire(timeout=10)
        done.set()

    worker = threading.Thread(target=feed, daemon=True)
    worker.start()
    worker.join(30)
    assert done.is_set(), "graph hung"
    return out, allowed


def test_a_fast_source_drops_frames_and_stays_in_order():
    out, allowed = run(max_in_queue=0, paced=False)
    assert 1 <= len(out) < 30  # frames arrive ~instantly, each takes 20 ms: most are dropped
    stamps = [t for t, _ in out]
    assert stamps == sorted(set(stamps))
    assert all(v == t // 1000 * 2 for t, v in out)  # what got through is intact
    assert [t for t, a in allowed if a] == stamps  # ALLOW says which frames went in
    assert len(allowed) == 30  # ...and which were dropped, once per frame


def test_a_source_the_graph_keeps_up_with_loses_nothing():
    out, allowed = run(max_in_queue=0, paced=True, frames=10)
    assert [t for t, _ in out] == [i * 1000 for i in range(10)]
    assert all(a for _, a in allowed)


def test_a_queue_holds_frames_back_instead_of_dropping_them():
    out, _ = run(max_in_queue=100, paced=False, frames=20)
    assert [t for t, _ in out] == [i * 1000 for i in range(20)]
