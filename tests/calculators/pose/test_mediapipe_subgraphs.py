"""MediaPipe's own pose_landmark subgraphs, unchanged, on posegraph's generic calculators give
posegraph's pose-wing decoding bit for bit (one implementation of each piece of math)."""

from __future__ import annotations

import numpy as np

from posegraph import Graph, parse_config
from posegraph.calculators.formats import NormalizedLandmarkList
from posegraph.calculators.image.image_to_tensor import warp_roi_to_tensor, warp_tensor_to_image
from posegraph.calculators.pose.landmark_decoding import pose_landmarks_from_tensors
from posegraph.calculators.tensor.segmentation import mask_from_logits
from posegraph.calculators.util.rect_geometry import roi_from_alignment_points
from posegraph.testing import run_graph

_SHAPES = [(1, 195), (1, 1), (1, 256, 256, 1), (1, 64, 64, 39), (1, 117)]

# ImageToTensor as pose_landmark_by_roi_cpu.pbtxt configures it, then MediaPipe's two subgraphs.
WRAPPER = '''
input_stream: "image"
input_stream: "roi"
input_stream: "tensors"
input_side_packet: "enable_segmentation"
output_stream: "landmarks"
output_stream: "auxiliary_landmarks"
output_stream: "world_landmarks"
output_stream: "segmentation_mask"
node { calculator: "ImagePropertiesCalculator" input_stream: "IMAGE:image" output_stream: "SIZE:image_size" }
node {
  calculator: "ImageToTensorCalculator"
  input_stream: "IMAGE:image"
  input_stream: "NORM_RECT:roi"
  output_stream: "TENSORS:input_tensors"
  output_stream: "LETTERBOX_PADDING:letterbox_padding"
  output_stream: "MATRIX:transformation_matrix"
  options: { [mediapipe.ImageToTensorCalculatorOptions.ext] {
    output_tensor_width: 256 output_tensor_height: 256 keep_aspect_ratio: true
    output_tensor_float_range { min: 0.0 max: 1.0 } } }
}
node {
  calculator: "TensorsToPoseLandmarksAndSegmentation"
  input_side_packet: "ENABLE_SEGMENTATION:enable_segmentation"
  input_stream: "TENSORS:tensors"
  output_stream: "LANDMARKS:roi_landmarks"
  output_stream: "AUXILIARY_LANDMARKS:roi_auxiliary_landmarks"
  output_stream: "WORLD_LANDMARKS:roi_world_landmarks"
  output_stream: "SEGMENTATION_MASK:roi_segmentation_mask"
}
node {
  calculator: "PoseLandmarksAndSegmentationInverseProjection"
  input_stream: "IMAGE_SIZE:image_size"
  input_stream: "NORM_RECT:roi"
  input_stream: "LETTERBOX_PADDING:letterbox_padding"
  input_stream: "MATRIX:transformation_matrix"
  input_stream: "LANDMARKS:roi_landmarks"
  input_stream: "AUXILIARY_LANDMARKS:roi_auxiliary_landmarks"
  input_stream: "WORLD_LANDMARKS:roi_world_landmarks"
  input_stream: "SEGMENTATION_MASK:roi_segmentation_mask"
  output_stream: "LANDMARKS:landmarks"
  output_stream: "AUXILIARY_LANDMARKS:auxiliary_landmarks"
  output_stream: "WORLD_LANDMARKS:world_landmarks"
  output_stream: "SEGMENTATION_MASK:segmentation_mask"
}
'''


def test_mediapipe_decoding_subgraphs_match_the_pose_wing_bit_for_bit(shared_data, tflite_model, pose_still):
    run = tflite_model("pose_landmark_full.tflite")
    rgb, rect = pose_still.rgb, pose_still.roi
    height, width = rgb.shape[:2]
    tensor, padding = warp_roi_to_tensor(rgb, rect)
    by_shape = {o.shape: o for o in run(tensor)}
    tensors = [by_shape[s] for s in _SHAPES]

    graph = Graph(parse_config(WRAPPER), num_threads=1,
                  search_path=[shared_data / "mediapipe_graphs" / "modules" / "pose_landmark"])
    out = run_graph(graph, [{"image": rgb, "roi": rect, "tensors": tensors}],
                    side_packets={"enable_segmentation": True})[0]

    # MediaPipe's graph file asks for heatmap kernel 7 (its Python package runs 9; see the spec).
    landmarks, aux, world = pose_landmarks_from_tensors(tensors[0], tensors[3], tensors[4], rect, padding,
                                                        kernel_size=7)
    np.testing.assert_array_equal(out["landmarks"].data, landmarks.data)
    np.testing.assert_array_equal(out["auxiliary_landmarks"].data, aux.data)
    np.testing.assert_array_equal(out["world_landmarks"].data, world.data)
    mask = warp_tensor_to_image(mask_from_logits(tensors[2]), rect, (width, height))
    np.testing.assert_array_equal(out["segmentation_mask"].data, mask)


def test_low_presence_gates_every_output(shared_data):
    graph = Graph(str(shared_data / "mediapipe_graphs" / "modules" / "pose_landmark"
                      / "tensors_to_pose_landmarks_and_segmentation.pbtxt"), num_threads=1)
    tensors = [np.zeros(s, np.float32) for s in _SHAPES]
    tensors[1][:] = 0.25            # the model's presence, already a probability: below 0.5
    out = run_graph(graph, [tensors], side_packets={"enable_segmentation": True})[0]
    assert out == {"landmarks": None, "auxiliary_landmarks": None, "world_landmarks": None,
                   "segmentation_mask": None}


def test_mediapipe_landmarks_to_roi_subgraph_matches_the_pose_wing(shared_data):
    graph = Graph(str(shared_data / "mediapipe_graphs" / "modules" / "pose_landmark" / "pose_landmarks_to_roi.pbtxt"),
                  num_threads=1)
    aux = np.array([[0.49, 0.70, -0.1, 0.9, 1.0], [0.48, 0.32, -0.2, 0.8, 1.0]], np.float32)
    out = run_graph(graph, [{"landmarks": NormalizedLandmarkList(aux), "image_size": (1000, 667)}])[0]
    assert out["roi"] == roi_from_alignment_points(aux[0, :2], aux[1, :2], (1000, 667))
