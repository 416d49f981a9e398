"""PoseLandmarker: MediaPipe's Tasks API (``mediapipe.tasks.python.vision.pose_landmarker``) on the
multi-person module ``graphs/multi_pose_tracking_module.pbtxt`` (the subgraph MultiPoseTracking).

Example::

    from posegraph.tasks.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    options = PoseLandmarkerOptions(running_mode=RunningMode.VIDEO, num_poses=4)
    with PoseLandmarker.create_from_options(options) as landmarker:
        for i, frame in enumerate(frames):                 # uint8 RGB (H, W, 3) arrays
            result = landmarker.detect_for_video(frame, round(i * 1000 / fps))
            for track_id, landmarks in zip(result.track_ids, result.pose_landmarks):
                print(track_id, landmarks[0].x, landmarks[0].y)

Differences from MediaPipe's: the model is chosen by name (``model="lite"``, ``"full"`` or
``"heavy"``) instead of a ``.task`` bundle; results also carry ``track_ids``, ``boxes`` and
``scores``; in VIDEO and LIVE_STREAM mode each person is tracked with its own id and smoothed with
its own one-euro filters (MediaPipe refuses smoothing for more than one pose and carries no
identity). IMAGE mode runs each image alone, as MediaPipe's IMAGE mode does, and matches its
landmarks and masks (see ``posegraph.app.multi_parity``).
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from posegraph import Graph, Packet
from posegraph.calculators.formats import Pose

_MICROSECONDS_PER_MILLISECOND = 1000
#: model name -> the graph's model_complexity
MODEL_COMPLEXITY = {"lite": 0, "full": 1, "heavy": 2}


class RunningMode(enum.Enum):
    """MediaPipe's VisionTaskRunningMode."""

    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    LIVE_STREAM = "LIVE_STREAM"


class ImageFormat(enum.Enum):
    """The pixel layouts :class:`Image` holds (MediaPipe's ImageFormat and values): SRGB, the images
    posegraph runs on, and VEC32F1, the segmentation masks it gives."""

    SRGB = 1
    VEC32F1 = 9


@dataclass(frozen=True)
class Image:
    """A minimal ``mediapipe.Image``: SRGB, uint8 RGB pixels ``(height, width, 3)``, or VEC32F1,
    one float32 per pixel ``(height, width)`` (a segmentation mask, as MediaPipe gives them).

    Raises:
        ValueError: ``data`` is not a uint8 array of shape (H, W, 3) (SRGB) or a float32 array of
            shape (H, W) (VEC32F1).
    """

    image_format: ImageFormat = ImageFormat.SRGB
    data: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        data = self.data
        if self.image_format == ImageFormat.VEC32F1:
            if not isinstance(data, np.ndarray) or data.dtype != np.float32 or data.ndim != 2:
                raise ValueError("a VEC32F1 Image holds float32 values of shape (height, width), "
                                 f"got {_describe(data)}")
        elif not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 3 or data.shape[2] != 3:
            raise ValueError(f"an Image holds uint8 RGB pixels of shape (height, width, 3), got {_describe(data)}")

    @property
    def width(self) -> int:
        return int(self.data.shape[1])

    @property
    def height(self) -> int:
        return int(self.data.shape[0])

    @property
    def channels(self) -> int:
        return 1 if self.data.ndim == 2 else int(self.data.shape[2])

    def numpy_view(self) -> np.ndarray:
        """The pixels: uint8 (H, W, 3) RGB, or float32 (H, W) for VEC32F1."""
        return self.data


@dataclass(frozen=True)
class NormalizedLandmark:
    """MediaPipe's NormalizedLandmark: x, y fractions of the image width and height (may lie outside
    [0, 1]), z on the x scale (smaller is nearer the camera), visibility and presence probabilities."""

    x: float
    y: float
    z: float
    visibility: float
    presence: float


@dataclass(frozen=True)
class Landmark:
    """MediaPipe's (world) Landmark: x, y, z in metres, origin at the hip centre; visibility and
    presence as the matching image landmark's."""

    x: float
    y: float
    z: float
    visibility: float
    presence: float


