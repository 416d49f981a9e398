"""Running a graph: the scheduler and the app-facing :class:`Graph` API.

A :class:`Graph` is built from a config (file, text or message), started with input side packets,
fed packets on its input streams, and observed on its output streams. With ``num_threads`` 0 or 1
(the default) nodes run on the caller's thread inside :meth:`Graph.add_packet` and the ``wait``
calls (MediaPipe's application-thread executor); with more, on a pool of worker threads.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from posegraph.framework.calculator import Calculator, CalculatorContext, Stop
from posegraph.framework.config.loader import LoadedConfig, load_config, parse_config
from posegraph.framework.errors import CalculatorError, GraphConfigError, GraphRunError, PosegraphError, SidePacketError
from posegraph.framework.packet import Packet
from posegraph.framework.stream_handlers import InputQueue, default_next, fixed_size_next, immediate_next
from posegraph.framework.timestamp import Timestamp
from posegraph.framework.validated_graph import NodeSpec, ValidatedGraph, validate

log = logging.getLogger(__name__)

UNSET, DONE = Timestamp.UNSET, Timestamp.DONE
MIN, MAX, PRESTREAM, POSTSTREAM = Timestamp.MIN, Timestamp.MAX, Timestamp.PRESTREAM, Timestamp.POSTSTREAM
_DEFAULT, _IMMEDIATE, _FIXED = 0, 1, 2
_HANDLERS = {"DefaultInputStreamHandler": _DEFAULT, "ImmediateInputStreamHandler": _IMMEDIATE,
             "FixedSizeInputStreamHandler": _FIXED}


class _Output:
    """One stream: its consumers' queues, observers and timestamp bound."""

    __slots__ = ("name", "consumers", "observers", "pollers", "bound")

    def __init__(self, name: str) -> None:
        self.name = name
        self.consumers: list[InputQueue] = []
        self.observers: list[Callable[[Packet], None]] = []
        self.pollers: list[OutputStreamPoller] = []
        self.bound = Timestamp.UNSTARTED


