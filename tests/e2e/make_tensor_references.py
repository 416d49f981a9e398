"""Makes MediaPipe 0.10.21's own ImageToTensorCalculator outputs on the squat video, for random
ROIs, into tests/e2e/data/mediapipe/image_to_tensor.npz.

Run with a Python that has mediapipe==0.10.21:

    python tests/e2e/make_tensor_references.py

Cases (seeded): frames 0, 8, ..., 56 of ../shared/data/media/pose_squats.mp4 (decoded by OpenCV,
RGB), five ROIs each (centre in [-0.2, 1.2], width and height in [0.1, 1.5] of the image, rotation
in [-pi, pi], all float32), a 64x64 tensor, keep_aspect_ratio and border mode (REPLICATE or ZERO)
drawn per case, and output range [0, 1] for most cases, [-1, 1] for every fourth. Each case runs a
graph of MediaPipe's ImageToTensorCalculator and TensorsToFloatsCalculator (FLOATS) on the frame.
The file holds ``frames`` (int), ``rois`` (float32 (N, 5): x_center, y_center, width, height,
rotation), ``keep`` and ``zero_border`` (bool), ``signed`` (bool: range [-1, 1]), ``levels`` (uint8
(N, 64, 64, 3): the [0, 1] tensors times 255, exact) and ``signed_tensors`` (float32, the [-1, 1]
tensors in case order).
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import mediapipe as mp
import numpy as np
from google.protobuf import text_format
from mediapipe.calculators.tensor import image_to_tensor_calculator_pb2  # noqa: F401 (registers the options)
from mediapipe.framework import calculator_pb2
from mediapipe.framework.formats import rect_pb2

HERE = Path(__file__).resolve().parent
VIDEO = HERE.parents[2] / "shared" / "data" / "media" / "pose_squats.mp4"
OUT = HERE / "data" / "mediapipe" / "image_to_tensor.npz"
SIZE = 64

GRAPH = """
input_stream: "IMAGE:image"
input_stream: "NORM_RECT:roi"
output_stream: "floats"
node {{
  calculator: "ImageToTensorCalculator"
  input_stream: "IMAGE:image"
  input_stream: "NORM_RECT:roi"
  output_stream: "TENSORS:tensors"
  options {{ [mediapipe.ImageToTensorCalculatorOptions.ext] {{
    output_tensor_width: {size} output_tensor_height: {size} keep_aspect_ratio: {keep}
    output_tensor_float_range {{ min: {low} max: 1 }} border_mode: {border} }} }}
}}
node {{ calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:tensors" output_stream: "FLOATS:floats" }}
"""


def mediapipe_tensor(image: np.ndarray, roi: np.ndarray, keep: bool, zero_border: bool, signed: bool) -> np.ndarray:
    config = text_format.Parse(GRAPH.format(size=SIZE, keep=str(keep).lower(), low=-1 if signed else 0,
                                            border="BORDER_ZERO" if zero_border else "BORDER_REPLICATE"),
                               calculator_pb2.CalculatorGraphConfig())
    graph = mp.CalculatorGraph(graph_config=config)
    got = []
    graph.observe_output_stream("floats", lambda _, packet: got.append(mp.packet_getter.get_float_list(packet)))
    graph.start_run()
    graph.add_packet_to_input_stream("image", mp.packet_creator.create_image(
        mp.Image(image_format=mp.ImageFormat.SRGB, data=image)).at(0))
    x, y, w, h, r = (float(v) for v in roi)
    graph.add_packet_to_input_stream("roi", mp.packet_creator.create_proto(
        rect_pb2.NormalizedRect(x_center=x, y_center=y, width=w, height=h, rotation=r)).at(0))
    graph.close_all_packet_sources()
    graph.wait_until_done()
    return np.array(got[0], np.float32).reshape(SIZE, SIZE, 3)


def main() -> int:
    capture = cv2.VideoCapture(str(VIDEO))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
    rng = np.random.default_rng(2024)
    cases = {"frames": [], "rois": [], "keep": [], "zero_border": [], "signed": []}
    levels, signed_tensors = [], []
    for index in range(0, 57, 8):
        for _ in range(5):
            roi = np.array([rng.uniform(-0.2, 1.2), rng.uniform(-0.2, 1.2), rng.uniform(0.1, 1.5),
                            rng.uniform(0.1, 1.5), rng.uniform(-np.pi, np.pi)], np.float32)
            keep, zero_border, signed = bool(rng.integers(2)), bool(rng.integers(2)), len(cases["frames"]) % 4 == 3
            tensor = mediapipe_tensor(frames[index], roi, keep, zero_border, signed)
            for key, value in zip(cases, (index, roi, keep, zero_border, signed)):
                cases[key].append(value)
            if signed:
                signed_tensors.append(tensor)
                levels.append(np.zeros((SIZE, SIZE, 3), np.uint8))
            else:
                levels.append(np.rint(tensor * 255.0).astype(np.uint8))
    np.savez_compressed(OUT, **{key: np.array(value) for key, value in cases.items()},
                        levels=np.stack(levels), signed_tensors=np.stack(signed_tensors))
    print(OUT, len(levels), "cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
