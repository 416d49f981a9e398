"""SsdAnchorsCalculator: the SSD anchors of a detector, as a side packet (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.util.ssd_anchors import SsdAnchorsOptions, generate_anchors


@dataclass(frozen=True)
class SsdAnchorsCalculatorOptions(SsdAnchorsOptions):
    """MediaPipe's SsdAnchorsCalculatorOptions; the defaults are the BlazePose detector's
    (224x224, 5 layers, strides 8, 16, 32, 32, 32: 2254 anchors)."""

    input_size_width: int = 224
    input_size_height: int = 224
    min_scale: float = 0.1484375
    max_scale: float = 0.75
    num_layers: int = 5
    strides: tuple[int, ...] = (8, 16, 32, 32, 32)
    fixed_anchor_size: bool = True


class SsdAnchorsCalculator(Calculator):
    """Outputs side packet ANCHORS: float32 (N, 4) ``[x_center, y_center, w, h]`` normalized to the
    detector's input, generated once from the options."""

    contract = Contract(output_side_packets={"ANCHORS": Port(np.ndarray)}, options=SsdAnchorsCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        cc.set_side_output("ANCHORS", generate_anchors(cc.options))
