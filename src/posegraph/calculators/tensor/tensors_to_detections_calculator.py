"""TensorsToDetectionsCalculator: SSD detector tensors to scored boxes with keypoints (MediaPipe's)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, ModelError, Port
from posegraph.calculators.tensor.detection_decoding import DecodedDetections, decode_detections
from posegraph.framework.options import proto_field

_SINGLE_CLASS = "the decoder is single-class"


class BoxFormat(enum.Enum):
    """MediaPipe's TensorsToDetectionsCalculatorOptions.BoxFormat."""

    UNSPECIFIED = 0
    YXHW = 1
    XYWH = 2
    XYXY = 3


@dataclass(frozen=True)
class TensorsToDetectionsCalculatorOptions:
    """MediaPipe's TensorsToDetectionsCalculatorOptions (the fields the SSD decoding uses).

    Defaults are the BlazePose detector's: 2254 boxes of 12 values (box + 4 keypoints), scales
    224, logits clipped to +-100, x before y (reverse_output_order).
    """

    __proto_ext_number__ = 335742639

    num_classes: int = proto_field(1, 1)
    num_boxes: int = proto_field(2, 2254)
    num_coords: int = proto_field(3, 12)
    num_keypoints: int = proto_field(10, 4)
    num_values_per_keypoint: int = proto_field(11, 2)
    box_coord_offset: int = proto_field(12, 0)
    keypoint_coord_offset: int = proto_field(9, 4)
    x_scale: float = proto_field(4, 224.0)
    y_scale: float = proto_field(5, 224.0)
    w_scale: float = proto_field(6, 224.0)
    h_scale: float = proto_field(7, 224.0)
    reverse_output_order: bool = proto_field(14, True)
    sigmoid_score: bool = proto_field(15, True)
    score_clipping_thresh: float = proto_field(16, 100.0)
    min_score_thresh: float = proto_field(19, 0.5)
    apply_exponential_on_box_size: bool = proto_field(13, False, unsupported="box sizes are decoded linearly")
    ignore_classes: tuple[int, ...] = proto_field(8, (), unsupported=_SINGLE_CLASS)
    allow_classes: tuple[int, ...] = proto_field(21, (), unsupported=_SINGLE_CLASS)
    flip_vertically: bool = proto_field(18, False, unsupported="not implemented")
    max_results: int = proto_field(20, -1, unsupported="every detection above the threshold is kept")
    max_classes_per_detection: int = proto_field(25, 1, unsupported=_SINGLE_CLASS)
    box_format: BoxFormat = proto_field(24, BoxFormat.UNSPECIFIED, unsupported="the box layout follows reverse_output_order")


class TensorsToDetectionsCalculator(Calculator):
    """Decodes TENSORS = ``[boxes (1, N, 12), scores (1, N, 1)]`` against side packet ANCHORS into
    DETECTIONS: a :class:`DecodedDetections` batch normalized to the detector's input tensor,
    before non-maximum suppression. Side packet MIN_SCORE_THRESH, when given, overrides
    ``min_score_thresh`` (the pose graph's ``min_detection_confidence``).
    Math: ``posegraph.calculators.tensor.detection_decoding``.
    """

    contract = Contract(
        inputs={"TENSORS": Port(list)},
        outputs={"DETECTIONS": Port(DecodedDetections)},
        input_side_packets={"ANCHORS": Port(np.ndarray), "MIN_SCORE_THRESH": Port(float, optional=True, range=(0.0, 1.0))},
        options=TensorsToDetectionsCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        o = cc.options
        if not (o.num_classes == 1 and o.sigmoid_score and o.reverse_output_order and o.box_coord_offset == 0
                and o.num_values_per_keypoint == 2 and o.keypoint_coord_offset == 4):
            raise ValueError("only single-class, sigmoid-scored, x-first SSD layouts (box at 0, keypoints "
                             "at 4 as x, y pairs) are supported")
        self.anchors = cc.side_input("ANCHORS")
        if self.anchors.shape != (o.num_boxes, 4):
            raise ValueError(f"ANCHORS has shape {self.anchors.shape}, options say {o.num_boxes} boxes")
        self.threshold = float(cc.side_input("MIN_SCORE_THRESH", default=o.min_score_thresh))

    def process(self, cc: CalculatorContext) -> None:
        o = cc.options
        tensors = cc.value("TENSORS")
        if len(tensors) < 2 or tensors[0].shape[-2:] != (o.num_boxes, o.num_coords) or \
                tensors[1].shape[-2:] != (o.num_boxes, o.num_classes):
            shapes = [list(t.shape) for t in tensors]
            raise ModelError(f"detector outputs {shapes} do not match [1, {o.num_boxes}, {o.num_coords}] "
                             f"and [1, {o.num_boxes}, {o.num_classes}]: wrong model for this graph")
        cc.send("DETECTIONS", decode_detections(
            tensors[0].reshape(o.num_boxes, o.num_coords), tensors[1].reshape(o.num_boxes), self.anchors,
            num_keypoints=o.num_keypoints, x_scale=o.x_scale, y_scale=o.y_scale, w_scale=o.w_scale,
            h_scale=o.h_scale, score_clipping_thresh=o.score_clipping_thresh, min_score_thresh=self.threshold))
