"""Multi-person tracking math: matching tracked ROIs with new detections, and a pose's box.

Rects are compared as MediaPipe's AssociationNormRectCalculator compares them: as axis-aligned
boxes ``(x_center - width/2, y_center - height/2, width, height)`` in normalized image coordinates,
rotation ignored, by intersection over union (``util.nms.iou``). MediaPipe's rule
(``association_calculator.h``) lets each later rect *replace* every earlier one it overlaps by more
than the threshold, which keeps the person but loses who it was; here the tracked rects and the
detections are paired one-to-one by maximum total overlap (``scipy.optimize.linear_sum_assignment``),
so a detected person keeps the id of the track it continues. ``associate_by_replacement_with_ids``
applies MediaPipe's rule itself, ids added, for output identical to MediaPipe's Tasks graph.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.util.association_norm_rect_calculator import associate_by_replacement, rect_boxes
from posegraph.calculators.util.nms import iou

__all__ = ["rect_boxes", "iou_matrix", "associate_rects", "associate_by_replacement_with_ids", "landmarks_box",
           "duplicate_poses"]


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """float32 (N, M): IoU of each box of ``a`` (N, 4) with each of ``b`` (M, 4), both
    ``xmin, ymin, width, height`` in one coordinate space."""
    out = np.zeros((len(a), len(b)), np.float32)
    if len(b):
        for i, box in enumerate(a):
            out[i] = iou(box, b)
    return out


def associate_rects(tracked: Sequence[NormalizedRect], detected: Sequence[NormalizedRect], *,
                    match_threshold: float, duplicate_threshold: float,
                    lost: Sequence[NormalizedRect] = ()) -> list[NormalizedRect]:
    """This frame's ROIs from last frame's tracked ROIs and this frame's detections.

    1. Duplicates among the tracked rects: a tracked rect overlapping a kept one with a smaller
       (older) ``rect_id`` by more than ``duplicate_threshold`` is dropped, so two tracks that
       converged on one person become one, the older.
    2. The kept tracked rects and the detections are paired one-to-one, maximizing the total IoU
       (``linear_sum_assignment``); a pair counts only with IoU > ``match_threshold``. A paired
       person gets the detection's rect (the detector's fresh view, as MediaPipe uses it) with the
       track's id.
    3. An unpaired tracked rect stays unless it overlaps a paired one by more than
       ``duplicate_threshold`` (the same person twice).
    4. An unpaired detection is a new person (``rect_id`` ``None``) unless it overlaps a rect kept
       from a track by more than ``duplicate_threshold``. Detections are not compared with each
       other: the detector's non-maximum suppression already merged its duplicates, and two
       people close together (a hug) give overlapping ROIs. (MediaPipe's association lets a
       later detection replace an earlier one it overlaps, losing one of them.)
    5. New people are paired one-to-one with ``lost`` (the last ROIs of people lost in recent
       frames) the same way as in 2: a person found again where one was lost gets the lost id back.

    Args:
        tracked: last frame's ROIs from landmarks, each with its track id as ``rect_id``.
        detected: this frame's ROIs from detections, best detection first (``rect_id`` ignored).
        match_threshold: the IoU above which a tracked rect and a detection are one person (the
            graph passes ``min_tracking_confidence``, as MediaPipe's Tasks graph does).
        duplicate_threshold: the IoU above which two rects are taken to be one person seen twice.
        lost: the last ROIs of recently lost people, each with its id as ``rect_id``.

    Returns:
        The ROIs, tracked people first (in ``tracked`` order), then new people in ``detected``
        order, so that clipping the list to ``num_poses`` keeps tracked people before new ones and
        new ones by detection score.
    """
    order = sorted(range(len(tracked)), key=lambda i: (tracked[i].rect_id is None, tracked[i].rect_id or 0, i))
    boxes = rect_boxes(tracked)
    kept: list[int] = []
    for i in order:
        if not kept or iou_matrix(boxes[i:i + 1], boxes[kept]).max() <= duplicate_threshold:
            kept.append(i)
    kept.sort()
    tracked_kept = [tracked[i] for i in kept]
    t_boxes, d_boxes = boxes[kept], rect_boxes(detected)
    pair_of = _pairs(t_boxes, d_boxes, match_threshold)
    paired_boxes = d_boxes[sorted(pair_of.values())]
    out: list[NormalizedRect] = []
    out_boxes = []
    for r, rect in enumerate(tracked_kept):
        if r in pair_of:
            out.append(dataclasses.replace(detected[pair_of[r]], rect_id=rect.rect_id))
            out_boxes.append(d_boxes[pair_of[r]])
        elif not len(paired_boxes) or iou_matrix(t_boxes[r:r + 1], paired_boxes).max() <= duplicate_threshold:
            out.append(rect)
            out_boxes.append(t_boxes[r])
    track_boxes = np.array(out_boxes, np.float32).reshape(-1, 4)
    paired = set(pair_of.values())
    new = [c for c in range(len(detected)) if c not in paired and not (
        len(track_boxes) and iou_matrix(d_boxes[c:c + 1], track_boxes).max() > duplicate_threshold)]
    out.extend(_found_again([detected[c] for c in new], lost, match_threshold))
    return out


def associate_by_replacement_with_ids(tracked: Sequence[NormalizedRect], detected: Sequence[NormalizedRect], *,
                                      match_threshold: float,
                                      lost: Sequence[NormalizedRect] = ()) -> list[NormalizedRect]:
    """This frame's ROIs as MediaPipe's Tasks PoseLandmarkerGraph associates them, with ids.

    MediaPipe's rule (``util.association_norm_rect_calculator.associate_by_replacement``) on the
    tracked rects, then the detections: every rect replaces each one kept before it that it
    overlaps by IoU > ``match_threshold``, so a detection replaces the track it overlaps, and of
    two overlapping detections (two people hugging) the later one stays. The geometry is
    MediaPipe's exactly; the ids are posegraph's: a rect that replaces a tracked one takes its id
    (the generic AssociationCalculator's id rule), and a new person is matched with ``lost`` as in
    :func:`associate_rects` step 5.

    Args:
        tracked: last frame's ROIs from landmarks, each with its track id as ``rect_id``.
        detected: this frame's ROIs from detections, best detection first (``rect_id`` ignored).
        match_threshold: the IoU above which a later rect replaces an earlier one.
        lost: the last ROIs of recently lost people, each with its id as ``rect_id``.

    Returns:
        The ROIs in MediaPipe's order: tracked rects no detection replaced, then detections (each
        with a track's id, a lost id or ``None``).
    """
    fresh = [dataclasses.replace(rect, rect_id=None) for rect in detected]
    out = associate_by_replacement([tracked, fresh], match_threshold, carry_ids=True)
    new = [i for i, rect in enumerate(out) if rect.rect_id is None]
    for i, rect in zip(new, _found_again([out[i] for i in new], lost, match_threshold)):
        out[i] = rect
    return out


def _found_again(new: Sequence[NormalizedRect], lost: Sequence[NormalizedRect],
                 threshold: float) -> list[NormalizedRect]:
    """``new`` with the id of the ``lost`` rect each is paired with one-to-one by maximum total
    IoU (pairs above ``threshold``), ``None`` for the others."""
    found = _pairs(rect_boxes(new), rect_boxes(lost), threshold)
    return [dataclasses.replace(rect, rect_id=lost[found[i]].rect_id if i in found else None)
            for i, rect in enumerate(new)]


def _pairs(a: np.ndarray, b: np.ndarray, threshold: float) -> dict[int, int]:
    """Row -> column of the one-to-one pairing of boxes ``a`` with ``b`` maximizing the total IoU,
    keeping pairs with IoU > ``threshold``."""
    overlap = iou_matrix(a, b)
    if not overlap.size:
        return {}
    from scipy.optimize import linear_sum_assignment  # on first use: scipy takes 0.3 s to import

    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return {int(r): int(c) for r, c in zip(rows, cols) if overlap[r, c] > threshold}


def landmarks_box(landmarks: np.ndarray) -> tuple[float, float, float, float]:
    """``(xmin, ymin, xmax, ymax)`` of landmarks' x, y, clipped to [0, 1].

    Args:
        landmarks: float32 (N, >=2), x and y normalized to the image.
    """
    xy = np.clip(np.asarray(landmarks, np.float32)[:, :2], 0.0, 1.0)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def duplicate_poses(landmarks: Sequence[np.ndarray], image_size: tuple[int, int], threshold: float) -> list[bool]:
    """Which poses repeat an earlier one: the same person found from two ROIs.

    Pose ``i`` repeats an earlier kept pose ``j`` when the median distance between their matching
    landmarks is below ``threshold`` times the diagonal of ``j``'s landmark box, both in pixels.
    Two people side by side, even hugging, have landmarks far apart; two tracks on one person
    converge to nearly the same landmarks.

    Args:
        landmarks: float32 (33, >=2) per pose, x and y normalized to the image, in priority order.
        image_size: ``(W, H)`` in pixels.
        threshold: the fraction of the body's size under which the poses coincide.

    Returns:
        One flag per pose, ``True`` for a repeat (dropped by the caller).
    """
    scale = np.asarray(image_size, np.float64)
    kept: list[tuple[np.ndarray, float]] = []
    flags = []
    for lm in landmarks:
        xy = np.asarray(lm, np.float64)[:, :2] * scale
        repeat = any(np.median(np.hypot(*(xy - other).T)) < threshold * size for other, size in kept)
        flags.append(repeat)
        if not repeat:
            kept.append((xy, float(np.hypot(*(xy.max(axis=0) - xy.min(axis=0))))))
    return flags
