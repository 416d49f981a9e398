"""Running one small graph on a list of packets, with a hang guard, for the core calculator tests."""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterable

import pytest

from posegraph import Graph, parse_config

Outputs = dict[str, list[tuple[int, Any]]]


def _run_graph(text: str, packets: Iterable[tuple[str, Any, int]], observe: Iterable[str],
               side_packets: dict[str, Any] | None = None, num_threads: int = 1, timeout: float = 10.0) -> Outputs:
    """Builds the graph, observes ``observe``, adds ``(stream, payload, timestamp)`` packets in order,
    closes the inputs and returns ``{stream: [(timestamp, payload), ...]}``. Fails the test if the run
    takes longer than ``timeout`` seconds; re-raises the graph's error."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            graph = Graph(parse_config(text), num_threads=num_threads)
            out: Outputs = {s: [] for s in observe}
            for s in out:
                graph.observe(s, lambda p, s=s: out[s].append((p.timestamp, p.payload)))
            with graph:
                graph.start(side_packets or {})
                for stream, payload, timestamp in packets:
                    graph.add_packet(stream, payload, timestamp)
            outcome["out"] = out
        except BaseException as e:  # handed back to the test's thread
            outcome["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"graph still running after {timeout} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["out"]


@pytest.fixture
def run_graph() -> Callable[..., Outputs]:
    """``run_graph(text, packets, observe, side_packets=None, num_threads=1)`` (see :func:`_run_graph`)."""
    return _run_graph
