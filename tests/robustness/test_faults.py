"""Faults at run time: a calculator failing in open, process or close stops the graph cleanly (one
CalculatorError naming node, calculator and timestamp; no threads left; no hang), `posegraph run`
keeps every frame finished before the fault, and SIGINT/SIGTERM finalise the outputs."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from fault_calculators import FaultCalculator, InjectedFault  # noqa: F401  (registers the calculator)
from posegraph import CalculatorError, Graph
from robust_helpers import POSE_GRAPH, fault_driver, jsonl_records, video_frame_count, within

FRAMES = 20
FAIL_AT = 5


def small_graph(fail: str, threads: int, delay: float = 0.0) -> Graph:
    return Graph.from_string(f"""
input_stream: "in"
output_stream: "out"
node {{
  name: "fault"
  calculator: "FaultCalculator"
  input_stream: "in"
  output_stream: "mid"
  options: {{ [mediapipe.FaultCalculatorOptions.ext] {{ fail: "{fail}" at: {FAIL_AT} delay: {delay} }} }}
}}
node {{ calculator: "PassThroughCalculator" input_stream: "mid" output_stream: "out" }}
""", num_threads=threads)


@pytest.mark.parametrize("fail, threads", [
    ("open", 1), ("open", 4), ("process", 1), ("process", 4), ("close", 1),
    ("close", 4),
])
def test_failing_calculator_stops_the_graph_cleanly(fail, threads):
    baseline = threading.active_count()
    # Process calls take 0.05 s, so on a pool too the frames before the fault finish first.
    graph = small_graph(fail, threads, delay=0.05 if fail == "process" else 0.0)
    done: list[int] = []

    def run() -> None:
        for timestamp, out in graph.process_frames((t, t * 10) for t in range(FRAMES)):
            assert out["out"] == timestamp * 10
            done.append(timestamp)

    with pytest.raises(CalculatorError) as caught:
        within(30, run)
    error = caught.value
    assert (error.node, error.calculator, error.method) == ("fault", "FaultCalculator", fail)
    assert isinstance(error.__cause__, InjectedFault)
    if fail == "process":
        assert error.timestamp == str(FAIL_AT)
        assert str(error) == (f"node 'fault' (FaultCalculator) failed in process at timestamp {FAIL_AT}: "
                              f"InjectedFault: injected fault at {FAIL_AT}")
        # Inline, every frame before the fault is finished; on a pool, a prefix of them (none after it).
        assert done == list(range(FAIL_AT if threads == 1 else len(done)))
        assert 1 <= len(done) <= FAIL_AT
    else:
        assert error.timestamp is None
        assert str(error) == f"node 'fault' (FaultCalculator) failed in {fail}: InjectedFault: injected fault in {fail}"
        assert done == ([] if fail == "open" else list(range(FRAMES)))
    assert threading.active_count() == baseline, [t.name for t in threading.enumerate()]


# --- posegraph run ---------------------------------------------------------------------------------

def run_with_fault(tmp_path: Path, squats: Path, *extra: str, **settings: object) -> subprocess.CompletedProcess[str]:
    command = fault_driver({"out": tmp_path / "faulty.pbtxt", **settings}, "run", POSE_GRAPH, "--input", squats,
                           "--landmarks", tmp_path / "out.jsonl", "--output", tmp_path / "out.mp4", "-q", *extra)
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("threads", ["1", "4"])
def test_run_keeps_the_frames_before_a_process_fault(tmp_path, squats, pose_models, threads):
    fault_frame = 7
    # Each frame waits 0.3 s at the fault node, so on a pool too the frames before the fault have
    # time to leave the graph (as in test_signal_finalises_the_outputs).
    proc = run_with_fault(tmp_path, squats, "--threads", threads, fail="process", at=fault_frame * 200_000,
                          delay=0.3)
    assert proc.returncode == 1, proc.stderr
    assert (f"posegraph: error: node 'fault' (FaultCalculator) failed in process at timestamp "
            f"{fault_frame * 200_000}: InjectedFault") in proc.stderr
    records = jsonl_records(tmp_path / "out.jsonl")
    if threads == "1":
        assert len(records) == fault_frame
    assert 1 <= len(records) <= fault_frame
    assert [r["frame"] for r in records] == list(range(len(records)))
    assert [r["timestamp_us"] for r in records] == [200_000 * i for i in range(len(records))]
    assert all(r["pose_landmarks"] is not None for r in records)
    assert video_frame_count(tmp_path / "out.mp4") == len(records)


@pytest.mark.parametrize("threads", ["1", "4"])
def test_run_keeps_every_frame_before_a_close_fault(tmp_path, squats, pose_models, threads):
    proc = run_with_fault(tmp_path, squats, "--threads", threads, fail="close")
    assert proc.returncode == 1, proc.stderr
    assert "node 'fault' (FaultCalculator) failed in close: InjectedFault: injected fault in close" in proc.stderr
    records = jsonl_records(tmp_path / "out.jsonl")
    # Inline, every frame is finished before the inputs close, so all 65 are kept. On a pool the
    # faulting node can close while later frames are still in other nodes: those are unfinished,
    # and what is kept must be exactly the finished frames, in order, in both files.
    if threads == "1":
        assert len(records) == 65
    assert len(records) >= 1
    assert [r["frame"] for r in records] == list(range(len(records)))
    assert video_frame_count(tmp_path / "out.mp4") == len(records)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_row_formats_keep_the_frames_before_a_process_fault(tmp_path, squats, pose_models, suffix):
    """CSV is flushed per frame and Parquet finalised on the way out: both hold exactly the frames
    finished before the fault (inline: every one before it), 33 rows each."""
    import pyarrow.csv
    import pyarrow.parquet

    fault_frame = 4
    command = fault_driver({"out": tmp_path / "faulty.pbtxt", "fail": "process", "at": fault_frame * 200_000},
                           "run", POSE_GRAPH, "--input", squats, "--landmarks", tmp_path / f"out.{suffix}", "-q")
    proc = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 1, proc.stderr
    read = pyarrow.csv.read_csv if suffix == "csv" else pyarrow.parquet.read_table
    table = read(tmp_path / f"out.{suffix}").to_pydict()
    assert table["frame"] == [f for f in range(fault_frame) for _ in range(33)]
    assert table["timestamp_us"] == [200_000 * f for f in table["frame"]]
    assert None not in table["x"] and None not in table["world_z"]


def test_run_with_an_open_fault_writes_no_frame(tmp_path, squats, pose_models):
    proc = run_with_fault(tmp_path, squats, fail="open")
    assert proc.returncode == 1, proc.stderr
    assert "node 'fault' (FaultCalculator) failed in open: InjectedFault: injected fault in open" in proc.stderr
    assert jsonl_records(tmp_path / "out.jsonl") == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_finalises_the_outputs(tmp_path, squats, pose_models, signum):
    landmarks = tmp_path / "out.jsonl"
    command = fault_driver({"out": tmp_path / "slow.pbtxt", "delay": 0.3}, "run", POSE_GRAPH, "--input", squats,
                           "--landmarks", landmarks, "--output", tmp_path / "out.mp4", "-q")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (landmarks.exists() and len(landmarks.read_text().splitlines()) >= 3):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no frame written within 120 s"
            time.sleep(0.05)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 128 + signum, stderr
    assert f"stopped by signal {int(signum)}" in stderr
    records = jsonl_records(landmarks)
    assert 3 <= len(records) < 65
    assert [r["frame"] for r in records] == list(range(len(records)))
    assert video_frame_count(tmp_path / "out.mp4") == len(records)
