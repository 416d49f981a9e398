"""The calculator base class, its declared contract, and the context it runs with.

A calculator declares its contract once, as data::

    @register_calculator
    class ScaleCalculator(Calculator):
        \"\"\"Multiplies each number by a factor.\"\"\"

        contract = Contract(
            inputs={"": Port(float)},
            outputs={"": Port(float)},
            options=ScaleOptions,
        )

        def process(self, cc: CalculatorContext) -> None:
            cc.send("", cc.value("") * cc.options.factor)

The contract drives validation (tags, required ports, side packet types), ``posegraph show`` and
the documentation. ``""`` is the tag of untagged streams (``input_stream: "name"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from posegraph.framework.packet import Packet
from posegraph.framework.timestamp import Timestamp

if TYPE_CHECKING:
    from posegraph.framework.stream_handlers import InputQueue


@dataclass(frozen=True)
class Port:
    """One declared input, output or side packet tag.

    Attributes:
        type: payload type (or tuple of types); side packets are checked against it when the graph
            starts, streams only document it.
        optional: the node may leave the tag unconnected.
        repeated: the tag may be connected several times (``TAG:0:a``, ``TAG:1:b``).
        doc: one line for ``posegraph show`` and the docs.
        choices: for a side packet, the only values it may take (checked when the graph starts,
            like ``type``); empty: any value of the type.
        range: ``(low, high)``, inclusive: a side packet's value must lie within it (checked with
            the type when the graph starts), e.g. ``(0.0, 1.0)`` for a confidence.
    """

    type: type | tuple[type, ...] = object
    optional: bool = False
    repeated: bool = False
    doc: str = ""
    choices: tuple[Any, ...] = ()
    range: tuple[float, float] | None = None


@dataclass(frozen=True)
class Contract:
    """What a calculator reads, writes and is configured by (MediaPipe's GetContract, as data).

    Attributes:
        inputs, outputs: input/output stream tags.
        input_side_packets, output_side_packets: side packet tags.
        options: the options dataclass, or ``None``.
        input_stream_handler: the registered input stream handler used unless the node config names
            another (``"DefaultInputStreamHandler"``, ``"ImmediateInputStreamHandler"``, ...; see
            :mod:`posegraph.framework.stream_handlers`).
        timestamp_offset: with an offset of 0, when the node's inputs settle past a timestamp without
            it sending anything, its outputs' bounds follow (MediaPipe's SetOffset(0)); ``None``
            leaves output bounds to the calculator.
        process_timestamp_bounds: also call ``process`` when the inputs settle past a timestamp
            with no packet, at the settled timestamp with every input empty (MediaPipe's
            SetProcessTimestampBounds), e.g. to say "absent" explicitly.
    """

    inputs: Mapping[str, Port] = field(default_factory=dict)
    outputs: Mapping[str, Port] = field(default_factory=dict)
    input_side_packets: Mapping[str, Port] = field(default_factory=dict)
    output_side_packets: Mapping[str, Port] = field(default_factory=dict)
    options: type | None = None
    input_stream_handler: str = "DefaultInputStreamHandler"
    timestamp_offset: int | None = 0
    process_timestamp_bounds: bool = False


class Stop(Exception):
    """Raised (or returned) from a source calculator's ``process`` to say it has no more packets."""


class Calculator:
    """Base class of every calculator.

    Subclasses set :attr:`contract` and override :meth:`process`, and :meth:`open`/:meth:`close`
    when they hold state or resources. One instance serves one node for one run; unless the node
    sets ``max_in_flight``, its methods are never called concurrently.
    """

    contract: ClassVar[Contract] = Contract()
    #: The registered name (set by :func:`posegraph.register_calculator`).
    name: ClassVar[str] = ""

    def open(self, cc: "CalculatorContext") -> None:
        """Called once before any ``process``, when the node's input side packets are available."""

    def process(self, cc: "CalculatorContext") -> Any:
        """Called for each input timestamp the input stream handler makes ready.

        A source (a calculator with no input streams) is called repeatedly; it returns or raises
        :class:`Stop` when it has nothing more to send.
        """

    def close(self, cc: "CalculatorContext") -> None:
        """Called once when the inputs are done, or the graph stops (also after an error)."""


