"""run_media: frames in, declared outputs written by type. A live source loses frames in the
graph's flow limiter when the graph is behind; a file source loses none, inline or on a pool."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from posegraph import (Calculator, CalculatorContext, Contract, Graph, MediaError, PosegraphError, Port,
                       register_calculator)
from posegraph.app.media import SourceFrame
from posegraph.app.runner import graph_outputs, run_media


@register_calculator
class SlowFrameForRunnerTest(Calculator):
    """Takes 30 ms per frame (slower than the source below); says whether the frame's first pixel is lit."""

    contract = Contract(inputs={"IMAGE": Port(np.ndarray)}, outputs={"": Port(bool)})

    def process(self, cc: CalculatorContext) -> None:
        time.sleep(0.03)
        cc.send("", bool(cc.value("IMAGE")[0, 0, 0]))


class FakeSource:
    """40 tiny frames, 2 ms apart, as a camera (live) or a file would deliver them; odd frames are lit."""

    def __init__(self, live: bool) -> None:
        self.name, self.fps, self.frame_count, self.width, self.height = "fake", 500.0, 40, 4, 4
        self.is_live, self.is_still, self.truncated, self.error = live, False, False, None

    def __iter__(self):
        for i in range(40):
            time.sleep(0.002)
            yield SourceFrame(i, i * 2000, np.full((4, 4, 3), 255 * (i % 2), np.uint8))


# As MediaPipe's pose_tracking_cpu.pbtxt throttles: FINISHED is a back edge from the graph's output.
GRAPH = """
input_stream: "IMAGE:image"
output_stream: "lit"
output_stream: "ALLOW:allowed"
node {
  calculator: "FlowLimiterCalculator"
  input_stream: "image"
  input_stream: "FINISHED:lit"
  input_stream_info: { tag_index: "FINISHED" back_edge: true }
  output_stream: "throttled"
  output_stream: "ALLOW:allowed"
}
node { calculator: "SlowFrameForRunnerTest" input_stream: "IMAGE:throttled" output_stream: "lit" }
"""


def test_outputs_are_sorted_by_what_they_carry():
    outputs = graph_outputs(Graph.from_string(GRAPH))
    assert (outputs.images, outputs.allow, outputs.data) == ((), "allowed", {"lit": bool})


def test_a_live_source_drops_frames_in_the_graph_instead_of_falling_behind(tmp_path):
    summary = run_media(Graph.from_string(GRAPH, num_threads=2), FakeSource(live=True), progress=False,
                        landmarks=tmp_path / "out.jsonl")
    assert summary.dropped > 0
    assert summary.frames + summary.dropped == 40
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(records) == summary.frames  # the dropped frames are written nowhere
    assert all(r["lit"] == bool(r["frame"] % 2) for r in records)  # what went through is intact


@pytest.mark.parametrize("threads", [1, 2])
def test_a_file_source_loses_no_frame(tmp_path, threads):
    summary = run_media(Graph.from_string(GRAPH, num_threads=threads), FakeSource(live=False), progress=False,
                        landmarks=tmp_path / "out.jsonl")
    assert (summary.frames, summary.dropped) == (40, 0)
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert records[3] == {"frame": 3, "timestamp_us": 6000, "width": 4, "height": 4, "fps": 500.0, "lit": True}
    assert [(r["frame"], r["lit"]) for r in records] == [(i, bool(i % 2)) for i in range(40)]


def test_an_output_video_needs_an_image_stream(tmp_path):
    with pytest.raises(MediaError, match=r"out\.mp4: the graph declares no output stream of images"):
        run_media(Graph.from_string(GRAPH), FakeSource(live=False), output=tmp_path / "out.mp4", progress=False)
    assert list(tmp_path.iterdir()) == []


