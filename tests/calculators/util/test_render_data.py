"""The render-data calculators and AnnotationOverlayCalculator against MediaPipe's C++ (numbers
and OpenCV calls worked from its source; drawing compared pixel for pixel)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from posegraph import CalculatorError, Graph, GraphConfigError
from posegraph.calculators.formats import (Color, Detection, NormalizedLandmarkList, NormalizedRect, RenderAnnotation,
                                           RenderData, RenderGradientLine, RenderLine, RenderPoint, RenderRectangle,
                                           SegmentationMask)
from posegraph.testing import run_calculator, run_graph

F = np.float32
WHITE, ORANGE = {"r": 255, "g": 255, "b": 255}, {"r": 255, "g": 138, "b": 0}


def test_render_scale_is_the_long_side_times_the_multiplier():
    out = run_calculator("RectToRenderScaleCalculator",
                         {"NORM_RECT": {0: NormalizedRect(0.5, 0.5, 0.5, 0.25)}, "IMAGE_SIZE": {0: (640, 480), 1: (640, 480)}},
                         options={"multiplier": 0.0012})
    assert [p.payload for p in out["RENDER_SCALE"]] == [float(F(320) * F(0.0012)), float(F(0.0012))]


def test_landmarks_to_render_data_skips_hidden_landmarks_and_scales_thickness():
    lms = NormalizedLandmarkList(np.array([[0.1, 0.2, 0, 0.9, 1], [0.3, 0.4, 0, 0.6, 1], [0.5, 0.6, 0, 0.1, 1]], F))
    options = {"landmark_connections": [0, 1, 1, 2, 0, 7], "landmark_color": ORANGE, "connection_color": WHITE,
               "thickness": 3.0, "visualize_landmark_depth": False, "utilize_visibility": True,
               "visibility_threshold": 0.5}
    out = run_calculator("LandmarksToRenderDataCalculator", {"NORM_LANDMARKS": [lms], "RENDER_SCALE": [2.0]},
                         options=options)
    annotations = out["RENDER_DATA"][0].payload.render_annotations
    assert annotations == (
        RenderAnnotation(RenderLine(*lms.data[0, :2].tolist(), *lms.data[1, :2].tolist(), True), 6.0, Color(255, 255, 255)),
        RenderAnnotation(RenderPoint(*lms.data[0, :2].tolist(), True), 6.0, Color(255, 138, 0), "KEYPOINT"),
        RenderAnnotation(RenderPoint(*lms.data[1, :2].tolist(), True), 6.0, Color(255, 138, 0), "KEYPOINT"))


def test_landmark_depth_colours_lines_and_sizes_points():
    lms = NormalizedLandmarkList(np.array([[0.1, 0.2, -1.0, 1, 1], [0.3, 0.4, 1.0, 1, 1]], F))
    out = run_calculator("LandmarksToRenderDataCalculator", {"NORM_LANDMARKS": [lms]},
                         options={"landmark_connections": [0, 1]})
    line, near, far = out["RENDER_DATA"][0].payload.render_annotations
    assert isinstance(line.shape, RenderGradientLine)
    # Remap(z) = (z - zmin) / (zmax - zmin + 1e-6); colour = int(black * w + white * (1 - w)).
    w_far = 2.0 / (2.0 + 1e-6)
    assert line.shape.color1 == Color(255, 255, 255) and line.shape.color2 == Color(*[int(255 * (1 - w_far))] * 3)
    assert near.color == Color(255, 255, 255) and near.thickness == 18.0     # 255 - 0; 0 + (1 - 0) * 18
    assert far.color == Color(*[255 - int(255 * w_far)] * 3) and far.thickness == float(int(18 * (1 - w_far)))


def test_detections_and_rects_to_render_data():
    detection = Detection(0.9, 0.1, 0.2, 0.3, 0.4, np.array([[0.2, 0.3]], F))
    out = run_calculator("DetectionsToRenderDataCalculator", {"DETECTION": {0: detection, 1: None}},
                         options={"thickness": 4.0, "color": {"g": 255}})
    box, keypoint = out["RENDER_DATA"][0].payload.render_annotations
    assert box.shape == RenderRectangle(0.1, 0.2, 0.1 + 0.3, 0.2 + 0.4, True)
    assert keypoint == RenderAnnotation(RenderPoint(float(F(0.2)), float(F(0.3)), True), 4.0, Color(0, 255, 0), "KEYPOINT")
    rect = NormalizedRect(0.5, 0.5, 0.2, 0.4, rotation=0.5)
    rects = run_calculator("RectToRenderDataCalculator", {"NORM_RECT": [rect]},
                           options={"color": {"r": 255}, "thickness": 4.0})
    (annotation,) = rects["RENDER_DATA"][0].payload.render_annotations
    assert annotation.shape == RenderRectangle(float(F(0.4)), float(F(0.3)), float(F(0.4)) + float(F(0.2)),
                                               float(F(0.3)) + float(F(0.4)), True, float(F(0.5)))
    with pytest.raises((CalculatorError, GraphConfigError), match="oval and top_left_thickness are not implemented"):
        run_calculator("RectToRenderDataCalculator", {"NORM_RECT": [rect]}, options={"oval": True})


def test_recolor_blends_by_the_mask_as_opencv_vec3b_arithmetic():
    image = np.array([[[100, 150, 200], [10, 20, 30]]], np.uint8)
    mask = SegmentationMask(np.array([[0.25, 1.0]], F))
    out = run_calculator("RecolorCalculator", {"IMAGE": [image], "MASK": [mask]},
                         options={"color": {"b": 255}, "mask_channel": "RED", "invert_mask": True,
                                  "adjust_with_luminance": False})
    got = out["IMAGE"][0].payload
    # Inverted weight 0.75: round(p * 0.25) + round((0, 0, 255) * 0.75); weight 0 leaves the pixel.
    np.testing.assert_array_equal(got, [[[25, 38, 50 + 191], [10, 20, 30]]])
    luminance = run_calculator("RecolorCalculator", {"IMAGE": [image], "MASK": [mask]}, options={"color": {"r": 255}})
    lum = (100 * 0.299 + 150 * 0.587 + 200 * 0.114) / 255
    m = float(F(F(0.25) * F(lum)))
    assert luminance["IMAGE"][0].payload[0, 0, 0] == min(255, round(100 * (1 - m)) + round(255 * m))


def test_overlay_draws_untagged_then_vector_render_data_like_opencv():
    image = np.zeros((40, 60, 3), np.uint8)
    red = RenderData((RenderAnnotation(RenderPoint(0.5, 0.5, True), 4.0, Color(255, 0, 0)),))
    blue = RenderData((RenderAnnotation(RenderPoint(30, 20), 2.0, Color(0, 0, 255)),
                       RenderAnnotation(RenderLine(0.0, 0.0, 10.0, 5.0), 1.4, Color(0, 255, 0))))
    rect = RenderData((RenderAnnotation(RenderRectangle(0.1, 0.1, 0.3, 0.5, True, math.pi / 6), 2.0, Color(9, 9, 9)),))
    out = run_calculator("AnnotationOverlayCalculator", {"IMAGE": [image], "": [red], "VECTOR": [[blue]], ":1": [rect]})
    expected = image.copy()
    cv2.circle(expected, (30, 20), 4, (255, 0, 0), -1)
    box = cv2.boxPoints(((12.0, 12.0), (12.0, 16.0), 30.0))
    corners = [tuple(int(round(float(v))) for v in p) for p in box]
    for i in range(4):
        cv2.line(expected, corners[i], corners[(i + 1) % 4], (9, 9, 9), 2)
    cv2.circle(expected, (30, 20), 2, (0, 0, 255), -1)
    cv2.line(expected, (0, 0), (10, 5), (0, 255, 0), 1)
    np.testing.assert_array_equal(out["IMAGE"][0].payload, expected)


def test_concatenate_render_data_vector_keeps_input_order():
    a, b = RenderData(scene_class="a"), RenderData(scene_class="b")
    out = run_calculator("ConcatenateRenderDataVectorCalculator", {"": {0: a}, ":1": {0: b, 1: b}})
    assert [p.payload for p in out[""]] == [[a, b], [b]]


def test_mediapipes_pose_renderer_subgraph_draws_the_demo_skeleton(shared_data, pose_still):
    graphs = shared_data / "mediapipe_graphs" / "graphs" / "pose_tracking" / "subgraphs"
    rgb, frame = pose_still.rgb, pose_still.reference
    rows = np.array(frame["landmarks"], F)
    landmarks = NormalizedLandmarkList(np.concatenate([rows, np.ones((33, 1), F)], axis=1))   # + presence
    graph = Graph(str(graphs / "pose_renderer_cpu.pbtxt"), num_threads=1, search_path=[graphs])
    mask = SegmentationMask(np.ones(rgb.shape[:2], F))          # all person: RecolorCalculator leaves it
    out = run_graph(graph, [{"input_image": rgb, "pose_landmarks": landmarks, "roi": pose_still.roi,
                             "segmentation_mask": mask}])[0]["output_image"]
    height, width = rgb.shape[:2]

    def at(index: int) -> list[int]:
        x, y = landmarks.data[index, :2]
        return out[round(float(y) * height), round(float(x) * width)].tolist()
    assert at(11) == [255, 138, 0]          # left shoulder: the left-side joints' orange
    assert at(24) == [0, 217, 231]          # right hip: the right side's cyan
    assert out[0, 0].tolist() == rgb[0, 0].tolist()
    red = np.all(out == [255, 0, 0], axis=2)
    assert red.sum() > 1000                  # the ROI's rotated rectangle