class _Node:
    __slots__ = ("spec", "name", "calc", "cc", "queues", "outputs", "handler", "offset", "trigger", "target",
                 "max_in_flight", "running", "scheduled", "opened", "closed", "settled", "rank",
                 "source", "pending", "seq", "process_bounds", "processed", "bounds_seen", "missed", "executor")

    def __init__(self, spec: NodeSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.calc: Calculator | None = None
        self.cc: CalculatorContext | None = None
        self.queues: list[InputQueue] = [InputQueue(self) for _ in spec.inputs]
        self.outputs: list[_Output] = []
        self.handler = _HANDLERS[spec.input_stream_handler]
        self.offset = spec.cls.contract.timestamp_offset
        h = spec.handler_options
        self.trigger = h.trigger_queue_size if h is not None else 0
        self.target = max(h.target_queue_size, 1) if h is not None else 0
        self.max_in_flight = spec.max_in_flight
        self.running = 0
        self.scheduled = False
        self.opened = False
        self.closed = False
        self.settled = Timestamp.UNSTARTED
        self.rank = spec.rank
        # A source is a calculator that declares no input streams and has outputs; a node with no
        # input connected otherwise (side packets only, or only optional inputs) is done once opened.
        self.source = not spec.cls.contract.inputs and bool(spec.outputs)
        self.process_bounds = spec.cls.contract.process_timestamp_bounds
        self.processed = Timestamp.UNSTARTED
        self.bounds_seen: list[int] = []
        self.missed = False
        self.executor = spec.executor
        self.pending: dict[int, CalculatorContext | None] = {}  # seq -> finished context, in start order
        self.seq = 0


class OutputStreamPoller:
    """Pulls packets of one output stream (MediaPipe's OutputStreamPoller)."""

    def __init__(self, graph: "Graph", stream: str) -> None:
        self._graph = graph
        self._queue: queue.Queue[Packet | None] = queue.Queue()
        self.stream = stream

    def _push(self, packet: Packet | None) -> None:
        self._queue.put(packet)

    def next(self, timeout: float | None = None) -> Packet | None:
        """The next packet, or ``None`` once the stream is done.

        Raises:
            TimeoutError: nothing arrived within ``timeout`` seconds.
            PosegraphError: the graph failed.
        """
        if self._graph._inline:
            self._graph._drain()
            if self._queue.empty():
                self._graph._raise_if_error()
                raise GraphRunError(f"no packet on {self.stream!r} yet: with num_threads <= 1 the graph runs "
                                    "inside add_packet and the wait calls, so add packets (or close the "
                                    "inputs) before polling")
        try:
            packet = self._queue.get(timeout=timeout)
        except queue.Empty:
            self._graph._raise_if_error()
            raise TimeoutError(f"no packet on {self.stream!r} within {timeout} s") from None
        if packet is None:
            self._graph._raise_if_error()
        return packet

    def __iter__(self) -> Iterator[Packet]:
        while (p := self.next()) is not None:
            yield p


class Graph:
    """A runnable graph (MediaPipe's CalculatorGraph), usable as a context manager.

    Example::

        with Graph.from_file("graphs/pose_tracking.pbtxt") as graph:
            graph.observe("pose_landmarks", lambda p: print(p.timestamp, p.payload))
            graph.start({"smooth_landmarks": True})
            for i, frame in enumerate(frames):
                graph.add_packet("image", frame, i * 33_333)
        # leaving the block closes the inputs and waits until the graph is done

    Args:
        config: a path to a ``.pbtxt``/``.yaml`` file, a :class:`LoadedConfig`, or a
            ``CalculatorGraphConfig`` message.
        num_threads: overrides the config's ``num_threads`` (0 or 1: run on the caller's thread).
        search_path: extra directories to look for subgraph files in.

    Raises:
        GraphConfigError: the config is invalid (every problem, with file:line:column).
    """

    def __init__(self, config: Any, *, num_threads: int | None = None,
                 search_path: Iterable[str | Path] = ()) -> None:
        if isinstance(config, (str, Path)):
            loaded = load_config(config)
        elif isinstance(config, LoadedConfig):
            loaded = config
        else:
            from posegraph.framework.config.loader import SourceMap
            loaded = LoadedConfig(config, SourceMap("<config>"))
        from posegraph.framework.subgraph import expand_subgraphs
        self.loaded = expand_subgraphs(loaded, search_path)
        self.validated: ValidatedGraph = validate(self.loaded)
        self.num_threads = self.validated.num_threads if num_threads is None else num_threads
        self.max_queue_size = self.validated.max_queue_size
        # Named executors (config `executor { name: ... }`) get their own worker threads; with any of
        # them, or num_threads > 1, the default executor is a pool too.
        executors = self.validated.executors
        self._inline = self.num_threads <= 1 and not executors
        self._pools: dict[str, int] = {"": max(self.num_threads, 1)}
        self._pools.update({name: max(threads, 1) for name, threads in executors.items()})
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._ready: list[tuple[int, int, _Node]] = []  # default executor's ready nodes
        self._ready_by_executor: dict[str, list[tuple[int, int, _Node]]] = {
            name: (self._ready if name == "" else []) for name in self._pools}
        # Workers of an executor sleep on its own condition (sharing the graph lock), so queuing a
        # node wakes one worker that can run it; API calls wait on self._cond.
        self._work: dict[str, threading.Condition] = {name: threading.Condition(self._lock) for name in self._pools}
        self._local = threading.local()
        self._counter = itertools.count()
        self._active = 0
        self._throttled = 0  # add_packet calls waiting for a full input queue to drain
        self._draining = False
        self._error: PosegraphError | None = None
        self._started = False
        self._finished = False
        self._workers: list[threading.Thread] = []
        self._stopping = False
        self.tracer: list[tuple[str, str, int, int, int, int]] | None = None

        self._nodes = [_Node(spec) for spec in self.validated.nodes]
        self._streams: dict[str, _Output] = {}
        for n in self._nodes:
            for r in n.spec.outputs:
                out = _Output(r.name)
                self._streams[r.name] = out
                n.outputs.append(out)
        self._graph_inputs: dict[str, _Output] = {}
        for r in self.validated.input_streams:
            out = _Output(r.name)
            self._streams[r.name] = out
            self._graph_inputs[r.name] = out
        for n in self._nodes:
            for r, q in zip(n.spec.inputs, n.queues):
                self._streams[r.name].consumers.append(q)
        self._side_packets: dict[str, Any] = {}
        self._output_names = [r.name for r in self.validated.output_streams]

    # --- construction helpers ------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> "Graph":
        """A graph from a ``.pbtxt`` or ``.yaml`` file.

        Example: ``Graph.from_file("graphs/pose_tracking.pbtxt", num_threads=2)``
        """
        return cls(load_config(path), **kwargs)

    @classmethod
    def from_name(cls, name: str, **kwargs: Any) -> "Graph":
        """A graph bundled with posegraph, by name (:func:`posegraph.graphs.path`).

        Example: ``Graph.from_name("pose_tracking")``

        Raises:
            GraphConfigError: no bundled graph has that name (the message lists those that do).
        """
        from posegraph import graphs

        try:
            path = graphs.path(name)
        except KeyError as e:
            raise GraphConfigError(e.args[0], name) from None
        return cls(load_config(path), **kwargs)

    @classmethod
    def from_string(cls, text: str, syntax: str = "pbtxt", **kwargs: Any) -> "Graph":
        """A graph from config text (``syntax`` ``"pbtxt"`` or ``"yaml"``).

        Example: ``Graph.from_string('input_stream: "a"\nnode { calculator: "PassThroughCalculator" '
        'input_stream: "a" output_stream: "b" }')``
        """
        return cls(parse_config(text, syntax), **kwargs)

    # --- introspection -------------------------------------------------------------------------
    @property
    def input_streams(self) -> list[str]:
        """Names of the graph's input streams."""
        return list(self._graph_inputs)

    @property
    def output_streams(self) -> list[str]:
        """Names of the graph's declared output streams."""
        return list(self._output_names)

    @property
    def side_packet_types(self) -> dict[str, type | tuple[type, ...]]:
        """Input side packets the nodes read, with the payload type the first reader declares."""
        out: dict[str, Any] = {}
        produced = {r.name for n in self._nodes for r in n.spec.side_outputs}
        for n in self._nodes:
            ports = n.spec.cls.contract.input_side_packets
            for r in n.spec.side_inputs:
                if r.name not in produced:
                    out.setdefault(r.name, ports[r.tag].type)
        for r in self.validated.input_side_packets:
            out.setdefault(r.name, object)
        return out

    @property
    def has_error(self) -> bool:
        """Whether a node (or an observer) failed; the error is raised by the next call."""
        return self._error is not None

    # --- observing -----------------------------------------------------------------------------
    def observe(self, stream: str, callback: Callable[[Packet], None]) -> None:
        """Calls ``callback(packet)`` for each packet on ``stream``, in timestamp order.

        Any stream of the graph can be observed (handy for debugging), before :meth:`start`.
        The callback runs on a scheduler thread and must not block; an exception it raises fails
        the graph.

        Example: ``graph.observe("pose_landmarks", lambda p: results.append((p.timestamp, p.payload)))``

        Raises:
            GraphRunError: unknown stream, or the graph already started.
        """
        self._check_observable(stream)
        self._streams[stream].observers.append(callback)

    def poller(self, stream: str) -> OutputStreamPoller:
        """An :class:`OutputStreamPoller` for ``stream`` (call before :meth:`start`).

        Example (thread pool; inline graphs run inside ``add_packet``, so poll after adding)::

            poller = graph.poller("pose_landmarks")
            graph.start()
            graph.add_packet("image", frame, 0)
            packet = poller.next(timeout=5.0)
        """
        self._check_observable(stream)
        poller = OutputStreamPoller(self, stream)
        self._streams[stream].pollers.append(poller)
        return poller

    def _check_observable(self, stream: str) -> None:
        if self._started:
            raise GraphRunError(f"observe {stream!r} before start()")
        if stream not in self._streams:
            raise GraphRunError(f"no stream named {stream!r} in the graph (streams: {', '.join(sorted(self._streams))})")

    # --- running -------------------------------------------------------------------------------
    def start(self, side_packets: dict[str, Any] | None = None) -> None:
        """Checks the side packets, opens every node and starts the run (MediaPipe's StartRun).

        Raises:
            SidePacketError: a side packet is unknown, missing or of the wrong type.
            CalculatorError: a node's ``open`` failed (the nodes already opened are closed).
            GraphRunError: the graph was already started.
        """
        if self._started:
            raise GraphRunError("graph already started: a Graph runs once; build a new one to run again")
        side_packets = dict(side_packets or {})
        types = self.side_packet_types
        unknown = sorted(set(side_packets) - set(types))
        if unknown:
            raise SidePacketError(f"unknown side packet(s) {', '.join(map(repr, unknown))}; this graph takes: "
                                  f"{', '.join(sorted(types)) or 'none'}")
        self._side_packets = side_packets
        self._started = True
        try:
            self._open_all()
        except BaseException:
            self._close_opened()
            raise
        if not self._inline:
            for executor, threads in self._pools.items():
                for i in range(threads):
                    t = threading.Thread(target=self._worker, args=(executor,), daemon=True,
                                         name=f"posegraph-{executor or 'default'}-{i}")
                    t.start()
                    self._workers.append(t)
        with self._lock:
            for n in self._nodes:
                if not n.spec.inputs:
                    self._schedule(n)  # sources start; side-packet-only nodes close at once

    def _open_all(self) -> None:
        pending = list(self._nodes)
        while pending:
            progressed = False
            for n in list(pending):
                ports = n.spec.cls.contract.input_side_packets
                missing = [r for r in n.spec.side_inputs if r.name not in self._side_packets]
                if missing and any(self._side_producer(r.name) for r in missing):
                    continue  # produced by a node not opened yet
                values = {}
                for r in n.spec.side_inputs:
                    if r.name not in self._side_packets:
                        if ports[r.tag].optional:
                            continue
                        raise SidePacketError(f"node {n.name!r} ({n.spec.calculator}) needs side packet {r.name!r} "
                                              f"(tag {r.tag or '(untagged)'}), which was not given to start()")
                    v = self._side_packets[r.name]
                    expected = ports[r.tag].type
                    if expected is not object and not _isinstance(v, expected):
                        raise SidePacketError(f"side packet {r.name!r} for node {n.name!r} ({n.spec.calculator}) "
                                              f"must be {_type_name(expected)}, got {type(v).__name__} {v!r}")
                    values[(r.tag, r.index)] = v
                self._open(n, values)
                pending.remove(n)
                progressed = True
            if not progressed:
                names = ", ".join(repr(n.name) for n in pending)
                raise SidePacketError(f"nodes {names} wait on side packets no node can produce first")

    def _side_producer(self, name: str) -> _Node | None:
        return next((n for n in self._nodes if not n.opened and any(r.name == name for r in n.spec.side_outputs)), None)

    def _open(self, n: _Node, side_values: dict) -> None:
        spec = n.spec
        n.calc = spec.cls()
        n.cc = CalculatorContext(spec.name, spec.options, side_values,
                                 {(r.tag, r.index): i for i, r in enumerate(spec.inputs)},
                                 {(r.tag, r.index): i for i, r in enumerate(spec.outputs)},
                                 {(r.tag, r.index): i for i, r in enumerate(spec.side_outputs)})
        n.cc._queues = n.queues
        t0 = time.perf_counter_ns()
        try:
            n.calc.open(n.cc)
        except SidePacketError:
            raise  # a node refusing a side packet's value: the caller's input is wrong, not the node
        except Exception as e:
            raise _calculator_error(e, n, "open", None) from e
        finally:
            self._trace(n, "open", UNSET, t0)
        n.opened = True
        for slot, value in n.cc._side_out.items():
            self._side_packets[spec.side_outputs[slot].name] = value
        n.cc._side_out.clear()
        with self._lock:
            self._deliver(n, n.cc, None)

    def add_packet(self, stream: str, payload: Any, timestamp: int) -> None:
        """Adds a packet to graph input ``stream`` (MediaPipe's AddPacketToInputStream).

        Blocks while the stream's consumers hold ``max_queue_size`` packets (thread pool only).

        Raises:
            GraphRunError: unknown or closed stream, timestamp not increasing, graph not started.
            PosegraphError: the graph failed earlier (the node's :class:`CalculatorError`).
        """
        out = self._graph_inputs.get(stream)
        if out is None:
            raise GraphRunError(f"no graph input stream {stream!r} (inputs: {', '.join(self._graph_inputs) or 'none'})")
        if not self._started:
            raise GraphRunError("call start() before add_packet()")
        self._raise_if_error()
        if not Timestamp.is_allowed_in_stream(timestamp):
            raise GraphRunError(f"timestamp {Timestamp.format(timestamp)} is not allowed in a stream")
        with self._cond:
            if timestamp < out.bound:
                raise GraphRunError(f"input stream {stream!r}: timestamp {Timestamp.format(timestamp)} is not "
                                    f"after the last one (next allowed: {Timestamp.format(out.bound)})")
            if not self._inline and self.max_queue_size > 0:
                while self._error is None and any(len(q.packets) >= self.max_queue_size for q in out.consumers):
                    self._throttled += 1  # workers wake this thread after every call while it waits
                    try:
                        self._cond.wait()
                    finally:
                        self._throttled -= 1
            self._emit(out, Packet(payload, timestamp))
        if self._inline:
            self._drain()
        self._raise_if_error()

    def close_input_stream(self, stream: str) -> None:
        """Closes graph input ``stream``: its bound becomes Done (MediaPipe's CloseInputStream).

        Example: ``graph.close_input_stream("image"); graph.wait_until_done()``
        """
        out = self._graph_inputs.get(stream)
        if out is None:
            raise GraphRunError(f"no graph input stream {stream!r}")
        with self._cond:
            self._raise_bound(out, DONE)
        if self._inline:
            self._drain()

    def close_all_inputs(self) -> None:
        """Closes every graph input stream (MediaPipe's CloseAllPacketSources)."""
        for name in self._graph_inputs:
            self.close_input_stream(name)

    def wait_until_idle(self, timeout: float | None = None) -> None:
        """Returns once no node has work left with the packets given so far.

        Example: ``graph.add_packet("image", frame, t); graph.wait_until_idle(); use(latest)``

        Raises:
            TimeoutError: still busy after ``timeout`` seconds.
            PosegraphError: the graph failed.
        """
        if self._inline:
            self._drain()
        else:
            deadline = None if timeout is None else time.monotonic() + timeout
            with self._cond:
                while (self._any_ready() or self._active) and self._error is None:
                    if not self._cond.wait(_remaining(deadline)) and deadline and time.monotonic() >= deadline:
                        raise TimeoutError(f"graph still busy after {timeout} s")
        self._raise_if_error()

    def wait_until_done(self, timeout: float | None = None) -> None:
        """Waits until every node has closed (close the inputs first), then stops the threads.

        Raises:
            GraphRunError: the graph can make no more progress but nodes are still open (their
                inputs are never closed or a cycle lacks data); the message names them.
            TimeoutError: not done after ``timeout`` seconds.
            PosegraphError: the graph failed.
        """
        self.wait_until_idle(timeout)
        with self._cond:
            stuck = [n for n in self._nodes if not n.closed]
        if stuck:
            details = "; ".join(f"{n.name!r} waits on " + (", ".join(
                f"{r.name!r} (bound {Timestamp.format(q.bound)})" for r, q in zip(n.spec.inputs, n.queues)
                if q.bound != DONE) or "nothing") for n in stuck[:5])
            self._shutdown()
            raise GraphRunError(f"graph cannot finish: {len(stuck)} node(s) still open: {details}. "
                                "Close every input stream before waiting until done.")
        self._shutdown()
        self._finished = True

    def close(self) -> None:
        """Closes all inputs and waits until done; safe to call twice."""
        if not self._started or self._finished:
            self._shutdown()
            return
        if self._error is None:
            self.close_all_inputs()
        self.wait_until_done()

    def cancel(self) -> None:
        """Stops the run now: no further ``process`` calls; open nodes are closed.

        Example: ``graph.cancel()`` from a UI's stop button; the next call on the graph raises.
        """
        with self._cond:
            if self._error is None:
                self._error = GraphRunError("graph cancelled")
            self._cond.notify_all()
        self._shutdown()

    def __enter__(self) -> "Graph":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            if self._error is None:
                with self._cond:
                    self._error = GraphRunError("graph abandoned: the with-block raised")
            self._shutdown()

    def process_frames(self, frames: Iterable[tuple[int, Any]], *, input_stream: str | None = None,
                       outputs: Iterable[str] | None = None, side_packets: dict[str, Any] | None = None
                       ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Frames in, results out: the common case in one loop.

        Starts the graph, feeds each ``(timestamp, payload)`` to ``input_stream`` (default: the only
        graph input stream) and yields ``(timestamp, {stream: payload or None})`` for every input
        timestamp, in order, as soon as it is settled on all ``outputs`` (default: the graph's
        output streams). Closes the graph at the end; stopping the iteration early cancels it.

        Example::

            graph = Graph.from_file("graphs/pose_tracking.pbtxt")
            for t, out in graph.process_frames((i * 33_333, f) for i, f in enumerate(frames)):
                print(t, out["pose_landmarks"])

        Raises:
            GraphRunError: no or several input streams and ``input_stream`` not given.
            PosegraphError: what the graph raised (e.g. a node's CalculatorError).
        """
        if input_stream is None:
            if len(self._graph_inputs) != 1:
                raise GraphRunError(f"name the input stream: the graph has {len(self._graph_inputs)} "
                                    f"({', '.join(self._graph_inputs) or 'none'})")
            input_stream = next(iter(self._graph_inputs))
        names = list(outputs if outputs is not None else self._output_names)
        received: dict[str, dict[int, Any]] = {name: {} for name in names}
        for name in names:
            self.observe(name, lambda p, store=received[name]: store.__setitem__(p.timestamp, p.payload))
        self.start(side_packets)
        pending: list[int] = []
        finished = False
        try:
            try:
                for timestamp, payload in frames:
                    self.add_packet(input_stream, payload, timestamp)
                    pending.append(timestamp)
                    yield from self._settled(pending, names, received)
                self.close_all_inputs()
                self.wait_until_done()
            except PosegraphError:
                # Frames the graph finished before it failed are results too: hand them over first.
                self._shutdown()
                yield from self._settled(pending, names, received)
                raise
            finished = True
            yield from self._settled(pending, names, received)
        finally:
            if not finished:
                self.cancel()

    def _settled(self, pending: list[int], names: list[str],
                 received: dict[str, dict[int, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
        with self._lock:
            bound = min((self._streams[n].bound for n in names), default=DONE)
            ready = 0
            while ready < len(pending) and pending[ready] < bound:
                ready += 1
            done, pending[:ready] = pending[:ready], []
            results = [(t, {n: received[n].pop(t, None) for n in names}) for t in done]
        yield from results

    # --- scheduling ----------------------------------------------------------------------------
    def _schedule(self, n: _Node) -> None:
        if not n.scheduled and not n.closed and self._error is None:
            n.scheduled = True
            ready = self._ready_by_executor[n.executor]
            heapq.heappush(ready, (-n.rank, next(self._counter), n))
            # A worker of this executor takes the next ready node itself when its call ends, so
            # another worker is woken only for work beyond that one.
            if not self._inline and (getattr(self._local, "executor", None) != n.executor or len(ready) > 1):
                self._work[n.executor].notify()

    def _emit(self, out: _Output, packet: Packet) -> None:
        """Puts a packet on a stream (lock held)."""
        t = packet.timestamp
        out.bound = bound = t + 1 if MIN <= t < MAX else Timestamp.next_allowed_in_stream(t)
        for q in out.consumers:
            q.packets.append(packet)
            q.bound = bound
            node = q.node
            if not node.scheduled:
                self._schedule(node)
        if out.observers:
            for obs in out.observers:
                obs(packet)
        if out.pollers:
            for poller in out.pollers:
                poller._push(packet)

    def _raise_bound(self, out: _Output, bound: int) -> None:
        if bound > out.bound:
            out.bound = bound
            for q in out.consumers:
                q.bound = bound
                self._schedule(q.node)
            if bound == DONE:
                for poller in out.pollers:
                    poller._push(None)

    def _drain(self) -> None:
        """Runs ready nodes on this thread until none is left (inline mode)."""
        if self._draining:
            return
        self._draining = True
        try:
            call = None
            while True:
                with self._lock:
                    if call is not None:
                        self._end(*call)
                    call = self._take(self._ready)
                if call is None:
                    return
                call = self._call(*call)
        finally:
            self._draining = False

    def _any_ready(self) -> bool:
        return any(self._ready_by_executor.values())

    def _worker(self, executor: str) -> None:
        self._local.executor = executor
        ready = self._ready_by_executor[executor]
        work = self._work[executor]
        call = None
        while True:
            with self._cond:
                if call is not None:
                    self._end(*call)
                    self._active -= 1
                    if not self._active or self._error is not None or self._throttled:
                        self._cond.notify_all()  # API waiters: idle, done, failed, or a full input queue
                call = None
                while call is None:
                    while not ready and not self._stopping:
                        work.wait()
                    if self._stopping:
                        return
                    call = self._take(ready)
                    if call is None and self._error is not None:
                        ready.clear()  # a failed graph runs nothing more: wait for shutdown
                self._active += 1
            call = self._call(*call)

    def _next_task(self, n: _Node) -> tuple[str, int, list | None] | None:
        """What node ``n`` should do next (lock held): process, close, or nothing."""
        if n.closed or self._error is not None:
            return None
        if n.running >= n.max_in_flight:
            n.missed = True  # woken while busy: look again when the running call ends
            return None
        if n.source:
            return ("process", UNSET, None)
        while True:
            if n.handler == _DEFAULT:
                t, packets = default_next(n.queues)
            elif n.handler == _IMMEDIATE:
                t, packets = immediate_next(n.queues)
            else:
                t, packets = fixed_size_next(n.queues, n.trigger, n.target)
            if packets is not None:
                n.processed = t
                return ("process", t, packets)
            if t == UNSET or n.running:
                return None
            if t == DONE:
                return ("close", DONE, None)
            if n.handler == _IMMEDIATE and n.process_bounds:
                bounds = [q.bound for q in n.queues]
                if bounds == n.bounds_seen:
                    return None
                n.bounds_seen = bounds
                return ("process", t - 1, [None] * len(n.queues))
            if t <= n.settled:
                return None
            n.settled = t
            if n.process_bounds and t - 1 > n.processed:
                n.processed = t - 1
                return ("process", t - 1, [None] * len(n.queues))
            if n.offset is not None:
                for out in n.outputs:
                    self._raise_bound(out, t)
            return None

    def _take(self, ready: list) -> tuple | None:
        """Pops ready nodes until one has a call to make; marks it running (lock held)."""
        while ready and self._error is None:
            _, _, n = heapq.heappop(ready)
            n.scheduled = False  # a wake-up from now on queues the node again
            task = self._next_task(n)
            if task is None:
                continue
            kind, ts, packets = task
            n.running += 1
            seq = -1
            if n.max_in_flight > 1:
                seq = n.seq
                n.seq += 1
                n.pending[seq] = None
                cc = n.cc.fork()
                self._schedule(n)
            else:
                cc = n.cc
            cc.input_timestamp = ts
            cc._inputs = packets
            return n, kind, ts, cc, seq
        return None

    def _call(self, n: _Node, kind: str, ts: int, cc: CalculatorContext, seq: int) -> tuple | None:
        """Runs the calculator method (no lock held); returns the arguments of :meth:`_end`, or
        ``None`` when it failed (the graph is failed then)."""
        stop = False
        tracing = self.tracer is not None
        if tracing:
            t0 = time.perf_counter_ns()
        method = "close" if kind == "close" else "process"
        try:
            if kind == "close":
                n.calc.close(cc)
            elif n.calc.process(cc) is Stop:
                stop = True
        except Stop:
            stop = True
        except Exception as e:
            if kind == "close":
                n.closed = True  # close ran (and failed): never call it again
            self._fail(_calculator_error(e, n, method, None if n.source or kind == "close" else ts), n)
            return None
        finally:
            if tracing:
                self._trace(n, method, ts, t0)
        return n, kind, ts, cc, seq, stop

    def _end(self, n: _Node, kind: str, ts: int, cc: CalculatorContext, seq: int, stop: bool) -> None:
        """Delivers a finished call's packets and bounds, and queues what it woke (lock held)."""
        n.running -= 1
        try:
            if n.max_in_flight > 1:
                n.pending[seq] = cc
                self._flush_pending(n)
            else:
                self._deliver(n, cc, ts)
            if kind == "close" or stop:
                n.closed = True
                for out in n.outputs:
                    self._raise_bound(out, DONE)
            elif n.missed or n.source or n.handler != _DEFAULT or self._has_work(n):
                n.missed = False
                self._schedule(n)
        except PosegraphError as e:
            self._fail(e, n)
        except Exception as e:  # an observer callback raised
            self._fail(GraphRunError(f"an output stream observer raised {type(e).__name__}: {e}"), n)

    @staticmethod
    def _has_work(n: _Node) -> bool:
        """Whether a default-handler node may have work after a call: queued packets, or input
        bounds past what it has handled (a bound raised while it was already queued or running)."""
        lowest = DONE
        for q in n.queues:
            if q.packets:
                return True
            if q.bound < lowest:
                lowest = q.bound
        return lowest > n.processed + 1 and lowest > n.settled

    def _flush_pending(self, n: _Node) -> None:
        """Delivers finished calls' outputs in the order the calls started (lock held)."""
        while n.pending:
            seq = next(iter(n.pending))
            cc = n.pending[seq]
            if cc is None:
                return
            del n.pending[seq]
            self._deliver(n, cc, cc.input_timestamp)

    def _deliver(self, n: _Node, cc: CalculatorContext, ts: int | None) -> None:
        """Moves a call's sent packets and bounds onto the streams (lock held)."""
        sent = cc._sent
        if sent:
            outputs = n.outputs
            for slot, packet in sent:
                out = outputs[slot]
                t = packet.timestamp
                if t < out.bound or not (MIN <= t <= MAX or t == PRESTREAM or t == POSTSTREAM):
                    sent.clear()
                    raise CalculatorError(
                        f"sent a packet at {Timestamp.format(packet.timestamp)} on {out.name!r}, whose next allowed "
                        f"timestamp is {Timestamp.format(out.bound)}", n.name, n.spec.calculator, "process",
                        Timestamp.format(ts) if ts is not None else None)
                self._emit(out, packet)
            sent.clear()
        if cc._bounds:
            for slot, bound in cc._bounds:
                self._raise_bound(n.outputs[slot], bound)
            cc._bounds.clear()
        if n.offset is not None and ts is not None and ts != UNSET:
            nxt = ts + n.offset + 1 if ts < Timestamp.MAX else Timestamp.ONE_OVER_POSTSTREAM
            for out in n.outputs:
                if out.bound < nxt:
                    self._raise_bound(out, nxt)

    # --- failure and shutdown ------------------------------------------------------------------
    def _fail(self, err: PosegraphError, n: _Node | None) -> None:
        with self._cond:
            if self._error is None:
                self._error = err
            if n is not None:
                n.running = max(n.running - 1, 0)
            for ready in self._ready_by_executor.values():
                ready.clear()
            self._cond.notify_all()

    def _raise_if_error(self) -> None:
        if self._error is not None:
            self._shutdown()
            raise self._error

    def _shutdown(self) -> None:
        """Stops the worker threads and closes nodes still open (after an error or cancel)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            for work in self._work.values():
                work.notify_all()
        for t in self._workers:
            if t is not threading.current_thread():
                t.join()
        self._workers = []
        if self._error is not None:
            self._close_opened()
        for out in self._streams.values():
            for poller in out.pollers:
                poller._push(None)

    def _close_opened(self) -> None:
        for n in self._nodes:
            if n.opened and not n.closed and n.calc is not None:
                n.closed = True
                try:
                    n.calc.close(n.cc)
                except Exception:
                    log.exception("node %r (%s) failed in close after the graph stopped", n.name, n.spec.calculator)

    def _trace(self, n: _Node, method: str, ts: int, t0: int) -> None:
        if self.tracer is not None:
            self.tracer.append((n.name, method, ts, threading.get_ident(), t0, time.perf_counter_ns()))


def _calculator_error(e: Exception, n: _Node, method: str, ts: int | None) -> CalculatorError:
    """``e`` as the CalculatorError naming node, calculator, method and input timestamp (itself if
    it already is one); the original is kept as ``__cause__``."""
    if isinstance(e, CalculatorError):
        return e
    err = CalculatorError(f"{type(e).__name__}: {e}", n.name, n.spec.calculator, method, None if ts is None else Timestamp.format(ts))
    err.__cause__ = e
    return err


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(deadline - time.monotonic(), 0.0)


def _isinstance(v: Any, expected: Any) -> bool:
    if expected is float and isinstance(v, int) and not isinstance(v, bool):
        return True
    if expected is int and isinstance(v, bool):
        return False
    return isinstance(v, expected)


def _type_name(t: Any) -> str:
    return " or ".join(x.__name__ for x in t) if isinstance(t, tuple) else t.__name__
