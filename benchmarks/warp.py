"""The ROI warp with and without cropping the frame first, right after a landmark-model call.

``crop_then_warp`` crops the frame to the ROI's bounding box (plus the bilinear neighbour, clipped
to the image) and folds the crop's integer origin into the inverse map (float64, as OpenCV
inverts it): the same pixels as the full-frame warp, bit for bit
(``tests/calculators/image/test_image_to_tensor.py``). This measures whether it is faster: each
warp follows a call of the landmark model (which pushes the frame out of the CPU's caches), on the
squat video's frames, alternating, ``rounds`` times; also the warp on a frame still in cache.
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


def roi_matrix(image: np.ndarray, rect: Any, size: int, keep_aspect: bool = True) -> np.ndarray:
    """The forward matrix ``warp_roi_to_tensor`` builds (the ROI's corners onto the tensor's)."""
    from posegraph.calculators.image.image_to_tensor import _box_corners, pad_roi, roi_in_pixels

    roi, _ = pad_roi(roi_in_pixels(rect, (image.shape[1], image.shape[0])), (size, size), keep_aspect)
    dst = np.array([[0, size], [0, 0], [size, 0], [size, size]], np.float32)
    return cv2.getPerspectiveTransform(_box_corners(roi), dst)


def crop_then_warp(image: np.ndarray, matrix: np.ndarray, size: int, border: int) -> np.ndarray:
    """``cv2.warpPerspective(image, matrix, (size, size))`` computed on a crop of ``image``."""
    inverse = cv2.invert(matrix, flags=cv2.DECOMP_LU)[1]
    corners = inverse @ np.array([[0, size, 0, size], [0, 0, size, size], [1, 1, 1, 1]], np.float64)
    xs, ys = corners[0] / corners[2], corners[1] / corners[2]
    height, width = image.shape[:2]
    x0, x1 = max(math.floor(xs.min()) - 1, 0), min(math.ceil(xs.max()) + 2, width)
    y0, y1 = max(math.floor(ys.min()) - 1, 0), min(math.ceil(ys.max()) + 2, height)
    if x0 >= x1 or y0 >= y1:  # the ROI misses the image: every pixel is border
        x0, y0, x1, y1 = 0, 0, width, height
    shifted = inverse.copy()
    shifted[0] -= x0 * inverse[2]
    shifted[1] -= y0 * inverse[2]
    return cv2.warpPerspective(image[y0:y1, x0:x1], shifted, (size, size),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=border, borderValue=0)


def run(video: Path, rounds: int = 3, frames: int = 40) -> dict[str, Any]:
    from posegraph.calculators.formats import NormalizedRect

    images = [image for _, image in decode(video)[0][:frames]]
    rect = NormalizedRect(x_center=0.5, y_center=0.55, width=0.9, height=0.5, rotation=0.1)
    matrix = roi_matrix(images[0], rect, 256)
    model = interpreter("pose_landmark_full")

    def full(image: np.ndarray) -> None:
        cv2.warpPerspective(image, matrix, (256, 256), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def cropped(image: np.ndarray) -> None:
        crop_then_warp(image, matrix, 256, cv2.BORDER_REPLICATE)

    def timed(warp: Any, after_model: bool) -> float:
        times = []
        for image in images:
            if after_model:
                model.invoke()
            else:
                warp(image)  # the same warp once before: its pixels are in cache
            start = time.perf_counter()
            warp(image)
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    full_ms, crop_ms, warm_ms = [], [], []
    for _ in range(rounds):
        full_ms.append(timed(full, True))
        crop_ms.append(timed(cropped, True))
        warm_ms.append(timed(full, False))
    return {"frames": len(images), "rounds": rounds, "full_ms": [round(v, 3) for v in full_ms],
            "crop_ms": [round(v, 3) for v in crop_ms], "in_cache_ms": [round(v, 3) for v in warm_ms]}


def format_report(r: dict[str, Any]) -> str:
    def ms(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    return (f"ROI warp after a landmark-model call (median of {r['frames']} frames per round): full frame "
            f"{ms(r['full_ms'])} ms, crop then warp {ms(r['crop_ms'])} ms; full frame still in cache "
            f"{ms(r['in_cache_ms'])} ms")
