"""Running a graph over a video, an image or a camera: what ``posegraph run`` does.

The runner knows a graph's streams by tag and payload type, never by the calculator behind them
(MediaPipe's desktop driver knows only ``input_video`` and ``output_video``): it feeds each frame
to the input stream tagged IMAGE (or the only input stream) and writes the declared output
streams by what they carry (:func:`graph_outputs`): images to the video or image file, a
segmentation mask to the mask video or image, the rest to the landmarks file
(:mod:`posegraph.app.writers`). Rendering and throttling are the graph's: the bundled
``pose_tracking`` graph draws the skeleton into its ``output_video`` and keeps one frame in flight
with a ``FlowLimiterCalculator``, whose ALLOW output tells the runner which frames it dropped.

Three stages overlap on their own threads: decoding (the source), the graph, and writing (the
sinks), joined by short queues, so a frame's wall time approaches the slowest stage rather than
the sum. A file loses no frame: each is fed once the graph is idle (a graph running inline is idle
when ``add_packet`` returns), so a flow limiter never has a frame to drop. A camera's frames are
fed as they come; a graph on a thread pool drops those arriving while it is busy. Every frame the
graph finished is written before an error, a truncated input or a stop request ends the run; the
output files are always finalised.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Sequence

import cv2
import numpy as np

from posegraph import Graph, GraphRunError
from posegraph.app.media import (DEFAULT_FPS, MediaSink, MediaSource, SourceFrame, check_writable, is_image_path,
                                 open_sink)
from posegraph.app.writers import ImageInfo, LandmarkWriter, check_landmark_path, open_landmark_writer
from posegraph.calculators.formats import NormalizedLandmarkList, Poses, SegmentationMask
from posegraph.framework.errors import MediaError, SidePacketError

log = logging.getLogger(__name__)

_END = object()

# OpenCV's thread count is one setting for the whole process: the first of the runs going on at
# once sets it to 1, the last to end puts the caller's back.
_opencv_lock = threading.Lock()
_opencv_runs = 0
_opencv_threads = 0


def _opencv_on_one_thread() -> None:
    global _opencv_runs, _opencv_threads
    with _opencv_lock:
        if _opencv_runs == 0:
            _opencv_threads = cv2.getNumThreads()
            cv2.setNumThreads(1)
        _opencv_runs += 1


def _opencv_threads_back() -> None:
    global _opencv_runs
    with _opencv_lock:
        _opencv_runs -= 1
        if _opencv_runs == 0:
            cv2.setNumThreads(_opencv_threads)


@dataclass
class RunSummary:
    """What a run did: frames written, frames with a pose (a packet on a NormalizedLandmarkList
    output, or at least one person on a multi-person :data:`~posegraph.calculators.formats.Poses`
    output), live frames the graph dropped to keep up, wall seconds, and why it ended early
    (``truncated`` input, or ``stopped`` by a signal)."""

    frames: int = 0
    frames_with_pose: int = 0
    dropped: int = 0
    seconds: float = 0.0
    truncated: bool = False
    input_error: str | None = None
    stopped: bool = False


@dataclass(frozen=True)
class GraphOutputs:
    """A graph's declared output streams, sorted by what they carry.

    Attributes:
        images: streams of images (uint8 RGB (H, W, 3) arrays), in declaration order: those tagged
            IMAGE in the graph or by the port of the calculator producing them.
        allow: the stream tagged ALLOW (bool at every input timestamp: whether the frame went
            through, as a FlowLimiterCalculator says), or ``None``.
        data: every other stream, with the payload type its producer declares (``object`` when
            unknown), in declaration order: what the landmarks file holds.
        masks: streams of :class:`SegmentationMask` (float32 (H, W) in [0, 1]), in declaration order.
    """

    images: tuple[str, ...]
    allow: str | None
    data: dict[str, Any] = field(default_factory=dict)
    masks: tuple[str, ...] = ()


def image_input(graph: Graph) -> str:
    """The graph input stream frames go to: the one tagged IMAGE, else the only one.

    Raises:
        GraphRunError: no input is tagged IMAGE and the graph has several (or none).
    """
    tagged = next((r.name for r in graph.validated.input_streams if r.tag == "IMAGE"), None)
    if tagged is not None:
        return tagged
    if len(graph.input_streams) != 1:
        raise GraphRunError("the graph needs an input stream tagged IMAGE (e.g. input_stream: \"IMAGE:image\"), "
                            f"or a single input stream; it has {', '.join(graph.input_streams) or 'none'}")
    return graph.input_streams[0]


def _declared(graph: Graph, stream: str) -> tuple[Any, str]:
    """The payload type and port tag the producer of ``stream`` declares (``object, ""`` for a
    graph input passed straight through)."""
    v = graph.validated
    if stream not in v.producers:
        return object, ""
    node_index, slot = v.producers[stream]
    node = v.nodes[node_index]
    tag = node.outputs[slot].tag
    return node.contract.outputs[tag].type, tag


def graph_outputs(graph: Graph) -> GraphOutputs:
    """Sorts ``graph``'s declared output streams into images, ALLOW, masks and data (:class:`GraphOutputs`)."""
    images: list[str] = []
    allow = None
    data: dict[str, Any] = {}
    masks: list[str] = []
    for ref in graph.validated.output_streams:
        kind, port_tag = _declared(graph, ref.name)
        tags = {ref.tag, port_tag}
        if kind is SegmentationMask:
            masks.append(ref.name)
        elif "IMAGE" in tags and kind in (np.ndarray, object):
            images.append(ref.name)
        elif "ALLOW" in tags and kind in (bool, object) and allow is None:
            allow = ref.name
        else:
            data[ref.name] = kind
    return GraphOutputs(tuple(images), allow, data, tuple(masks))


