"""Named executors: a node naming an executor runs on that executor's own threads."""

from __future__ import annotations

import threading

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
