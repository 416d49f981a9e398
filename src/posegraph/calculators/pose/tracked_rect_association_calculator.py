"""TrackedRectAssociationCalculator: this frame's person ROIs from tracked ROIs and detections."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port, SidePacketError
from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.pose.association import associate_by_replacement_with_ids, associate_rects

#: The association rules: posegraph's one-to-one assignment, or MediaPipe's replacement.
MEDIAPIPE_ASSOCIATION = "mediapipe"
ASSOCIATIONS = ("assignment", MEDIAPIPE_ASSOCIATION)


@dataclass(frozen=True)
class TrackedRectAssociationCalculatorOptions:
    """Attributes:
        min_similarity_threshold: the IoU above which a tracked rect and a detection are one person
            (MediaPipe's AssociationCalculatorOptions field); side packet MIN_SIMILARITY_THRESHOLD
            overrides it.
        duplicate_threshold: the IoU above which two rects are one person seen twice.
        max_lost_frames: how many frames a lost person's last ROI is remembered, so that someone
            found again there gets the old id back (0: never).
        association: ``"assignment"`` (``pose.association.associate_rects``) or ``"mediapipe"``
            (``pose.association.associate_by_replacement_with_ids``: MediaPipe's Tasks graph's
            rects, with ids); side packet ASSOCIATION overrides it.
    """

    min_similarity_threshold: float = 0.5
    duplicate_threshold: float = 0.8
    max_lost_frames: int = 5
    association: str = "assignment"


class TrackedRectAssociationCalculator(Calculator):
    """Sends the ROIs to run the landmark model on: TRACKED (last frame's ROIs from landmarks, each
    with its track id as ``rect_id``) associated with DETECTED (this frame's ROIs from detections,
    best first), as a tuple, each ROI with its person's id as ``rect_id`` (``None`` for someone
    new; someone lost within the last ``max_lost_frames`` calls and found again where their last
    tracked ROI was gets the old id back). Sends at every timestamp where either input has a
    packet (an empty tuple when both are empty lists). It takes the place of MediaPipe's
    AssociationNormRectCalculator in the Tasks graph; ``association`` chooses the rule:

    - ``"assignment"`` (default): tracked people first, then new ones; tracked rects and
      detections paired one-to-one (``pose.association.associate_rects``), so two people close
      together are both kept;
    - ``"mediapipe"``: MediaPipe's replacement, which gives MediaPipe's ROIs exactly
      (``pose.association.associate_by_replacement_with_ids``).

    With side packet DISABLE true (static-image mode) the detections pass as they are, each a new
    person: MediaPipe's Tasks graph associates nothing in IMAGE mode.

    Raises (in ``open``):
        SidePacketError: ASSOCIATION is not one of :data:`ASSOCIATIONS`.
        ValueError: ``options.association`` is not one of them.
    """

    contract = Contract(
        inputs={"TRACKED": Port((list, tuple), optional=True), "DETECTED": Port((list, tuple), optional=True)},
        outputs={"": Port(tuple, doc="tuple[NormalizedRect]")},
        input_side_packets={"MIN_SIMILARITY_THRESHOLD": Port(float, optional=True),
                            "ASSOCIATION": Port(str, optional=True, doc="'assignment' or 'mediapipe'"),
                            "DISABLE": Port(bool, optional=True, doc="true: DETECTED passes as it is")},
        options=TrackedRectAssociationCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        self.threshold = float(cc.side_input("MIN_SIMILARITY_THRESHOLD", default=cc.options.min_similarity_threshold))
        rule = cc.side_input("ASSOCIATION")
        if rule is not None and rule not in ASSOCIATIONS:
            raise SidePacketError(f"association must be one of {', '.join(ASSOCIATIONS)}, got {rule!r}")
        if cc.options.association not in ASSOCIATIONS:
            raise ValueError(f"node {cc.node_name!r}: association must be one of {', '.join(ASSOCIATIONS)}, "
                             f"got {cc.options.association!r}")
        self.replace = (rule or cc.options.association) == MEDIAPIPE_ASSOCIATION
        self.disabled = bool(cc.side_input("DISABLE", default=False))
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
        if self.disabled:
            rects = [dataclasses.replace(rect, rect_id=None) for rect in detected or ()]
        elif self.replace:
            rects = associate_by_replacement_with_ids(tracked, detected or (), match_threshold=self.threshold, lost=lost)
        else:
            rects = associate_rects(tracked, detected or (), match_threshold=self.threshold,
                                    duplicate_threshold=cc.options.duplicate_threshold, lost=lost)
        cc.send("", tuple(rects))