@dataclass(frozen=True)
class PoseLandmarkerResult:
    """MediaPipe's PoseLandmarkerResult, one entry per person in every list, in the same order.

    Attributes:
        pose_landmarks: 33 :class:`NormalizedLandmark` per person.
        pose_world_landmarks: 33 :class:`Landmark` per person.
        segmentation_masks: with ``output_segmentation_masks``, one VEC32F1 :class:`Image` per person
            (float32 (H, W) in [0, 1], the input image's size, 0 outside the person's ROI), as
            MediaPipe gives them; ``None`` without it, or when nobody is found (as MediaPipe).
        track_ids: each person's id, stable while the person is tracked (VIDEO, LIVE_STREAM), never
            reused; in IMAGE mode every detected person is new.
        boxes: ``(xmin, ymin, xmax, ymax)`` of each person's landmarks, normalized to the image.
        scores: the landmark model's pose presence probability per person.
    """

    pose_landmarks: list[list[NormalizedLandmark]]
    pose_world_landmarks: list[list[Landmark]]
    segmentation_masks: list[np.ndarray] | None = None
    track_ids: list[int] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)

    @classmethod
    def from_poses(cls, poses: tuple[Pose, ...]) -> "PoseLandmarkerResult":
        """The result for the multi-person graph's POSES packet (masks when its poses carry them)."""
        masks = None
        if poses and all(p.segmentation_mask is not None for p in poses):
            masks = [Image(ImageFormat.VEC32F1, p.segmentation_mask.data) for p in poses]  # type: ignore[union-attr]
        return cls(pose_landmarks=[[NormalizedLandmark(*map(float, row)) for row in p.landmarks.data] for p in poses],
                   pose_world_landmarks=[[Landmark(*map(float, row)) for row in p.world_landmarks.data]
                                         for p in poses],
                   segmentation_masks=masks, track_ids=[p.id for p in poses], boxes=[p.box for p in poses],
                   scores=[p.score for p in poses])


@dataclass(frozen=True)
class PoseLandmarkerOptions:
    """MediaPipe's PoseLandmarkerOptions (its ``base_options`` replaced by ``model``).

    Attributes:
        running_mode: IMAGE (``detect``), VIDEO (``detect_for_video``) or LIVE_STREAM
            (``detect_async``, results through ``result_callback``).
        num_poses: the most people found per image, 1..100.
        min_pose_detection_confidence: the person detector's score threshold.
        min_pose_presence_confidence: the landmark model's pose presence threshold.
        min_tracking_confidence: the overlap (IoU) above which a tracked person and a detection are
            the same person (as in MediaPipe's Tasks graph).
        output_segmentation_masks: a segmentation mask per person in the results.
        result_callback: ``f(result, image, timestamp_ms)``, LIVE_STREAM mode only.
        model: the landmark model, ``"lite"``, ``"full"`` or ``"heavy"`` (BlazePose's, the models
            ``posegraph models fetch`` gets).
        detection_tiles: 1 (MediaPipe's way) runs the person detector on the whole image; N in
            2..8 also on overlapping tiles, N along the shorter side, to find people small in it
            (posegraph's; the module's ``detection_tiles`` side packet).
        redetect_interval: VIDEO and LIVE_STREAM modes: 0 (MediaPipe's way) runs the detector
            whenever fewer than ``num_poses`` people are tracked; N > 0 every N frames and whenever
            nobody is (posegraph's; the module's ``redetect_interval`` side packet).
        association: how tracked people and new detections are matched in VIDEO and
            LIVE_STREAM modes. ``"assignment"`` (posegraph's) pairs them one-to-one, so two people
            close together are both kept, and gives a person found twice once;
            ``"mediapipe"`` is MediaPipe's rule (a detection replaces every person it overlaps,
            and of two overlapping detections the later stays) and drops nothing, which gives
            the poses MediaPipe's PoseLandmarker gives, in every mode (the module's
            ``association`` side packet).
    """

    running_mode: RunningMode = RunningMode.IMAGE
    num_poses: int = 1
    min_pose_detection_confidence: float = 0.5
    min_pose_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    output_segmentation_masks: bool = False
    result_callback: Callable[[PoseLandmarkerResult, Image, int], None] | None = None
    model: str = "full"
    detection_tiles: int = 1
    redetect_interval: int = 0
    association: str = "assignment"


