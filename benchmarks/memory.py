"""Memory over a long run: the pose graph on a video looped to many frames (10,000 by default).

RSS is read before the first frame, every 1,000 frames and at the end; growth is measured from
the reading after the first 1,000 frames (allocators and caches settle there) to the end.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, decode, peak_rss_mb, rss_mb


def looped(frames: list[tuple[int, Any]], total: int) -> Any:
    step = frames[1][0] if len(frames) > 1 else 33_333
    period = len(frames) * step
    for i in range(total):
        t, image = frames[i % len(frames)]
        yield (i // len(frames)) * period + t, image


def run(video: Path, total: int = 10_000) -> dict[str, Any]:
    from posegraph import Graph

    frames, _ = decode(video)
    graph = Graph(REPO / "graphs" / "pose_tracking.pbtxt")
    start_rss = rss_mb()
    readings = []
    start = time.perf_counter()
    with_pose = 0
    for i, (_, out) in enumerate(graph.process_frames(looped(frames, total), outputs=["pose_landmarks"])):
        with_pose += out["pose_landmarks"] is not None
        if (i + 1) % 1000 == 0:
            readings.append(round(rss_mb(), 1))
    seconds = time.perf_counter() - start
    end_rss = rss_mb()
    settled = readings[0] if readings else start_rss
    return {"frames": total, "frames_with_pose": with_pose, "seconds": round(seconds, 1),
            "rss_mb": {"start": round(start_rss, 1), "after_1000": settled, "end": round(end_rss, 1),
                       "peak": round(peak_rss_mb(), 1)},
            "growth_after_1000_mb": round(end_rss - settled, 1), "rss_every_1000_mb": readings}


def format_report(r: dict[str, Any]) -> str:
    m = r["rss_mb"]
    return (f"memory: {r['frames']} frames ({r['frames_with_pose']} with a pose) in {r['seconds']} s; RSS MiB start "
            f"{m['start']}, after 1000 frames {m['after_1000']}, end {m['end']}, peak {m['peak']}; growth after "
            f"the first 1000 frames {r['growth_after_1000_mb']} MiB; every 1000: {r['rss_every_1000_mb']}")
