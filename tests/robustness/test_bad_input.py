"""Bad input, case by case: each gives the exact error class (or exit status) and a message that
says what is wrong and where. Most cases go through `posegraph` in a subprocess, as a user meets
them; config errors are checked here only through the CLI (their unit tests are in tests/framework)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from posegraph import graphs
from posegraph import CalculatorError, Graph, ModelError, SidePacketError
from robust_helpers import POSE_GRAPH, REPO_ROOT, jsonl_records, posegraph_cli, video_frame_count

MODELS = ("pose_detection.tflite", "pose_landmark_full.tflite")


def run_pose(tmp_path: Path, media: Path | str, *extra: str | Path, env: dict[str, str] | None = None,
             timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return posegraph_cli("run", POSE_GRAPH, "--input", media, "--landmarks", tmp_path / "out.jsonl", "-q", *extra,
                         env=env, timeout=timeout)


def error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The `posegraph: error: ...` text on stderr (its first line)."""
    lines = [line for line in proc.stderr.splitlines() if line.startswith("posegraph: error: ")]
    assert lines, proc.stderr
    return lines[0].removeprefix("posegraph: error: ")


# --- media ---------------------------------------------------------------------------------------

def test_missing_file(tmp_path, pose_models):
    proc = run_pose(tmp_path, tmp_path / "absent.mp4")
    assert proc.returncode == 2
    assert error_line(proc) == f"{tmp_path / 'absent.mp4'}: no such file"


def test_file_that_is_not_media(tmp_path, pose_models):
    (tmp_path / "notes.mp4").write_text("this is not a video\n")
    proc = run_pose(tmp_path, tmp_path / "notes.mp4")
    assert proc.returncode == 2
    assert error_line(proc) == (f"{tmp_path / 'notes.mp4'}: not a video or image OpenCV can read "
                                "(unknown format, or the file is damaged)")


