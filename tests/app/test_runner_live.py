"""run_media: a live source drops frames when the graph is behind; a file source loses none."""

from __future__ import annotations

import time

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Graph, Port, register_calculator
from posegraph.app.media import SourceFrame
from posegraph.app.runner import run_media


@register_calculator
class SlowFrameForRunnerTest(Calculator):
    """Takes 30 ms per frame: slower than the source below."""

    contract = Contract(inputs={"IMAGE": Port(np.ndarray)}, outputs={"": Port(int)})

    def process(self, cc: CalculatorContext) -> None:
        time.sleep(0.03)
        cc.send("", 1)


class FakeSource:
    """40 tiny frames, 2 ms apart, as a camera (live) or a file would deliver them."""

    def __init__(self, live: bool) -> None:
        self.name, self.fps, self.frame_count, self.width, self.height = "fake", 500.0, 40, 4, 4
        self.is_live, self.truncated, self.error = live, False, None

    def __iter__(self):
        for i in range(40):
            time.sleep(0.002)
            yield SourceFrame(i, i * 2000, np.zeros((4, 4, 3), np.uint8))


GRAPH = """
input_stream: "IMAGE:image"
node { calculator: "SlowFrameForRunnerTest" input_stream: "IMAGE:image" output_stream: "done" }
"""


def test_a_live_source_drops_frames_instead_of_falling_behind():
    summary = run_media(Graph.from_string(GRAPH), FakeSource(live=True), progress=False)
    assert summary.dropped > 0
    assert summary.frames + summary.dropped == 40


def test_a_file_source_loses_no_frame():
    summary = run_media(Graph.from_string(GRAPH), FakeSource(live=False), progress=False)
    assert (summary.frames, summary.dropped) == (40, 0)
