"""AlignmentPointsRectsCalculator takes MediaPipe's own options message, DetectionsToRectsCalculatorOptions."""

from __future__ import annotations

import numpy as np
import pytest

from posegraph import Graph
from posegraph.calculators.formats import Detection
from posegraph.calculators.util.rect_geometry import rect_from_alignment_points
from posegraph.testing import run_graph

# MediaPipe's node (modules/pose_landmark/pose_detection_to_roi.pbtxt), options as written there or changed.
NODE = '''
input_stream: "DETECTION:detection"
input_stream: "IMAGE_SIZE:image_size"
output_stream: "NORM_RECT:raw_roi"
node {{
  calculator: "AlignmentPointsRectsCalculator"
  input_stream: "DETECTION:detection"
  input_stream: "IMAGE_SIZE:image_size"
  output_stream: "NORM_RECT:raw_roi"
  options: {{
    [mediapipe.DetectionsToRectsCalculatorOptions.ext] {{
      rotation_vector_start_keypoint_index: {start}
      rotation_vector_end_keypoint_index: {end}
      rotation_vector_target_angle_degrees: {angle}
    }}
  }}
}}
'''

KEYPOINTS = np.array([[0.5, 0.6], [0.55, 0.3], [0.1, 0.1]], dtype=np.float32)


@pytest.mark.parametrize("start, end, angle", [(0, 1, 90), (2, 0, 45)])
def test_mediapipe_option_name_is_accepted_and_its_values_are_used(start: int, end: int, angle: float) -> None:
    graph = Graph.from_string(NODE.format(start=start, end=end, angle=angle))
    options = graph.validated.nodes[0].options
    assert (type(options).__name__, options.rotation_vector_start_keypoint_index,
            options.rotation_vector_end_keypoint_index, options.rotation_vector_target_angle_degrees) == (
        "DetectionsToRectsCalculatorOptions", start, end, angle)
    detection = Detection(0.9, 0.4, 0.2, 0.3, 0.5, KEYPOINTS)
    (result,) = run_graph(graph, [{"detection": detection, "image_size": (640, 480)}])
    assert result["raw_roi"] == rect_from_alignment_points(KEYPOINTS[start], KEYPOINTS[end], (640, 480),
                                                           target_angle_degrees=angle)