class CalculatorContext:
    """What a calculator sees while it runs: inputs at one timestamp, outputs, side packets, options.

    Tags are the contract's; ``index`` picks among repeated entries of one tag.
    """

    __slots__ = ("node_name", "options", "side_inputs", "input_timestamp", "_inputs", "_in_slots",
                 "_out_slots", "_out_side_slots", "_sent", "_bounds", "_side_out", "_queues")

    def __init__(self, node_name: str, options: Any, side_inputs: dict[tuple[str, int], Any],
                 in_slots: dict[tuple[str, int], int], out_slots: dict[tuple[str, int], int],
                 out_side_slots: dict[tuple[str, int], int]) -> None:
        self.node_name = node_name
        self.options = options
        self.side_inputs = side_inputs
        self.input_timestamp: int = Timestamp.UNSET
        self._inputs: list[Packet | None] = []
        self._in_slots = in_slots
        self._out_slots = out_slots
        self._out_side_slots = out_side_slots
        self._sent: list[tuple[int, Packet]] = []
        self._bounds: list[tuple[int, int]] = []
        self._side_out: dict[int, Any] = {}
        self._queues: list[InputQueue] = []

    def fork(self) -> "CalculatorContext":
        """A fresh context for the same node (options, side packets, wiring), for a concurrent call."""
        cc = CalculatorContext(self.node_name, self.options, self.side_inputs, self._in_slots, self._out_slots,
                               self._out_side_slots)
        cc._queues = self._queues
        return cc

    # inputs
    def has_input(self, tag: str = "", index: int = 0) -> bool:
        """Whether the tag is connected on this node."""
        return (tag, index) in self._in_slots

    def input(self, tag: str = "", index: int = 0) -> Packet | None:
        """The packet on input ``tag``/``index`` at the input timestamp, or ``None`` (empty or unconnected)."""
        slot = self._in_slots.get((tag, index))
        return None if slot is None else self._inputs[slot]

    def value(self, tag: str = "", index: int = 0, default: Any = None) -> Any:
        """The payload on input ``tag``/``index`` at the input timestamp, or ``default`` when empty."""
        slot = self._in_slots.get((tag, index))
        packet = None if slot is None else self._inputs[slot]
        return default if packet is None else packet.payload

    def input_bound(self, tag: str = "", index: int = 0) -> int:
        """The lowest timestamp of input ``tag``/``index`` not yet delivered to this calculator.

        Every packet below it has been given to ``process`` (in this call or earlier); packets that
        arrived since wait in the queue, so the value only ever errs on the safe side. ``Done`` means
        the input is finished.
        """
        slot = self._in_slots.get((tag, index))
        if slot is None:
            return Timestamp.DONE
        queue = self._queues[slot]
        packets = queue.packets
        return packets[0].timestamp if packets else queue.bound

    def input_count(self, tag: str = "") -> int:
        """How many indexes of ``tag`` are connected."""
        return _count(self._in_slots, tag)

    def side_input(self, tag: str = "", index: int = 0, default: Any = None) -> Any:
        """The input side packet's value, or ``default`` when the tag is not connected."""
        return self.side_inputs.get((tag, index), default)

    # outputs
    def has_output(self, tag: str = "", index: int = 0) -> bool:
        """Whether the output tag is connected on this node."""
        return (tag, index) in self._out_slots

    def output_count(self, tag: str = "") -> int:
        """How many indexes of output ``tag`` are connected."""
        return _count(self._out_slots, tag)

    def send(self, tag: str, payload: Any, index: int = 0, timestamp: int | None = None) -> None:
        """Sends ``payload`` on output ``tag``/``index`` at ``timestamp`` (default: the input timestamp).

        Sending on an unconnected tag does nothing. Timestamps on a stream must increase strictly;
        a violation fails the node with a :class:`~posegraph.CalculatorError`.
        """
        slot = self._out_slots.get((tag, index))
        if slot is not None:
            self._sent.append((slot, Packet(payload, self.input_timestamp if timestamp is None else timestamp)))

    def send_packet(self, tag: str, packet: Packet, index: int = 0) -> None:
        """Sends an existing packet (payload and timestamp) on output ``tag``/``index``."""
        slot = self._out_slots.get((tag, index))
        if slot is not None:
            self._sent.append((slot, packet))

    def set_next_timestamp_bound(self, tag: str, bound: int, index: int = 0) -> None:
        """Promises no packet below ``bound`` on output ``tag``/``index`` (says "nothing until then")."""
        slot = self._out_slots.get((tag, index))
        if slot is not None:
            self._bounds.append((slot, bound))

    def side_input_count(self, tag: str = "") -> int:
        """How many indexes of input side packet ``tag`` are connected."""
        return _count(self.side_inputs, tag)

    def side_output_count(self, tag: str = "") -> int:
        """How many indexes of output side packet ``tag`` are connected."""
        return _count(self._out_side_slots, tag)

    def set_side_output(self, tag: str, value: Any, index: int = 0) -> None:
        """Sets output side packet ``tag``/``index`` (in ``open``)."""
        slot = self._out_side_slots.get((tag, index))
        if slot is not None:
            self._side_out[slot] = value


def _count(slots: dict[tuple[str, int], Any], tag: str) -> int:
    """How many consecutive indexes of ``tag`` (from 0) the slot table holds."""
    n = 0
    while (tag, n) in slots:
        n += 1
    return n
