"""detection_tiles on a crowd too small for the whole-frame detector: a 3x3 mosaic of one
bedroom_kids.mp4 frame, each copy a third of the mosaic's size (480x270 in 1440x810), in
static-image mode with room for 20 people.

What counts as found: the people MultiPoseTracking finds in one copy alone (480x270, the same
graph) are the people to find, nine times over; a pose on the mosaic finds one when its landmarks,
taken back into its copy, lie within 5 px (median over the 33) of theirs. Measured on 8 frames
(every 25th): with detection_tiles 3, 75 of 81 found (median 1.5 px); the whole frame alone (the
default, MediaPipe's way), 1 of 81.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from posegraph import graphs
from posegraph.app.media import open_source
from posegraph.testing import run_graph

WIDTH, HEIGHT = 480, 270


@lru_cache(maxsize=None)
def pieces(video: str) -> tuple[np.ndarray, ...]:
    with open_source(video) as source:
        frames = [frame.image for _, frame in zip(range(200), source)][::25]
    return tuple(cv2.resize(f, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA) for f in frames)


def poses(images, **side_packets) -> list[tuple]:
    results = run_graph(graphs.path("multi_pose_tracking_module"), images, outputs=["poses"],
                        side_packets={"num_poses": 20, "static_image_mode": True, **side_packets})
    return [r["poses"] or () for r in results]


def found(shared_data: Path, **side_packets) -> tuple[int, int, int, list[float]]:
    """(people to find, people found, poses on the mosaics, median px of each found one)."""
    copies = pieces(str(shared_data / "multi" / "bedroom_kids.mp4"))
    alone = poses(copies)
    mosaics = poses([np.vstack([np.hstack([c] * 3)] * 3) for c in copies], **side_packets)
    wanted, hits, distances = 0, 0, []
    for people, mosaic in zip(alone, mosaics):
        wanted += 9 * len(people)
        for pose in mosaic:
            xy = pose.landmarks.data[:, :2] * (3 * WIDTH, 3 * HEIGHT)
            column, row = (np.median(xy, axis=0) // (WIDTH, HEIGHT)).astype(int)
            local = xy - (column * WIDTH, row * HEIGHT)
            best = min(float(np.median(np.hypot(*(local - p.landmarks.data[:, :2] * (WIDTH, HEIGHT)).T)))
                       for p in people) if people else np.inf
            if best <= 5:
                hits, distances = hits + 1, distances + [best]
    return wanted, hits, sum(len(m) for m in mosaics), distances


def test_tiles_find_the_crowd_the_whole_frame_misses(shared_data, pose_models):
    wanted, hits, total, distances = found(shared_data, detection_tiles=3)
    assert wanted >= 70
    assert hits >= 0.85 * wanted, (hits, wanted)
    assert total - hits <= 0.1 * wanted  # few poses that are nobody's (duplicates, false people)
    assert np.median(distances) <= 2.5
    wanted, hits, _, _ = found(shared_data)
    assert hits <= 0.25 * wanted, (hits, wanted)


if __name__ == "__main__":  # prints the figures above: python tests/e2e/test_detection_tiles.py
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    for tiles in (1, 2, 3):
        wanted, hits, total, distances = found(shared, detection_tiles=tiles)
        print(f"detection_tiles {tiles}: {hits} of {wanted} found within 5 px (median "
              f"{np.median(distances) if distances else float('nan'):.2f} px), {total - hits} other poses")
