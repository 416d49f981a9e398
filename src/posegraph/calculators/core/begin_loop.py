"""BeginLoopCalculator: runs the nodes after it once per element of a collection (MediaPipe's).

MediaPipe's loop (``begin_loop_calculator.h``): for an ITERABLE packet at outer timestamp T, each
element goes out on ITEM at its own *loop-internal* timestamp (0, 1, 2, ... counted over the whole
run, unrelated to T), with the CLONE inputs re-stamped beside it; BATCH_END carries T as its
payload at the last internal timestamp used. The loop body runs on internal timestamps and an
:class:`~posegraph.calculators.core.end_loop.EndLoopCalculator` gathers its results back at T.
An empty or absent collection uses up one internal timestamp, sends no ITEM and still ends the batch.

posegraph's addition: ITERABLE may be repeated (``ITERABLE:0``, ``ITERABLE:1``, ... with ``ITEM:0``,
``ITEM:1``, ...), collections of one length iterated side by side (Python's ``zip``), e.g. the
model outputs of k people beside their k ROIs after one batched landmark-model call.
"""

from __future__ import annotations

from posegraph import Calculator, CalculatorContext, Contract, Port


class BeginLoopCalculator(Calculator):
    """Sends each element of ITERABLE (a list or tuple) on ITEM at successive loop-internal
    timestamps, the CLONE inputs (repeatable) at the same timestamps, and BATCH_END (payload: the
    outer timestamp, an int in microseconds) at the last of them. Called also when ITERABLE settles
    without a packet (MediaPipe's SetProcessTimestampBounds), so every outer timestamp ends a batch.

    With ITERABLE repeated, element i of ``ITERABLE:n`` goes out on ``ITEM:n``, all n at the same
    internal timestamp; an absent collection counts as empty.

    Raises (reported as CalculatorError):
        ValueError: in ``open``, CLONE or ITERABLE/ITEM connected a different number of times on
            each side; in ``process``, repeated ITERABLE collections of different lengths.
    """

    contract = Contract(
        inputs={"ITERABLE": Port((list, tuple), repeated=True), "CLONE": Port(object, optional=True, repeated=True)},
        outputs={"ITEM": Port(object, repeated=True), "CLONE": Port(object, optional=True, repeated=True),
                 "BATCH_END": Port(int, doc="the outer timestamp, at the batch's last internal timestamp")},
        timestamp_offset=None,
        process_timestamp_bounds=True,
    )

    def open(self, cc: CalculatorContext) -> None:
        if cc.input_count("CLONE") != cc.output_count("CLONE"):
            raise ValueError(f"CLONE has {cc.input_count('CLONE')} input(s) but {cc.output_count('CLONE')} "
                             "output(s): connect one output per cloned input")
        if cc.input_count("ITERABLE") != cc.output_count("ITEM"):
            raise ValueError(f"ITERABLE has {cc.input_count('ITERABLE')} input(s) but ITEM {cc.output_count('ITEM')} "
                             "output(s): connect one ITEM per ITERABLE")
        self.clones = cc.input_count("CLONE")
        self.iterables = cc.input_count("ITERABLE")
        self.internal = 0  # the next loop-internal timestamp

    def process(self, cc: CalculatorContext) -> None:
        first = self.internal
        collections = [cc.value("ITERABLE", n, default=()) for n in range(self.iterables)]
        if len({len(c) for c in collections}) > 1:
            raise ValueError(f"ITERABLE collections of different lengths at {cc.input_timestamp}: "
                             f"{[len(c) for c in collections]} (repeated ITERABLEs are iterated side by side)")
        for items in zip(*collections):
            for n, item in enumerate(items):
                cc.send("ITEM", item, n, timestamp=self.internal)
            for i in range(self.clones):
                packet = cc.input("CLONE", i)
                if packet is not None:
                    cc.send_packet("CLONE", packet.at(self.internal), i)
            self.internal += 1
        if self.internal == first:  # nothing to iterate: the timestamp is used up all the same
            self.internal += 1
            for tag, count in (("ITEM", self.iterables), ("CLONE", self.clones)):
                for i in range(count):
                    cc.set_next_timestamp_bound(tag, self.internal, i)
        cc.send("BATCH_END", cc.input_timestamp, timestamp=self.internal - 1)


class BeginLoopNormalizedRectCalculator(BeginLoopCalculator):
    """:class:`BeginLoopCalculator` under MediaPipe's name for collections of NormalizedRects."""


class BeginLoopTensorsCalculator(BeginLoopCalculator):
    """:class:`BeginLoopCalculator` for collections of TENSORS lists (one list of arrays per
    element, as an InferenceCalculator's TENSORS_VECTOR gives them) (posegraph's)."""
