"""posegraph.solutions.drawing_utils and drawing_styles against MediaPipe 0.10.21's drawing."""
from __future__ import annotations

import importlib.util

import cv2
import numpy as np
import pytest
from make_reference import REFERENCE_DIR
from script_output import parse

import posegraph as mp
from posegraph.solutions import landmark_pb2

mp_drawing = mp.solutions.drawing_utils
mp_drawing_styles = mp.solutions.drawing_styles
mp_pose = mp.solutions.pose
STILLS = ["pose.jpg", "standing_man.jpeg", "yoga_tree.jpeg"]  # the order of make_reference.py's STILLS


def _landmarks(rows) -> landmark_pb2.NormalizedLandmarkList:
    """A NormalizedLandmarkList of (x, y, z, visibility) rows, presence unset as Pose returns it."""
    data = np.zeros((len(rows), 5), np.float32)
    data[:, :4] = rows
    return landmark_pb2.normalized_landmark_list(data, with_presence=False)


@pytest.mark.parametrize("index", range(3))
def test_draws_the_pixels_mediapipe_drew(shared_data, index):
    # MediaPipe's landmarks for this still, as its script printed them, drawn with the default
    # pose style: the same number of pixels changes as under MediaPipe (exactly).
    frame = parse((REFERENCE_DIR / "stills.c1.txt").read_text())[index]
    image = cv2.imread(str(shared_data / "media" / STILLS[index]))
    annotated = image.copy()
    mp_drawing.draw_landmarks(annotated, _landmarks(frame.landmarks), mp_pose.POSE_CONNECTIONS,
                              landmark_drawing_spec=mp_drawing_styles.get_default_pose_landmarks_style())
    assert np.count_nonzero((annotated != image).any(axis=2)) == frame.drawn


def test_hidden_landmarks_and_their_connections_are_skipped():
    image = np.zeros((100, 100, 3), np.uint8)
    landmarks = _landmarks([[0.2, 0.2, 0, 0.9], [0.8, 0.8, 0, 0.4], [0.2, 0.8, 0, 0.9]])
    mp_drawing.draw_landmarks(image, landmarks, [(0, 1), (0, 2)],
                              landmark_drawing_spec=mp_drawing.DrawingSpec(color=(0, 0, 255), circle_radius=1),
                              connection_drawing_spec=mp_drawing.DrawingSpec(color=(0, 255, 0), thickness=1))
    assert tuple(image[20, 20]) == (0, 0, 255) and tuple(image[80, 20]) == (0, 0, 255)  # visible dots
    assert tuple(image[50, 20]) == (0, 255, 0)  # the line between them
    assert not image[50, 50].any() and not image[80, 80].any()  # hidden landmark, no line to it


def test_a_landmark_outside_the_image_is_not_drawn():
    image = np.zeros((100, 100, 3), np.uint8)
    mp_drawing.draw_landmarks(image, _landmarks([[1.2, 0.5, 0, 1.0]]))
    assert not image.any()


def test_nothing_to_draw_leaves_the_image():
    image = np.zeros((10, 10, 3), np.uint8)
    mp_drawing.draw_landmarks(image, None, mp_pose.POSE_CONNECTIONS)
    assert not image.any()


def test_errors_are_mediapipes():
    landmarks = _landmarks([[0.5, 0.5, 0, 1.0]])
    with pytest.raises(ValueError, match="Input image must contain three channel bgr data."):
        mp_drawing.draw_landmarks(np.zeros((10, 10, 4), np.uint8), landmarks)
    with pytest.raises(ValueError, match="Invalid connection from landmark #0 to landmark #1."):
        mp_drawing.draw_landmarks(np.zeros((10, 10, 3), np.uint8), landmarks, [(0, 1)])


def test_default_pose_style_is_mediapipes():
    style = mp_drawing_styles.get_default_pose_landmarks_style()
    assert sorted(style) == list(range(33))
    colors = {landmark.name: spec.color for landmark, spec in style.items()}
    assert colors["NOSE"] == (224, 224, 224)
    assert colors["LEFT_EYE_INNER"] == colors["MOUTH_LEFT"] == colors["LEFT_FOOT_INDEX"] == (0, 138, 255)
    assert colors["RIGHT_EAR"] == colors["MOUTH_RIGHT"] == colors["RIGHT_HEEL"] == (231, 217, 0)
    assert {(spec.thickness, spec.circle_radius) for spec in style.values()} == {(2, 2)}


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is not None, reason="matplotlib is installed")
def test_plot_landmarks_says_what_it_needs():
    with pytest.raises(ImportError, match="pip install matplotlib"):
        mp_drawing.plot_landmarks(_landmarks([[0.5, 0.5, 0, 1.0]]), mp_pose.POSE_CONNECTIONS)
