"""Named executors: a node naming an executor runs on that executor's own threads."""

from __future__ import annotations

import threading
import time

from posegraph import Calculator, CalculatorContext, Contract, Graph, Port, register_calculator

THREADS: dict[str, set[str]] = {}


@register_calculator
class RecordThreadForExecutorTest(Calculator):
    """Forwards its input and notes which thread ran it."""

    contract = Contract(inputs={"": Port()}, outputs={"": Port()})

    def process(self, cc: CalculatorContext) -> None:
        THREADS.setdefault(cc.node_name, set()).add(threading.current_thread().name)
        cc.send("", cc.value(""))


CONFIG = """
input_stream: "a"
output_stream: "c"
executor {
  name: "inference"
  type: "ThreadPoolExecutor"
  options { [mediapipe.ThreadPoolExecutorOptions.ext] { num_threads: 1 } }
}
node { name: "on_inference" calculator: "RecordThreadForExecutorTest" input_stream: "a" output_stream: "b"
       executor: "inference" }
node { name: "on_default" calculator: "RecordThreadForExecutorTest" input_stream: "b" output_stream: "c" }
"""


def test_nodes_run_on_their_executor_and_threads_end_with_the_graph():
    THREADS.clear()
    before = threading.active_count()
    graph = Graph.from_string(CONFIG)
    out: list[int] = []
    graph.observe("c", lambda p: out.append(p.payload))
    with graph:
        graph.start()
        for i in range(50):
            graph.add_packet("a", i, i)
    assert out == list(range(50))
    assert THREADS["on_inference"] == {"posegraph-inference-0"}
    assert THREADS["on_default"] == {"posegraph-default-0"}
    assert threading.active_count() == before


@register_calculator
class HeldBackForQueueTest(Calculator):
    """Forwards its input, but its first call waits until RELEASE is set."""

    contract = Contract(inputs={"": Port()}, outputs={"": Port()})

    def process(self, cc: CalculatorContext) -> None:
        RELEASE.wait(10)
        cc.send("", cc.value(""))


RELEASE = threading.Event()


def test_max_queue_size_makes_add_packet_wait_and_loses_nothing():
    RELEASE.clear()
    graph = Graph.from_string('input_stream: "a"\noutput_stream: "b"\nnum_threads: 2\nmax_queue_size: 3\n'
                              'node { calculator: "HeldBackForQueueTest" input_stream: "a" output_stream: "b" }')
    out: list[int] = []
    graph.observe("b", lambda p: out.append(p.payload))
    added: list[int] = []

    def feed() -> None:
        with graph:
            graph.start()
            for i in range(20):
                graph.add_packet("a", i, i)
                added.append(i)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    stable_since, last = time.monotonic(), -1
    while time.monotonic() - stable_since < 0.5:  # until the feeder stops making progress
        if len(added) != last:
            stable_since, last = time.monotonic(), len(added)
        time.sleep(0.01)
    # Three packets wait in the queue (four if the held call took packet 0 before the queue filled);
    # the next add_packet blocks until the call returns.
    assert len(added) in (3, 4)
    RELEASE.set()
    feeder.join(10)
    assert not feeder.is_alive()
    assert out == list(range(20))
