"""SsdAnchorsCalculator: the SSD anchors of a detector, as a side packet (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.util.ssd_anchors import SsdAnchorsOptions, generate_anchors
from posegraph.framework.options import proto_field

_NO_FEATURE_MAPS = "feature map sizes come from the input size and strides"
_NO_MULTISCALE = "multi-scale anchor generation is not implemented"


@dataclass(frozen=True)
class SsdAnchorsCalculatorOptions(SsdAnchorsOptions):
    """MediaPipe's SsdAnchorsCalculatorOptions, MediaPipe's field numbers; the defaults are the
    BlazePose detector's (224x224, 5 layers, strides 8, 16, 32, 32, 32: 2254 anchors).

    MediaPipe's fields for explicit feature map sizes, multi-scale anchors and unnormalized
    coordinates are accepted at their defaults only.
    """

    __proto_ext_number__ = 247258239

    input_size_width: int = proto_field(1, 224)
    input_size_height: int = proto_field(2, 224)
    min_scale: float = proto_field(3, 0.1484375)
    max_scale: float = proto_field(4, 0.75)
    anchor_offset_x: float = proto_field(5, 0.5)
    anchor_offset_y: float = proto_field(6, 0.5)
    num_layers: int = proto_field(7, 5)
    strides: tuple[int, ...] = proto_field(10, (8, 16, 32, 32, 32))
    aspect_ratios: tuple[float, ...] = proto_field(11, (1.0,))
    reduce_boxes_in_lowest_layer: bool = proto_field(12, False)
    interpolated_scale_aspect_ratio: float = proto_field(13, 1.0)
    fixed_anchor_size: bool = proto_field(14, True)
    feature_map_width: tuple[int, ...] = proto_field(8, (), unsupported=_NO_FEATURE_MAPS)
    feature_map_height: tuple[int, ...] = proto_field(9, (), unsupported=_NO_FEATURE_MAPS)
    multiscale_anchor_generation: bool = proto_field(15, False, unsupported=_NO_MULTISCALE)
    min_level: int = proto_field(16, 3, unsupported=_NO_MULTISCALE)
    max_level: int = proto_field(17, 7, unsupported=_NO_MULTISCALE)
    anchor_scale: float = proto_field(18, 4.0, unsupported=_NO_MULTISCALE)
    scales_per_octave: int = proto_field(19, 2, unsupported=_NO_MULTISCALE)
    normalize_coordinates: bool = proto_field(20, True, unsupported="anchors are always normalized")


class SsdAnchorsCalculator(Calculator):
    """Outputs side packet ANCHORS (or the untagged side packet, as MediaPipe's graphs connect it):
    float32 (N, 4) ``[x_center, y_center, w, h]`` normalized to the detector's input, generated
    once from the options."""

    contract = Contract(output_side_packets={"ANCHORS": Port(np.ndarray, optional=True),
                                             "": Port(np.ndarray, optional=True, doc="MediaPipe's untagged form")},
                        options=SsdAnchorsCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        anchors = generate_anchors(cc.options)
        cc.set_side_output("ANCHORS", anchors)
        cc.set_side_output("", anchors)