def tagged_output(graph: Graph, tag: str) -> str | None:
    """The name of the graph output stream carrying ``tag`` (e.g. ``"LANDMARKS"``), or ``None``."""
    return next((r.name for r in graph.validated.output_streams if r.tag == tag), None)


def _check_media_path(path: str | Path, source: MediaSource) -> None:
    if is_image_path(path) and not source.is_still:
        raise MediaError(f"{path}: an image holds one frame, but the input {source.name} is a "
                         f"{'camera' if source.is_live else 'video'}; write a video (.mp4) instead")
    check_writable(Path(path))


def check_outputs(graph: Graph, source: MediaSource, output: str | Path | None,
                  landmarks: str | Path | None, mask_output: str | Path | None = None,
                  streams: Sequence[str] | None = None) -> GraphOutputs:
    """What :func:`run_media` will write, checked before anything runs or is created: with
    ``streams``, the landmarks file holds those of the graph's data outputs, in that order, instead
    of all of them.

    Raises:
        MediaError: ``output`` or ``mask_output`` is an image but the input is a video or a camera;
            the graph has no image output for ``output``, or no :class:`SegmentationMask` output
            for ``mask_output``; ``landmarks`` has an unknown extension; a path cannot be written
            (missing directory, a directory in the way, no permission); a name in ``streams`` is
            not a data output of the graph.
        GraphRunError: the graph has no input to feed frames to (:func:`image_input`).
    """
    image_input(graph)
    outputs = graph_outputs(graph)
    if streams is not None:
        unknown = [name for name in streams if name not in outputs.data]
        if unknown or not streams:
            raise MediaError(f"stream(s) {', '.join(map(repr, unknown)) or '(none named)'}: a landmarks file holds "
                             f"the graph's data outputs, which are {', '.join(outputs.data) or 'none'}")
        outputs = replace(outputs, data={name: outputs.data[name] for name in streams})
    if output:
        if not outputs.images:
            raise MediaError(f"{output}: the graph declares no output stream of images to write there (tag one "
                             "IMAGE, e.g. output_stream: \"IMAGE:output_video\")")
        _check_media_path(output, source)
    if mask_output:
        if not outputs.masks:
            raise MediaError(f"{mask_output}: the graph declares no output stream of segmentation masks to write "
                             "there (a SegmentationMask stream, e.g. pose_tracking's "
                             "output_stream: \"SEGMENTATION_MASK:segmentation_mask\")")
        _check_media_path(mask_output, source)
    if landmarks:
        check_writable(Path(landmarks))
        check_landmark_path(landmarks)
    return outputs


