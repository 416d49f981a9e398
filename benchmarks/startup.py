"""Start-up: seconds from starting a Python process to the first frame's landmarks.

The child imports posegraph, builds and starts the PoseTracking module (both models loaded from
the model cache), decodes the shared video's first frame and waits for its landmarks; the parent
times from ``Popen`` to the line the child prints then. A first run writes Python's bytecode
caches (as installing a package does) and what the model cache keeps for later runs (the models'
checksums, the detector's dense copy); the median of the next ``runs`` is reported. Beside it, the
very first run on a new model cache, with the copies made by ``posegraph models fetch`` or not.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import child_env, elapsed_ms

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

#: ``posegraph models fetch ...`` (the console script's ``main``) with this interpreter.
FETCH = "import sys; from posegraph.app.cli import main; sys.exit(main(sys.argv[1:]))"


def first_result_seconds(video: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds from starting the child to its first landmarks, CPU seconds the child had
    used by then: less sensitive than wall time to a shared machine's load); ``env``: the child's
    environment (default :func:`child_env`)."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(video)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env or child_env())
    assert child.stdout is not None
    line = child.stdout.readline()
    seconds = time.perf_counter() - start
    child.wait(timeout=60)
    if not line.startswith("landmarks ") or child.returncode:
        raise RuntimeError(f"start-up child failed (exit {child.returncode}, printed {line!r})")
    return seconds, float(line.split()[1])


def model_cache(rounds: int = 5) -> dict[str, float]:
    """What the model cache saves a start (ms, medians of ``rounds`` alternating rounds, in this
    process): the person detector's interpreter created and allocated from the model file and
    from its dense copy; the SHA-256 of the full landmark model and the detector computed, and
    read from the cache directory's record instead. Beside them, what making the dense copy costs
    once (``make_dense``: expanding the weights, as the first run does), and making the full
    landmark model's copy without its segmentation head (``make_pruned``)."""
    import hashlib

    from ai_edge_litert.interpreter import Interpreter

    from posegraph.calculators.pose.pose_landmark_model_calculator import SEGMENTATION_OUTPUT
    from posegraph.calculators.tensor.runtimes import dense_model_file, densified, without_outputs
    from posegraph.models import _store, model_path

    detector, full = model_path("pose_detection"), model_path("pose_landmark_full")
    dense = dense_model_file(detector)
    if dense is None:
        raise RuntimeError(f"no dense copy of {detector}: the model cache cannot be written")

    def load(path: Path) -> None:
        Interpreter(model_path=str(path), num_threads=1).allocate_tensors()

    times: dict[str, list[float]] = {"sparse": [], "dense": [], "hash": [], "record": []}
    for _ in range(rounds):
        times["sparse"].append(elapsed_ms(lambda: load(detector)))
        times["dense"].append(elapsed_ms(lambda: load(dense)))
        times["hash"].append(elapsed_ms(lambda: [hashlib.sha256(p.read_bytes()).hexdigest()
                                                 for p in (full, detector)]))
        _store._digests.clear()
        times["record"].append(elapsed_ms(lambda: [_store._cached_sha256(p) for p in (full, detector)]))
    medians = {name: round(statistics.median(t), 2) for name, t in times.items()}
    return {**medians, "make_dense": round(elapsed_ms(lambda: densified(detector)), 1),
            "make_pruned": round(elapsed_ms(lambda: without_outputs(full.read_bytes(), (SEGMENTATION_OUTPUT,))),
                                 1)}


def first_run(video: Path, rounds: int = 3) -> dict[str, float]:
    """The very first run on a new model cache (seconds to the first landmarks, medians of
    ``rounds`` alternating rounds): one holding only the two models, the run making the copies it
    loads (``made_by_the_run``), and one that ``posegraph models fetch`` has prepared
    (``after_fetch``). Each round copies the models into a new temporary cache
    (``POSEGRAPH_MODEL_DIR``)."""
    import shutil
    import tempfile

    from posegraph.models import model_path

    models = [model_path("pose_detection"), model_path("pose_landmark_full")]
    times: dict[str, list[float]] = {"made_by_the_run": [], "after_fetch": []}
    for _ in range(rounds):
        for way in times:
            with tempfile.TemporaryDirectory(prefix="posegraph-startup-") as cache:
                for model in models:
                    shutil.copy2(model, Path(cache) / model.name)
                env = {**child_env(), "POSEGRAPH_MODEL_DIR": cache}
                if way == "after_fetch":
                    subprocess.run([sys.executable, "-c", FETCH, "models", "fetch", "pose_detection",
                                    "pose_landmark_full"], env=env, capture_output=True, check=True, timeout=120)
                times[way].append(first_result_seconds(video, env)[0])
    return {way: round(statistics.median(t), 3) for way, t in times.items()}


def run(video: Path, runs: int = 5) -> dict[str, Any]:
    first_result_seconds(video)
    times = [first_result_seconds(video) for _ in range(runs)]
    wall, cpu = [t for t, _ in times], [c for _, c in times]
    return {"runs": runs, "seconds": [round(t, 3) for t in wall], "median_s": round(statistics.median(wall), 3),
            "cpu_median_s": round(statistics.median(cpu), 3), "model_cache_ms": model_cache(),
            "first_run_s": first_run(video)}


def format_report(r: dict[str, Any]) -> str:
    cache = r["model_cache_ms"]
    return (f"start-up to the first frame's landmarks (new process, models on disk): median {r['median_s']:.3f} s "
            f"of {r['runs']} ({', '.join(f'{t:.3f}' for t in r['seconds'])}; goal <= 0.5), of which the process "
            f"used {r['cpu_median_s']:.3f} s of CPU\n"
            f"  what the model cache saves: the detector's interpreter ready in {cache['dense']:.1f} ms from its "
            f"dense copy against {cache['sparse']:.1f} ms from the model file; the full model's and the detector's "
            f"SHA-256 read from the record in {cache['record']:.2f} ms against {cache['hash']:.1f} ms computed "
            f"(medians of 5 rounds, this process); making the dense copy, once: {cache['make_dense']:.0f} ms; "
            f"the full model's copy without its segmentation head, once: {cache['make_pruned']:.0f} ms\n"
            f"  the first run on a new model cache (medians of 3 rounds): {r['first_run_s']['made_by_the_run']:.3f} s "
            f"making the copies it loads, {r['first_run_s']['after_fetch']:.3f} s after `posegraph models fetch` "
            "made them")
