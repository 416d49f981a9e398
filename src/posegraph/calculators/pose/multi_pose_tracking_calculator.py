"""MultiPoseTrackingCalculator: one frame's per-person landmarks to identified, smoothed poses."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, Pose, Poses, SegmentationMask
from posegraph.calculators.pose.association import duplicate_poses, landmarks_box
from posegraph.calculators.pose.landmark_smoothing import PoseLandmarkSmoother
from posegraph.calculators.pose.pose_landmark_filtering_calculator import SMOOTHING_SIDE_PACKETS, smoothing_enabled
from posegraph.calculators.pose.tracked_rect_association_calculator import MEDIAPIPE_ASSOCIATION
from posegraph.calculators.util.rect_geometry import roi_from_alignment_points


@dataclass(frozen=True)
class MultiPoseTrackingCalculatorOptions:
    """Attributes:
        duplicate_threshold: a pose whose median landmark distance to an earlier pose is below
            this fraction of that pose's size (its landmark box diagonal) is the same person.
    """

    duplicate_threshold: float = 0.1


class MultiPoseTrackingCalculator(Calculator):
    """Keeps the people's tracks: ids, per-person smoothing, and the ROIs for the next frame.

    Inputs at the frame's timestamp, the collections aligned element by element (one element per
    person the landmark model found present, as the EndLoop calculators gather them):
    NORM_RECTS (the ROI each person was found in; ``rect_id`` is its track id, ``None`` for someone
    new), NORM_LANDMARKS (33 landmarks normalized to the image), WORLD_LANDMARKS (metres),
    AUXILIARY_LANDMARKS (landmarks 33 and 34), PRESENCE (the model's presence probability),
    optionally SEGMENTATION_MASKS (each person's :class:`SegmentationMask` over the image; an
    empty collection, or no input, when the graph makes no masks), and IMAGE_SIZE
    (``(width, height)``, one per frame, which paces it).

    Outputs at every frame: POSES, a tuple of :class:`~posegraph.calculators.formats.Pose` in input
    order (empty when nobody is there), each with its mask when there are masks; NEXT_NORM_RECTS,
    the next frame's ROI of each person (from the auxiliary landmarks, MediaPipe's
    pose_landmarks_to_roi geometry) with its id as ``rect_id``.

    A person found twice (from two ROIs) is given once, the first in input order (tracked people
    come first): ``pose.association.duplicate_poses`` with ``options.duplicate_threshold``; not
    with side packet ASSOCIATION ``"mediapipe"``, where every ROI's pose is given, as in MediaPipe's
    Tasks graph.
    Someone new gets the next unused id (0, 1, 2, ...; ids are never reused). With smoothing on
    (side packet ENABLE true, the default, and DISABLE (static-image mode) not true) each id has its
    own one-euro filters (``pose.landmark_smoothing.PoseLandmarkSmoother``, MediaPipe's legacy pose
    solution's filters and parameters), forgotten when the id is not seen in a frame; the next ROI
    then comes from the smoothed auxiliary landmarks, as in the single-person graph. With smoothing
    off nothing is filtered, the auxiliary landmarks included, as in MediaPipe's Tasks graph.
    """

    contract = Contract(
        options=MultiPoseTrackingCalculatorOptions,
        inputs={"IMAGE_SIZE": Port(tuple), "NORM_RECTS": Port(tuple), "NORM_LANDMARKS": Port(tuple),
                "WORLD_LANDMARKS": Port(tuple), "AUXILIARY_LANDMARKS": Port(tuple), "PRESENCE": Port(tuple),
                "SEGMENTATION_MASKS": Port(tuple, optional=True, doc="tuple[SegmentationMask]")},
        outputs={"POSES": Port(Poses, doc="tuple[Pose, ...]"),
                 "NEXT_NORM_RECTS": Port(tuple, optional=True, doc="tuple[NormalizedRect]")},
        input_side_packets={**SMOOTHING_SIDE_PACKETS,
                            "ASSOCIATION": Port(str, optional=True, doc="'mediapipe': no repeat is dropped")},
    )

    def open(self, cc: CalculatorContext) -> None:
        self.smooth = smoothing_enabled(cc)
        self.drop_repeats = cc.side_input("ASSOCIATION") != MEDIAPIPE_ASSOCIATION
        self.next_id = 0
        self.smoothers: dict[int, PoseLandmarkSmoother] = {}

    def process(self, cc: CalculatorContext) -> None:
        size = cc.value("IMAGE_SIZE")
        if size is None:
            return
        rects = cc.value("NORM_RECTS", default=())
        columns = [cc.value(tag, default=()) for tag in ("NORM_LANDMARKS", "WORLD_LANDMARKS", "AUXILIARY_LANDMARKS",
                                                          "PRESENCE")]
        if any(len(c) != len(rects) for c in columns):
            raise ValueError(f"NORM_RECTS, NORM_LANDMARKS, WORLD_LANDMARKS, AUXILIARY_LANDMARKS and PRESENCE must "
                             f"have one element per person, got {[len(rects)] + [len(c) for c in columns]}")
        masks: tuple[SegmentationMask | None, ...] = cc.value("SEGMENTATION_MASKS", default=())
        if masks and len(masks) != len(rects):
            raise ValueError(f"SEGMENTATION_MASKS must have one mask per person or none, got {len(masks)} masks "
                             f"for {len(rects)} people")
        masks = masks or (None,) * len(rects)
        poses, next_rects, smoothers = [], [], {}
        repeats = (duplicate_poses([lm.data for lm in columns[0]], size, cc.options.duplicate_threshold)
                   if self.drop_repeats else [False] * len(rects))
        for rect, landmarks, world, aux, score, mask, repeat in zip(rects, *columns, masks, repeats):
            if repeat:
                continue
            track = rect.rect_id
            if track is None:
                track, self.next_id = self.next_id, self.next_id + 1
            body, aux_data, world_data = landmarks.data, aux.data, world.data
            if self.smooth:
                smoother = smoothers[track] = self.smoothers.get(track) or PoseLandmarkSmoother()
                body, aux_data, world_data = smoother.apply(body, aux_data, world_data, cc.input_timestamp, size)
            poses.append(Pose(id=track, score=float(score), box=landmarks_box(body),
                              landmarks=NormalizedLandmarkList(body, landmarks.visible),
                              world_landmarks=LandmarkList(world_data), segmentation_mask=mask))
            roi = roi_from_alignment_points(aux_data[0, :2], aux_data[1, :2], size)
            next_rects.append(dataclasses.replace(roi, rect_id=track))
        self.smoothers = smoothers
        cc.send("POSES", tuple(poses))
        cc.send("NEXT_NORM_RECTS", tuple(next_rects))
