"""``posegraph run multi_pose_tracking``: the multi-person app graph (flow limiter, the
MultiPoseTracking module, the renderer) writes the module's poses, person by person, to JSONL, CSV
and Parquet, and draws every frame."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from posegraph import Graph
from posegraph.app.cli import main
from posegraph.app.multi_parity import run_graph

FRAMES = 12


@pytest.fixture(scope="module")
def clip(shared_data: Path, pose_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first frames of the shared two-person hug clip, losslessly (FFV1) so every reader agrees."""
    capture = cv2.VideoCapture(str(shared_data / "multi" / "hug.mp4"))
    fps = capture.get(cv2.CAP_PROP_FPS)
    path = tmp_path_factory.mktemp("clip") / "hug.avi"
    writer = None
    for _ in range(FRAMES):
        frame = capture.read()[1]
        if writer is None:
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), fps, frame.shape[1::-1])
        writer.write(frame)
    writer.release()
    capture.release()
    return path


@pytest.fixture(scope="module")
def module_poses(clip: Path) -> list:
    """The module's POSES on the clip, with the side packets the runs below give."""
    return run_graph(str(clip), {"num_poses": 4})


def test_the_app_graph_wraps_the_module():
    app = Graph.from_name("multi_pose_tracking")
    module = Graph.from_name("multi_pose_tracking_module")
    assert app.side_packet_types == module.side_packet_types
    assert [r.name for r in app.validated.output_streams] == ["output_video", "poses", "frame_allowed"]
    assert {n.calculator for n in app.validated.nodes} - {n.calculator for n in module.validated.nodes} == {
        "FlowLimiterCalculator", "MultiPoseRendererCalculator"}


def test_run_writes_every_person_and_draws_every_frame(tmp_path, clip, module_poses, capsys):
    landmarks, video = tmp_path / "out.jsonl", tmp_path / "out.mp4"
    assert main(["run", "multi_pose_tracking", "--input", str(clip), "--side-packet", "num_poses=4",
                 "--landmarks", str(landmarks), "--output", str(video), "-q"]) == 0
    with_people = sum(bool(poses) for poses in module_poses)
    assert f"posegraph: {FRAMES} frames ({with_people} with a pose)" in capsys.readouterr().err
    assert with_people and max(len(poses) for poses in module_poses) == 2  # the two people hugging
    lines = [json.loads(line) for line in landmarks.read_text().splitlines()]
    assert [line["frame"] for line in lines] == list(range(FRAMES))
    assert list(lines[0]) == ["frame", "timestamp_us", "width", "height", "fps", "poses"]
    for line, poses in zip(lines, module_poses):
        assert [p["id"] for p in line["poses"]] == [p.id for p in poses]
        for written, pose in zip(line["poses"], poses):
            np.testing.assert_array_equal(np.array(written["landmarks"], np.float32), pose.landmarks.data)
            np.testing.assert_array_equal(np.array(written["world_landmarks"], np.float32), pose.world_landmarks.data)
            np.testing.assert_array_equal(np.array(written["box"], np.float32), np.float32(pose.box))
            assert np.float32(written["score"]) == np.float32(pose.score)
    capture = cv2.VideoCapture(str(video))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == FRAMES
    capture.release()


def test_csv_rows_carry_each_persons_id(tmp_path, clip, module_poses):
    path = tmp_path / "out.csv"
    assert main(["run", "multi_pose_tracking", "--input", str(clip), "--side-packet", "num_poses=4",
                 "--landmarks", str(path), "-q"]) == 0
    rows = list(csv.DictReader(path.open()))
    expected = [(str(i), str(p.id)) for i, poses in enumerate(module_poses) for p in poses for _ in range(33)]
    expected += [(str(i), "") for i, poses in enumerate(module_poses) if not poses]
    assert sorted((r["frame"], r["id"]) for r in rows) == sorted(expected)


def test_frames_with_nobody_are_empty_lists_and_not_counted_as_with_a_pose(tmp_path, pose_models, capsys):
    blank = tmp_path / "blank.avi"
    writer = cv2.VideoWriter(str(blank), cv2.VideoWriter_fourcc(*"FFV1"), 5.0, (320, 240))
    for _ in range(3):
        writer.write(np.zeros((240, 320, 3), np.uint8))
    writer.release()
    landmarks = tmp_path / "out.jsonl"
    assert main(["run", "multi_pose_tracking", "--input", str(blank), "--landmarks", str(landmarks), "-q"]) == 0
    assert "posegraph: 3 frames (0 with a pose)" in capsys.readouterr().err
    assert [json.loads(line)["poses"] for line in landmarks.read_text().splitlines()] == [[], [], []]
