"""Tracing and profiling a run from the graph's call records.

Set ``graph.tracer = []`` before :meth:`~posegraph.Graph.start`; the graph then appends one record
per calculator call, ``(node_name, method, input_timestamp, thread_ident, t0_ns, t1_ns)``, with
``method`` ``"open"``, ``"process"`` or ``"close"`` and the times from ``time.perf_counter_ns()``.
From those records:

- :func:`write_chrome_trace` writes the Chrome trace-event JSON that ``chrome://tracing`` and
  https://ui.perfetto.dev open (MediaPipe's profiler writes the same kind of trace);
- :func:`profile_rows` and :func:`profile_table` sum the time per node.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from posegraph.framework.errors import PosegraphError
from posegraph.framework.timestamp import Timestamp
from posegraph.framework.validated_graph import ValidatedGraph

if TYPE_CHECKING:
    from posegraph.framework.graph import Graph

TraceRecord = tuple[str, str, int, int, int, int]  # node, method, input timestamp, thread ident, t0 ns, t1 ns
PID = 1


def chrome_trace_events(records: Iterable[TraceRecord], graph: "Graph | ValidatedGraph | None" = None,
                        graph_name: str = "") -> list[dict[str, Any]]:
    """The trace events of :func:`write_chrome_trace`, as a list of dicts.

    One complete (``"ph": "X"``) event per call: ``name`` the node, ``cat`` the method, ``ts`` and
    ``dur`` in microseconds from the first call's start, ``pid`` 1, ``tid`` the calling thread
    numbered 1, 2, ... in order of first appearance, ``args`` the input timestamp (an int, or the
    special value's name: ``"Unset"`` for open, ``"Done"`` for close) and, when ``graph`` is given, the
    calculator. Metadata (``"ph": "M"``) events name the process (``graph_name``) and the threads.
    """
    records = sorted(records, key=lambda r: r[4])
    calculators: dict[str, str] = {}
    if graph is not None:
        validated = graph if isinstance(graph, ValidatedGraph) else graph.validated
        calculators = {n.name: n.calculator for n in validated.nodes}
    start = records[0][4] if records else 0
    tids: dict[int, int] = {}
    events: list[dict[str, Any]] = []
    for node, method, timestamp, thread, t0, t1 in records:
        tid = tids.setdefault(thread, len(tids) + 1)
        args: dict[str, Any] = {"timestamp": timestamp if Timestamp.MIN <= timestamp <= Timestamp.MAX
                                else Timestamp.format(timestamp)}
        if node in calculators:
            args["calculator"] = calculators[node]
        events.append({"name": node, "cat": method, "ph": "X", "ts": (t0 - start) / 1000,
                       "dur": (t1 - t0) / 1000, "pid": PID, "tid": tid, "args": args})
    names = {t.ident: t.name for t in threading.enumerate()}
    meta: list[dict[str, Any]] = [{"name": "process_name", "ph": "M", "pid": PID, "tid": 0,
                                   "args": {"name": graph_name or "posegraph"}}]
    for ident, tid in tids.items():
        meta.append({"name": "thread_name", "ph": "M", "pid": PID, "tid": tid,
                     "args": {"name": names.get(ident, f"thread {tid}")}})
    return meta + events


def write_chrome_trace(records: Iterable[TraceRecord], path: str | Path, graph_name: str = "", *,
                       graph: "Graph | ValidatedGraph | None" = None) -> Path:
    """Writes the records as Chrome trace-event JSON (``{"traceEvents": [...]}``) to ``path``.

    See :func:`chrome_trace_events` for the events. ``graph`` (the graph that made the records)
    adds each call's calculator to its ``args``.

    Raises:
        PosegraphError: the file cannot be written.
    """
    path = Path(path)
    trace = {"traceEvents": chrome_trace_events(records, graph, graph_name), "displayTimeUnit": "ms"}
    try:
        path.write_text(json.dumps(trace), encoding="utf-8")
    except OSError as e:
        raise PosegraphError(f"cannot write trace {path}: {e.strerror}") from e
    return path


@dataclass(frozen=True)
class ProfileRow:
    """Time spent in one node's calculator calls, ``open`` counted apart from the rest.

    Attributes:
        node: the node's name in the expanded graph.
        calls: how many ``process`` and ``close`` calls (the per-frame work).
        total_ms, mean_ms, max_ms: their summed, mean and longest duration, in milliseconds.
        share: ``total_ms`` as a fraction of the run's wall time (can exceed 1 summed over nodes
            when nodes run on several threads).
        open_ms: time in ``open``, in milliseconds (for an InferenceCalculator: loading the model).
    """

    node: str
    calls: int
    total_ms: float
    mean_ms: float
    max_ms: float
    share: float
    open_ms: float = 0.0


def profile_rows(records: Iterable[TraceRecord], wall_seconds: float | None = None) -> list[ProfileRow]:
    """One :class:`ProfileRow` per node, the most expensive per-frame work first (ties by name).

    ``wall_seconds`` defaults to the span of the records, first call's start to last call's end.

    Raises:
        ValueError: ``wall_seconds`` is not positive.
    """
    records = list(records)
    if wall_seconds is None:
        wall_seconds = (max(r[5] for r in records) - min(r[4] for r in records)) / 1e9 if records else 0.0
    if wall_seconds <= 0:
        raise ValueError(f"wall_seconds must be positive, got {wall_seconds}")
    durations: dict[str, list[float]] = {}
    opening: dict[str, float] = {}
    for node, method, _timestamp, _thread, t0, t1 in records:
        if method == "open":
            opening[node] = opening.get(node, 0.0) + (t1 - t0) / 1e6
        else:
            durations.setdefault(node, []).append((t1 - t0) / 1e6)
    rows = []
    for node in durations.keys() | opening.keys():
        d = durations.get(node, [])
        total = sum(d)
        rows.append(ProfileRow(node, len(d), total, total / len(d) if d else 0.0, max(d, default=0.0),
                               total / (wall_seconds * 1000), opening.get(node, 0.0)))
    return sorted(rows, key=lambda r: (-r.total_ms, r.node))


def profile_table(records: Iterable[TraceRecord], wall_seconds: float | None = None) -> str:
    """A plain-text table of :func:`profile_rows` (columns node, calls, total ms, mean ms, max ms,
    % wall, open ms), most expensive first, with a total line; ``wall_seconds`` as in
    :func:`profile_rows`."""
    rows = profile_rows(records, wall_seconds)
    width = max([len("node"), len("total")] + [len(r.node) for r in rows])
    lines = [f"{'node':<{width}}  {'calls':>6}  {'total ms':>10}  {'mean ms':>9}  {'max ms':>9}  {'% wall':>6}"
             f"  {'open ms':>9}"]
    for r in rows:
        lines.append(f"{r.node:<{width}}  {r.calls:>6}  {r.total_ms:>10.3f}  {r.mean_ms:>9.3f}  {r.max_ms:>9.3f}  "
                     f"{100 * r.share:>6.1f}  {r.open_ms:>9.3f}")
    total = sum(r.total_ms for r in rows)
    lines.append(f"{'total':<{width}}  {sum(r.calls for r in rows):>6}  {total:>10.3f}  {'':>9}  {'':>9}  "
                 f"{100 * sum(r.share for r in rows):>6.1f}  {sum(r.open_ms for r in rows):>9.3f}")
    return "\n".join(lines)
