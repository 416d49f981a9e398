"""Makes MediaPipe's own rendering of MediaPipe's pose tracking demo frames:
tests/e2e/data/mediapipe/pose_tracking_cpu.overlay.npz.

MediaPipe 0.10.21's wheel links the demo renderer's ``AnnotationOverlayCalculator`` (its C++
drawing: OpenCV lines, circles and rectangles in ``annotation_renderer.cc``) but not the calculators
that turn landmarks, the detection and the ROI into render data, nor ``RecolorCalculator``. So the
comparison is made where MediaPipe's own code can run: posegraph runs
``graphs/pose_tracking/pose_tracking_cpu.pbtxt`` on the squat video and keeps, for frames 0, 32 and
64, the overlay's inputs (the recoloured frame and the three render-data packets, the landmark
vector's entries concatenated in order, which draws the same); MediaPipe's AnnotationOverlayCalculator
draws those render data on that frame. Stored: for each frame, the render data (MediaPipe's
RenderData in protobuf's JSON form, ``frame_N_render_data``), and the pixels MediaPipe's drawing
changed (flat indices into the (H, W) frame, int32, ``frame_N_index``) with their RGB values
(uint8, ``frame_N_rgb``), so the file stays small; tests/e2e/test_mediapipe_pose_tracking_render.py
rebuilds MediaPipe's frame from them.

Run with the project's Python, naming a Python that has mediapipe==0.10.21:

    python tests/e2e/make_overlay_references.py --mediapipe-python /path/to/mp/bin/python
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared"  # ../shared beside the repository
OUT = HERE / "data" / "mediapipe" / "pose_tracking_cpu.overlay.npz"
GRAPH = SHARED / "data" / "mediapipe_graphs" / "graphs" / "pose_tracking" / "pose_tracking_cpu.pbtxt"
VIDEO = SHARED / "data" / "media" / "pose_squats.mp4"
FRAMES = (0, 32, 64)
#: The overlay's render-data inputs in the order AnnotationOverlayCalculator draws them: by input id,
#: so the untagged inputs in their order, then the VECTOR one.
RENDER_INPUTS = ("poserenderercpu__detection_render_data", "poserenderercpu__roi_render_data",
                 "poserenderercpu__landmarks_render_data")
OVERLAY_INPUT = "poserenderercpu__segmented_image"


def render_data_json(payloads: list) -> dict:
    """The render-data packets of one frame (RenderData or lists of them, or None), in drawing
    order, as one MediaPipe RenderData in protobuf's JSON form."""
    annotations = []
    for payload in payloads:
        for render_data in (payload if isinstance(payload, (list, tuple)) else [payload] if payload else []):
            annotations += [_annotation(a) for a in render_data.render_annotations]
    return {"render_annotations": annotations}


def _annotation(a) -> dict:
    """posegraph's RenderAnnotation as MediaPipe's RenderAnnotation, in protobuf's JSON form."""
    from posegraph.calculators.formats import RenderGradientLine, RenderLine, RenderPoint, RenderRectangle

    color = {"r": a.color.r, "g": a.color.g, "b": a.color.b}
    s = a.shape
    if isinstance(s, RenderPoint):
        shape = {"point": {"x": s.x, "y": s.y, "normalized": s.normalized}}
    elif isinstance(s, RenderGradientLine):
        shape = {"gradient_line": {"x_start": s.x_start, "y_start": s.y_start, "x_end": s.x_end, "y_end": s.y_end,
                                   "normalized": s.normalized,
                                   "color1": {"r": s.color1.r, "g": s.color1.g, "b": s.color1.b},
                                   "color2": {"r": s.color2.r, "g": s.color2.g, "b": s.color2.b}}}
    elif isinstance(s, RenderLine):
        shape = {"line": {"x_start": s.x_start, "y_start": s.y_start, "x_end": s.x_end, "y_end": s.y_end,
                          "normalized": s.normalized}}
    elif isinstance(s, RenderRectangle):
        rect = {"left": s.left, "top": s.top, "right": s.right, "bottom": s.bottom, "normalized": s.normalized,
                "rotation": s.rotation}
        shape = {"filled_rectangle": {"rectangle": rect, "fill_color": color}} if s.filled else {"rectangle": rect}
    else:
        raise TypeError(f"no MediaPipe form for {type(s).__name__}")
    return {**shape, "thickness": a.thickness, "color": color}


