"""The ROI warp as MediaPipe does it (warp the whole frame), as posegraph's ``warp_roi_to_tensor``
does it for a turned ROI more than twice the tensor's size (read the pixels under the ROI once
in memory order, then warp the whole frame: the same pixels out) and an alternative (copy the
ROI's bounding box, then warp the copy), right after a landmark-model call.

The copy is faster on the tracking graph's ROIs when the frame is out of the CPU's caches, but it
is not bit for bit: OpenCV rounds the copy's shifted map to 1/32 pixel differently at rare pixels
(``copy_exactness`` counts how often, on random ROIs), so posegraph does not use it. Each warp
follows a call of the landmark model, which pushes the frame out of the CPU's caches, as in the
tracking graph. The squat video's frames (720x1280): first each with the ROI the tracking graph
warps on it, then fixed ROIs (small and upright, which is not read first; person-sized turned 0.1 rad
and 45 degrees; larger than the frame, turned 0.3 rad and upright), each timed ``rounds`` times,
the ways taking turns. Beside them, the whole-frame warp on a frame still in cache. And in the
tracking module itself (``in_graph``), frames taking turns reading first or not.
"""

from __future__ import annotations

import math
import statistics
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmarks.common import decode
from benchmarks.pose_pipeline import interpreter

#: ROIs as (name, x_center, y_center, width, rotation): normalized, height = width in pixels.
ROIS = [("small, upright", 0.5, 0.5, 0.3, 0.0), ("person-sized, turned 0.1 rad", 0.5, 0.55, 0.9, 0.1),
        ("person-sized, turned 45 degrees", 0.5, 0.55, 0.9, 0.785), ("larger than the frame", 0.5, 0.5, 1.4, 0.3),
        ("larger than the frame, upright", 0.5, 0.5, 1.4, 0.0)]


