"""MediaPipe 0.10.21's own graph files (../shared/data/mediapipe_graphs, unchanged) from the command
line and as an app loads them, and ``--calculator-option``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posegraph import Graph
from posegraph.app.cli import main

POSE_LANDMARK_CPU = "modules/pose_landmark/pose_landmark_cpu.pbtxt"
POSE_TRACKING_CPU = "graphs/pose_tracking/pose_tracking_cpu.pbtxt"
#: mp.solutions.pose's values where MediaPipe's file says kernel_size 7 and ratio 0.7
#: (tests/e2e/test_mediapipe_pose_landmark_graph.py says why).
AS_THE_SOLUTION = ["--calculator-option", "RefineLandmarksFromHeatmapCalculator.kernel_size=9",
                   "--calculator-option", "SegmentationSmoothingCalculator.combine_with_previous_ratio=0"]


@pytest.fixture(scope="module")
def mediapipe_graphs(shared_data: Path) -> Path:
    return shared_data / "mediapipe_graphs"


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("relative", [POSE_LANDMARK_CPU, POSE_TRACKING_CPU])
def test_an_app_loads_mediapipes_files_without_a_search_path(mediapipe_graphs, relative):
    # The subgraphs are found in the MediaPipe tree the file lies in (modules/ beside graphs/).
    graph = Graph.from_file(mediapipe_graphs / relative)
    calculators = {n.calculator for n in graph.validated.nodes}
    assert {"InferenceCalculator", "RefineLandmarksFromHeatmapCalculator", "TensorsToDetectionsCalculator"} <= calculators
    if relative == POSE_TRACKING_CPU:
        assert {"FlowLimiterCalculator", "AnnotationOverlayCalculator", "RecolorCalculator"} <= calculators


def test_mediapipes_landmark_file_with_the_solutions_options_writes_posegraphs_own_landmarks(
        tmp_path, mediapipe_graphs, shared_data, all_pose_models):
    video = str(shared_data / "media" / "pose_squats.mp4")
    theirs, ours = tmp_path / "theirs.jsonl", tmp_path / "ours.jsonl"
    assert main(["run", str(mediapipe_graphs / POSE_LANDMARK_CPU), "--graph-path", str(mediapipe_graphs),
                 "--input", video, "--landmarks", str(theirs), "-q", *AS_THE_SOLUTION,
                 "--side-packet", "model_complexity=0"]) == 0
    assert main(["run", "pose_tracking_module", "--input", video, "--landmarks", str(ours), "-q",
                 "--side-packet", "model_complexity=0"]) == 0
    theirs_records, ours_records = _records(theirs), _records(ours)
    assert len(ours_records) == 65
    for a, b in zip(theirs_records, ours_records, strict=True):
        assert a["timestamp_us"] == b["timestamp_us"]
        assert a["pose_landmarks"] == b["pose_landmarks"]  # the same float32 values, printed alike
        assert a["pose_world_landmarks"] == b["pose_world_landmarks"]


def test_the_wheels_compiled_graph_writes_the_landmarks_of_its_text_form(
        tmp_path, mediapipe_graphs, shared_data, pose_models, model_file):
    image = str(shared_data / "media" / "pose.jpg")
    binary, text = tmp_path / "binary.jsonl", tmp_path / "text.jsonl"
    assert main(["run", str(model_file("pose_landmark_cpu_graph")), "--graph-path", str(mediapipe_graphs),
                 "--input", image, "--landmarks", str(binary), "-q"]) == 0
    assert main(["run", str(mediapipe_graphs / POSE_LANDMARK_CPU), "--input", image, "--landmarks", str(text),
                 "-q"]) == 0
    assert len(_records(text)[0]["pose_landmarks"]) == 33
    assert binary.read_text() == text.read_text()


def test_mediapipes_tracking_demo_writes_its_video(tmp_path, mediapipe_graphs, shared_data, pose_models):
    import cv2

    out = tmp_path / "out.mp4"
    assert main(["run", str(mediapipe_graphs / POSE_TRACKING_CPU), "--input",
                 str(shared_data / "media" / "pose_squats.mp4"), "--output", str(out), "-q"]) == 0
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 65
    assert (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (720, 1280)


@pytest.mark.parametrize("option, message", [
    ("NoSuchCalculator.kernel_size=9", "--calculator-option NoSuchCalculator.kernel_size: no node of the graph "
                                       "runs NoSuchCalculator"),
    ("RefineLandmarksFromHeatmapCalculator.kernel=9", "RefineLandmarksFromHeatmapCalculator has no option 'kernel' "
                                                      "(its options: kernel_size, min_confidence_to_refine"),
    ("RefineLandmarksFromHeatmapCalculator.kernel_size=nine", "kernel_size=nine: kernel_size takes an integer"),
    ("RefineLandmarksFromHeatmapCalculator.refine_presence=maybe", "refine_presence takes true or false"),
    ("kernel_size=9", "--calculator-option 'kernel_size=9': expected CALCULATOR.FIELD=VALUE"),
])
def test_a_bad_calculator_option_is_a_config_error_before_anything_runs(
        tmp_path, mediapipe_graphs, shared_data, pose_models, capsys, option, message):
    out = tmp_path / "out.jsonl"
    assert main(["run", str(mediapipe_graphs / POSE_LANDMARK_CPU), "--input",
                 str(shared_data / "media" / "pose.jpg"), "--landmarks", str(out), "-q",
                 "--calculator-option", option]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