class FakeCamera:
    """The squat video's first 30 frames as a camera delivers them: live, every 5 ms (faster than
    the pose graph), timestamps since the first frame. A stand-in: no camera is attached here."""

    def __init__(self, frames) -> None:
        self.frames = frames
        self.name, self.fps, self.frame_count = "camera 0", None, None
        self.height, self.width = frames[0].image.shape[:2]
        self.is_live, self.is_still, self.truncated, self.error = True, False, False, None

    def __iter__(self):
        for frame in self.frames:
            time.sleep(0.005)
            yield SourceFrame(frame.index, frame.index * 5000, frame.image)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def test_a_camera_runs_the_pose_graph_on_a_pool_whose_flow_limiter_drops_frames(tmp_path, monkeypatch, capsys,
                                                                                 shared_data, pose_models):
    from posegraph.app import media
    from posegraph.app.cli import main
    from posegraph.app.media import open_source

    with open_source(shared_data / "media" / "pose_squats.mp4") as video:
        frames = [f for f, _ in zip(video, range(30))]
    monkeypatch.setattr(media, "open_source", lambda spec: FakeCamera(frames))
    status = main(["run", "pose_tracking", "--input", "0", "--landmarks", str(tmp_path / "out.jsonl"),
                   "--output", str(tmp_path / "out.mp4"), "-q"])
    assert status == 0
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    dropped = 30 - len(records)
    assert 0 < dropped < 30 and records[0]["frame"] == 0  # the first frame finds the graph idle
    assert f"{len(records)} frames ({len(records)} with a pose) in " in (err := capsys.readouterr().err)
    assert f", {dropped} live frames dropped to keep up" in err
    assert [r["timestamp_us"] for r in records] == [r["frame"] * 5000 for r in records]
    assert all(b["frame"] > a["frame"] for a, b in zip(records, records[1:]))
    with open_source(tmp_path / "out.mp4") as written:
        assert sum(1 for _ in written) == len(records)  # a rendered frame for each frame that went through


@register_calculator
class OpenCvThreadsForRunnerTest(Calculator):
    """Sends OpenCV's thread count as the graph sees it."""

    contract = Contract(inputs={"IMAGE": Port(np.ndarray)}, outputs={"": Port(int)},
                        input_side_packets={"FAIL": Port(bool, optional=True)})

    def process(self, cc: CalculatorContext) -> None:
        import cv2

        if cc.input_timestamp == 10_000 and cc.side_input("FAIL", default=False):
            raise ValueError("frame 5 is broken")
        cc.send("", cv2.getNumThreads())


def test_opencv_runs_on_one_thread_during_a_run_and_as_before_after_it(tmp_path):
    # Decoding has a thread of its own; an OpenCV call split between OpenCV's threads would wait for
    # the part queued behind it. The caller's setting comes back when the run ends, even when it fails.
    import cv2

    graph_text = ('input_stream: "IMAGE:image" output_stream: "threads" input_side_packet: "fail" '
                  'node { calculator: "OpenCvThreadsForRunnerTest" input_stream: "IMAGE:image" '
                  'input_side_packet: "FAIL:fail" output_stream: "threads" }')
    before = cv2.getNumThreads()
    cv2.setNumThreads(2)
    try:
        run_media(Graph.from_string(graph_text), FakeSource(live=False), landmarks=tmp_path / "t.jsonl",
                  progress=False)
        assert cv2.getNumThreads() == 2
        assert {json.loads(line)["threads"] for line in (tmp_path / "t.jsonl").read_text().splitlines()} == {1}
        with pytest.raises(PosegraphError, match="frame 5 is broken"):
            run_media(Graph.from_string(graph_text), FakeSource(live=False), landmarks=tmp_path / "f.jsonl",
                      progress=False, side_packets={"fail": True})
        assert cv2.getNumThreads() == 2
        assert len((tmp_path / "f.jsonl").read_text().splitlines()) == 5  # the finished frames are kept

        # Two runs at once, the second ending last: the setting comes back when both have ended.
        class Longer(FakeSource):
            def __iter__(self):
                for frame in super().__iter__():
                    time.sleep(0.004)
                    yield frame

        first_started = threading.Event()
        runs = [threading.Thread(target=lambda: (first_started.set(), run_media(
                    Graph.from_string(graph_text), FakeSource(live=False), landmarks=tmp_path / "a.jsonl", progress=False))),
                threading.Thread(target=lambda: (first_started.wait(), run_media(
                    Graph.from_string(graph_text), Longer(live=False), landmarks=tmp_path / "b.jsonl", progress=False)))]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
        assert cv2.getNumThreads() == 2
        assert {json.loads(line)["threads"] for line in (tmp_path / "b.jsonl").read_text().splitlines()} == {1}
    finally:
        cv2.setNumThreads(before)
