"""TrackedRectAssociationCalculator: this frame's person ROIs from tracked ROIs and detections."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.pose.association import associate_rects


@dataclass(frozen=True)
class TrackedRectAssociationCalculatorOptions:
    """Attributes:
        min_similarity_threshold: the IoU above which a tracked rect and a detection are one person
            (MediaPipe's AssociationCalculatorOptions field); side packet MIN_SIMILARITY_THRESHOLD
            overrides it.
        duplicate_threshold: the IoU above which two rects are one person seen twice.
        max_lost_frames: how many frames a lost person's last ROI is remembered, so that someone
            found again there gets the old id back (0: never).
    """

    min_similarity_threshold: float = 0.5
    duplicate_threshold: float = 0.8
    max_lost_frames: int = 5


class TrackedRectAssociationCalculator(Calculator):
    """Sends the ROIs to run the landmark model on: TRACKED (last frame's ROIs from landmarks, each
    with its track id as ``rect_id``) associated with DETECTED (this frame's ROIs from detections,
    best first), as a tuple: tracked people first, each keeping its id, then new people with
    ``rect_id`` ``None``, or the id of someone lost within the last ``max_lost_frames`` calls whose
    last tracked ROI the new person overlaps. Sends at every timestamp where either input has a
    packet (an empty tuple when both are empty lists). It takes MediaPipe's AssociationNormRectCalculator's place, with a
    one-to-one assignment instead of replacement. Math: ``pose.association.associate_rects``.
    """

    contract = Contract(
        inputs={"TRACKED": Port((list, tuple), optional=True), "DETECTED": Port((list, tuple), optional=True)},
        outputs={"": Port(tuple, doc="tuple[NormalizedRect]")},
        input_side_packets={"MIN_SIMILARITY_THRESHOLD": Port(float, optional=True)},
        options=TrackedRectAssociationCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        self.threshold = float(cc.side_input("MIN_SIMILARITY_THRESHOLD", default=cc.options.min_similarity_threshold))
        self.calls = 0
        self.last_seen: dict[int, tuple[int, NormalizedRect]] = {}  # id -> (call, its last tracked ROI)

    def process(self, cc: CalculatorContext) -> None:
        tracked, detected = cc.value("TRACKED"), cc.value("DETECTED")
        if tracked is None and detected is None:
            return
        self.calls += 1
        tracked = tracked or ()
        for rect in tracked:
            self.last_seen[rect.rect_id] = (self.calls, rect)
        horizon = self.calls - cc.options.max_lost_frames
        self.last_seen = {k: v for k, v in self.last_seen.items() if v[0] >= horizon}
        lost = [rect for call, rect in self.last_seen.values() if call < self.calls]
        cc.send("", tuple(associate_rects(tracked, detected or (), match_threshold=self.threshold,
                                           duplicate_threshold=cc.options.duplicate_threshold, lost=lost)))