def test_truncated_video_writes_the_frames_before_the_damage(tmp_path, streamable_squats, pose_models):
    data = streamable_squats
    damaged = tmp_path / "truncated.mp4"
    damaged.write_bytes(data[: len(data) // 2])
    proc = run_pose(tmp_path, damaged, "--output", tmp_path / "out.mp4")
    assert proc.returncode == 1, proc.stderr
    records = jsonl_records(tmp_path / "out.jsonl")
    n = len(records)
    assert 10 < n < 65
    assert [r["frame"] for r in records] == list(range(n))
    assert video_frame_count(tmp_path / "out.mp4") == n
    assert f"posegraph: WARNING: {damaged}: reading stopped after frame {n - 1} of the 65" in proc.stderr
    assert error_line(proc) == (
        f"input {damaged} is damaged after frame {n - 1}: reading stopped after frame {n - 1} of the 65 the "
        f"container states: the file is truncated or damaged; the {n} frames before it were processed and written")


def test_zero_frame_video(tmp_path, pose_models):
    empty = tmp_path / "empty.avi"
    cv2.VideoWriter(str(empty), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48)).release()
    proc = run_pose(tmp_path, empty)
    assert proc.returncode == 2
    assert error_line(proc) == f"{empty}: the video has no frames"


@pytest.fixture(scope="module")
def person_bgr(shared_data: Path) -> np.ndarray:
    return cv2.imread(str(shared_data / "media" / "pose.jpg"))


@pytest.mark.parametrize("kind", ["gray", "rgba", "16-bit"])
def test_unusual_image_layouts_are_tracked(tmp_path, pose_models, person_bgr, kind):
    if kind == "gray":
        image = cv2.cvtColor(person_bgr, cv2.COLOR_BGR2GRAY)
    elif kind == "rgba":
        image = cv2.cvtColor(person_bgr, cv2.COLOR_BGR2BGRA)
        image[..., 3] = 128
    else:
        image = person_bgr.astype(np.uint16) * 257
    path = tmp_path / "person.png"
    assert cv2.imwrite(str(path), image)
    proc = run_pose(tmp_path, path, "--output", tmp_path / "out.png")
    assert proc.returncode == 0, proc.stderr
    [record] = jsonl_records(tmp_path / "out.jsonl")
    assert record["pose_landmarks"] is not None and len(record["pose_landmarks"]) == 33
    assert cv2.imread(str(tmp_path / "out.png")).shape == (667, 1000, 3)


def test_tiny_image_has_no_pose(tmp_path, pose_models):
    path = tmp_path / "tiny.png"
    cv2.imwrite(str(path), np.full((8, 8, 3), 127, np.uint8))
    proc = run_pose(tmp_path, path, "--output", tmp_path / "out.png")
    assert proc.returncode == 0, proc.stderr
    assert jsonl_records(tmp_path / "out.jsonl") == [
        {"frame": 0, "timestamp_us": 0, "width": 8, "height": 8, "fps": None, "pose_landmarks": None,
         "pose_world_landmarks": None}]
    assert cv2.imread(str(tmp_path / "out.png")).shape == (8, 8, 3)


@pytest.mark.parametrize("kind", ["blank", "noise"])
def test_frame_with_no_person(tmp_path, pose_models, kind):
    image = (np.zeros((480, 640, 3), np.uint8) if kind == "blank"
             else np.random.default_rng(1).integers(0, 256, (480, 640, 3), dtype=np.uint8))
    path = tmp_path / f"{kind}.png"
    cv2.imwrite(str(path), image)
    proc = run_pose(tmp_path, path)
    assert proc.returncode == 0, proc.stderr
    assert jsonl_records(tmp_path / "out.jsonl")[0]["pose_landmarks"] is None
    assert "posegraph: 1 frames (0 with a pose)" in proc.stderr


# The peak RSS of this process alone: VmHWM starts afresh at exec, whereas getrusage's ru_maxrss
# keeps the size of the process that started it (pytest's, over 1 GB late in the suite).
MEASURED_RUN = """
import re, sys
from posegraph.app.cli import main
status = main(sys.argv[1:])
with open("/proc/self/status") as f:
    print("peak_rss_kb", re.search(r"VmHWM:\\s+(\\d+) kB", f.read()).group(1), file=sys.stderr)
sys.exit(status)
"""


def test_huge_image_in_bounded_memory(tmp_path, pose_models, person_bgr):
    path = tmp_path / "huge.jpg"
    cv2.imwrite(str(path), cv2.resize(person_bgr, (8000, 6000), interpolation=cv2.INTER_LINEAR))
    proc = subprocess.run([sys.executable, "-c", MEASURED_RUN, "run", str(POSE_GRAPH), "--input", str(path),
                           "--landmarks", str(tmp_path / "out.jsonl"), "--output", str(tmp_path / "out.jpg"), "-q"],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    [record] = jsonl_records(tmp_path / "out.jsonl")
    assert record["pose_landmarks"] is not None
    peak_mb = int(re.search(r"peak_rss_kb (\d+)", proc.stderr).group(1)) / 1024
    frame_mb = 8000 * 6000 * 3 / 2**20  # 137 MB
    assert peak_mb < 1024, f"peak RSS {peak_mb:.0f} MB for one {frame_mb:.0f} MB frame"


def test_camera_index_with_no_camera(tmp_path, pose_models):
    proc = run_pose(tmp_path, "9", timeout=60)
    assert proc.returncode == 2
    assert error_line(proc) == ("camera 9: no camera could be opened at index 9; check that it is connected and "
                                "not in use, or pass a file path")


# --- models --------------------------------------------------------------------------------------

@pytest.fixture
def model_dir(tmp_path: Path, pose_models: Path) -> Path:
    """A model directory holding verified copies of the pose models (break one per test)."""
    directory = tmp_path / "models"
    directory.mkdir()
    for name in MODELS:
        (directory / name).write_bytes((pose_models / name).read_bytes())
    return directory


NO_DOWNLOAD = {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1"}  # a fetch fails at once, offline


@pytest.mark.parametrize("damage, problem", [
    ("empty", r"is empty \(0 bytes\)"),
    ("truncated", r"is truncated \(100000 of 6440512 bytes; checksum mismatch: sha256 [0-9a-f]{64}, expected e9a5c5"),
    ("garbage", r"is corrupt \(6440512 bytes; checksum mismatch: sha256 [0-9a-f]{64}, expected e9a5c5"),
])
def test_damaged_model_file(tmp_path, model_dir, damage, problem):
    target = model_dir / "pose_landmark_full.tflite"
    good = target.read_bytes()
    target.write_bytes(b"" if damage == "empty" else good[:100_000] if damage == "truncated"
                       else bytes(np.random.default_rng(2).integers(0, 256, len(good), dtype=np.uint8)))
    proc = run_pose(tmp_path, tmp_path / "absent.png", env={"POSEGRAPH_MODEL_DIR": str(model_dir), **NO_DOWNLOAD})
    assert proc.returncode == 2
    assert re.fullmatch(rf"model file {re.escape(str(target))} {problem}.*; run `posegraph models fetch "
                        r"pose_landmark_full` to download and verify it \(from mediapipe==0\.10\.21\)",
                        error_line(proc)), proc.stderr


def test_missing_model_file_that_cannot_be_fetched(tmp_path, model_dir):
    target = model_dir / "pose_landmark_full.tflite"
    target.unlink()
    proc = run_pose(tmp_path, tmp_path / "absent.png", env={"POSEGRAPH_MODEL_DIR": str(model_dir), **NO_DOWNLOAD})
    assert proc.returncode == 2
    assert "fetching models pose_landmark_full" in proc.stderr
    assert error_line(proc) == (f"model file(s) {target} missing, and fetching them failed: could not download "
                                "the mediapipe==0.10.21 wheel with pip:")
    assert "posegraph models fetch --wheel PATH_TO_WHEEL" in proc.stderr


def test_missing_model_through_the_graph_api(model_dir, monkeypatch):
    (model_dir / "pose_detection.tflite").unlink()
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(model_dir))
    graph = Graph(POSE_GRAPH)
    with pytest.raises(CalculatorError) as caught:
        graph.start()
    error = caught.value
    assert (error.calculator, error.method) == ("InferenceCalculator", "open")
    assert error.node.startswith("posetracking__posedetection__")
    assert isinstance(error.__cause__, ModelError)
    assert (f"model file {model_dir / 'pose_detection.tflite'} is missing; run `posegraph models fetch "
            f"pose_detection` to download and verify it (from mediapipe==0.10.21)") in str(error)


def test_model_whose_tensors_do_not_match_the_graph(tmp_path, pose_models, shared_data):
    """The detector where the landmark model belongs: a subgraph of the same type, first on the
    path. Told to leave out the landmark model's segmentation output (2), the detector, which has
    two outputs, fails as the graph starts; otherwise at its first tensor, which has the wrong shape."""
    subgraph = graphs.path("pose_landmark_by_roi").read_text()
    unused = '  input_side_packet: "UNUSED_OUTPUTS:unused_landmark_outputs"\n'
    assert '  input_side_packet: "MODEL_PATH:landmark_model"\n' + unused in subgraph
    assert 'model_path: "pose_landmark_full"' in subgraph
    detector = (subgraph.replace('  input_side_packet: "MODEL_PATH:landmark_model"\n', "")
                .replace('model_path: "pose_landmark_full"', 'model_path: "pose_detection"'))
    (tmp_path / "pose_landmark_by_roi.pbtxt").write_text(detector)
    proc = run_pose(tmp_path, shared_data / "media" / "pose.jpg", "--graph-path", tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert error_line(proc) == (
        "node 'posetracking__poselandmarkbyroi__InferenceCalculator' (InferenceCalculator) failed in open: "
        f"ModelError: model {pose_models / 'pose_detection.tflite'} has 2 outputs (0 to 1); unused_outputs names 2")

    (tmp_path / "pose_landmark_by_roi.pbtxt").write_text(detector.replace(unused, ""))
    proc = run_pose(tmp_path, shared_data / "media" / "pose.jpg", "--graph-path", tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert error_line(proc) == (
        "node 'posetracking__poselandmarkbyroi__InferenceCalculator' (InferenceCalculator) failed in process at timestamp 0: "
        f"ModelError: model {pose_models / 'pose_detection.tflite'} expects an input of shape [1, 224, 224, 3], "
        "got [1, 256, 256, 3]: the graph feeds this model the wrong tensor")


# --- graph configs (through the CLI) --------------------------------------------------------------

PASS = 'node {\n  calculator: "PassThroughCalculator"\n  input_stream: "in"\n  output_stream: "out"\n}\n'
CONFIGS = {
    "syntax.pbtxt": ('input_stream: "in"\nnode {\n  calculator: "PassThroughCalculator"\n  output_stream "out"\n}\n',
                     r"4:17: '  output_stream \"out\"': Expected \":\"\."),
    "syntax.yaml": ("input_stream: [in\nnode:\n  - calculator: PassThroughCalculator\n",
                    r"2:5: YAML syntax error: expected ',' or '\]', but got ':'"),
    "unknown_field.pbtxt": ('input_stream: "in"\nbogus_field: 3\n' + PASS,
                            r'2:1: Message type "mediapipe.CalculatorGraphConfig" has no field named "bogus_field"\.'),
    "unknown_field.yaml": ("input_stream: in\nnode:\n  - calculator: PassThroughCalculator\n    input_stream: in\n"
                           "    output_stream: out\n    bogus: 1\n", r"6:5: unknown field 'bogus' in Node"),
    "wrong_type.pbtxt": ('input_stream: "in"\nnum_threads: "four"\n' + PASS,
                         r"2:14: 'num_threads: \"four\"': Couldn't parse integer: \"four\""),
    "wrong_type.yaml": ("input_stream: in\nnum_threads: [1]\nnode:\n  - calculator: PassThroughCalculator\n"
                        "    input_stream: in\n    output_stream: out\n",
                        r"2:14: field 'num_threads' takes a single value, not a sequence"),
    "duplicate.pbtxt": ('input_stream: "in"\n' + PASS + PASS,
                        r"10:18: stream 'out' is produced twice: by node 'PassThroughCalculator_2' and by node "
                        r"'PassThroughCalculator_1'"),
    "dangling.pbtxt": ('input_stream: "in"\n' + PASS.replace('input_stream: "in"', 'input_stream: "nowhere"'),
                       r"4:17: node 'PassThroughCalculator' reads stream 'nowhere', which no node produces and "
                       r"which is not a graph input_stream"),
    "cycle.pbtxt": ('input_stream: "in"\nnode {\n  calculator: "MergeCalculator"\n  input_stream: "in"\n'
                    '  input_stream: "b"\n  output_stream: "a"\n}\nnode {\n  calculator: "PassThroughCalculator"\n'
                    '  input_stream: "a"\n  output_stream: "b"\n}\n',
                    r"5:17: cycle without a back edge through nodes 'MergeCalculator', 'PassThroughCalculator': "
                    r"mark the stream that closes it with input_stream_info \{ tag_index: \":1\" back_edge: true \}"),
    "unknown_calculator.pbtxt": ('input_stream: "in"\n' + PASS.replace("PassThrough", "NoSuch"),
                                 r"3:15: unknown calculator 'NoSuchCalculator'; did you mean .*PassThroughCalculator"),
    "unknown_subgraph.pbtxt": ('input_stream: "in"\nnode {\n  calculator: "PoseLandmarkByRoiX"\n'
                               '  input_stream: "IMAGE:in"\n  output_stream: "LANDMARKS:out"\n}\n',
                               r"3:15: unknown calculator 'PoseLandmarkByRoiX'"),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_bad_config_through_validate(tmp_path, name):
    text, message = CONFIGS[name]
    path = tmp_path / name
    path.write_text(text)
    proc = posegraph_cli("validate", path, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert re.match(re.escape(str(path)) + ":" + message, error_line(proc)), proc.stderr


def test_bad_config_through_run(tmp_path, shared_data):
    text, message = CONFIGS["cycle.pbtxt"]
    path = tmp_path / "cycle.pbtxt"
    path.write_text(text)
    proc = posegraph_cli("run", path, "--input", shared_data / "media" / "pose.jpg", timeout=60)
    assert proc.returncode == 2
    assert re.match(re.escape(str(path)) + ":" + message, error_line(proc))


# --- side packets --------------------------------------------------------------------------------

@pytest.mark.parametrize("item, message", [
    ("smooth_landmarks=maybe", "--side-packet smooth_landmarks=maybe: smooth_landmarks takes true or false (also 1/0, yes/no, on/off)"),
    ("min_detection_confidence=high",
     "--side-packet min_detection_confidence=high: min_detection_confidence takes a number"),
    ("nope=1", "--side-packet nope: the graph has no side packet 'nope' (it takes: enable_segmentation, "
               "min_detection_confidence, min_tracking_confidence, model_complexity, smooth_landmarks, "
               "smooth_segmentation, static_image_mode)"),
    ("nope", "--side-packet 'nope': expected NAME=VALUE"),
])
def test_bad_side_packet_on_the_command_line(tmp_path, shared_data, item, message):
    proc = run_pose(tmp_path, shared_data / "media" / "pose.jpg", "--side-packet", item, timeout=60)
    assert proc.returncode == 2
    assert error_line(proc) == message
    assert not (tmp_path / "out.jsonl").exists()


def test_side_packet_of_the_wrong_type_through_the_graph_api(pose_models):
    with pytest.raises(SidePacketError, match=r"^side packet 'smooth_landmarks' for node .* must be bool, got str 'yes'"):
        Graph(POSE_GRAPH).start({"smooth_landmarks": "yes"})


def test_unknown_side_packet_through_the_graph_api():
    with pytest.raises(SidePacketError, match=r"^unknown side packet\(s\) 'smoothing'; this graph takes: "
                                              r"enable_segmentation, min_detection_confidence, min_tracking_confidence"):
        Graph(POSE_GRAPH).start({"smoothing": True})


# --- outputs that cannot be written ---------------------------------------------------------------

@pytest.mark.parametrize("option, target, message", [
    ("--output", "absent/out.mp4", "{p}: cannot write: the directory {d} does not exist"),
    ("--output", "out.xyz", "{p}: cannot write .xyz; use one of "),
    ("--output", ".", "{p}: cannot write: it is a directory"),
    ("--landmarks", "absent/out.jsonl", "{p}: cannot write: the directory {d} does not exist"),
    ("--landmarks", ".", "{p}: cannot write: it is a directory"),
    ("--trace", "absent/trace.json", "{p}: cannot write: the directory {d} does not exist"),
])
def test_output_that_cannot_be_written(tmp_path, pose_models, shared_data, option, target, message):
    path = (tmp_path / target) if target != "." else tmp_path
    args = ["run", POSE_GRAPH, "--input", shared_data / "media" / "pose.jpg", "-q", option, path]
    if option == "--landmarks":
        args += ["--output", tmp_path / "ok.mp4"]
    before = sorted(tmp_path.iterdir())
    proc = posegraph_cli(*args, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert error_line(proc).startswith(message.format(p=path, d=path.parent))
    assert sorted(tmp_path.iterdir()) == before  # nothing half-made is left behind


def test_video_input_with_an_image_output_is_refused_before_anything_runs(tmp_path, squats, pose_models):
    proc = run_pose(tmp_path, squats, "--output", tmp_path / "out.png")
    assert proc.returncode == 2, proc.stderr
    assert error_line(proc) == (f"{tmp_path / 'out.png'}: an image holds one frame, but the input {squats} is a video; "
                                "write a video (.mp4) instead")
    assert list(tmp_path.iterdir()) == []


def test_unknown_landmarks_format_is_refused_before_anything_runs(tmp_path, shared_data, pose_models):
    proc = posegraph_cli("run", POSE_GRAPH, "--input", shared_data / "media" / "pose.jpg", "-q",
                         "--landmarks", tmp_path / "out.json", "--output", tmp_path / "out.png", timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert error_line(proc) == (f"{tmp_path / 'out.json'}: cannot write landmarks as .json; "
                                "use one of .jsonl, .csv, .parquet")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, value, node", [
    ("min_detection_confidence", "1.5", "posetracking__posedetection__TensorsToDetectionsCalculator"),
    ("min_tracking_confidence", "-0.1", "posetracking__poselandmarkbyroi__VisibilityGatingCalculator"),
])
def test_confidence_outside_0_1_is_a_side_packet_error(tmp_path, shared_data, pose_models, name, value, node):
    proc = run_pose(tmp_path, shared_data / "media" / "pose.jpg", "--side-packet", f"{name}={value}", timeout=60)
    assert proc.returncode == 2
    calculator = node.rsplit("__", 1)[1]
    assert error_line(proc) == (f"side packet {name!r} for node {node!r} ({calculator}) must be in [0, 1], "
                                f"got {float(value)}")
    assert not (tmp_path / "out.jsonl").exists()
    with pytest.raises(SidePacketError, match=rf"^side packet '{name}' for node .* must be in \[0, 1\]"):
        Graph(POSE_GRAPH).start({name: float(value)})
