"""Running a graph: the app-facing :class:`Graph` API (MediaPipe's CalculatorGraph).

A :class:`Graph` is built from a config (file, text or message), started with input side packets,
fed packets on its input streams, and observed on its output streams. With ``num_threads`` 0 or 1
(the default) nodes run on the caller's thread inside :meth:`Graph.add_packet` and the ``wait``
calls (MediaPipe's application-thread executor); with more, on a pool of worker threads. The
machinery that runs the nodes is :mod:`posegraph.framework.scheduler`.
"""

from __future__ import annotations

import dataclasses

import queue
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from posegraph.framework.config.loader import LoadedConfig, SourceMap, load_config, parse_config
from posegraph.framework.errors import GraphConfigError, GraphRunError, PosegraphError, SidePacketError
from posegraph.framework.packet import Packet
from posegraph.framework.scheduler import Scheduler, check_side_packet
from posegraph.framework.subgraph import expand_subgraphs
from posegraph.framework.timestamp import Timestamp
from posegraph.framework.tracing import TraceRecord
from posegraph.framework.validated_graph import ValidatedGraph, validate

DONE = Timestamp.DONE


class OutputStreamPoller:
    """Pulls packets of one output stream (MediaPipe's OutputStreamPoller)."""

    def __init__(self, scheduler: Scheduler, stream: str) -> None:
        self._scheduler = scheduler
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
        if self._scheduler.inline:
            self._scheduler.drain()
            if self._queue.empty():
                self._scheduler.raise_if_error()
                raise GraphRunError(f"no packet on {self.stream!r} yet: with num_threads <= 1 the graph runs "
                                    "inside add_packet and the wait calls, so add packets (or close the "
                                    "inputs) before polling")
        try:
            packet = self._queue.get(timeout=timeout)
        except queue.Empty:
            self._scheduler.raise_if_error()
            raise TimeoutError(f"no packet on {self.stream!r} within {timeout} s") from None
        if packet is None:
            self._scheduler.raise_if_error()
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
            loaded = LoadedConfig(config, SourceMap("<config>"))
        self.loaded = expand_subgraphs(loaded, search_path)
        self.validated: ValidatedGraph = validate(self.loaded)
        self.num_threads = self.validated.num_threads if num_threads is None else num_threads
        self.max_queue_size = self.validated.max_queue_size
        self._scheduler = Scheduler(self.validated, self.num_threads)
        self._streams = self._scheduler.streams
        self._graph_inputs = self._scheduler.graph_inputs
        self._output_names = [r.name for r in self.validated.output_streams]
        self._started = False
        self._finished = False

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
        nodes = self.validated.nodes
        produced = {r.name for n in nodes for r in n.side_outputs}
        for n in nodes:
            ports = n.contract.input_side_packets
            for r in n.side_inputs:
                if r.name not in produced:
                    out.setdefault(r.name, ports[r.tag].type)
        for r in self.validated.input_side_packets:
            out.setdefault(r.name, object)
        return out

    def output_side_packet(self, name: str) -> Any:
        """The value of the graph's output side packet ``name``, once the node producing it has
        opened, i.e. after :meth:`start` (MediaPipe's GetOutputSidePacket).

        Example: ``graph.output_side_packet("pose_landmark_model")  # 'pose_landmark_full'``

        Raises:
            GraphRunError: the graph declares no such output side packet, or it is not produced yet.
        """
        declared = [r.name for r in self.validated.output_side_packets]
        if name not in declared:
            raise GraphRunError(f"no graph output side packet {name!r} (declared: {', '.join(declared) or 'none'})")
        if name not in self._scheduler.side_packets:
            raise GraphRunError(f"output side packet {name!r} is not produced yet: call start() first")
        return self._scheduler.side_packets[name]

    @property
    def has_error(self) -> bool:
        """Whether a node (or an observer) failed; the error is raised by the next call."""
        return self._scheduler.error is not None

    @property
    def tracer(self) -> list[TraceRecord] | None:
        """Set to a list before :meth:`start` to record every ``open``/``process``/``close`` call as
        ``(node, method, input timestamp, thread id, start ns, end ns)`` (see
        :mod:`posegraph.framework.tracing`); ``None`` (the default) records nothing."""
        return self._scheduler.tracer

    @tracer.setter
    def tracer(self, records: list[TraceRecord] | None) -> None:
        self._scheduler.tracer = records

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
        poller = OutputStreamPoller(self._scheduler, stream)
        self._streams[stream].pollers.append(poller._push)
        return poller

    def _check_observable(self, stream: str) -> None:
        if self._started:
            raise GraphRunError(f"observe {stream!r} before start()")
        if stream not in self._streams:
            raise GraphRunError(f"no stream named {stream!r} in the graph (streams: {', '.join(sorted(self._streams))})")

    # --- running -------------------------------------------------------------------------------
    def set_options(self, calculator: str, **fields: Any) -> int:
        """Sets option fields on every node running ``calculator``, subgraphs included, before
        :meth:`start` (e.g. ``graph.set_options("InferenceCalculator", accelerator="gpu")``).

        Returns:
            How many nodes were changed.

        Raises:
            GraphRunError: the graph was already started, or ``calculator`` has no such option
                field (the message lists the ones it has).
        """
        if self._started:
            raise GraphRunError("set_options: the graph is already started; set options before start()")
        nodes = [n for n in self.validated.nodes if n.calculator == calculator]
        for n in nodes:
            names = [f.name for f in dataclasses.fields(n.options)] if dataclasses.is_dataclass(n.options) else []
            unknown = sorted(set(fields) - set(names))
            if unknown:
                raise GraphRunError(f"set_options: {calculator} has no option {', '.join(unknown)} "
                                    f"(its options: {', '.join(names) or 'none'})")
            n.options = dataclasses.replace(n.options, **fields)
        return len(nodes)

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
        self.check_side_packets(side_packets)
        self._started = True
        self._scheduler.start(side_packets)

    def check_side_packets(self, side_packets: dict[str, Any]) -> None:
        """Checks side packet values against every node that reads them, as :meth:`start` does,
        without starting anything (e.g. before creating output files).

        Raises:
            SidePacketError: a name the graph does not take, or a value of the wrong type, outside
                the range or not among the choices a reading node declares.
        """
        types = self.side_packet_types
        unknown = sorted(set(side_packets) - set(types))
        if unknown:
            raise SidePacketError(f"unknown side packet(s) {', '.join(map(repr, unknown))}; this graph takes: "
                                  f"{', '.join(sorted(types)) or 'none'}")
        for spec in self.validated.nodes:
            ports = spec.contract.input_side_packets
            for r in spec.side_inputs:
                if r.name in side_packets:
                    check_side_packet(spec, r.name, ports[r.tag], side_packets[r.name])

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
        self._scheduler.raise_if_error()
        if not Timestamp.is_allowed_in_stream(timestamp):
            raise GraphRunError(f"timestamp {Timestamp.format(timestamp)} is not allowed in a stream")
        self._scheduler.add_packet(out, Packet(payload, timestamp), self.max_queue_size)
        self._scheduler.raise_if_error()

    def close_input_stream(self, stream: str) -> None:
        """Closes graph input ``stream``: its bound becomes Done (MediaPipe's CloseInputStream).

        Example: ``graph.close_input_stream("image"); graph.wait_until_done()``
        """
        out = self._graph_inputs.get(stream)
        if out is None:
            raise GraphRunError(f"no graph input stream {stream!r}")
        self._scheduler.close_stream(out)

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
        self._scheduler.wait_until_idle(timeout)
        self._scheduler.raise_if_error()

    def wait_until_done(self, timeout: float | None = None) -> None:
        """Waits until every node has closed (close the inputs first), then stops the threads.

        Raises:
            GraphRunError: the graph can make no more progress but nodes are still open (their
                inputs are never closed or a cycle lacks data); the message names them.
            TimeoutError: not done after ``timeout`` seconds.
            PosegraphError: the graph failed.
        """
        self.wait_until_idle(timeout)
        stuck = self._scheduler.unclosed_nodes()
        if stuck:
            details = "; ".join(f"{n.name!r} waits on " + (", ".join(
                f"{r.name!r} (bound {Timestamp.format(q.bound)})" for r, q in zip(n.spec.inputs, n.queues)
                if q.bound != DONE) or "nothing") for n in stuck[:5])
            self._scheduler.shutdown()
            raise GraphRunError(f"graph cannot finish: {len(stuck)} node(s) still open: {details}. "
                                "Close every input stream before waiting until done.")
        self._scheduler.shutdown()
        self._finished = True

    def close(self) -> None:
        """Closes all inputs and waits until done; safe to call twice."""
        if not self._started or self._finished:
            self._scheduler.shutdown()
            return
        if self._scheduler.error is None:
            self.close_all_inputs()
        self.wait_until_done()

    def cancel(self) -> None:
        """Stops the run now: no further ``process`` calls; open nodes are closed.

        Example: ``graph.cancel()`` from a UI's stop button; the next call on the graph raises.
        """
        self._scheduler.stop(GraphRunError("graph cancelled"))

    def __enter__(self) -> "Graph":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self._scheduler.stop(GraphRunError("graph abandoned: the with-block raised"))

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
                self._scheduler.shutdown()
                yield from self._settled(pending, names, received)
                raise
            finished = True
            yield from self._settled(pending, names, received)
        finally:
            if not finished:
                self.cancel()

    def _settled(self, pending: list[int], names: list[str],
                 received: dict[str, dict[int, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
        with self._scheduler.lock:
            bound = min((self._streams[n].bound for n in names), default=DONE)
            ready = 0
            while ready < len(pending) and pending[ready] < bound:
                ready += 1
            done, pending[:ready] = pending[:ready], []
            results = [(t, {n: received[n].pop(t, None) for n in names}) for t in done]
        yield from results