class PoseLandmarker:
    """Finds people's pose landmarks in images or video frames (MediaPipe's PoseLandmarker).

    Build it with :meth:`create_from_options`; call the method of its running mode; :meth:`close` it
    (or use it as a context manager). Images are :class:`Image` or uint8 RGB numpy arrays (H, W, 3).
    """

    def __init__(self, options: PoseLandmarkerOptions) -> None:
        mode = options.running_mode
        if mode == RunningMode.LIVE_STREAM and options.result_callback is None:
            raise ValueError("The vision task is in live stream mode, a user-defined result callback must be "
                             "provided.")
        if mode != RunningMode.LIVE_STREAM and options.result_callback is not None:
            raise ValueError("The vision task is in image or video mode, a user-defined result callback should "
                             "not be provided.")
        if options.model not in MODEL_COMPLEXITY:
            raise ValueError(f"model must be one of {', '.join(MODEL_COMPLEXITY)}, got {options.model!r}")
        self._options = options
        self._mode = mode
        self._last_timestamp_ms: int | None = None
        self._next_image_timestamp = 0
        self._results: dict[int, tuple[Pose, ...]] = {}
        self._images: dict[int, Image] = {}
        self._lock = threading.Lock()
        self._graph = Graph.from_name("multi_pose_tracking_module",
                                      num_threads=2 if mode == RunningMode.LIVE_STREAM else None)
        self._graph.observe("poses", self._on_poses)
        self._graph.start({
            "num_poses": options.num_poses,
            "min_detection_confidence": float(options.min_pose_detection_confidence),
            "min_presence_confidence": float(options.min_pose_presence_confidence),
            "min_tracking_confidence": float(options.min_tracking_confidence),
            "static_image_mode": mode == RunningMode.IMAGE,
            "smooth_landmarks": mode != RunningMode.IMAGE,
            "model_complexity": MODEL_COMPLEXITY[options.model],
            "enable_segmentation": bool(options.output_segmentation_masks),
            "detection_tiles": options.detection_tiles,
            "redetect_interval": options.redetect_interval,
            "association": options.association,
        })
        self._closed = False

    @classmethod
    def create_from_options(cls, options: PoseLandmarkerOptions) -> "PoseLandmarker":
        """A landmarker for ``options``.

        Raises:
            ValueError: a result callback given outside LIVE_STREAM mode, or missing in it; an
                unknown model name.
            SidePacketError: ``num_poses`` outside 1..100, ``detection_tiles`` outside 1..8, a
                negative ``redetect_interval``, an ``association`` other than ``"assignment"`` and
                ``"mediapipe"``.
        """
        return cls(options)

    def detect(self, image: Image | np.ndarray) -> PoseLandmarkerResult:
        """The poses in one image (IMAGE mode): each image is processed alone.

        Raises:
            ValueError: not in IMAGE mode, or not a uint8 RGB image.
        """
        self._check_mode(RunningMode.IMAGE)
        timestamp = self._next_image_timestamp
        self._next_image_timestamp += 1
        return self._run(_as_image(image), timestamp)

    def detect_for_video(self, image: Image | np.ndarray, timestamp_ms: int) -> PoseLandmarkerResult:
        """The poses in one video frame (VIDEO mode); people are tracked from frame to frame.

        Raises:
            ValueError: not in VIDEO mode, a timestamp not after the previous one, or not a uint8
                RGB image.
        """
        self._check_mode(RunningMode.VIDEO)
        return self._run(_as_image(image), self._timestamp_us(timestamp_ms))

    def detect_async(self, image: Image | np.ndarray, timestamp_ms: int) -> None:
        """Sends a live frame (LIVE_STREAM mode); ``result_callback(result, image, timestamp_ms)`` is
        called with its poses, on a graph thread, in timestamp order. Unlike MediaPipe's, no frame is
        dropped: the call waits while the graph is ``max_queue_size`` frames behind.

        Raises:
            ValueError: not in LIVE_STREAM mode, a timestamp not after the previous one, or not a
                uint8 RGB image.
        """
        self._check_mode(RunningMode.LIVE_STREAM)
        image = _as_image(image)
        timestamp = self._timestamp_us(timestamp_ms)
        with self._lock:
            self._images[timestamp] = image
        self._graph.add_packet("image", image.data, timestamp)

    def close(self) -> None:
        """Finishes the frames sent (LIVE_STREAM: their callbacks run first) and releases the graph."""
        if not self._closed:
            self._closed = True
            self._graph.close()

    def __enter__(self) -> "PoseLandmarker":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- internals -----------------------------------------------------------------------------
    def _check_mode(self, mode: RunningMode) -> None:
        if self._closed:
            raise ValueError("the PoseLandmarker is closed")
        if self._mode != mode:
            raise ValueError(f"Task is not initialized with the {mode.name.lower().replace('_', ' ')} mode. "
                             f"Current running mode:{self._mode.name}")

    def _timestamp_us(self, timestamp_ms: int) -> int:
        if self._last_timestamp_ms is not None and timestamp_ms <= self._last_timestamp_ms:
            raise ValueError(f"Input timestamp must be monotonically increasing: got {timestamp_ms} ms after "
                             f"{self._last_timestamp_ms} ms")
        self._last_timestamp_ms = timestamp_ms
        return int(timestamp_ms) * _MICROSECONDS_PER_MILLISECOND

    def _run(self, image: Image, timestamp: int) -> PoseLandmarkerResult:
        self._graph.add_packet("image", image.data, timestamp)
        self._graph.wait_until_idle()
        return PoseLandmarkerResult.from_poses(self._results.pop(timestamp))

    def _on_poses(self, packet: Packet) -> None:
        callback = self._options.result_callback
        if callback is None:
            self._results[packet.timestamp] = packet.payload
            return
        with self._lock:
            image = self._images.pop(packet.timestamp)
        callback(PoseLandmarkerResult.from_poses(packet.payload), image, packet.timestamp // _MICROSECONDS_PER_MILLISECOND)


def _describe(data: Any) -> str:
    """An array's dtype and shape, or the type of anything else, for an error message."""
    return f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__


def _as_image(image: Image | np.ndarray) -> Image:
    if isinstance(image, Image):
        if image.image_format != ImageFormat.SRGB:
            raise ValueError(f"the PoseLandmarker takes SRGB images, got {image.image_format.name}")
        return image
    return Image(data=np.ascontiguousarray(image))
