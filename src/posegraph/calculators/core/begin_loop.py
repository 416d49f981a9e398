"""BeginLoopCalculator: runs the nodes after it once per element of a collection (MediaPipe's).

MediaPipe's loop (``begin_loop_calculator.h``): for an ITERABLE packet at outer timestamp T, each
element goes out on ITEM at its own *loop-internal* timestamp (0, 1, 2, ... counted over the whole
run, unrelated to T), with the CLONE inputs re-stamped beside it; BATCH_END carries T as its
payload at the last internal timestamp used. The loop body runs on internal timestamps and an
:class:`~posegraph.calculators.core.end_loop.EndLoopCalculator` gathers its results back at T.
An empty or absent collection uses up one internal timestamp, sends no ITEM and still ends the batch.
"""

from __future__ import annotations

from posegraph import Calculator, CalculatorContext, Contract, Port


class BeginLoopCalculator(Calculator):
    """Sends each element of ITERABLE (a list or tuple) on ITEM at successive loop-internal
    timestamps, the CLONE inputs (repeatable) at the same timestamps, and BATCH_END (payload: the
    outer timestamp, an int in microseconds) at the last of them. Called also when ITERABLE settles
    without a packet (MediaPipe's SetProcessTimestampBounds), so every outer timestamp ends a batch.
    """

    contract = Contract(
        inputs={"ITERABLE": Port((list, tuple)), "CLONE": Port(object, optional=True, repeated=True)},
        outputs={"ITEM": Port(object), "CLONE": Port(object, optional=True, repeated=True),
                 "BATCH_END": Port(int, doc="the outer timestamp, at the batch's last internal timestamp")},
        timestamp_offset=None,
        process_timestamp_bounds=True,
    )

    def open(self, cc: CalculatorContext) -> None:
        if cc.input_count("CLONE") != cc.output_count("CLONE"):
            raise ValueError(f"CLONE has {cc.input_count('CLONE')} input(s) but {cc.output_count('CLONE')} "
                             "output(s): connect one output per cloned input")
        self.clones = cc.input_count("CLONE")
        self.internal = 0  # the next loop-internal timestamp

    def process(self, cc: CalculatorContext) -> None:
        first = self.internal
        for item in cc.value("ITERABLE", default=()):
            cc.send("ITEM", item, timestamp=self.internal)
            for i in range(self.clones):
                packet = cc.input("CLONE", i)
                if packet is not None:
                    cc.send_packet("CLONE", packet.at(self.internal), i)
            self.internal += 1
        if self.internal == first:  # nothing to iterate: the timestamp is used up all the same
            self.internal += 1
            for tag, count in (("ITEM", 1), ("CLONE", self.clones)):
                for i in range(count):
                    cc.set_next_timestamp_bound(tag, self.internal, i)
        cc.send("BATCH_END", cc.input_timestamp, timestamp=self.internal - 1)


class BeginLoopNormalizedRectCalculator(BeginLoopCalculator):
    """:class:`BeginLoopCalculator` under MediaPipe's name for collections of NormalizedRects."""
