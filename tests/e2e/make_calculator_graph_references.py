"""Makes the references of MediaPipe's own CalculatorGraph running its own pose landmark graph:
tests/e2e/data/mediapipe/pose_squats.calculator_graph.{lite,full,heavy}.json (+ ``.masks.npz``).

``mp.solutions.pose`` (where the other references come from) feeds MediaPipe's CalculatorGraph the
graph *after* MediaPipe has expanded it, and the options of two calculators do not survive that
round trip: the heatmap refinement runs its default ``kernel_size`` 9 instead of the file's 7, and
the segmentation smoothing ratio 0 instead of the file's 0.7. An app that runs the compiled graph
``mediapipe/modules/pose_landmark/pose_landmark_cpu.binarypb`` through ``mp.CalculatorGraph`` gets
the file's values. These references are that run, on the shared squat video: every side packet of
the graph set (smoothing on, segmentation on with smoothing, previous landmarks used), frame i at
round(i * 1e6 / fps) microseconds, each frame added once the graph is idle.

Run with a Python that has mediapipe==0.10.21, with the lite and heavy models copied into its
``mediapipe/modules/pose_landmark/`` (``../shared/tools/mediapipe_reference.py`` does that):

    python tests/e2e/make_calculator_graph_references.py
    python tests/e2e/make_calculator_graph_references.py --explain  # print why, write nothing

``--explain`` runs the full model twice, segmentation off, and prints each run's distance from
``mp.solutions.pose``'s reference (../shared/data/reference/pose_squats.smooth.json): the compiled
file as it is, and the same graph after MediaPipe's ``ValidatedGraphConfig`` expanded it and Python
read it back (what ``mp.solutions.pose`` hands the CalculatorGraph).

Numbers are written as the shortest decimal that reads back as the same float32; masks are kept
for every 32nd frame (float16).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared"  # ../shared beside the repository
OUT = HERE / "data" / "mediapipe"
VIDEO = SHARED / "data" / "media" / "pose_squats.mp4"
MODELS = {"lite": 0, "full": 1, "heavy": 2}
MASK_EVERY = 32
SIDE_PACKETS = {"smooth_landmarks": True, "enable_segmentation": True, "smooth_segmentation": True,
                "use_prev_landmarks": True}


def _f32(values) -> list:
    return [float(np.format_float_positional(np.float32(v), unique=True)) for v in values]


def run(complexity: int, segmentation: bool = True, expanded: bool = False) -> tuple[dict, dict[str, np.ndarray]]:
    import mediapipe as mp
    from mediapipe.framework import calculator_pb2
    from mediapipe.python import packet_creator, packet_getter
    from mediapipe.python._framework_bindings import calculator_graph, resource_util

    package = Path(mp.__file__).parent
    resource_util.set_resource_dir(str(package.parent))
    graph_file = package / "modules" / "pose_landmark" / "pose_landmark_cpu.binarypb"
    config = calculator_pb2.CalculatorGraphConfig()
    if expanded:
        from mediapipe.python._framework_bindings import validated_graph_config

        validated = validated_graph_config.ValidatedGraphConfig()
        validated.initialize(binary_graph_path=str(graph_file))
        config.ParseFromString(validated.binary_config)
    else:
        config.ParseFromString(graph_file.read_bytes())
    graph = calculator_graph.CalculatorGraph(graph_config=config)
    got: dict[str, dict[int, object]] = {"pose_landmarks": {}, "pose_world_landmarks": {}, "segmentation_mask": {}}

    def keep(stream: str, packet) -> None:
        if stream == "segmentation_mask":
            got[stream][packet.timestamp.value] = np.array(packet_getter.get_image_frame(packet).numpy_view(),
                                                           np.float32).squeeze()
        else:
            got[stream][packet.timestamp.value] = packet_getter.get_proto(packet)

    for stream in got:
        graph.observe_output_stream(stream, keep)
    side = {k: packet_creator.create_bool(v) for k, v in {**SIDE_PACKETS, "enable_segmentation": segmentation}.items()}
    side["model_complexity"] = packet_creator.create_int(complexity)
    graph.start_run(input_side_packets=side)
    capture = cv2.VideoCapture(str(VIDEO))
    if not capture.isOpened():
        raise SystemExit(f"cannot read {VIDEO}")
    fps = capture.get(cv2.CAP_PROP_FPS)
    width = height = 0
    stamps = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        height, width = frame.shape[:2]
        t = round(len(stamps) * 1e6 / fps)
        stamps.append(t)
        image = packet_creator.create_image_frame(image_format=mp.ImageFormat.SRGB,
                                                  data=cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        graph.add_packet_to_input_stream("image", image.at(t))
        graph.wait_until_idle()
    graph.close()
    frames, masks = [], {}
    for i, t in enumerate(stamps):
        lms, world = got["pose_landmarks"].get(t), got["pose_world_landmarks"].get(t)
        frames.append({
            "timestamp_us": t,
            "landmarks": None if lms is None else [_f32((p.x, p.y, p.z, p.visibility, p.presence)) for p in lms.landmark],
            "world": None if world is None else [_f32((p.x, p.y, p.z)) for p in world.landmark],
        })
        if i % MASK_EVERY == 0 and t in got["segmentation_mask"]:
            masks[f"f{i}"] = got["segmentation_mask"][t].astype(np.float16)
    meta = {"source": VIDEO.name, "mediapipe_version": mp.__version__,
            "graph": "mediapipe/modules/pose_landmark/pose_landmark_cpu.binarypb",
            "side_packets": {**SIDE_PACKETS, "model_complexity": complexity},
            # the mode fields of spec section 10, so that `posegraph parity` runs what this ran
            "smooth": SIDE_PACKETS["smooth_landmarks"], "static": False, "model_complexity": complexity,
            "smooth_segmentation": SIDE_PACKETS["smooth_segmentation"],
            "width": width, "height": height, "fps": fps, "frames": frames}
    return meta, masks


def explain() -> None:
    reference = json.loads((SHARED / "data" / "reference" / "pose_squats.smooth.json").read_text())
    for expanded in (False, True):
        meta, _ = run(1, segmentation=False, expanded=expanded)
        d = []
        for ours, theirs in zip(meta["frames"], reference["frames"], strict=True):
            a, b = np.asarray(ours["landmarks"])[:, :2], np.asarray(theirs["landmarks"])[:, :2]
            d.append(np.hypot((a[:, 0] - b[:, 0]) * meta["width"], (a[:, 1] - b[:, 1]) * meta["height"]))
        d = np.concatenate(d)
        what = "expanded and read back through Python" if expanded else "the compiled file as it is"
        print(f"CalculatorGraph, {what}: from mp.solutions.pose's landmarks median {np.median(d):.2f} px, "
              f"p99 {np.percentile(d, 99):.2f} px")


def main() -> None:
    os.environ.setdefault("GLOG_minloglevel", "2")
    if "--explain" in sys.argv[1:]:
        explain()
        return
    OUT.mkdir(parents=True, exist_ok=True)
    for name, complexity in MODELS.items():
        meta, masks = run(complexity)
        stem = f"pose_squats.calculator_graph.{name}"
        (OUT / f"{stem}.json").write_text(json.dumps(meta, separators=(",", ":")) + "\n")
        np.savez_compressed(OUT / f"{stem}.masks.npz", **masks)
        print(f"{stem}: {sum(f['landmarks'] is not None for f in meta['frames'])}/{len(meta['frames'])} "
              f"frames with a pose, masks {sorted(masks)}")


if __name__ == "__main__":
    main()
