"""Running one small graph on a list of packets, with a hang guard, for the core calculator tests."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import pytest

from posegraph import Graph, parse_config
from posegraph.testing import call_with_timeout

Outputs = dict[str, list[tuple[int, Any]]]


def _run_graph(text: str, packets: Iterable[tuple[str, Any, int]], observe: Iterable[str],
               side_packets: dict[str, Any] | None = None, num_threads: int = 1, timeout: float = 10.0) -> Outputs:
    """Builds the graph, observes ``observe``, adds ``(stream, payload, timestamp)`` packets in order,
    closes the inputs and returns ``{stream: [(timestamp, payload), ...]}``. Fails the test if the run
    takes longer than ``timeout`` seconds; re-raises the graph's error."""
    def run() -> Outputs:
        graph = Graph(parse_config(text), num_threads=num_threads)
        out: Outputs = {s: [] for s in observe}
        for s in out:
            graph.observe(s, lambda p, s=s: out[s].append((p.timestamp, p.payload)))
        with graph:
            graph.start(side_packets or {})
            for stream, payload, timestamp in packets:
                graph.add_packet(stream, payload, timestamp)
        return out

    try:
        return call_with_timeout(run, timeout)
    except TimeoutError as e:
        pytest.fail(f"{e}: the graph hangs")


@pytest.fixture
def run_graph() -> Callable[..., Outputs]:
    """``run_graph(text, packets, observe, side_packets=None, num_threads=1)`` (see :func:`_run_graph`)."""
    return _run_graph
