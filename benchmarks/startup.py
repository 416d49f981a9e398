"""Start-up: seconds from starting a Python process to the first frame's landmarks.

The child imports posegraph, builds and starts the PoseTracking module (both models loaded from
the model cache), decodes the shared video's first frame and waits for its landmarks; the parent
times from ``Popen`` to the line the child prints then. A first run writes Python's bytecode
caches (as installing a package does) and what the model cache keeps for later runs (the models'
checksums, the detector's dense copy); the median of the next ``runs`` is reported.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import child_env

CHILD = r'''
import sys
import time
from posegraph import Graph, graphs
from posegraph.app.media import open_source

graph = Graph(graphs.path("pose_tracking_module"))
graph.observe("pose_landmarks", lambda p: print("landmarks", time.process_time(), flush=True))
graph.start({})
with open_source(sys.argv[1]) as source:
    frame = next(iter(source))
graph.add_packet("image", frame.image, frame.timestamp_us)
graph.close()
'''


def first_result_seconds(video: Path) -> tuple[float, float]:
    """(wall seconds from starting the child to its first landmarks, CPU seconds the child had
    used by then: less sensitive than wall time to a shared machine's load)."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(video)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=child_env())
    assert child.stdout is not None
    line = child.stdout.readline()
    seconds = time.perf_counter() - start
    child.wait(timeout=60)
    if not line.startswith("landmarks ") or child.returncode:
        raise RuntimeError(f"start-up child failed (exit {child.returncode}, printed {line!r})")
    return seconds, float(line.split()[1])


def run(video: Path, runs: int = 5) -> dict[str, Any]:
    first_result_seconds(video)
    times = [first_result_seconds(video) for _ in range(runs)]
    wall, cpu = [t for t, _ in times], [c for _, c in times]
    return {"runs": runs, "seconds": [round(t, 3) for t in wall], "median_s": round(statistics.median(wall), 3),
            "cpu_median_s": round(statistics.median(cpu), 3)}


def format_report(r: dict[str, Any]) -> str:
    return (f"start-up to the first frame's landmarks (new process, models on disk): median {r['median_s']:.3f} s "
            f"of {r['runs']} ({', '.join(f'{t:.3f}' for t in r['seconds'])}; goal <= 0.5), of which the process "
            f"used {r['cpu_median_s']:.3f} s of CPU")
