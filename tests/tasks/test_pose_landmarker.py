"""posegraph.tasks.vision.PoseLandmarker: MediaPipe's Tasks API, its running modes and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posegraph import SidePacketError
from posegraph.app.multi_parity import load_reference, pair_poses, reference_masks
from posegraph.app.parity import decode_frames, mask_error
from posegraph.tasks.vision import Image, ImageFormat, PoseLandmarker, PoseLandmarkerOptions, RunningMode

DATA = Path(__file__).parents[1] / "e2e" / "data" / "multi"
STILL = "aic/fa436c914fe4a8ec1ec5474af4d3820b84d17561"


@pytest.fixture(scope="module")
def hug(shared_data: Path) -> list[np.ndarray]:
    return [image for _, image in decode_frames(str(shared_data / "multi" / "hug.mp4"))[:8]]


def test_detect_matches_mediapipes_image_mode(shared_data: Path, pose_models: Path) -> None:
    reference = load_reference(DATA / f"{Path(STILL).name}.image.json.gz")
    image = decode_frames(str(shared_data / "multi" / f"{STILL}.jpg"))[0][1]
    with PoseLandmarker.create_from_options(PoseLandmarkerOptions(num_poses=6)) as landmarker:
        result = landmarker.detect(Image(data=image))
    assert len(result.pose_landmarks) == len(result.pose_world_landmarks) == len(result.track_ids) == 2
    assert len(result.boxes) == len(result.scores) == 2 and result.segmentation_masks is None
    ours = [np.array([[lm.x, lm.y] for lm in pose]) for pose in result.pose_landmarks]
    refs = [np.asarray(p["landmarks"]) for p in reference["frames"][0]["poses"]]
    for _, _, d in pair_poses(refs, ours, (reference["width"], reference["height"])):
        assert np.median(d) <= 0.05
    for box, pose in zip(result.boxes, ours):
        assert box == pytest.approx((*np.clip(pose.min(0), 0, 1), *np.clip(pose.max(0), 0, 1)), abs=1e-6)


@pytest.mark.parametrize("model", ["lite", "heavy"])
def test_the_model_is_chosen_by_name(shared_data: Path, all_pose_models: Path, model: str) -> None:
    reference = load_reference(DATA / f"{Path(STILL).name}.{model}.image.json.gz")
    image = decode_frames(str(shared_data / "multi" / f"{STILL}.jpg"))[0][1]
    with PoseLandmarker.create_from_options(PoseLandmarkerOptions(num_poses=6, model=model)) as landmarker:
        result = landmarker.detect(image)
    ours = [np.array([[lm.x, lm.y] for lm in pose]) for pose in result.pose_landmarks]
    refs = [np.asarray(p["landmarks"]) for p in reference["frames"][0]["poses"]]
    pairs = pair_poses(refs, ours, (reference["width"], reference["height"]))
    assert len(ours) == len(refs) == len(pairs) == 2
    assert all(np.median(d) <= 0.05 for _, _, d in pairs)


def test_segmentation_masks_one_per_pose_as_mediapipe_gives_them(shared_data: Path, pose_models: Path) -> None:
    path = DATA / f"{Path(STILL).name}.full.masks.image.json.gz"
    reference, masks = load_reference(path), reference_masks(path)
    image = decode_frames(str(shared_data / "multi" / f"{STILL}.jpg"))[0][1]
    options = PoseLandmarkerOptions(num_poses=6, output_segmentation_masks=True)
    with PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(image)
        nobody = landmarker.detect(np.zeros((64, 48, 3), np.uint8))
    assert nobody.pose_landmarks == [] and nobody.segmentation_masks is None  # as MediaPipe's
    assert len(result.segmentation_masks) == len(result.pose_landmarks) == 2
    ours = [np.array([[lm.x, lm.y] for lm in pose]) for pose in result.pose_landmarks]
    refs = [np.asarray(p["landmarks"]) for p in reference["frames"][0]["poses"]]
    for r, c, _ in pair_poses(refs, ours, (reference["width"], reference["height"])):
        mask = result.segmentation_masks[c]
        assert mask.image_format == ImageFormat.VEC32F1 and (mask.height, mask.width) == image.shape[:2]
        mean, p99 = mask_error(mask.numpy_view(), masks[(0, r)])
        assert mean <= 0.002 and p99 <= 0.02


def test_video_mode_keeps_ids_and_live_stream_calls_back_in_order(pose_models: Path, hug: list[np.ndarray]) -> None:
    options = PoseLandmarkerOptions(running_mode=RunningMode.VIDEO, num_poses=2)
    with PoseLandmarker.create_from_options(options) as landmarker:
        video = [landmarker.detect_for_video(frame, 33 * i) for i, frame in enumerate(hug)]
    assert [r.track_ids for r in video] == [[0], [0], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1], [0, 1]]
    got = []
    options = PoseLandmarkerOptions(running_mode=RunningMode.LIVE_STREAM, num_poses=2,
                                    result_callback=lambda result, image, ms: got.append((ms, result, image)))
    with PoseLandmarker.create_from_options(options) as landmarker:
        for i, frame in enumerate(hug):
            landmarker.detect_async(frame, 33 * i)
    assert [ms for ms, _, _ in got] == [33 * i for i in range(len(hug))]
    assert [r.track_ids for _, r, _ in got] == [r.track_ids for r in video]
    assert all(image.numpy_view() is frame for (_, _, image), frame in zip(got, hug))


def test_video_mode_with_mediapipes_association_keeps_the_one_person_mediapipe_keeps(
        pose_models: Path, hug: list[np.ndarray]) -> None:
    """On hug MediaPipe's video mode gives one pose a frame (its association lets the later of the
    two overlapping detections replace the other); so does ``association="mediapipe"``, which also
    keeps that person's id."""
    reference = load_reference(DATA / "hug.video.json.gz")
    options = PoseLandmarkerOptions(running_mode=RunningMode.VIDEO, num_poses=2, association="mediapipe")
    with PoseLandmarker.create_from_options(options) as landmarker:
        video = [landmarker.detect_for_video(frame, 33 * i) for i, frame in enumerate(hug)]
    assert [len(r.pose_landmarks) for r in video] == [len(f["poses"]) for f in reference["frames"][:len(hug)]]
    assert [r.track_ids for r in video] == [[0]] * len(hug)


