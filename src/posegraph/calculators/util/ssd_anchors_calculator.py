"""SsdAnchorsCalculator: the SSD anchors of a detector, as a side packet (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.util.ssd_anchors import SsdAnchorsOptions, generate_anchors


@dataclass(frozen=True)
class SsdAnchorsCalculatorOptions(SsdAnchorsOptions):
    """MediaPipe's SsdAnchorsCalculatorOptions; the defaults are the BlazePose detector's
    (224x224, 5 layers, strides 8, 16, 32, 32, 32: 2254 anchors).

    MediaPipe's fields for explicit feature map sizes and multi-scale anchors are accepted at their
    defaults only (anything else is an error when the node opens): ``feature_map_width``,
    ``feature_map_height``, ``multiscale_anchor_generation`` (and its ``min_level``,
    ``max_level``, ``anchor_scale``, ``scales_per_octave``) and ``normalize_coordinates``.
    """

    __proto_ext_number__ = 247258239

    input_size_width: int = 224
    input_size_height: int = 224
    min_scale: float = 0.1484375
    max_scale: float = 0.75
    num_layers: int = 5
    strides: tuple[int, ...] = (8, 16, 32, 32, 32)
    fixed_anchor_size: bool = True
    feature_map_width: tuple[int, ...] = ()
    feature_map_height: tuple[int, ...] = ()
    multiscale_anchor_generation: bool = False
    min_level: int = 3
    max_level: int = 7
    anchor_scale: float = 4.0
    scales_per_octave: int = 2
    normalize_coordinates: bool = True

    def check_supported(self) -> None:
        """Raises ValueError naming a MediaPipe field set to what posegraph does not implement."""
        unsupported = [name for name, bad in (
            ("feature_map_width", bool(self.feature_map_width)), ("feature_map_height", bool(self.feature_map_height)),
            ("multiscale_anchor_generation", self.multiscale_anchor_generation),
            ("normalize_coordinates", not self.normalize_coordinates)) if bad]
        if unsupported:
            raise ValueError(f"SsdAnchorsCalculator does not implement {', '.join(unsupported)} (set to a "
                             "non-default value); anchors come from strides, scales and aspect ratios only")


class SsdAnchorsCalculator(Calculator):
    """Outputs side packet ANCHORS (or the untagged side packet, as MediaPipe's graphs connect it):
    float32 (N, 4) ``[x_center, y_center, w, h]`` normalized to the detector's input, generated
    once from the options."""

    contract = Contract(output_side_packets={"ANCHORS": Port(np.ndarray, optional=True),
                                             "": Port(np.ndarray, optional=True, doc="MediaPipe's untagged form")},
                        options=SsdAnchorsCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        cc.options.check_supported()
        anchors = generate_anchors(cc.options)
        cc.set_side_output("ANCHORS", anchors)
        cc.set_side_output("", anchors)
