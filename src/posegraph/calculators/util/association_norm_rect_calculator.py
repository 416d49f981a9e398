"""AssociationNormRectCalculator: NormalizedRects from several streams, a later one replacing every
earlier one it overlaps (MediaPipe's).

The rule is MediaPipe 0.10.21's ``AssociationCalculator<T>`` (``calculators/util/association_calculator.h``)
with ``AssociationNormRectCalculator``'s rectangle: each rect is taken as the axis-aligned box
``(x_center - width/2, y_center - height/2, width, height)``, rotation ignored, and compared by
intersection over union in float32 (``util/rectangle_util.cc: CalculateIou``, here ``util.nms.iou``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.util.nms import iou

__all__ = ["AssociationCalculatorOptions", "AssociationNormRectCalculator", "rect_boxes", "associate_by_replacement"]


def rect_boxes(rects: Sequence[NormalizedRect]) -> np.ndarray:
    """float32 (N, 4): each rect as ``xmin, ymin, width, height``, normalized, rotation ignored
    (MediaPipe's AssociationNormRectCalculator::GetRectangle: the corner in double, stored as float)."""
    if not rects:
        return np.zeros((0, 4), np.float32)
    return np.array([(r.x_center - r.width / 2, r.y_center - r.height / 2, r.width, r.height) for r in rects],
                    np.float32)


def associate_by_replacement(streams: Sequence[Sequence[NormalizedRect]], min_similarity_threshold: float, *,
                             carry_ids: bool = False) -> list[NormalizedRect]:
    """MediaPipe's association: the streams' rects in order, each one removing every rect already
    kept whose IoU with it exceeds ``min_similarity_threshold``, then kept itself.

    A later stream therefore has priority over an earlier one, and within one stream a later rect
    over an earlier one. With ``carry_ids`` a rect takes the ``rect_id`` of the last removed rect
    that had one (the generic calculator's ``GetId``/``SetId``, which MediaPipe's Detection version
    implements); MediaPipe's NormalizedRect version does not, so ``carry_ids`` is ``False`` for
    :class:`AssociationNormRectCalculator`.

    Args:
        streams: per input stream, its rects in order (normalized image coordinates).
        min_similarity_threshold: the IoU above which two rects are one (strictly above).

    Returns:
        The kept rects in the order they were kept.
    """
    kept: list[NormalizedRect] = []
    kept_boxes: list[np.ndarray] = []
    for stream in streams:
        for rect, box in zip(stream, rect_boxes(stream)):
            overlap = iou(box, np.array(kept_boxes, np.float32).reshape(-1, 4))
            removed = overlap > np.float32(min_similarity_threshold)
            ids = [r.rect_id for r, gone in zip(kept, removed) if gone and r.rect_id is not None]
            if carry_ids and ids:
                rect = dataclasses.replace(rect, rect_id=ids[-1])
            kept = [r for r, gone in zip(kept, removed) if not gone] + [rect]
            kept_boxes = [b for b, gone in zip(kept_boxes, removed) if not gone] + [box]
    return kept


@dataclass(frozen=True)
class AssociationCalculatorOptions:
    """MediaPipe's AssociationCalculatorOptions.

    Attributes:
        min_similarity_threshold: the IoU above which a later rect replaces an earlier one
            (MediaPipe's default 1.0: nothing is replaced); must not be negative.
    """

    min_similarity_threshold: float = 1.0


class AssociationNormRectCalculator(Calculator):
    """Sends, at each timestamp, the untagged inputs' NormalizedRects (each a list or tuple)
    associated by :func:`associate_by_replacement`, as a tuple: inputs of a higher index have
    priority, and so has a later rect within one input. An input without a packet at the
    timestamp is skipped. The optional PREV input (MediaPipe's, for carrying ids from the previous
    output) is accepted and, as in MediaPipe's NormalizedRect version, changes nothing: its rects
    have no id to give.

    Raises (in ``open``):
        ValueError: ``min_similarity_threshold`` is negative.
    """

    contract = Contract(
        inputs={"": Port((list, tuple), repeated=True), "PREV": Port((list, tuple), optional=True)},
        outputs={"": Port(tuple, doc="tuple[NormalizedRect]")},
        options=AssociationCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        self.threshold = cc.options.min_similarity_threshold
        if self.threshold < 0:
            raise ValueError(f"node {cc.node_name!r}: min_similarity_threshold must not be negative, "
                             f"got {self.threshold}")
        self.count = cc.input_count("")

    def process(self, cc: CalculatorContext) -> None:
        streams = [value for value in (cc.value("", i) for i in range(self.count)) if value is not None]
        cc.send("", tuple(associate_by_replacement(streams, self.threshold)))