def roi_matrix(image: np.ndarray, rect: Any, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The forward matrix ``warp_roi_to_tensor`` builds for ``rect`` and a square tensor of
    ``size``, and the ROI's corners in the image (float32 (4, 2)) it builds it from."""
    from posegraph.calculators.image.image_to_tensor import (
        _box_corners,
        pad_roi,
        roi_in_pixels,
        roi_warp_matrix,
    )

    roi, _ = pad_roi(roi_in_pixels(rect, (image.shape[1], image.shape[0])), (size, size), True)
    box = _box_corners(roi)
    return roi_warp_matrix(roi, (size, size), box), box


def whole_frame_warp(image: np.ndarray, matrix: np.ndarray, out: np.ndarray) -> None:
    """MediaPipe's warp of the ROI (uint8): ``warpPerspective`` on the whole frame."""
    cv2.warpPerspective(image, matrix, out.shape[1::-1], dst=out, flags=cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)


def read_then_warp(image: np.ndarray, matrix: np.ndarray, box: np.ndarray, out: np.ndarray) -> None:
    """The read-first warp (uint8): the pixels under the ROI (corners ``box``) read once in memory
    order (``_read_in_order``, into the CPU's caches), then ``warpPerspective`` on the whole frame,
    as MediaPipe: the same pixels out. (posegraph reads first only large, turned ROIs,
    ``_reads_first``; timed here on every ROI.)"""
    from posegraph.calculators.image.image_to_tensor import _read_in_order

    _read_in_order(image, box)
    whole_frame_warp(image, matrix, out)


def crop_then_warp(image: np.ndarray, matrix: np.ndarray, out: np.ndarray, scratch: Any) -> None:
    """The alternative measured here (uint8): copy the ROI's bounding box (the tensor's corners
    mapped back, one pixel more each side, clipped to the image) into ``scratch``, then warp the
    copy with OpenCV's own inverse of ``matrix`` (LU, float64) shifted by the copy's origin.
    Not what posegraph runs: OpenCV rounds the shifted map to 1/32 pixel differently at rare
    pixels, so it is not MediaPipe's warp bit for bit."""
    inverse = cv2.invert(matrix, flags=cv2.DECOMP_LU)[1]
    (a, b, c), (d, e, f), (g, h, i) = inverse.tolist()
    out_w, out_h = out.shape[1], out.shape[0]
    corners = [(u, v) for u in (0, out_w) for v in (0, out_h)]
    xs = [(a * u + b * v + c) / (g * u + h * v + i) for u, v in corners]
    ys = [(d * u + e * v + f) / (g * u + h * v + i) for u, v in corners]
    height, width = image.shape[:2]
    x0, x1 = max(math.floor(min(xs)) - 1, 0), min(math.ceil(max(xs)) + 2, width)
    y0, y1 = max(math.floor(min(ys)) - 1, 0), min(math.ceil(max(ys)) + 2, height)
    source = image
    if x0 < x1 and y0 < y1 and (x1 - x0, y1 - y0) != (width, height) and (x1 - x0) * (y1 - y0) > out_w * out_h:
        source = scratch[:(y1 - y0) * (x1 - x0) * image.shape[2]].reshape(y1 - y0, x1 - x0, image.shape[2])
        np.copyto(source, image[y0:y1, x0:x1])
        inverse = np.array([[a - x0 * g, b - x0 * h, c - x0 * i], [d - y0 * g, e - y0 * h, f - y0 * i], [g, h, i]])
    cv2.warpPerspective(source, inverse, (out_w, out_h), dst=out, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                        borderMode=cv2.BORDER_REPLICATE)


def tracked_rois(played: list[tuple[int, np.ndarray]]) -> list[Any]:
    """The ROI the tracking graph (``pose_tracking_module``) warps on each frame of ``played``."""
    from posegraph import Graph, graphs

    rois: dict[int, Any] = {}
    graph = Graph(graphs.path("pose_tracking_module"))
    graph.observe("pose_rect", lambda p: rois.__setitem__(p.timestamp, p.payload))
    with graph:
        graph.start({})
        for t, image in played:
            graph.add_packet("image", image, t)
    return [rois[t] for t, _ in played]


def run(video: Path, rounds: int = 5, frames: int = 65) -> dict[str, Any]:
    from posegraph.calculators.formats import NormalizedRect

    played = decode(video)[0][:frames]
    images = [image for _, image in played]
    height, width = images[0].shape[:2]
    model = interpreter("pose_landmark_full")
    scratch = np.empty(images[0].size, np.uint8)  # the copy's buffer: at most the whole frame
    out = np.empty((256, 256, 3), np.uint8)

    def timed(warp: Any, geometry: list[tuple[np.ndarray, np.ndarray]], after_model: bool) -> float:
        times = []
        for image, (matrix, box) in zip(images, geometry):
            if after_model:
                model.invoke()
            else:
                warp(image, matrix, box)  # the same warp once before: its pixels are in cache
            start = time.perf_counter()
            warp(image, matrix, box)
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    def whole(image: np.ndarray, matrix: np.ndarray, box: np.ndarray) -> None:
        whole_frame_warp(image, matrix, out)

    def read_first(image: np.ndarray, matrix: np.ndarray, box: np.ndarray) -> None:
        read_then_warp(image, matrix, box, out)

    def crop(image: np.ndarray, matrix: np.ndarray, box: np.ndarray) -> None:
        crop_then_warp(image, matrix, out, scratch)

    cases = [("the tracking graph's ROIs", tracked_rois(played))]
    for name, x, y, w, rotation in ROIS:
        cases.append((name, [NormalizedRect(x_center=x, y_center=y, width=w, height=w * width / height,
                                            rotation=rotation)] * len(images)))
    rois = []
    for name, rects in cases:
        matrices = [roi_matrix(image, rect, 256) for image, rect in zip(images, rects)]  # with boxes
        figures: dict[str, list[float]] = {"whole_frame_ms": [], "read_first_ms": [], "crop_ms": [], "in_cache_ms": []}
        for _ in range(rounds):
            figures["whole_frame_ms"].append(round(timed(whole, matrices, True), 3))
            figures["read_first_ms"].append(round(timed(read_first, matrices, True), 3))
            figures["crop_ms"].append(round(timed(crop, matrices, True), 3))
            figures["in_cache_ms"].append(round(timed(whole, matrices, False), 3))
        side = statistics.median(r.width * width for r in rects)
        rois.append({"roi": name, "side_px": round(side), **figures})
    return {"frames": len(images), "rounds": rounds, "size": [width, height], "rois": rois,
            "exactness": copy_exactness(images, scratch), "in_graph": in_graph(video)}


def in_graph(video: Path, passes: int = 6) -> dict[str, Any]:
    """The tracking module (``pose_tracking_module``, inline) on ``video`` played ``passes`` times,
    its landmark ImageToTensorCalculator reading first (``_reads_first`` as posegraph decides) on
    every other frame and never on the others: the calculator's median time on each half (ms), and
    how many of the reading half's ROIs posegraph reads first."""
    from posegraph import Graph
    from posegraph.calculators.image import image_to_tensor

    frames = decode(video)[0]
    decide = image_to_tensor._reads_first
    chosen: list[bool] = []  # per landmark warp: read first or not

    def every_other(roi: Any, out_w: int, out_h: int) -> bool:
        if (out_w, out_h) != (256, 256):  # the detector's warp: as posegraph decides
            return decide(roi, out_w, out_h)
        chosen.append(len(chosen) % 2 == 1 and decide(roi, out_w, out_h))
        return chosen[-1]

    image_to_tensor._reads_first = every_other
    try:
        graph = Graph.from_name("pose_tracking_module")
        graph.tracer = []
        span = frames[-1][0] + 1
        with graph:
            graph.start({})
            for n in range(passes):
                for t, image in frames:
                    graph.add_packet("image", image, n * span + t)
    finally:
        image_to_tensor._reads_first = decide
    times = [(t1 - t0) / 1e6 for node, method, _, _, t0, t1 in graph.tracer
             if method == "process" and node == "poselandmarkbyroi__ImageToTensorCalculator"]
    read = [ms for i, ms in enumerate(times) if i % 2 == 1]
    plain = [ms for i, ms in enumerate(times) if i % 2 == 0]
    return {"frames": len(times), "read_first_ms": round(statistics.median(read), 3),
            "plain_ms": round(statistics.median(plain), 3), "read": sum(chosen[1::2]), "of": len(read)}


def copy_exactness(images: list[np.ndarray], scratch: np.ndarray, per_frame: int = 6, seed: int = 13) -> dict[str, int]:
    """How often the copy-then-warp differs from the whole-frame warp: ``per_frame`` random ROIs
    on each frame (centre in [-0.3, 1.3], sides in [0.05, 1.6] of the image, any rotation, seeded),
    both warps compared pixel for pixel (and the read-first warp, which must equal the whole-frame
    one). Returns the ROIs compared, those that differ, and the differing values."""
    from posegraph.calculators.formats import NormalizedRect

    rng = np.random.default_rng(seed)
    whole, copied, read = (np.empty((256, 256, 3), np.uint8) for _ in range(3))
    compared = differing = values = 0
    for image in images:
        for _ in range(per_frame):
            rect = NormalizedRect(x_center=float(rng.uniform(-0.3, 1.3)), y_center=float(rng.uniform(-0.3, 1.3)),
                                  width=float(rng.uniform(0.05, 1.6)), height=float(rng.uniform(0.05, 1.6)),
                                  rotation=float(rng.uniform(-math.pi, math.pi)))
            matrix, box = roi_matrix(image, rect, 256)
            whole_frame_warp(image, matrix, whole)
            crop_then_warp(image, matrix, copied, scratch)
            read_then_warp(image, matrix, box, read)
            assert np.array_equal(read, whole), "reading the pixels first changed the warp"
            compared += 1
            count = int(np.count_nonzero(whole != copied))
            differing += count > 0
            values += count
    return {"rois": compared, "differing_rois": differing, "differing_values": values}


def format_report(r: dict[str, Any]) -> str:
    def ms(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    lines = [f"ROI warp to a 256x256 tensor right after a landmark-model call, {r['size'][0]}x{r['size'][1]} "
             f"frames (median of {r['frames']} frames per round, {r['rounds']} rounds, ms):"]
    for roi in r["rois"]:
        lines.append(f"  {roi['roi']} ({roi['side_px']} px): whole frame {ms(roi['whole_frame_ms'])}; "
                     f"read in order, then whole frame {ms(roi['read_first_ms'])}; "
                     f"crop then warp {ms(roi['crop_ms'])}; whole frame still in cache {ms(roi['in_cache_ms'])}")
    g = r["in_graph"]
    lines.append(f"  in the tracking module, {g['frames']} frames taking turns: ImageToTensorCalculator median "
                 f"{g['read_first_ms']:.3f} ms reading first ({g['read']} of {g['of']} ROIs large and turned enough), "
                 f"{g['plain_ms']:.3f} ms not")
    e = r["exactness"]
    lines.append(f"  crop then warp against the whole frame, {e['rois']} random ROIs: {e['differing_rois']} differ, "
                 f"{e['differing_values']} values in all")
    return "\n".join(lines)
