"""The scheduler: runs a validated graph's nodes over timestamped packets (MediaPipe's semantics).

Each node has a lifecycle (:class:`NodeState`: not opened, open, closed) and, while open, is queued
on its executor's ready queue whenever its inputs change; the queue is ordered by topological rank
(downstream first, so packets leave the graph before new ones enter). Taking a node asks its input
stream handler what comes next (process a timestamp, close, or propagate a settled bound), runs the
calculator method without the lock, then delivers the packets and bounds it sent, which queue the
nodes downstream. With ``num_threads`` 0 or 1 and no named executor, nodes run on the caller's
thread inside the API calls (MediaPipe's application-thread executor); otherwise on worker threads,
one pool per executor. A failure stops every node, closes those open and is raised once to the app.

:class:`~posegraph.Graph` is the app-facing side; this module is its machinery.
"""

from __future__ import annotations

import enum
import heapq
import itertools
import logging
import threading
import time
from typing import Any, Callable

from posegraph.framework.calculator import Calculator, CalculatorContext, Port, Stop
from posegraph.framework.errors import CalculatorError, GraphConfigError, GraphRunError, PosegraphError, SidePacketError
from posegraph.framework.packet import Packet
from posegraph.framework.stream_handlers import InputQueue, InputStreamHandler
from posegraph.framework.timestamp import Timestamp
from posegraph.framework.tracing import TraceRecord
from posegraph.framework.validated_graph import NodeSpec, ValidatedGraph

log = logging.getLogger(__name__)

UNSET, DONE = Timestamp.UNSET, Timestamp.DONE
MIN, MAX, PRESTREAM, POSTSTREAM = Timestamp.MIN, Timestamp.MAX, Timestamp.PRESTREAM, Timestamp.POSTSTREAM
PROCESS, CLOSE = "process", "close"


class NodeState(enum.Enum):
    """Where a node is in its run: ``open`` is called once, then ``process`` any number of times,
    then ``close`` once (or never, when ``open`` failed)."""

    NOT_OPENED = "not opened"
    OPEN = "open"
    CLOSED = "closed"


NOT_OPENED, OPEN, CLOSED = NodeState.NOT_OPENED, NodeState.OPEN, NodeState.CLOSED


class Stream:
    """One stream: its consumers' input queues, observers, pollers and timestamp bound."""

    __slots__ = ("name", "consumers", "observers", "pollers", "bound")

    def __init__(self, name: str) -> None:
        self.name = name
        self.consumers: list[InputQueue] = []
        self.observers: list[Callable[[Packet], None]] = []
        self.pollers: list[Callable[[Packet | None], None]] = []  # also told None once the stream is done
        self.bound = Timestamp.UNSTARTED


