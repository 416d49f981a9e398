"""``posegraph run ... --mask-output``: the segmentation mask as a grayscale image or video, against
our own masks and MediaPipe 0.10.21's (tests/e2e/data/mediapipe/, see
test_model_complexity_and_segmentation.py).

Tolerances: a still's PNG is lossless, so it equals ``round(mask * 255)`` of the graph's own mask
exactly, and MediaPipe's mask within its per-frame tolerance (0.002 mean absolute difference) plus
the 8-bit quantisation (at most 0.5 / 255 per pixel). A video is H.264 (4:2:0, CRF 18): it has the
input's frame count, and its frames lie within 0.01 mean absolute difference of MediaPipe's masks:
loose, for the closed loop's own spread (CLOSED_LOOP_MASK: 0.0055) plus the compression's; a frame
without a pose is black."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from posegraph import Graph
from posegraph.app.cli import main
from posegraph.app.media import open_source
from posegraph.app.parity import decode_frames, mask_error, mask_frames
from posegraph.testing import run_graph

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "mediapipe"


def _video_frames(path: Path) -> list[np.ndarray]:
    """The written mask video's frames, one channel each (uint8 (H, W))."""
    return [image[..., 0] for _, image in decode_frames(str(path))]


def test_a_stills_mask_is_round_mask_times_255(tmp_path, shared_data, pose_models):
    still = shared_data / "media" / "pose.jpg"
    out = tmp_path / "mask.png"
    assert main(["run", "pose_tracking", "--input", str(still), "--mask-output", str(out), "-q"]) == 0
    written = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert written.dtype == np.uint8 and written.ndim == 2  # one channel: grayscale

    with open_source(still) as source:
        (frame,) = list(source)
    (result,) = run_graph(Graph.from_name("pose_tracking_module", num_threads=1), [frame.image], outputs=["segmentation_mask"],
                          side_packets={"enable_segmentation": True})
    mask = result["segmentation_mask"]
    np.testing.assert_array_equal(written, np.rint(mask.data * 255))

    (reference,) = mask_frames(DATA / "pose.full.static.json").values()
    assert mask_error(written / 255.0, reference)[0] <= 0.002 + 0.5 / 255


def test_a_videos_mask_keeps_every_frame_and_matches_mediapipe(tmp_path, shared_data, pose_models):
    out = tmp_path / "mask.mp4"
    assert main(["run", "pose_tracking", "--input", str(shared_data / "media" / "pose_squats.mp4"), "--mask-output",
                 str(out), "--side-packet", "smooth_landmarks=false", "-q"]) == 0
    frames = _video_frames(out)
    assert len(frames) == 65 and frames[0].shape == (1280, 720)
    references = mask_frames(DATA / "pose_squats.full.seg_smooth.json")  # smooth_segmentation, raw landmarks
    assert references
    for i, reference in references.items():
        assert mask_error(frames[i] / 255.0, reference)[0] <= 0.01, i


def test_frames_without_a_pose_are_black(tmp_path, shared_data, pose_models):
    from make_gap_clip import make_clip

    clip = make_clip(tmp_path / "gap.avi", shared_data / "media" / "pose_squats.mp4")
    out, landmarks = tmp_path / "mask.mp4", tmp_path / "landmarks.jsonl"
    assert main(["run", "pose_tracking", "--input", str(clip), "--mask-output", str(out), "--landmarks",
                 str(landmarks), "-q"]) == 0
    frames = _video_frames(out)
    assert len(frames) == 65
    nobody = [i for i, line in enumerate(landmarks.read_text().splitlines())
              if json.loads(line)["pose_landmarks"] is None]
    assert nobody[:4] == [25, 26, 27, 28]  # the blank frames (and where the upside-down person is lost)
    assert [i for i, f in enumerate(frames) if f.max() <= 2] == nobody


def test_mask_output_errors_before_anything_runs(tmp_path, shared_data, pose_models, capsys):
    still = str(shared_data / "media" / "pose.jpg")
    out = tmp_path / "mask.png"
    assert main(["run", "pose_tracking", "--input", still, "--mask-output", str(out),
                 "--side-packet", "enable_segmentation=false", "-q"]) == 2
    assert "needs the side packet enable_segmentation, but it is set false" in capsys.readouterr().err
    assert main(["run", "pose_renderer", "--input", still, "--mask-output", str(out), "-q"]) == 2
    assert "the graph declares no output stream of segmentation masks" in capsys.readouterr().err
    assert main(["run", "pose_tracking", "--input", str(shared_data / "media" / "pose_squats.mp4"),
                 "--mask-output", str(out), "-q"]) == 2
    assert "an image holds one frame" in capsys.readouterr().err
    assert not out.exists()


def test_enable_segmentation_given_true_is_kept(tmp_path, shared_data, pose_models):
    out = tmp_path / "mask.png"
    assert main(["run", "pose_tracking", "--input", str(shared_data / "media" / "pose.jpg"), "--mask-output", str(out),
                 "--side-packet", "enable_segmentation=true", "-q"]) == 0
    assert cv2.imread(str(out), cv2.IMREAD_UNCHANGED).max() == 255