def with_segmentation(graph: Graph, side_packets: dict[str, Any] | None) -> dict[str, Any]:
    """``side_packets`` with ``enable_segmentation`` set true when ``graph`` takes that side packet
    and it is not given: what writing a mask needs.

    Raises:
        SidePacketError: ``enable_segmentation`` is given as false.
    """
    packets = dict(side_packets or {})
    if "enable_segmentation" in graph.side_packet_types:
        if packets.get("enable_segmentation", True) is False:
            raise SidePacketError("a mask output (--mask-output) needs the side packet enable_segmentation, but it "
                                  "is set false; drop enable_segmentation=false, or the mask output")
        packets["enable_segmentation"] = True
    return packets


def mask_frame(mask: SegmentationMask | None, size: tuple[int, int]) -> np.ndarray:
    """A mask as an 8-bit grayscale frame, ``round(mask * 255)`` (uint8 (H, W)); no mask (a frame
    without a pose) is black. ``size`` is the frame's (width, height)."""
    if mask is None:
        return np.zeros((size[1], size[0]), np.uint8)
    return np.rint(np.clip(mask.data, 0.0, 1.0) * 255.0).astype(np.uint8)


def has_pose(value: Any, kind: Any) -> bool:
    """Whether a packet of a landmarks stream says someone is there: a NormalizedLandmarkList
    packet, or a :data:`~posegraph.calculators.formats.Poses` tuple with at least one person."""
    if kind == Poses:
        return bool(value)
    return value is not None