class Node:
    """A node during a run: its calculator, inputs and outputs, and its scheduling state.

    Attributes:
        state: the lifecycle (:class:`NodeState`).
        running: calls in flight (at most ``max_in_flight``).
        queued: whether the node sits in its executor's ready queue.
        woken_while_busy: its inputs changed while ``running`` was at the limit: look again when
            a call ends.
        last_processed: the last input timestamp ``process`` was called for.
        settled_bound: the highest input bound already acted on (propagated or processed).
        bounds_seen: each input's bound at the last bound-only call (handlers with
            ``each_input_alone`` and calculators that process timestamp bounds).
        finished_calls: with ``max_in_flight`` > 1, the calls in start order, each ``None`` until
            it ends, so that outputs are delivered in that order; ``next_call`` numbers them.
    """

    __slots__ = ("spec", "name", "calc", "cc", "queues", "outputs", "handler", "offset", "max_in_flight", "rank",
                 "executor", "is_source", "process_bounds", "each_input_alone", "aligned", "state", "running",
                 "queued", "woken_while_busy", "last_processed", "settled_bound", "bounds_seen", "finished_calls",
                 "next_call")

    def __init__(self, spec: NodeSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.calc: Calculator | None = None
        self.cc: CalculatorContext | None = None
        self.queues: list[InputQueue] = [InputQueue(self) for _ in spec.inputs]
        self.outputs: list[Stream] = []
        try:
            self.handler: InputStreamHandler = spec.handler(self.queues, spec.handler_options)
        except Exception as e:
            raise GraphConfigError(problems=[spec.source_map.problem(
                spec.key + ("input_stream_handler", 0), f"node {spec.name!r}: input stream handler "
                f"{spec.handler.name} rejected its options: {type(e).__name__}: {e}")]) from e
        contract = spec.cls.contract
        self.offset = contract.timestamp_offset
        self.max_in_flight = spec.max_in_flight
        self.rank = spec.rank
        self.executor = spec.executor
        # A source is a calculator that declares no input streams and has outputs; a node with no
        # input connected otherwise (side packets only, or only optional inputs) is done once opened.
        self.is_source = not contract.inputs and bool(spec.outputs)
        self.process_bounds = contract.process_timestamp_bounds
        self.each_input_alone = spec.handler.each_input_alone
        self.aligned = spec.handler.aligned
        self.state = NOT_OPENED
        self.running = 0
        self.queued = False
        self.woken_while_busy = False
        self.last_processed = Timestamp.UNSTARTED
        self.settled_bound = Timestamp.UNSTARTED
        self.bounds_seen: list[int] = []
        self.finished_calls: dict[int, CalculatorContext | None] = {}
        self.next_call = 0


class Scheduler:
    """Runs the nodes of a validated graph; the machinery behind :class:`~posegraph.Graph`.

    Args:
        validated: the graph to run.
        num_threads: threads of the default executor (0 or 1 with no named executor: run on the
            caller's thread).

    Raises:
        GraphConfigError: a node's input stream handler rejected its options.
    """

    def __init__(self, validated: ValidatedGraph, num_threads: int) -> None:
        executors = validated.executors
        # Named executors (config `executor { name: ... }`) get their own worker threads; with any of
        # them, or num_threads > 1, the default executor is a pool too.
        self.inline = num_threads <= 1 and not executors
        self._pools: dict[str, int] = {"": max(num_threads, 1)}
        self._pools.update({name: max(threads, 1) for name, threads in executors.items()})
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)  # API calls wait on it
        self._ready: list[tuple[int, int, Node]] = []  # default executor's ready nodes
        self._ready_by_executor: dict[str, list[tuple[int, int, Node]]] = {
            name: (self._ready if name == "" else []) for name in self._pools}
        # Workers of an executor sleep on its own condition (sharing the lock), so queuing a node
        # wakes one worker that can run it.
        self._work: dict[str, threading.Condition] = {name: threading.Condition(self.lock) for name in self._pools}
        self._local = threading.local()
        self._counter = itertools.count()
        self._active = 0
        self.throttled = 0  # add_packet calls waiting for a full input queue to drain
        self._draining = False
        self.error: PosegraphError | None = None
        self._workers: list[threading.Thread] = []
        self._stopping = False
        self.tracer: list[TraceRecord] | None = None
        self.side_packets: dict[str, Any] = {}

        self.nodes = [Node(spec) for spec in validated.nodes]
        self.streams: dict[str, Stream] = {}
        for n in self.nodes:
            for r in n.spec.outputs:
                out = Stream(r.name)
                self.streams[r.name] = out
                n.outputs.append(out)
        self.graph_inputs: dict[str, Stream] = {}
        for r in validated.input_streams:
            out = Stream(r.name)
            self.streams[r.name] = out
            self.graph_inputs[r.name] = out
        for n in self.nodes:
            for r, q in zip(n.spec.inputs, n.queues):
                self.streams[r.name].consumers.append(q)

    # --- starting ------------------------------------------------------------------------------
    def start(self, side_packets: dict[str, Any]) -> None:
        """Opens every node (side packets permitting), starts the worker threads, queues the sources.

        Raises:
            SidePacketError: a side packet a node needs is missing or of the wrong type.
            CalculatorError: a node's ``open`` failed (the nodes already opened are closed).
        """
        self.side_packets = side_packets
        try:
            self._open_all()
        except BaseException:
            self._close_opened()
            raise
        if not self.inline:
            for executor, threads in self._pools.items():
                for i in range(threads):
                    t = threading.Thread(target=self._worker, args=(executor,), daemon=True,
                                         name=f"posegraph-{executor or 'default'}-{i}")
                    t.start()
                    self._workers.append(t)
        with self.lock:
            for n in self.nodes:
                if not n.spec.inputs:
                    self._schedule(n)  # sources start; side-packet-only nodes close at once

    def _open_all(self) -> None:
        pending = list(self.nodes)
        while pending:
            progressed = False
            for n in list(pending):
                ports = n.spec.cls.contract.input_side_packets
                missing = [r for r in n.spec.side_inputs if r.name not in self.side_packets]
                if missing and any(self._side_producer(r.name) for r in missing):
                    continue  # produced by a node not opened yet
                values = {}
                for r in n.spec.side_inputs:
                    if r.name not in self.side_packets:
                        if ports[r.tag].optional:
                            continue
                        raise SidePacketError(f"node {n.name!r} ({n.spec.calculator}) needs side packet {r.name!r} "
                                              f"(tag {r.tag or '(untagged)'}), which was not given to start()")
                    v = self.side_packets[r.name]
                    check_side_packet(n.spec, r.name, ports[r.tag], v)
                    values[(r.tag, r.index)] = v
                self._open(n, values)
                pending.remove(n)
                progressed = True
            if not progressed:
                names = ", ".join(repr(n.name) for n in pending)
                raise SidePacketError(f"nodes {names} wait on side packets no node can produce first")

    def _side_producer(self, name: str) -> Node | None:
        return next((n for n in self.nodes if n.state is NOT_OPENED and any(r.name == name for r in n.spec.side_outputs)),
                    None)

    def _open(self, n: Node, side_values: dict) -> None:
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
        n.state = OPEN
        for slot, value in n.cc._side_out.items():
            self.side_packets[spec.side_outputs[slot].name] = value
        n.cc._side_out.clear()
        with self.lock:
            self._deliver(n, n.cc, None)

    # --- feeding -------------------------------------------------------------------------------
    def add_packet(self, out: Stream, packet: Packet, max_queue_size: int) -> None:
        """Puts a packet on graph input stream ``out``, waiting (thread pool only) while one of its
        consumers holds ``max_queue_size`` packets (0 or less: no limit); inline, runs what it woke.

        Raises:
            GraphRunError: the timestamp is not after the stream's last one.
        """
        with self.cond:
            if packet.timestamp < out.bound:
                raise GraphRunError(f"input stream {out.name!r}: timestamp {Timestamp.format(packet.timestamp)} is "
                                    f"not after the last one (next allowed: {Timestamp.format(out.bound)})")
            if not self.inline and max_queue_size > 0:
                while self.error is None and any(len(q.packets) >= max_queue_size for q in out.consumers):
                    self.throttled += 1  # workers wake this thread after every call while it waits
                    try:
                        self.cond.wait()
                    finally:
                        self.throttled -= 1
            self._emit(out, packet)
        if self.inline:
            self.drain()

    def close_stream(self, out: Stream) -> None:
        """Closes graph input stream ``out`` (its bound becomes Done); inline, runs what it woke."""
        with self.cond:
            self._raise_bound(out, DONE)
        if self.inline:
            self.drain()

    def wait_until_idle(self, timeout: float | None) -> None:
        """Returns once no node is queued or running (inline: runs them all first).

        Raises:
            TimeoutError: still busy after ``timeout`` seconds.
        """
        if self.inline:
            self.drain()
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            while (any(self._ready_by_executor.values()) or self._active) and self.error is None:
                if not self.cond.wait(_remaining(deadline)) and deadline and time.monotonic() >= deadline:
                    raise TimeoutError(f"graph still busy after {timeout} s")

    def unclosed_nodes(self) -> list[Node]:
        """The nodes not closed yet (not opened, or open)."""
        with self.lock:
            return [n for n in self.nodes if n.state is not CLOSED]

    # --- scheduling ----------------------------------------------------------------------------
    def _schedule(self, n: Node) -> None:
        if not n.queued and n.state is not CLOSED and self.error is None:
            n.queued = True
            ready = self._ready_by_executor[n.executor]
            heapq.heappush(ready, (-n.rank, next(self._counter), n))
            # A worker of this executor takes the next ready node itself when its call ends, so
            # another worker is woken only for work beyond that one.
            if not self.inline and (getattr(self._local, "executor", None) != n.executor or len(ready) > 1):
                self._work[n.executor].notify()

    def _emit(self, out: Stream, packet: Packet) -> None:
        """Puts a packet on a stream (lock held)."""
        t = packet.timestamp
        out.bound = bound = t + 1 if MIN <= t < MAX else Timestamp.next_allowed_in_stream(t)
        for q in out.consumers:
            q.packets.append(packet)
            q.bound = bound
            node = q.node
            if not node.queued:
                self._schedule(node)
        if out.observers:
            for obs in out.observers:
                obs(packet)
        if out.pollers:
            for push in out.pollers:
                push(packet)

    def _raise_bound(self, out: Stream, bound: int) -> None:
        if bound > out.bound:
            out.bound = bound
            for q in out.consumers:
                q.bound = bound
                self._schedule(q.node)
            if bound == DONE:
                for push in out.pollers:
                    push(None)

    def drain(self) -> None:
        """Runs ready nodes on this thread until none is left (inline mode)."""
        if self._draining:
            return
        self._draining = True
        try:
            call = None
            while True:
                with self.lock:
                    if call is not None:
                        self._end(*call)
                    call = self._take(self._ready)
                if call is None:
                    return
                call = self._call(*call)
        finally:
            self._draining = False

    def _worker(self, executor: str) -> None:
        self._local.executor = executor
        ready = self._ready_by_executor[executor]
        work = self._work[executor]
        call = None
        while True:
            with self.cond:
                if call is not None:
                    self._end(*call)
                    self._active -= 1
                    if not self._active or self.error is not None or self.throttled:
                        self.cond.notify_all()  # API waiters: idle, done, failed, or a full input queue
                call = None
                while call is None:
                    while not ready and not self._stopping:
                        work.wait()
                    if self._stopping:
                        return
                    call = self._take(ready)
                    if call is None and self.error is not None:
                        ready.clear()  # a failed graph runs nothing more: wait for shutdown
                self._active += 1
            call = self._call(*call)

    def _next_task(self, n: Node) -> tuple[str, int, list | None] | None:
        """What node ``n`` should do next (lock held): process, close, or nothing."""
        if n.state is CLOSED or self.error is not None:
            return None
        if n.running >= n.max_in_flight:
            n.woken_while_busy = True  # look again when the running call ends
            return None
        if n.is_source:
            return (PROCESS, UNSET, None)
        t, packets = n.handler.next()
        if packets is not None:
            n.last_processed = t
            return (PROCESS, t, packets)
        if t == UNSET or n.running:
            return None
        if t == DONE:
            return (CLOSE, DONE, None)
        if n.each_input_alone and n.process_bounds:
            bounds = [q.bound for q in n.queues]
            if bounds == n.bounds_seen:
                return None
            n.bounds_seen = bounds
            return (PROCESS, t - 1, [None] * len(n.queues))
        if t <= n.settled_bound:
            return None
        n.settled_bound = t
        if n.process_bounds and t - 1 > n.last_processed:
            n.last_processed = t - 1
            return (PROCESS, t - 1, [None] * len(n.queues))
        if n.offset is not None:
            for out in n.outputs:
                self._raise_bound(out, t)
        return None

    def _take(self, ready: list) -> tuple | None:
        """Pops ready nodes until one has a call to make; marks it running (lock held)."""
        while ready and self.error is None:
            _, _, n = heapq.heappop(ready)
            n.queued = False  # a wake-up from now on queues the node again
            task = self._next_task(n)
            if task is None:
                continue
            kind, ts, packets = task
            n.running += 1
            seq = -1
            if n.max_in_flight > 1:
                seq = n.next_call
                n.next_call += 1
                n.finished_calls[seq] = None
                cc = n.cc.fork()
                self._schedule(n)
            else:
                cc = n.cc
            cc.input_timestamp = ts
            cc._inputs = packets
            return n, kind, ts, cc, seq
        return None

    def _call(self, n: Node, kind: str, ts: int, cc: CalculatorContext, seq: int) -> tuple | None:
        """Runs the calculator method (no lock held); returns the arguments of :meth:`_end`, or
        ``None`` when it failed (the graph is failed then)."""
        stop = False
        tracing = self.tracer is not None
        if tracing:
            t0 = time.perf_counter_ns()
        try:
            if kind == CLOSE:
                n.calc.close(cc)
            elif n.calc.process(cc) is Stop:
                stop = True
        except Stop:
            stop = True
        except Exception as e:
            if kind == CLOSE:
                n.state = CLOSED  # close ran (and failed): never call it again
            self._fail(_calculator_error(e, n, kind, None if n.is_source or kind == CLOSE else ts), n)
            return None
        finally:
            if tracing:
                self._trace(n, kind, ts, t0)
        return n, kind, ts, cc, seq, stop

    def _end(self, n: Node, kind: str, ts: int, cc: CalculatorContext, seq: int, stop: bool) -> None:
        """Delivers a finished call's packets and bounds, and queues what it woke (lock held)."""
        n.running -= 1
        try:
            if n.max_in_flight > 1:
                n.finished_calls[seq] = cc
                self._flush_finished(n)
            else:
                self._deliver(n, cc, ts)
            if kind == CLOSE or stop:
                n.state = CLOSED
                for out in n.outputs:
                    self._raise_bound(out, DONE)
            elif n.woken_while_busy or n.is_source or not n.aligned or self._has_work(n):
                n.woken_while_busy = False
                self._schedule(n)
        except PosegraphError as e:
            self._fail(e, n)
        except Exception as e:  # an observer callback raised
            self._fail(GraphRunError(f"an output stream observer raised {type(e).__name__}: {e}"), n)

    @staticmethod
    def _has_work(n: Node) -> bool:
        """Whether a node with an aligned handler may have work after a call: queued packets, or
        input bounds past what it has handled (a bound raised while it was queued or running)."""
        lowest = DONE
        for q in n.queues:
            if q.packets:
                return True
            if q.bound < lowest:
                lowest = q.bound
        return lowest > n.last_processed + 1 and lowest > n.settled_bound

    def _flush_finished(self, n: Node) -> None:
        """Delivers finished calls' outputs in the order the calls started (lock held)."""
        while n.finished_calls:
            seq = next(iter(n.finished_calls))
            cc = n.finished_calls[seq]
            if cc is None:
                return
            del n.finished_calls[seq]
            self._deliver(n, cc, cc.input_timestamp)

    def _deliver(self, n: Node, cc: CalculatorContext, ts: int | None) -> None:
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
    def _fail(self, err: PosegraphError, n: Node | None) -> None:
        with self.cond:
            if self.error is None:
                self.error = err
            if n is not None:
                n.running = max(n.running - 1, 0)
            for ready in self._ready_by_executor.values():
                ready.clear()
            self.cond.notify_all()

    def stop(self, err: PosegraphError) -> None:
        """Fails the run with ``err`` unless it failed already, and shuts it down."""
        with self.cond:
            if self.error is None:
                self.error = err
            self.cond.notify_all()
        self.shutdown()

    def raise_if_error(self) -> None:
        """Raises the run's error (after shutting down) if it failed."""
        if self.error is not None:
            self.shutdown()
            raise self.error

    def shutdown(self) -> None:
        """Stops the worker threads and, after an error, closes the nodes still open; tells every
        poller its stream is done."""
        with self.cond:
            self._stopping = True
            self.cond.notify_all()
            for work in self._work.values():
                work.notify_all()
        for t in self._workers:
            if t is not threading.current_thread():
                t.join()
        self._workers = []
        if self.error is not None:
            self._close_opened()
        for out in self.streams.values():
            for push in out.pollers:
                push(None)

    def _close_opened(self) -> None:
        for n in self.nodes:
            if n.state is OPEN:
                n.state = CLOSED
                try:
                    n.calc.close(n.cc)
                except Exception:
                    log.exception("node %r (%s) failed in close after the graph stopped", n.name, n.spec.calculator)

    def _trace(self, n: Node, method: str, ts: int, t0: int) -> None:
        if self.tracer is not None:
            self.tracer.append((n.name, method, ts, threading.get_ident(), t0, time.perf_counter_ns()))


