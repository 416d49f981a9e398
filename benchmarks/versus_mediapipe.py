"""posegraph against MediaPipe 0.10.21 itself, back to back, on the same video.

MediaPipe is never a dependency of posegraph: point ``--mediapipe-python`` at the Python of a
separate environment that has it (``python -m venv mp && mp/bin/pip install mediapipe==0.10.21``).
Both run the same landmark model, for each model complexity (0 lite, 1 full, 2 heavy: MediaPipe's
``model_complexity``, the reference tool's ``--model-complexity``), with smoothing off on frames
decoded up front; MediaPipe is timed by ``../shared/tools/mediapipe_reference.py`` (its ``process``
calls only), posegraph by the same loop over ``add_packet``. Runs alternate, ``rounds`` times per
complexity, and the ratio of medians is reported.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, decode
from posegraph import graphs

TOOL = REPO.parent / "shared" / "tools" / "mediapipe_reference.py"


def mediapipe_ms(python: str, video: Path, complexity: int = 1) -> float:
    """MediaPipe's ms per frame at ``model_complexity`` ``complexity``, as the reference tool prints it."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([python, str(TOOL), str(video), str(Path(tmp) / "ref.json"), "--model-complexity",
                               str(complexity)], capture_output=True, text=True, timeout=600, check=True)
    match = re.search(r"\(([\d.]+) ms/frame\)", proc.stdout)
    if match is None:
        raise RuntimeError(f"unexpected output from {TOOL.name}: {proc.stdout!r}")
    return float(match.group(1))


def posegraph_ms(frames: list[tuple[int, Any]], complexity: int = 1) -> float:
    from posegraph import Graph

    graph = Graph(graphs.path("pose_tracking_module"))
    graph.start({"smooth_landmarks": False, "model_complexity": complexity})
    start = time.perf_counter()
    for t, image in frames:
        graph.add_packet("image", image, t)
    graph.close()
    return (time.perf_counter() - start) * 1000 / len(frames)


def run(python: str, video: Path, rounds: int = 3, complexities: tuple[int, ...] = (0, 1, 2)) -> dict[str, Any]:
    frames, _ = decode(video)
    by_complexity = {}
    for complexity in complexities:
        mp, pg = [], []
        for _ in range(rounds):
            mp.append(mediapipe_ms(python, video, complexity))
            pg.append(posegraph_ms(frames, complexity))
        by_complexity[str(complexity)] = {"mediapipe_ms": mp, "posegraph_ms": [round(v, 2) for v in pg],
                                          "speedup": round(statistics.median(mp) / statistics.median(pg), 2)}
    return {"video": video.name, "rounds": rounds, "by_complexity": by_complexity}


def format_report(r: dict[str, Any]) -> str:
    lines = [f"versus MediaPipe 0.10.21 ({r['video']}, smoothing off, frames decoded up front, {r['rounds']} "
             "alternating rounds per model complexity), ms per frame:"]
    lines += [f"  model_complexity {c}: MediaPipe {m['mediapipe_ms']}, posegraph {m['posegraph_ms']}; "
              f"posegraph is {m['speedup']}x as fast (ratio of medians)" for c, m in r["by_complexity"].items()]
    return "\n".join(lines)
