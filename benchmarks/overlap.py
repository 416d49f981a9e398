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
    from posegraph.calculators.pose.render import draw_landmark_list
    from posegraph.app.media import DEFAULT_FPS, JsonlLandmarkWriter, open_sink, open_source
    from posegraph.app.runner import run_media

    graph_path = graphs.path("pose_tracking")
    with tempfile.TemporaryDirectory() as tmp:
        # Sequential: decode everything, run the graph, then render and write everything. Both runs
        # include starting the graph (creating the interpreters), not parsing the config.
        frames, decode_ms = decode(video)
        graph = Graph(graph_path)
        start = time.perf_counter()
        results = list(graph.process_frames(iter(frames), outputs=["pose_landmarks", "pose_world_landmarks"]))
        graph_ms = (time.perf_counter() - start) * 1000 / len(frames)
        start = time.perf_counter()
        sink = open_sink(Path(tmp) / "seq.mp4", DEFAULT_FPS, (frames[0][1].shape[1], frames[0][1].shape[0]))
        with JsonlLandmarkWriter(Path(tmp) / "seq.jsonl") as writer:
            for i, ((t, image), (_, out)) in enumerate(zip(frames, results)):
                pose, world = out["pose_landmarks"], out["pose_world_landmarks"]
                sink.write(draw_landmark_list(image, pose))
                writer.write(i, t, None if pose is None else pose.data, None if world is None else world.data)
        sink.close()
        write_ms = (time.perf_counter() - start) * 1000 / len(frames)
        # Overlapped: what `posegraph run --output --landmarks` does.
        with open_source(str(video)) as source:
            summary = run_media(Graph(graph_path), source, output=Path(tmp) / "run.mp4",
                                landmarks=Path(tmp) / "run.jsonl", progress=False)
    stages = {"decode": decode_ms, "graph": graph_ms, "render+write": write_ms}
    return {"frames": summary.frames, "stages_ms": {k: round(v, 3) for k, v in stages.items()},
            "sum_of_stages_ms": round(sum(stages.values()), 3), "slowest_stage_ms": round(max(stages.values()), 3),
            "posegraph_run_ms": round(summary.seconds * 1000 / summary.frames, 3)}


def format_report(r: dict[str, Any]) -> str:
    stages = ", ".join(f"{k} {v:.2f}" for k, v in r["stages_ms"].items())
    return (f"posegraph run (--output --landmarks), {r['frames']} frames: stages one after another: {stages} "
            f"(sum {r['sum_of_stages_ms']:.2f} ms/frame, slowest {r['slowest_stage_ms']:.2f}); "
            f"overlapped run: {r['posegraph_run_ms']:.2f} ms/frame")