def test_calls_in_the_wrong_mode_raise_as_mediapipe_does(pose_models: Path, hug: list[np.ndarray]) -> None:
    with PoseLandmarker.create_from_options(PoseLandmarkerOptions(running_mode=RunningMode.VIDEO)) as landmarker:
        with pytest.raises(ValueError, match="Task is not initialized with the image mode. Current running mode:VIDEO"):
            landmarker.detect(hug[0])
        with pytest.raises(ValueError, match="not initialized with the live stream mode"):
            landmarker.detect_async(hug[0], 0)
        landmarker.detect_for_video(hug[0], 10)
        with pytest.raises(ValueError, match="monotonically increasing"):
            landmarker.detect_for_video(hug[1], 10)


@pytest.mark.parametrize("options, error, message", [
    (PoseLandmarkerOptions(result_callback=print), ValueError, "should not be provided"),
    (PoseLandmarkerOptions(running_mode=RunningMode.LIVE_STREAM), ValueError, "must be provided"),
    (PoseLandmarkerOptions(model="huge"), ValueError, "lite, full, heavy"),
    (PoseLandmarkerOptions(detection_tiles=9), SidePacketError, "detection_tiles must be between 1"),
    (PoseLandmarkerOptions(redetect_interval=-1), SidePacketError, "redetect_interval must be 0"),
    (PoseLandmarkerOptions(association="greedy"), SidePacketError, "association must be one of assignment, mediapipe"),
])
def test_unsupported_options_are_refused(options: PoseLandmarkerOptions, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        PoseLandmarker.create_from_options(options)


def test_image_holds_uint8_rgb_or_a_float_mask(pose_models: Path) -> None:
    with pytest.raises(ValueError, match=r"uint8 RGB pixels of shape \(height, width, 3\), got float32"):
        Image(data=np.zeros((4, 4, 3), np.float32))
    assert Image(data=np.zeros((4, 6, 3), np.uint8)).width == 6
    mask = Image(ImageFormat.VEC32F1, np.zeros((4, 6), np.float32))
    assert (mask.width, mask.height, mask.channels) == (6, 4, 1)
    with pytest.raises(ValueError, match=r"VEC32F1 Image holds float32 values of shape \(height, width\)"):
        Image(ImageFormat.VEC32F1, np.zeros((4, 6), np.uint8))
    with PoseLandmarker.create_from_options(PoseLandmarkerOptions()) as landmarker:
        with pytest.raises(ValueError, match="takes SRGB images, got VEC32F1"):
            landmarker.detect(mask)


def test_detection_tiles_find_people_small_in_the_image(shared_data: Path, pose_models: Path) -> None:
    """A 3x3 mosaic of one bedroom_kids.mp4 frame (480x270 copies, one child found in a copy alone):
    the whole image lets the detector find at most one of the nine children, tiles most of them
    (tests/e2e/test_detection_tiles.py measures how well)."""
    import cv2

    frame = decode_frames(str(shared_data / "multi" / "bedroom_kids.mp4"))[0][1]
    copy = cv2.resize(frame, (480, 270), interpolation=cv2.INTER_AREA)
    mosaic = np.vstack([np.hstack([copy] * 3)] * 3)
    found = {}
    for tiles in (1, 3):
        with PoseLandmarker.create_from_options(PoseLandmarkerOptions(num_poses=20, detection_tiles=tiles)) as lm:
            found[tiles] = len(lm.detect(mosaic).pose_landmarks)
    assert found[1] <= 1 and found[3] >= 7, found