def _calculator_error(e: Exception, n: Node, method: str, ts: int | None) -> CalculatorError:
    """``e`` as the CalculatorError naming node, calculator, method and input timestamp (itself if
    it already is one); the original is kept as ``__cause__``."""
    if isinstance(e, CalculatorError):
        return e
    err = CalculatorError(f"{type(e).__name__}: {e}", n.name, n.spec.calculator, method, None if ts is None else Timestamp.format(ts))
    err.__cause__ = e
    return err


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(deadline - time.monotonic(), 0.0)


def check_side_packet(spec: NodeSpec, name: str, port: Port, value: Any) -> None:
    """Raises SidePacketError when ``value`` is not of ``port``'s type, outside its range or not
    among its choices (for side packet ``name`` read by the node ``spec``)."""
    where = f"side packet {name!r} for node {spec.name!r} ({spec.calculator})"
    expected = port.type
    if expected is not object and not _isinstance(value, expected):
        raise SidePacketError(f"{where} must be {_type_name(expected)}, got {type(value).__name__} {value!r}")
    if port.range is not None and not port.range[0] <= value <= port.range[1]:
        low, high = port.range
        raise SidePacketError(f"{where} must be in [{low:g}, {high:g}], got {value!r}")
    if port.choices and value not in port.choices:
        doc = f" ({port.doc})" if port.doc else ""
        raise SidePacketError(f"{where} must be one of {', '.join(map(repr, port.choices))}{doc}, got {value!r}")


def _isinstance(v: Any, expected: Any) -> bool:
    if expected is float and isinstance(v, int) and not isinstance(v, bool):
        return True
    if expected is int and isinstance(v, bool):
        return False
    return isinstance(v, expected)


def _type_name(t: Any) -> str:
    return " or ".join(x.__name__ for x in t) if isinstance(t, tuple) else t.__name__
