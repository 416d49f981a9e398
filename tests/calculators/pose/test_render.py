"""draw_pose: which connections are drawn, in which colour, and what is left alone; draw_poses and
MultiPoseRendererCalculator: each person in the colour of its id, with the id above the head."""

from __future__ import annotations

import numpy as np
import pytest

from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, Pose
from posegraph.calculators.pose.render import (
    CENTER_COLOR, CONNECTION_COLORS, LEFT_COLOR, PERSON_COLORS, POSE_CONNECTIONS, RIGHT_COLOR, draw_pose, draw_poses,
    person_color,
)
from posegraph.testing import run_calculator

SIZE = 800


def hidden_pose() -> np.ndarray:
    """33 landmarks spread over the image, all with visibility and presence 0."""
    landmarks = np.zeros((33, 5), np.float32)
    landmarks[:, 0] = np.linspace(0.05, 0.95, 33)
    landmarks[:, 1] = 0.05
    return landmarks


def show(landmarks: np.ndarray, index: int, x: float, y: float, visibility: float = 0.9) -> None:
    landmarks[index] = (x, y, 0.0, visibility, 1.0)


def black() -> np.ndarray:
    return np.zeros((SIZE, SIZE, 3), np.uint8)


def pixel(image: np.ndarray, x: float, y: float) -> list[int]:
    return image[round(y * SIZE), round(x * SIZE)].tolist()


def test_35_connections_and_side_colours():
    assert len(POSE_CONNECTIONS) == 35
    colour = dict(zip(POSE_CONNECTIONS, CONNECTION_COLORS))
    assert colour[(11, 13)] == LEFT_COLOR        # left shoulder - left elbow
    assert colour[(12, 14)] == RIGHT_COLOR       # right shoulder - right elbow
    assert colour[(9, 10)] == CENTER_COLOR       # mouth_left - mouth_right
    assert colour[(11, 12)] == CENTER_COLOR      # shoulder to shoulder
    assert colour[(0, 1)] == CENTER_COLOR        # nose - left_eye_inner
    assert colour[(27, 31)] == LEFT_COLOR        # left ankle - left foot index


@pytest.mark.parametrize("a, b, colour", [(11, 13, LEFT_COLOR), (12, 14, RIGHT_COLOR),
                                          (23, 24, CENTER_COLOR)])
def test_visible_connection_is_drawn_along_its_length(a, b, colour):
    landmarks = hidden_pose()
    show(landmarks, a, 0.2, 0.5)
    show(landmarks, b, 0.8, 0.5)
    image = black()
    drawn = draw_pose(image, landmarks)
    for x in (0.3, 0.4, 0.5, 0.6, 0.7):
        assert pixel(drawn, x, 0.5) == list(colour)
    assert pixel(drawn, 0.5, 0.3) == [0, 0, 0]  # nothing away from the line
    assert not image.any()  # the input is untouched


def test_landmark_below_visibility_threshold_and_its_connections_are_not_drawn():
    landmarks = hidden_pose()
    show(landmarks, 11, 0.2, 0.5)
    show(landmarks, 13, 0.8, 0.5, visibility=0.49)
    drawn = draw_pose(black(), landmarks)
    assert pixel(drawn, 0.5, 0.5) == [0, 0, 0]
    assert pixel(drawn, 0.8, 0.5) == [0, 0, 0]
    assert pixel(drawn, 0.2, 0.5) == list(LEFT_COLOR)  # the visible end is still a dot
    assert draw_pose(black(), landmarks, visibility_threshold=0.4)[SIZE // 2, SIZE // 2].tolist() == list(
        LEFT_COLOR)


def test_no_pose_and_all_hidden_draw_nothing():
    assert not draw_pose(black(), None).any()
    assert not draw_pose(black(), hidden_pose()).any()


def test_thickness_grows_with_the_image():
    def line_width(size: int) -> int:
        landmarks = hidden_pose()
        show(landmarks, 11, 0.1, 0.5)
        show(landmarks, 13, 0.9, 0.5)
        image = draw_pose(np.zeros((size, size, 3), np.uint8), landmarks)
        return int(np.count_nonzero(image[:, size // 2].any(axis=1)))

    assert line_width(1600) > line_width(200)


def test_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"landmarks: expected a \(33, 4\) or \(33, 5\) array"):
        draw_pose(black(), np.zeros((39, 5)))
    with pytest.raises(ValueError, match=r"image_rgb: expected a uint8 \(H, W, 3\) array"):
        draw_pose(np.zeros((10, 10), np.uint8), None)


def person(track_id: int, x: float) -> Pose:
    """A person with a visible upper arm (shoulder (x, 0.5) to elbow (x, 0.8)) and nose (x, 0.3)."""
    landmarks = hidden_pose()
    show(landmarks, 0, x, 0.3)
    show(landmarks, 11, x, 0.5)
    show(landmarks, 13, x, 0.8)
    return Pose(id=track_id, score=0.9, box=(x - 0.05, 0.3, x + 0.05, 0.8),
                landmarks=NormalizedLandmarkList(landmarks), world_landmarks=LandmarkList(np.zeros((33, 5), np.float32)))


def test_each_person_in_the_colour_of_its_id_with_the_id_above_the_head():
    assert person_color(3) == person_color(3 + len(PERSON_COLORS)) == PERSON_COLORS[3]
    assert len(set(PERSON_COLORS)) == len(PERSON_COLORS)
    image = black()
    drawn = draw_poses(image, (person(3, 0.25), person(11, 0.75)))
    assert pixel(drawn, 0.25, 0.65) == list(person_color(3))
    assert pixel(drawn, 0.75, 0.65) == list(person_color(11))
    for x in (0.25, 0.75):  # the id, written above the nose (and nothing below the arm)
        label = drawn[round(0.15 * SIZE):round(0.3 * SIZE) - 1, round((x - 0.05) * SIZE):round((x + 0.05) * SIZE)]
        assert label.any()
        assert not drawn[round(0.85 * SIZE):, round((x - 0.05) * SIZE):round((x + 0.05) * SIZE)].any()
    assert not image.any()
    assert not draw_poses(image, ()).any()


def test_multi_pose_renderer_draws_every_person_and_passes_an_empty_frame():
    image = black()
    out = run_calculator("MultiPoseRendererCalculator", {"IMAGE": [image, image], "POSES": [(person(0, 0.5),), ()]})
    drawn, empty = (packet.payload for packet in out["IMAGE"])
    assert pixel(drawn, 0.5, 0.65) == list(person_color(0))
    assert empty is image
