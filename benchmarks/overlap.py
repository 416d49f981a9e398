"""``posegraph run`` on a file: decode, graph and encode on their own threads.

Reports the run's wall time per frame next to the same stages run one after another, so the
overlap shows as wall time near the slowest stage rather than the sum.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, decode
from posegraph import graphs


def run(video: Path) -> dict[str, Any]:
    from posegraph import Graph
    from posegraph.app.media import DEFAULT_FPS, open_sink, open_source
    from posegraph.app.runner import graph_outputs, run_media
    from posegraph.app.writers import ImageInfo, open_landmark_writer

    graph_path = graphs.path("pose_tracking")
    with tempfile.TemporaryDirectory() as tmp:
        # Sequential: decode everything, run the graph (it renders), then write everything. Both runs
        # include starting the graph (creating the interpreters), not parsing the config.
        frames, decode_ms = decode(video)
        graph = Graph(graph_path)
        data = graph_outputs(graph).data
        start = time.perf_counter()
        results = list(graph.process_frames(iter(frames), outputs=["output_video", *data]))
        graph_ms = (time.perf_counter() - start) * 1000 / len(frames)
        start = time.perf_counter()
        height, width = frames[0][1].shape[:2]
        sink = open_sink(Path(tmp) / "seq.mp4", DEFAULT_FPS, (width, height))
        with open_landmark_writer(Path(tmp) / "seq.jsonl", data, ImageInfo(width, height, DEFAULT_FPS)) as writer:
            for i, (t, out) in enumerate(results):
                sink.write(out["output_video"])
                writer.write(i, t, out)
        sink.close()
        write_ms = (time.perf_counter() - start) * 1000 / len(frames)
        # Overlapped: what `posegraph run --output --landmarks` does.
        with open_source(str(video)) as source:
            summary = run_media(Graph(graph_path), source, output=Path(tmp) / "run.mp4",
                                landmarks=Path(tmp) / "run.jsonl", progress=False)
    stages = {"decode": decode_ms, "graph+render": graph_ms, "write": write_ms}
    return {"frames": summary.frames, "stages_ms": {k: round(v, 3) for k, v in stages.items()},
            "sum_of_stages_ms": round(sum(stages.values()), 3), "slowest_stage_ms": round(max(stages.values()), 3),
            "posegraph_run_ms": round(summary.seconds * 1000 / summary.frames, 3)}


def format_report(r: dict[str, Any]) -> str:
    stages = ", ".join(f"{k} {v:.2f}" for k, v in r["stages_ms"].items())
    return (f"posegraph run (--output --landmarks), {r['frames']} frames: stages one after another: {stages} "
            f"(sum {r['sum_of_stages_ms']:.2f} ms/frame, slowest {r['slowest_stage_ms']:.2f}); "
            f"overlapped run: {r['posegraph_run_ms']:.2f} ms/frame")
