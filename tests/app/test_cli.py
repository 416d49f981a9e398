"""CLI conveniences: loading user calculators, dumping a stream's packets, typed side packets."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from posegraph import graphs
from posegraph import SidePacketError
from posegraph.app.cli import main, parse_side_packets
from posegraph.calculators.pose.landmarks import POSE_LANDMARK_NAMES

REPO = Path(__file__).resolve().parents[2]

USER_CALCULATOR = '''
from posegraph import Calculator, Contract, Port, register_calculator

@register_calculator
class CliTestTripleCalculator(Calculator):
    contract = Contract(inputs={"": Port(float)}, outputs={"": Port(float)})

    def process(self, cc):
        cc.send("", cc.value("") * 3)
'''

GRAPH = '''
input_stream: "x"
output_stream: "y"
node { calculator: "CliTestTripleCalculator" input_stream: "x" output_stream: "y" }
'''


def test_load_registers_calculators_from_a_file(tmp_path, capsys):
    (tmp_path / "triple.py").write_text(USER_CALCULATOR)
    (tmp_path / "g.pbtxt").write_text(GRAPH)
    assert main(["validate", str(tmp_path / "g.pbtxt"), "--load", str(tmp_path / "triple.py")]) == 0
    assert "OK (1 nodes" in capsys.readouterr().out


def test_without_load_the_calculator_is_unknown(tmp_path, capsys):
    (tmp_path / "g.pbtxt").write_text(GRAPH.replace("CliTestTriple", "CliTestNeverRegistered"))
    assert main(["validate", str(tmp_path / "g.pbtxt")]) == 2
    assert "g.pbtxt:4:20: unknown calculator 'CliTestNeverRegisteredCalculator'" in capsys.readouterr().err


def test_load_of_a_missing_module_names_it(tmp_path, capsys):
    (tmp_path / "g.pbtxt").write_text(GRAPH)
    assert main(["validate", str(tmp_path / "g.pbtxt"), "--load", "no_such_module_xyz"]) == 1
    assert "--load no_such_module_xyz: cannot import it" in capsys.readouterr().err


def test_dump_prints_every_packet_of_an_internal_stream(shared_data, pose_models):
    proc = subprocess.run([sys.executable, "-m", "posegraph.app.cli", "run", str(graphs.path("pose_tracking")),
                           "--input", str(shared_data / "media" / "pose.jpg"), "--dump", "posetracking__pose_rect", "-q"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.startswith("[posetracking__pose_rect @ 0] NormalizedRect(")]
    assert len(lines) == 1
    # MediaPipe's expected ROI on pose.jpg: x_center 0.49192297 (mediapipe_goldens, tolerance 0.01)
    x_center = float(lines[0].split("x_center=")[1].split(",")[0])
    assert abs(x_center - 0.49192297) < 0.01


def test_side_packets_are_parsed_by_declared_type():
    types = {"smooth_landmarks": bool, "min_tracking_confidence": float, "name": str}
    assert parse_side_packets(["smooth_landmarks=off", "min_tracking_confidence=0.7", "name=a=b"], types) == \
        {"smooth_landmarks": False, "min_tracking_confidence": 0.7, "name": "a=b"}
    with pytest.raises(SidePacketError, match="smooth_landmarks takes true or false"):
        parse_side_packets(["smooth_landmarks=maybe"], types)


WRIST_CALCULATOR = '''
from posegraph import Calculator, Contract, Port, register_calculator
from posegraph.calculators.formats import NormalizedLandmarkList
from posegraph.calculators.pose.landmarks import POSE_LANDMARK_NAMES

NOSE, LEFT_WRIST, RIGHT_WRIST = (POSE_LANDMARK_NAMES.index(n) for n in ("nose", "left_wrist", "right_wrist"))


@register_calculator
class WristAboveHeadCalculator(Calculator):
    contract = Contract(inputs={"NORM_LANDMARKS": Port(NormalizedLandmarkList)}, outputs={"": Port(bool)})

    def process(self, cc):
        y = cc.value("NORM_LANDMARKS").data[:, 1]
        cc.send("", bool(min(y[LEFT_WRIST], y[RIGHT_WRIST]) < y[NOSE]))  # image y grows downwards
'''

WRIST_GRAPH = '''
input_stream: [IMAGE:image]
output_stream: [LANDMARKS:pose_landmarks, WORLD_LANDMARKS:pose_world_landmarks, wrist_above_head]
node:
  - calculator: PoseTracking
    input_stream: [IMAGE:image]
    output_stream: [LANDMARKS:pose_landmarks, WORLD_LANDMARKS:pose_world_landmarks]
  - calculator: WristAboveHeadCalculator
    input_stream: [NORM_LANDMARKS:pose_landmarks]
    output_stream: [wrist_above_head]
'''


def test_a_users_own_output_stream_is_written_with_the_landmarks(tmp_path, shared_data, pose_models):
    """A new user's flag, declared as a graph output, lands in every landmarks format beside the pose."""
    import pyarrow.parquet as pq

    (tmp_path / "wrist.py").write_text(WRIST_CALCULATOR)
    (tmp_path / "wrist.yaml").write_text(WRIST_GRAPH)
    for suffix in ("jsonl", "csv", "parquet"):
        proc = subprocess.run([sys.executable, "-m", "posegraph.app.cli", "run", str(tmp_path / "wrist.yaml"),
                               "--load", str(tmp_path / "wrist.py"), "--input", str(shared_data / "media" / "yoga_tree.jpeg"),
                               "--landmarks", str(tmp_path / f"out.{suffix}"), "-q"],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    [record] = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert list(record) == ["frame", "timestamp_us", "width", "height", "fps", "pose_landmarks", "pose_world_landmarks",
                            "wrist_above_head"]
    y = [row[1] for row in record["pose_landmarks"]]
    assert record["wrist_above_head"] is (min(y[15], y[16]) < y[0])
    with (tmp_path / "out.csv").open() as f:
        rows = list(csv.DictReader(f))
    table = pq.read_table(tmp_path / "out.parquet").to_pylist()
    for rows_of_a_format in (rows, table):
        assert [r["landmark"] for r in rows_of_a_format] == list(POSE_LANDMARK_NAMES)
        for r, image, world in zip(rows_of_a_format, record["pose_landmarks"], record["pose_world_landmarks"]):
            values = [float(r[c]) for c in ("x", "y", "z", "visibility", "presence", "world_x", "world_y", "world_z")]
            assert np.array_equal(np.float32(values), np.float32(image + world[:3]))  # the same float32 numbers
            assert str(r["wrist_above_head"]) == str(record["wrist_above_head"])


def test_streams_picks_what_the_landmarks_file_holds(tmp_path, shared_data, pose_models):
    """--streams writes the named outputs in the order given (the others not at all); a name that
    is not a data output of the graph, or --streams without --landmarks, stops before anything runs."""
    still = str(shared_data / "media" / "pose.jpg")
    base = [sys.executable, "-m", "posegraph.app.cli", "run", "pose_tracking_module", "--input", still, "-q"]
    everything, picked = tmp_path / "all.jsonl", tmp_path / "picked.jsonl"
    for out, extra in ((everything, []), (picked, ["--streams", "pose_world_landmarks, pose_landmarks"])):
        proc = subprocess.run(base + ["--landmarks", str(out)] + extra, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    [full] = [json.loads(line) for line in everything.read_text().splitlines()]
    [record] = [json.loads(line) for line in picked.read_text().splitlines()]
    assert list(full)[5:] == ["pose_landmarks", "pose_world_landmarks", "pose_detection", "pose_rect",
                              "pose_rect_from_landmarks"]
    assert list(record) == ["frame", "timestamp_us", "width", "height", "fps", "pose_world_landmarks", "pose_landmarks"]
    assert record["pose_landmarks"] == full["pose_landmarks"] and len(record["pose_landmarks"]) == 33
    assert record["pose_world_landmarks"] == full["pose_world_landmarks"]

    unknown = subprocess.run(base + ["--landmarks", str(tmp_path / "x.csv"), "--streams", "pose_landmarks,pose_rectt"],
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2
    assert "'pose_rectt'" in unknown.stderr and "pose_rect_from_landmarks" in unknown.stderr  # names the choices
    assert not (tmp_path / "x.csv").exists()
    alone = subprocess.run(base + ["--streams", "pose_landmarks"], capture_output=True, text=True, timeout=120)
    assert alone.returncode == 2 and "--landmarks" in alone.stderr


def test_profile_counts_opening_apart_from_the_frames(shared_data, pose_models):
    proc = subprocess.run([sys.executable, "-m", "posegraph.app.cli", "run", "pose_tracking", "--profile", "-q",
                           "--input", str(shared_data / "media" / "pose.jpg")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    header = next(line for line in lines if line.startswith("node "))
    assert header.split()[-2:] == ["open", "ms"]
    row = next(line for line in lines if line.startswith("posetracking__poselandmarkbyroi__InferenceCalculator "))
    calls, open_ms = int(row.split()[1]), float(row.split()[-1])
    assert calls == 2  # one frame and close; loading the model is the open column
    assert open_ms > 0


@pytest.mark.parametrize("verbose", [False, True])
def test_litert_info_lines_only_with_verbose(shared_data, pose_models, verbose):
    proc = subprocess.run([sys.executable, "-m", "posegraph.app.cli", "run", "pose_tracking", "-q",
                           "--input", str(shared_data / "media" / "pose.jpg"), *(["-v"] if verbose else [])],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert ("INFO: Created TensorFlow Lite XNNPACK delegate for CPU." in proc.stderr) is verbose
    assert "posegraph: 1 frames (1 with a pose)" in proc.stderr


def test_models_fetch_makes_the_copies_the_graphs_load(all_pose_models, tmp_path, monkeypatch, capsys):
    import shutil

    cache = tmp_path / "models"
    cache.mkdir()
    for name in ("pose_detection", "pose_landmark_lite"):  # present and valid: fetch keeps them
        shutil.copyfile(all_pose_models / f"{name}.tflite", cache / f"{name}.tflite")
    monkeypatch.setenv("POSEGRAPH_MODEL_DIR", str(cache))
    assert main(["models", "fetch", "pose_detection", "pose_landmark_lite"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"pose_detection\t{cache / 'pose_detection.tflite'}",
                                f"pose_landmark_lite\t{cache / 'pose_landmark_lite.tflite'}"]
    dense, = (cache / "dense").glob("pose_detection-*.tflite")
    pruned, = (cache / "pruned").glob("pose_landmark_lite-*-without-2.tflite")
    assert err.splitlines()[-2:] == [
        f"posegraph: pose_detection loads from {dense} (its sparse weights stored dense)",
        f"posegraph: pose_landmark_lite loads from {pruned} (without its segmentation output)"]
    assert (cache / ".sha256.json").is_file()  # the checksums' record too
    made = {dense: dense.stat().st_mtime_ns, pruned: pruned.stat().st_mtime_ns}

    # What a run looks for is there already, and a second fetch keeps it as it is.
    from posegraph.calculators.pose.pose_landmark_model_calculator import SEGMENTATION_OUTPUT
    from posegraph.calculators.tensor.runtimes import dense_model_file, pruned_model_file

    assert dense_model_file(cache / "pose_detection.tflite") == dense
    assert pruned_model_file(cache / "pose_landmark_lite.tflite", (SEGMENTATION_OUTPUT,)) == pruned
    assert main(["models", "fetch", "pose_detection", "pose_landmark_lite"]) == 0
    assert {p: p.stat().st_mtime_ns for p in made} == made
    assert sorted((cache / "dense").iterdir()) == [dense] and sorted((cache / "pruned").iterdir()) == [pruned]
