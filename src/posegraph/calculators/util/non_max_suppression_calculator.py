"""NonMaxSuppressionCalculator: merges overlapping detections (MediaPipe's, WEIGHTED algorithm)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.tensor.detection_decoding import DecodedDetections
from posegraph.calculators.util.nms import weighted_nms
from posegraph.framework.options import proto_field


class NmsAlgorithm(enum.Enum):
    """MediaPipe's NonMaxSuppressionCalculatorOptions.NmsAlgorithm (only WEIGHTED is implemented)."""

    DEFAULT = 0
    WEIGHTED = 1


class OverlapType(enum.Enum):
    """MediaPipe's overlap measures (only INTERSECTION_OVER_UNION is implemented)."""

    UNSPECIFIED_OVERLAP_TYPE = 0
    JACCARD = 1
    MODIFIED_JACCARD = 2
    INTERSECTION_OVER_UNION = 3


@dataclass(frozen=True)
class NonMaxSuppressionCalculatorOptions:
    """MediaPipe's NonMaxSuppressionCalculatorOptions, MediaPipe's field numbers.

    Attributes:
        min_suppression_threshold: IoU above which (strictly) detections merge.
        max_num_detections: keep at most this many; -1 for all.
        return_empty_detections: send an empty list when no detection is left (MediaPipe's default,
            false, sends nothing then).
        num_detection_streams, min_score_threshold, multiclass_nms: accepted at their defaults only.
    """

    __proto_ext_number__ = 55383100

    min_suppression_threshold: float = proto_field(3, 0.3)
    max_num_detections: int = proto_field(2, -1)
    overlap_type: OverlapType = proto_field(4, OverlapType.INTERSECTION_OVER_UNION)
    algorithm: NmsAlgorithm = proto_field(7, NmsAlgorithm.WEIGHTED)
    return_empty_detections: bool = proto_field(5, False)
    num_detection_streams: int = proto_field(1, 1, unsupported="one detection stream is read")
    min_score_threshold: float = proto_field(6, -1.0, unsupported="filter scores before NMS with "
                                             "TensorsToDetectionsCalculator's min_score_thresh")
    multiclass_nms: bool = proto_field(8, False, unsupported="detections are single-class")


class NonMaxSuppressionCalculator(Calculator):
    """Reduces a :class:`DecodedDetections` batch to a list of Detections (best score first) by
    weighted non-maximum suppression. When nothing is left, an empty list is sent with
    ``return_empty_detections`` (so readers can tell "detector ran, found nobody"), else nothing, as
    MediaPipe does. Side packet MIN_SUPPRESSION_THRESHOLD (float), when given,
    overrides ``options.min_suppression_threshold``. Math: ``posegraph.calculators.util.nms``."""

    contract = Contract(inputs={"": Port(DecodedDetections)}, outputs={"": Port(list, doc="list[Detection]")},
                        input_side_packets={"MIN_SUPPRESSION_THRESHOLD": Port(float, optional=True)},
                        options=NonMaxSuppressionCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        o = cc.options
        if o.algorithm != NmsAlgorithm.WEIGHTED or o.overlap_type != OverlapType.INTERSECTION_OVER_UNION:
            raise ValueError(f"only algorithm WEIGHTED with overlap_type INTERSECTION_OVER_UNION is implemented, "
                             f"got {o.algorithm.name} / {o.overlap_type.name}")
        self.max = None if o.max_num_detections < 0 else o.max_num_detections
        self.threshold = float(cc.side_input("MIN_SUPPRESSION_THRESHOLD", default=o.min_suppression_threshold))

    def process(self, cc: CalculatorContext) -> None:
        d = cc.value("")
        detections = weighted_nms(d.scores, d.boxes, d.keypoints, iou_threshold=self.threshold,
                                  max_detections=self.max)
        if detections or cc.options.return_empty_detections:
            cc.send("", detections)
