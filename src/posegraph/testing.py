"""Helpers for testing calculators and graphs in a line of test code (as ``trio.testing`` for trio).

- :func:`run_calculator` runs one calculator on lists of packets, by building a one-node graph;
- :func:`run_graph` runs a whole graph on a list of frames and returns each frame's outputs.

Both run on the caller's thread and return once the graph is done; a failing calculator raises
its :class:`~posegraph.CalculatorError` as a real run would.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from posegraph.framework.calculator import Calculator
from posegraph.framework.config.loader import LoadedConfig, SourceMap
from posegraph.framework.config.schema import CalculatorGraphConfig
from posegraph.framework.errors import GraphConfigError, GraphRunError
from posegraph.framework.graph import Graph
from posegraph.framework.packet import Packet
from posegraph.framework.registry import closest_calculators, get_calculator, register_calculator
from posegraph.framework.validated_graph import format_tag_index, parse_tag_index

DEFAULT_STEP_US = 33_333  # 30 frames per second


def _tag_index(key: str) -> tuple[str, int]:
    """``"TAG"``, ``"TAG:1"``, ``""`` or ``":1"`` as (tag, index)."""
    port = parse_tag_index(key)
    if port is None:
        raise ValueError(f"bad port key {key!r}: use 'TAG', 'TAG:index', '' (untagged) or ':index'")
    return port


def _stream_name(prefix: str, tag: str, index: int) -> str:
    return f"{prefix}_{tag.lower() or 'untagged'}_{index}"


def _entry(tag: str, index: int, name: str) -> str:
    return f"{tag}:{index}:{name}" if tag else name


def _calculator_class(calculator: str | type[Calculator]) -> type[Calculator]:
    if isinstance(calculator, str):
        cls = get_calculator(calculator)
        if cls is None:
            close = closest_calculators(calculator)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise GraphConfigError(f"unknown calculator {calculator!r}{hint}", "<run_calculator>")
        return cls
    if get_calculator(calculator.name or calculator.__name__) is not calculator:
        register_calculator(calculator)
    return calculator


def _packets(key: str, items: Sequence[Any] | Mapping[int, Any]) -> list[Packet]:
    """Packets from ``{timestamp: payload}``, a list of Packets, or plain payloads stamped 0, 1, 2, ...

    Timestamps are given only by a mapping or by Packets, never guessed from the payloads (a
    ``(width, height)`` tuple is a payload, not a timestamp and a value).
    """
    if isinstance(items, Mapping):
        return [Packet(payload, t) for t, payload in sorted(items.items())]
    if all(isinstance(i, Packet) for i in items):
        return list(items)
    if any(isinstance(i, Packet) for i in items):
        raise TypeError(f"input {key!r}: mix of Packets and plain values; give one kind per input")
    return [Packet(payload, t) for t, payload in enumerate(items)]


def _options_mapping(cls: type[Calculator], options: Any) -> dict[str, Any] | None:
    if options is None:
        return None
    opts_cls = cls.contract.options
    if opts_cls is None:
        raise TypeError(f"{cls.name} takes no options")
    if isinstance(options, Mapping):
        return dict(options)
    if not isinstance(options, opts_cls):
        raise TypeError(f"options for {cls.name} must be a {opts_cls.__name__} or a dict, "
                        f"not {type(options).__name__}")
    return dataclasses.asdict(options)


def run_calculator(calculator: str | type[Calculator], inputs: Mapping[str, Sequence[Any]], *,
                   side_packets: Mapping[str, Any] | None = None, options: Any = None,
                   outputs: Iterable[str] | None = None) -> dict[str, list[Packet]]:
    """Runs one calculator on lists of packets and returns the packets it sent, per output.

    Example::

        out = run_calculator("GateCalculator", {"": ["a", "b"], "ALLOW": [True, False]})
        assert [p.payload for p in out[""]] == ["a"]

    Args:
        calculator: a registered name, or a :class:`Calculator` subclass (registered under its
            class name if it is not yet).
        inputs: per input port key (``"TAG"``, ``"TAG:index"``, ``""`` for untagged, ``":index"``
            for further untagged ones), a ``{timestamp: payload}`` mapping, a list of
            :class:`Packet`, or a list of plain payloads (stamped 0, 1, 2, ...). Packets of all
            inputs are fed in timestamp order.
        side_packets: input side packets by port key.
        options: the calculator's options dataclass instance, or a dict of its fields.
        outputs: output port keys to connect; by default every declared output tag, a repeated one
            as many times as inputs of the same tag are given (at least once).

    Returns:
        per output key, the packets sent on it, in order.

    Raises:
        GraphConfigError: unknown calculator or port, missing required port, bad options.
        TypeError: options of the wrong type.
        CalculatorError: the calculator failed.
    """
    cls = _calculator_class(calculator)
    contract = cls.contract
    in_ports = {key: _tag_index(key) for key in inputs}
    if outputs is None:
        outputs = []
        for tag, port in contract.outputs.items():
            n = sum(1 for t, _ in in_ports.values() if t == tag) if port.repeated else 1
            outputs += [format_tag_index(tag, i) for i in range(max(n, 1))]
    out_ports = {key: _tag_index(key) for key in outputs}

    config = CalculatorGraphConfig()
    node = config.node.add(calculator=cls.name)
    streams: list[tuple[str, Packet]] = []
    for key, (tag, index) in sorted(in_ports.items(), key=lambda kv: kv[1]):
        name = _stream_name("in", tag, index)
        config.input_stream.append(name)
        node.input_stream.append(_entry(tag, index, name))
        streams += [(name, p) for p in _packets(key, inputs[key])]
    for key, (tag, index) in sorted(out_ports.items(), key=lambda kv: kv[1]):
        node.output_stream.append(_entry(tag, index, _stream_name("out", tag, index)))
    side_values = {}
    for key, value in (side_packets or {}).items():
        tag, index = _tag_index(key)
        name = _stream_name("side", tag, index)
        node.input_side_packet.append(_entry(tag, index, name))
        side_values[name] = value
    loaded = LoadedConfig(config, SourceMap(f"<run_calculator {cls.name}>"))
    plain = _options_mapping(cls, options)
    if plain is not None:
        loaded.plain_options[0] = plain

    graph = Graph(loaded, num_threads=1)
    sent: dict[str, list[Packet]] = {key: [] for key in out_ports}
    for key, (tag, index) in out_ports.items():
        graph.observe(_stream_name("out", tag, index), sent[key].append)
    graph.start(side_values)
    for name, packet in sorted(streams, key=lambda sp: sp[1].timestamp):
        graph.add_packet(name, packet.payload, packet.timestamp)
    graph.close()
    return sent


def run_graph(config: str | Path | LoadedConfig | Graph | Any, frames: Sequence[Any], *,
              input_stream: str | None = None, side_packets: Mapping[str, Any] | None = None,
              outputs: Iterable[str] | None = None, start_timestamp: int = 0,
              step_us: int = DEFAULT_STEP_US) -> list[dict[str, Any]]:
    """Runs a whole graph on a list of frames and returns, per frame, its outputs' payloads.

    Frame ``i`` is added at timestamp ``start_timestamp + i * step_us`` (microseconds).

    Example::

        results = run_graph("graphs/pose_tracking.pbtxt", frames, outputs=["pose_landmarks"])
        assert results[0]["pose_landmarks"] is not None

    Args:
        config: a config file path, a :class:`LoadedConfig`, a ``CalculatorGraphConfig`` message,
            or a :class:`Graph` not started yet.
        frames: the payloads to add. With several graph input streams and no ``input_stream``,
            each frame is a dict of payloads by stream name (a stream left out gets nothing).
        input_stream: the stream frames go to (default: the graph's only input stream).
        side_packets: given to :meth:`Graph.start`.
        outputs: the streams to collect (default: the graph's output streams); any stream of the
            graph can be named.

    Returns:
        one dict per frame mapping each output stream to the payload sent at the frame's timestamp,
        or ``None`` when nothing was sent then.

    Raises:
        GraphConfigError: the config is invalid.
        GraphRunError: several input streams and frames that are not dicts, or an unknown stream.
        PosegraphError: the graph failed while running.
    """
    graph = config if isinstance(config, Graph) else Graph(config, num_threads=1)
    inputs = graph.input_streams
    if input_stream is None and len(inputs) != 1 and not all(isinstance(f, Mapping) for f in frames):
        raise GraphRunError(f"the graph has input streams {', '.join(inputs) or 'none'}: name input_stream, "
                            "or give each frame as a dict of payloads by stream")
    outputs = list(graph.output_streams if outputs is None else outputs)
    seen: dict[str, dict[int, Any]] = {name: {} for name in outputs}
    for name in outputs:
        graph.observe(name, lambda p, got=seen[name]: got.__setitem__(p.timestamp, p.payload))
    timestamps = [start_timestamp + i * step_us for i in range(len(frames))]
    graph.start(dict(side_packets or {}))
    for t, frame in zip(timestamps, frames):
        if input_stream is None and isinstance(frame, Mapping) and len(inputs) != 1:
            for name, payload in frame.items():
                graph.add_packet(name, payload, t)
        else:
            graph.add_packet(input_stream or inputs[0], frame, t)
    graph.close()
    return [{name: seen[name].get(t) for name in outputs} for t in timestamps]


def call_with_timeout(fn: Callable[[], Any], timeout: float = 20.0) -> Any:
    """``fn()`` run on a daemon thread: its result, or what it raised; a hang becomes an error.

    Guards tests of graphs that could hang::

        call_with_timeout(lambda: graph.wait_until_done(), timeout=5)

    Raises:
        TimeoutError: ``fn`` is still running after ``timeout`` seconds (the thread is left behind,
            as a daemon).
        BaseException: whatever ``fn`` raised.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as e:  # handed back to the caller's thread below
            outcome["error"] = e

    thread = threading.Thread(target=target, name="posegraph-testing-guard", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"{getattr(fn, '__name__', fn)!r} still running after {timeout} s: it hangs")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
