"""Tracing and profiling: Chrome trace-event JSON and the per-node table from graph.tracer records."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from posegraph import Calculator, CalculatorContext, Contract, Graph, Port, register_calculator
from posegraph.framework.tracing import ProfileRow, profile_rows, profile_table, write_chrome_trace

SLEEP_S = 0.002


@register_calculator
class TracingTestSleepCalculator(Calculator):
    """Sleeps SLEEP_S, then passes its input on."""

    contract = Contract(inputs={"": Port(object)}, outputs={"": Port(object)})

    def process(self, cc: CalculatorContext) -> None:
        time.sleep(SLEEP_S)
        cc.send("", cc.value(""))


GRAPH = """
input_stream: "in"
output_stream: "out"
node { name: "nap" calculator: "TracingTestSleepCalculator" input_stream: "in" output_stream: "slept" }
node { calculator: "PassThroughCalculator" input_stream: "slept" output_stream: "out" }
"""
FRAMES = 5


def traced_run(num_threads: int = 1) -> tuple[Graph, list, float]:
    graph = Graph.from_string(GRAPH, num_threads=num_threads)
    graph.tracer = []
    t0 = time.perf_counter()
    graph.start()
    for t in range(FRAMES):
        graph.add_packet("in", t, t * 1000)
    graph.close()
    return graph, graph.tracer, time.perf_counter() - t0


def test_chrome_trace_has_one_complete_event_per_calculator_call(tmp_path: Path) -> None:
    graph, records, _ = traced_run()
    path = write_chrome_trace(records, tmp_path / "trace.json", "sleepy", graph=graph)
    trace = json.loads(path.read_text(encoding="utf-8"))
    events = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert len(events) == len(records) == 2 * (FRAMES + 2)  # open, FRAMES x process, close per node
    for node, calculator in [("nap", "TracingTestSleepCalculator"), ("PassThroughCalculator", "PassThroughCalculator")]:
        mine = [e for e in events if e["name"] == node]
        assert [e["cat"] for e in mine] == ["open"] + ["process"] * FRAMES + ["close"]
        assert [e["args"]["timestamp"] for e in mine] == ["Unset"] + [t * 1000 for t in range(FRAMES)] + ["Done"]
        assert {e["args"]["calculator"] for e in mine} == {calculator}
        assert all(e["pid"] == 1 and e["tid"] == 1 for e in mine)
    naps = [e["dur"] for e in events if e["name"] == "nap" and e["cat"] == "process"]
    assert min(naps) >= SLEEP_S * 1e6 * 0.9  # microseconds
    assert min(e["ts"] for e in events) == 0
    assert all(e["ts"] >= 0 and e["dur"] >= 0 for e in events)
    meta = [e for e in trace["traceEvents"] if e["ph"] == "M"]
    assert {"name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": "sleepy"}} in meta
    assert [e["args"]["name"] for e in meta if e["name"] == "thread_name"] == [threading.current_thread().name]


def test_threads_are_numbered_from_one_and_named(tmp_path: Path) -> None:
    records = [("a", "process", 0, 111, 1_000, 3_000), ("b", "process", 0, 222, 2_000, 2_500),
               ("a", "process", 1, 111, 4_000, 4_500)]
    trace = json.loads(write_chrome_trace(records, tmp_path / "t.json").read_text(encoding="utf-8"))
    events = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert [(e["name"], e["tid"], e["ts"], e["dur"]) for e in events] == [
        ("a", 1, 0.0, 2.0), ("b", 2, 1.0, 0.5), ("a", 1, 3.0, 0.5)]
    assert "calculator" not in events[0]["args"]
    names = {e["tid"]: e["args"]["name"] for e in trace["traceEvents"] if e["name"] == "thread_name"}
    assert names == {1: "thread 1", 2: "thread 2"}


def test_thread_pool_runs_name_the_worker_threads(tmp_path: Path) -> None:
    graph, records, _ = traced_run(num_threads=2)
    trace = json.loads(write_chrome_trace(records, tmp_path / "t.json", graph=graph).read_text(encoding="utf-8"))
    events = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert len(events) == len(records)
    thread_names = {e["tid"]: e["args"]["name"] for e in trace["traceEvents"] if e["name"] == "thread_name"}
    assert set(thread_names) == {e["tid"] for e in events}
    assert sorted(thread_names) == list(range(1, len(thread_names) + 1))


def test_profile_rows_add_up_to_the_records() -> None:
    _, records, wall = traced_run()
    rows = profile_rows(records, wall)
    assert [r.node for r in rows] == ["nap", "PassThroughCalculator"]  # the sleeper costs most
    nap = rows[0]
    assert nap.calls == FRAMES + 1  # process and close; open is counted apart
    durations_ms = [(t1 - t0) / 1e6 for node, method, _, _, t0, t1 in records if node == "nap" and method != "open"]
    assert nap.total_ms == pytest.approx(sum(durations_ms))
    [open_ms] = [(t1 - t0) / 1e6 for node, method, _, _, t0, t1 in records if node == "nap" and method == "open"]
    assert nap.open_ms == pytest.approx(open_ms)
    assert nap.mean_ms == pytest.approx(nap.total_ms / nap.calls)
    assert nap.max_ms == pytest.approx(max(durations_ms))
    assert nap.total_ms >= FRAMES * SLEEP_S * 1000 * 0.9
    assert nap.share == pytest.approx(nap.total_ms / (wall * 1000))
    assert 0 < sum(r.share for r in rows) <= 1.0  # one thread: the calls fit in the wall time


def test_profile_table_lists_nodes_by_total_with_a_total_line() -> None:
    records = [("fast", "open", -1, 1, 0, 2_500_000), ("fast", "process", 0, 1, 2_500_000, 3_500_000),
               ("slow", "process", 0, 1, 3_500_000, 7_500_000), ("slow", "process", 1, 1, 7_500_000, 9_500_000)]
    assert profile_rows(records, 0.01) == [ProfileRow("slow", 2, 6.0, 3.0, 4.0, 0.6, 0.0),
                                           ProfileRow("fast", 1, 1.0, 1.0, 1.0, 0.1, 2.5)]
    lines = profile_table(records, 0.01).splitlines()
    assert lines[0].split() == ["node", "calls", "total", "ms", "mean", "ms", "max", "ms", "%", "wall", "open", "ms"]
    assert lines[1].split() == ["slow", "2", "6.000", "3.000", "4.000", "60.0", "0.000"]
    assert lines[2].split() == ["fast", "1", "1.000", "1.000", "1.000", "10.0", "2.500"]
    assert lines[3].split() == ["total", "3", "7.000", "70.0", "2.500"]


def test_profile_rejects_a_non_positive_wall_time() -> None:
    with pytest.raises(ValueError, match="wall_seconds"):
        profile_table([], 0.0)