def run_media(graph: Graph, source: MediaSource, *, output: str | Path | None = None,
              landmarks: str | Path | None = None, mask_output: str | Path | None = None,
              side_packets: dict[str, Any] | None = None, progress: bool = True,
              stop: threading.Event | None = None, streams: Sequence[str] | None = None) -> RunSummary:
    """Runs ``graph`` on every frame of ``source``; writes its image output to ``output``, its
    segmentation mask to ``mask_output`` and its other outputs (or those named in ``streams``) to
    ``landmarks`` (.jsonl, .csv or .parquet; :mod:`posegraph.app.writers`).

    The frames (uint8 RGB (H, W, 3)) go to the graph's IMAGE input (:func:`image_input`) at the
    source's timestamps. ``output`` gets the first image output stream (:func:`graph_outputs`), a
    video for a video or camera, an image for a still. A frame the graph's ALLOW output marks as
    dropped is counted in :attr:`RunSummary.dropped` and written nowhere. ``mask_output`` gets
    the first :class:`SegmentationMask` output as 8-bit grayscale (:func:`mask_frame`): a video
    (H.264 like ``output``) with a black frame where the graph gave no mask, so it keeps the input's
    frame count and timing, or an image for a still; asking for it turns ``enable_segmentation`` on
    (:func:`with_segmentation`). For a live source the graph should run on a thread pool
    (``num_threads`` >= 2): inline, each frame runs inside ``add_packet``, so frames wait for the
    graph instead of reaching its flow limiter.

    Decoding and writing run on threads of their own. While the run lasts, OpenCV runs each call
    on one thread (``cv2.setNumThreads(1)``; the caller's setting comes back when the last of the
    runs going on at once ends): a call split between its threads (the ROI warp, say) would wait
    for the part queued behind the decoding thread.

    Raises:
        MediaError: an output cannot be written (checked before the first frame; see
            :func:`check_outputs`), or writing failed.
        SidePacketError: ``mask_output`` with ``enable_segmentation`` set false.
        GraphRunError: the graph has no input to feed.
        PosegraphError: the graph failed; every frame finished before the failure is written.
    """
    stop = stop or threading.Event()
    input_stream = image_input(graph)
    outputs = check_outputs(graph, source, output, landmarks, mask_output, streams)
    if mask_output:
        side_packets = with_segmentation(graph, side_packets)
    image_stream = outputs.images[0] if output else None
    mask_stream = outputs.masks[0] if mask_output else None
    names = ([image_stream] if image_stream else []) + ([mask_stream] if mask_stream else []) + list(outputs.data) \
        + ([outputs.allow] if outputs.allow else [])
    pose_streams = {name: kind for name, kind in outputs.data.items() if kind is NormalizedLandmarkList or kind == Poses}
    size = (source.width, source.height)

    sinks: list[MediaSink] = []
    writer: LandmarkWriter | None = None
    try:
        sink = open_sink(output, source.fps or DEFAULT_FPS, size) if output else None
        sinks += [sink] if sink else []
        mask_sink = open_sink(mask_output, source.fps or DEFAULT_FPS, size) if mask_output else None
        sinks += [mask_sink] if mask_sink else []
        if landmarks:
            writer = open_landmark_writer(landmarks, outputs.data, ImageInfo(source.width, source.height, source.fps))
    except BaseException:
        for opened in sinks:
            opened.close()
        raise
    summary = RunSummary()
    frames_in: queue.Queue[Any] = queue.Queue(maxsize=4)
    results: queue.Queue[Any] = queue.Queue(maxsize=4)
    write_error: list[BaseException] = []
    indices: dict[int, int] = {}  # timestamp -> frame index, for the frames in the graph
    started = time.perf_counter()

    def read() -> None:
        try:
            for frame in source:
                if stop.is_set():
                    break
                frames_in.put(frame)
        except BaseException as e:  # handed to the graph thread, raised there
            frames_in.put(e)
        frames_in.put(_END)

    def write() -> None:
        bar = None
        if progress and not source.is_live:
            from tqdm import tqdm  # imported only when a bar is shown

            bar = tqdm(total=source.frame_count, unit="frame", desc=Path(source.name).name, leave=False)
        try:
            while (item := results.get()) is not _END:
                index, timestamp, out = item
                if outputs.allow and out[outputs.allow] is False:
                    summary.dropped += 1
                    continue
                if sink is not None and out[image_stream] is not None:
                    sink.write(out[image_stream])
                if mask_sink is not None:
                    mask_sink.write(mask_frame(out[mask_stream], size))
                if writer is not None:
                    writer.write(index, timestamp, out)
                summary.frames += 1
                summary.frames_with_pose += any(has_pose(out[name], kind) for name, kind in pose_streams.items())
                if bar is not None:
                    bar.update()
        except BaseException as e:
            write_error.append(e)
            stop.set()
            while results.get() is not _END:  # let the graph thread finish
                pass
        finally:
            if bar is not None:
                bar.close()

    def frames() -> Iterator[tuple[int, Any]]:
        while (item := frames_in.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            if stop.is_set():
                continue  # drain the reader
            if not source.is_live and indices:
                graph.wait_until_idle()  # a file's frame goes in once the graph is done with the last
            indices[item.timestamp_us] = item.index
            yield item.timestamp_us, item.image

    _opencv_on_one_thread()
    reader = threading.Thread(target=read, name="posegraph-decode", daemon=True)
    writer_thread = threading.Thread(target=write, name="posegraph-write", daemon=True)
    reader.start()
    writer_thread.start()
    try:
        for timestamp, out in graph.process_frames(frames(), input_stream=input_stream, outputs=names,
                                                   side_packets=side_packets):
            results.put((indices.pop(timestamp), timestamp, out))
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
        _opencv_threads_back()
        for opened in sinks:
            opened.close()
        if writer is not None:
            writer.close()
        summary.seconds = time.perf_counter() - started
        summary.stopped = stop_requested and not write_error
        summary.truncated = source.truncated
        summary.input_error = source.error
    if write_error:
        raise write_error[0]
    return summary