def run_demo_graph() -> tuple[dict[str, dict[int, object]], list[int]]:
    """posegraph runs the demo graph on the squat video, frame after frame; returns the payloads of
    the overlay's inputs and of ``output_video`` by stream and timestamp, and the frames' timestamps."""
    import cv2

    from posegraph import Graph

    graph = Graph.from_file(GRAPH)
    kept: dict[str, dict[int, object]] = {s: {} for s in (OVERLAY_INPUT, "output_video", *RENDER_INPUTS)}
    for stream in kept:
        graph.observe(stream, lambda p, s=stream: kept[s].__setitem__(p.timestamp, p.payload))
    capture = cv2.VideoCapture(str(VIDEO))
    fps = capture.get(cv2.CAP_PROP_FPS)
    stamps: list[int] = []
    with graph:
        graph.start()
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            stamps.append(round(len(stamps) * 1e6 / fps))
            graph.add_packet("input_video", cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), stamps[-1])
    return kept, stamps


def dump(directory: Path) -> None:
    """posegraph's side: the overlay's inputs for FRAMES, as PNG and JSON files in ``directory``."""
    import cv2

    kept, stamps = run_demo_graph()
    for i in FRAMES:
        t = stamps[i]
        cv2.imwrite(str(directory / f"frame_{i}.png"), cv2.cvtColor(np.asarray(kept[OVERLAY_INPUT][t]), cv2.COLOR_RGB2BGR))
        payloads = [kept[stream].get(t) for stream in RENDER_INPUTS]
        (directory / f"frame_{i}.json").write_text(json.dumps(render_data_json(payloads)))


def overlay(directory: Path) -> None:
    """MediaPipe's side (run under the mediapipe Python): its AnnotationOverlayCalculator on each
    dumped frame; writes ``frame_N.drawn.png``."""
    import cv2
    import mediapipe as mp
    from google.protobuf import json_format, text_format
    from mediapipe.framework import calculator_pb2
    from mediapipe.python import packet_creator, packet_getter
    from mediapipe.python._framework_bindings import calculator_graph
    from mediapipe.util import render_data_pb2

    config = text_format.Parse('''
        input_stream: "image" input_stream: "render_data" output_stream: "out"
        node { calculator: "AnnotationOverlayCalculator" input_stream: "IMAGE:image"
               input_stream: "render_data" output_stream: "IMAGE:out" }''', calculator_pb2.CalculatorGraphConfig())
    for i in FRAMES:
        image = cv2.cvtColor(cv2.imread(str(directory / f"frame_{i}.png")), cv2.COLOR_BGR2RGB)
        render_data = json_format.Parse((directory / f"frame_{i}.json").read_text(), render_data_pb2.RenderData())
        graph = calculator_graph.CalculatorGraph(graph_config=config)
        drawn = []
        graph.observe_output_stream("out", lambda s, p: drawn.append(np.array(packet_getter.get_image_frame(p).numpy_view())))
        graph.start_run()
        graph.add_packet_to_input_stream("image", packet_creator.create_image_frame(
            image_format=mp.ImageFormat.SRGB, data=image).at(0))
        graph.add_packet_to_input_stream("render_data", packet_creator.create_proto(render_data).at(0))
        graph.close()
        cv2.imwrite(str(directory / f"frame_{i}.drawn.png"), cv2.cvtColor(drawn[0], cv2.COLOR_RGB2BGR))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mediapipe-python", help="a Python with mediapipe==0.10.21")
    parser.add_argument("--overlay", metavar="DIR", help=argparse.SUPPRESS)  # the mediapipe Python's part
    args = parser.parse_args()
    if args.overlay:
        overlay(Path(args.overlay))
        return
    if not args.mediapipe_python:
        parser.error("--mediapipe-python is required")
    import cv2

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        dump(directory)
        subprocess.run([args.mediapipe_python, __file__, "--overlay", str(directory)], check=True)
        arrays = {}
        for i in FRAMES:
            before = cv2.imread(str(directory / f"frame_{i}.png"))[..., ::-1]
            after = cv2.imread(str(directory / f"frame_{i}.drawn.png"))[..., ::-1]
            changed = np.flatnonzero((before != after).any(axis=2)).astype(np.int32)
            arrays[f"frame_{i}_index"] = changed
            arrays[f"frame_{i}_rgb"] = after.reshape(-1, 3)[changed]
            arrays[f"frame_{i}_render_data"] = np.array((directory / f"frame_{i}.json").read_text())
            print(f"frame {i}: MediaPipe's overlay changed {changed.size} pixels", file=sys.stderr)
        np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
