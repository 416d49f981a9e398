"""MergeTileDetectionsCalculator: the whole frame's detections plus the people only tiles found.

A detector with a small input (the person detector's is 224x224) misses people that are small in
the frame; run again on overlapping tiles (TileRectsCalculator, a BeginLoop over them, the detector,
DetectionProjectionCalculator back to the frame) it finds them. This calculator merges what the
tiles found into the whole frame's detections.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import Detection, NormalizedRect
from posegraph.calculators.util.nms import iou, weighted_nms


@dataclass(frozen=True)
class MergeTileDetectionsCalculatorOptions:
    """Attributes:
        min_suppression_threshold: IoU above which two detections are one person (side packet
            MIN_SUPPRESSION_THRESHOLD overrides).
        center_keypoint, scale_keypoint: the keypoints whose distance is the radius of the circle
            around the object (the person detector's hip centre and its point above the head,
            as AlignmentPointsRectsCalculator reads them).
        edge_tolerance: how far, in radii, that circle may cross a tile's inner edge.
    """

    min_suppression_threshold: float = 0.5
    center_keypoint: int = 0
    scale_keypoint: int = 1
    edge_tolerance: float = 0.25


def whole_in_tile(detection: Detection, tile: NormalizedRect, size: tuple[int, int], *, center: int, scale: int,
                  tolerance: float) -> bool:
    """Whether the circle around ``detection`` (centre keypoint ``center``, radius the distance to
    keypoint ``scale``, in pixels of an image of ``size`` = (width, height)) lies inside ``tile``
    (unrotated), allowing ``tolerance`` radii past an edge that is inside the image. An edge on the
    image's border does not count: there the object is cut for every tile alike.
    """
    width, height = size
    kp = np.asarray(detection.keypoints, np.float64) * (width, height)
    cx, cy = kp[center]
    radius = float(np.hypot(*(kp[scale] - kp[center])))
    x0, x1 = (tile.x_center - tile.width / 2) * width, (tile.x_center + tile.width / 2) * width
    y0, y1 = (tile.y_center - tile.height / 2) * height, (tile.y_center + tile.height / 2) * height
    slack = radius * (1 - tolerance)
    return ((x0 <= 0.5 or cx - slack >= x0) and (x1 >= width - 0.5 or cx + slack <= x1)
            and (y0 <= 0.5 or cy - slack >= y0) and (y1 >= height - 0.5 or cy + slack <= y1))


def merge_tile_detections(whole: list[Detection], per_tile: tuple[list[Detection], ...],
                          tiles: tuple[NormalizedRect, ...], size: tuple[int, int],
                          options: MergeTileDetectionsCalculatorOptions) -> list[Detection]:
    """``whole`` (the whole frame's detections, as they are) followed by the tiles' own people.

    Of each tile's detections (normalized to the frame, ``per_tile[i]`` for ``tiles[i]``) only
    those wholly inside their tile are kept (:func:`whole_in_tile`: one cut by a tile's edge is
    found whole by an overlapping tile); the kept ones are merged by weighted non-maximum
    suppression (``posegraph.calculators.util.nms``, the threshold of ``options``), and those
    overlapping a whole-frame detection by more than the threshold are dropped. Returns ``whole``
    itself when the tiles add nobody, so a graph without tiles is unchanged.
    """
    kept = [d for detections, tile in zip(per_tile, tiles) for d in detections
            if whole_in_tile(d, tile, size, center=options.center_keypoint, scale=options.scale_keypoint,
                             tolerance=options.edge_tolerance)]
    if not kept:
        return whole
    threshold = np.float32(options.min_suppression_threshold)
    merged = weighted_nms(np.array([d.score for d in kept], np.float32), _boxes(kept),
                          np.stack([np.asarray(d.keypoints, np.float32) for d in kept]),
                          iou_threshold=options.min_suppression_threshold)
    if whole and merged:
        whole_boxes = _boxes(whole)
        merged = [d for d, box in zip(merged, _boxes(merged)) if not (iou(box, whole_boxes) > threshold).any()]
    return list(whole) + merged if merged else whole


def _boxes(detections: list[Detection]) -> np.ndarray:
    """float32 (N, 4): each detection's ``xmin, ymin, width, height``."""
    return np.array([[d.xmin, d.ymin, d.width, d.height] for d in detections], np.float32)


class MergeTileDetectionsCalculator(Calculator):
    """DETECTIONS (list[Detection], the whole frame's) plus TILE_DETECTIONS (one list per tile, in
    the order of TILES, all normalized to the frame; absent when there are no tiles) make DETECTIONS
    (:func:`merge_tile_detections`). IMAGE_SIZE is ``(width, height)`` in pixels. Nothing is sent
    at a timestamp without whole-frame detections (the detector did not run)."""

    contract = Contract(
        inputs={"DETECTIONS": Port(list), "TILE_DETECTIONS": Port(tuple, optional=True),
                "TILES": Port(tuple, optional=True, doc="tuple[NormalizedRect]"), "IMAGE_SIZE": Port(tuple)},
        outputs={"DETECTIONS": Port(list)},
        input_side_packets={"MIN_SUPPRESSION_THRESHOLD": Port(float, optional=True)},
        options=MergeTileDetectionsCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        threshold = cc.side_input("MIN_SUPPRESSION_THRESHOLD", default=cc.options.min_suppression_threshold)
        self.options = replace(cc.options, min_suppression_threshold=float(threshold))

    def process(self, cc: CalculatorContext) -> None:
        whole = cc.value("DETECTIONS")
        if whole is None:
            return
        per_tile, tiles = cc.value("TILE_DETECTIONS", default=()), cc.value("TILES", default=())
        if len(per_tile) != len(tiles):
            raise ValueError(f"{len(per_tile)} lists of tile detections for {len(tiles)} tiles: the detector's "
                             "NonMaxSuppressionCalculator must send a list for every tile (return_empty_detections)")
        cc.send("DETECTIONS", merge_tile_detections(whole, per_tile, tiles, tuple(cc.value("IMAGE_SIZE")),
                                                    self.options))
