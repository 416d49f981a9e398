"""Running a graph over a video, an image or a camera: what ``posegraph run`` does.

Three stages overlap on their own threads: decoding (the source), the graph, and rendering plus
writing (the sinks), joined by short queues, so a frame's wall time approaches the slowest stage
rather than the sum. Every frame the graph finished is written before an error, a truncated input
or a stop request ends the run; the output files are always finalised.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from posegraph import Graph, GraphRunError
from posegraph.app.media import (DEFAULT_FPS, JsonlLandmarkWriter, MediaSink, MediaSource, SourceFrame,
                                           check_writable, open_sink)
from posegraph.calculators.pose.render import draw_landmark_list

log = logging.getLogger(__name__)

_END = object()


@dataclass
class RunSummary:
    """What a run did: frames written, frames with a pose, live frames dropped because the graph was
    behind, wall seconds, and why it ended early (``truncated`` input, or ``stopped`` by a signal)."""

    frames: int = 0
    frames_with_pose: int = 0
    dropped: int = 0
    seconds: float = 0.0
    truncated: bool = False
    input_error: str | None = None
    stopped: bool = False


def _put_latest(frames: queue.Queue[Any], frame: SourceFrame, summary: RunSummary) -> None:
    """Queues a live frame; when the graph is behind, the oldest waiting frame is dropped instead,
    so what the graph sees stays current (latest frame wins)."""
    while True:
        try:
            frames.put_nowait(frame)
            return
        except queue.Full:
            try:
                frames.get_nowait()
                summary.dropped += 1
            except queue.Empty:
                pass


def tagged_output(graph: Graph, tag: str) -> str | None:
    """The name of the graph output stream carrying ``tag`` (e.g. ``"LANDMARKS"``), or ``None``."""
    return next((r.name for r in graph.validated.output_streams if r.tag == tag), None)


def run_media(graph: Graph, source: MediaSource, *, output: str | Path | None = None,
              landmarks: str | Path | None = None, side_packets: dict[str, Any] | None = None,
              progress: bool = True, stop: threading.Event | None = None) -> RunSummary:
    """Runs ``graph`` on every frame of ``source``; writes the annotated video/image and the JSONL.

    The frames (uint8 RGB) go to the graph's IMAGE-tagged input stream (or its only input) at the
    source's timestamps. Landmarks come from the output streams tagged LANDMARKS and
    WORLD_LANDMARKS; ``output`` gets each frame with the LANDMARKS skeleton drawn.

    Raises:
        MediaError: an output cannot be written (checked before the first frame).
        GraphRunError: the graph has no suitable input or landmark output.
        PosegraphError: the graph failed; every frame finished before the failure is written.
    """
    stop = stop or threading.Event()
    input_stream = next((r.name for r in graph.validated.input_streams if r.tag == "IMAGE"), None)
    if input_stream is None:
        if len(graph.input_streams) != 1:
            raise GraphRunError("the graph needs an input stream tagged IMAGE (e.g. input_stream: \"IMAGE:image\")")
        input_stream = graph.input_streams[0]
    lm_stream, world_stream = tagged_output(graph, "LANDMARKS"), tagged_output(graph, "WORLD_LANDMARKS")
    if (output or landmarks) and lm_stream is None:
        raise GraphRunError("--output and --landmarks need a graph output stream tagged LANDMARKS")
    outputs = [s for s in (lm_stream, world_stream) if s is not None]

    if landmarks:
        check_writable(Path(landmarks))  # before the sink creates its file
    sink: MediaSink | None = open_sink(output, source.fps or DEFAULT_FPS, (source.width, source.height)) if output else None
    writer = None
    try:
        writer = JsonlLandmarkWriter(landmarks) if landmarks else None
    except BaseException:
        if sink is not None:
            sink.close()
        raise
    summary = RunSummary()
    frames_in: queue.Queue[Any] = queue.Queue(maxsize=4)
    results: queue.Queue[Any] = queue.Queue(maxsize=4)
    write_error: list[BaseException] = []
    images: dict[int, SourceFrame] = {}
    started = time.perf_counter()

    def read() -> None:
        try:
            for frame in source:
                if stop.is_set():
                    break
                if source.is_live:
                    _put_latest(frames_in, frame, summary)
                else:
                    frames_in.put(frame)  # a file loses nothing: wait for the graph
        except BaseException as e:  # handed to the graph thread, raised there
            frames_in.put(e)
        frames_in.put(_END)

    def write() -> None:
        from tqdm import tqdm

        bar = tqdm(total=source.frame_count, unit="frame", disable=not progress or source.is_live,
                   desc=Path(source.name).name, leave=False)
        try:
            while (item := results.get()) is not _END:
                frame, out = item
                pose = out.get(lm_stream) if lm_stream else None
                if sink is not None:
                    sink.write(draw_landmark_list(frame.image, pose))
                if writer is not None:
                    world = out.get(world_stream) if world_stream else None
                    writer.write(frame.index, frame.timestamp_us, None if pose is None else pose.data,
                                 None if world is None else world.data)
                summary.frames += 1
                summary.frames_with_pose += pose is not None
                bar.update()
        except BaseException as e:
            write_error.append(e)
            stop.set()
            while results.get() is not _END:  # let the graph thread finish
                pass
        finally:
            bar.close()

    def frames() -> Iterator[tuple[int, Any]]:
        while (item := frames_in.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            if stop.is_set():
                continue  # drain the reader
            images[item.timestamp_us] = item
            yield item.timestamp_us, item.image

    reader = threading.Thread(target=read, name="posegraph-decode", daemon=True)
    writer_thread = threading.Thread(target=write, name="posegraph-write", daemon=True)
    reader.start()
    writer_thread.start()
    try:
        for timestamp, out in graph.process_frames(frames(), input_stream=input_stream, outputs=outputs,
                                                   side_packets=side_packets):
            results.put((images.pop(timestamp), out))
    finally:
        stop_requested = stop.is_set()
        stop.set()
        while reader.is_alive():  # unblock a reader waiting on a full queue
            try:
                frames_in.get(timeout=0.05)
            except queue.Empty:
                pass
        results.put(_END)
        writer_thread.join()
        if sink is not None:
            sink.close()
        if writer is not None:
            writer.close()
        summary.seconds = time.perf_counter() - started
        summary.stopped = stop_requested and not write_error
        summary.truncated = source.truncated
        summary.input_error = source.error
    if write_error:
        raise write_error[0]
    return summary
