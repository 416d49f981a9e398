"""MediaPipe's desktop demo graph ``graphs/pose_tracking/pose_tracking_cpu.pbtxt`` (unchanged) run in
posegraph: its annotated frames against MediaPipe's own drawing of the same render data.

How it is compared (tests/e2e/make_overlay_references.py makes the reference): MediaPipe 0.10.21's
wheel links the renderer's AnnotationOverlayCalculator but not the calculators that make its render
data, nor RecolorCalculator; so for frames 0, 32 and 64 of the squat video, MediaPipe's
AnnotationOverlayCalculator drew the render data posegraph's graph made on the frame posegraph's
RecolorCalculator made, and the reference keeps the pixels it changed. Here the graph runs again; a
frame's render data must be the reference's (so the landmarks, detection and ROI are the ones
MediaPipe drew), and its output frame must match MediaPipe's drawing:

- the pixels the two drawings change overlap with an IoU >= ``MIN_IOU``;
- at most ``MAX_DIFFERING`` of the frame's pixels differ.

``python tests/e2e/test_mediapipe_pose_tracking_render.py`` prints the figures: IoU 0.972 / 0.950 /
0.922, 0.082% / 0.109% / 0.178% of the pixels differing on OpenCV 4.14. Every differing pixel is
on the rotated ROI outline (4 px thick, its corners outside the frame): OpenCV 4.14, which
posegraph draws with, rasterizes that clipped thick line a pixel apart from OpenCV 4.11 at places.
In a venv with opencv-python-headless 4.11.0.86 the same command prints IoU 1.000 and 0.000% of
the pixels differing on all three frames: the same drawing calls give MediaPipe's frames pixel for
pixel (and the render data are the reference's there too: posegraph's landmarks do not depend on
the OpenCV it runs with).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest


HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "data" / "mediapipe" / "pose_tracking_cpu.overlay.npz"
MIN_IOU = 0.9
MAX_DIFFERING = 0.0025


@pytest.fixture(scope="module")
def frames(shared_data, pose_models) -> dict[int, dict[str, object]]:
    return run_demo()  # ../shared/data beside the repository, as shared_data


def run_demo() -> dict[int, dict[str, object]]:
    """The graph's overlay inputs, output frames and render data of the squat video, by frame index."""
    sys.path.insert(0, str(HERE))
    try:
        import make_overlay_references as maker
    finally:
        sys.path.remove(str(HERE))
    kept, stamps = maker.run_demo_graph()
    assert len(kept["output_video"]) == len(stamps) == 65
    out: dict[int, dict[str, object]] = {}
    for i in maker.FRAMES:
        t = stamps[i]
        out[i] = {"input": np.asarray(kept[maker.OVERLAY_INPUT][t]), "output": np.asarray(kept["output_video"][t]),
                  "render_data": maker.render_data_json([kept[s].get(t) for s in maker.RENDER_INPUTS])}
    return out


def compare(frame: dict[str, object], index: int) -> tuple[bool, float, float]:
    """Whether the frame's render data are the reference's (bit for bit), the IoU of the pixels the
    two drawings changed, and the fraction of the frame's pixels that differ."""
    reference = np.load(REFERENCE)
    drawn = json.loads(str(reference[f"frame_{index}_render_data"]))
    assert len(drawn["render_annotations"]) > 100
    same = json.dumps(frame["render_data"]) == json.dumps(drawn)
    before, ours = frame["input"], frame["output"]
    theirs = before.copy().reshape(-1, 3)
    theirs[reference[f"frame_{index}_index"]] = reference[f"frame_{index}_rgb"]
    theirs = theirs.reshape(before.shape)
    changed_ours, changed_theirs = (ours != before).any(axis=2), (theirs != before).any(axis=2)
    iou = (changed_ours & changed_theirs).sum() / (changed_ours | changed_theirs).sum()
    return same, float(iou), float((ours != theirs).any(axis=2).mean())


@pytest.mark.parametrize("index", [0, 32, 64])
def test_the_demo_graphs_frames_match_mediapipes_drawing_of_the_same_render_data(frames, index):
    same, iou, differing = compare(frames[index], index)
    assert same, "the graph's render data are not the ones MediaPipe drew (make_overlay_references.py)"
    assert iou >= MIN_IOU, f"IoU of the drawn pixels {iou:.4f}"
    assert differing <= MAX_DIFFERING, f"{differing:.4%} of the pixels differ"


if __name__ == "__main__":  # prints the figures: python tests/e2e/test_mediapipe_pose_tracking_render.py
    demo = run_demo()
    for index, frame in demo.items():
        same, iou, differing = compare(frame, index)
        print(f"frame {index}: render data {'the same as' if same else 'NOT the same as'} MediaPipe drew; "
              f"IoU of the drawn pixels {iou:.3f}, {differing:.3%} of the pixels differ")
