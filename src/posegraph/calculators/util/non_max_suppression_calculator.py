"""NonMaxSuppressionCalculator: merges overlapping detections (MediaPipe's, WEIGHTED algorithm)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.tensor.detection_decoding import DecodedDetections
from posegraph.calculators.util.nms import weighted_nms


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
    """MediaPipe's NonMaxSuppressionCalculatorOptions (subset).

    Attributes:
        min_suppression_threshold: IoU above which (strictly) detections merge.
        max_num_detections: keep at most this many; -1 for all.
    """

    min_suppression_threshold: float = 0.3
    max_num_detections: int = -1
    overlap_type: OverlapType = OverlapType.INTERSECTION_OVER_UNION
    algorithm: NmsAlgorithm = NmsAlgorithm.WEIGHTED


class NonMaxSuppressionCalculator(Calculator):
    """Reduces a :class:`DecodedDetections` batch to a list of Detections (best score first) by
    weighted non-maximum suppression. An empty list is sent when nothing is left (so readers can
    tell "detector ran, found nobody"). Side packet MIN_SUPPRESSION_THRESHOLD (float), when given,
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
        cc.send("", weighted_nms(d.scores, d.boxes, d.keypoints, iou_threshold=self.threshold,
                                 max_detections=self.max))
