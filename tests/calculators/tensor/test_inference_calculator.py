"""InferenceCalculator's interpreter pool: graphs run one after another reuse the interpreters
and give the same results (run in a subprocess: the pool is process-wide)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r'''
import sys
import cv2
import numpy as np
from posegraph import Graph, graphs
from posegraph.calculators.tensor import inference_calculator as ic

image = cv2.cvtColor(cv2.imread(sys.argv[1]), cv2.COLOR_BGR2RGB)

def landmarks():
    graph = Graph(graphs.path("pose_tracking"))
    frames = graph.process_frames([(0, image), (200_000, image)], outputs=["pose_world_landmarks"])
    return graph, {t: out["pose_world_landmarks"] for t, out in frames}

def interpreters(graph):
    return [n.calc.pool is not None for n in graph._scheduler.nodes if n.spec.calculator == "InferenceCalculator"]

graph, first = landmarks()
assert interpreters(graph) == [False, False]
ic.reuse_interpreters()
graph, second = landmarks()
idle = {key: list(v) for key, v in ic._pool._idle.items()}
assert sorted(len(v) for v in idle.values()) == [1, 1], idle
graph, third = landmarks()
assert {key: list(v) for key, v in ic._pool._idle.items()} == idle, "the same interpreters came back"
for a, b in ((first, second), (first, third)):
    assert list(a) == list(b) == [0, 200_000]
    for t in a:
        assert np.array_equal(a[t].data, b[t].data)
print("ok")
'''


def test_reused_interpreters_give_the_same_results(pose_models, shared_data):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(shared_data / "media" / "pose.jpg")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
