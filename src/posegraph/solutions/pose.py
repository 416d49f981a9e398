"""MediaPipe Pose (``mp.solutions.pose`` of MediaPipe 0.10.21), on posegraph's bundled graph.

A thin layer over the ``pose_tracking_module`` graph (the PoseTracking subgraph), as MediaPipe's ``python/solutions/pose.py`` is over
its ``pose_landmark_cpu`` graph: :class:`Pose` starts the graph once with its arguments as side
packets, and each :meth:`Pose.process` call feeds one frame and returns that frame's results::

    import posegraph as mp                      # was: import mediapipe as mp

    with mp.solutions.pose.Pose(min_detection_confidence=0.5) as pose:
        results = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        if results.pose_landmarks:
            nose = results.pose_landmarks.landmark[mp.solutions.pose.PoseLandmark.NOSE]

Landmarks come back as protobuf messages with MediaPipe's schema (:mod:`posegraph.solutions.landmark_pb2`).
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from posegraph import Graph, PosegraphError
from posegraph.app.runner import tagged_output
from posegraph.calculators.pose.render import POSE_CONNECTIONS as _CONNECTIONS
from posegraph.calculators.pose.render import POSE_LANDMARK_NAMES
from posegraph.solutions import landmark_pb2

PoseLandmark = enum.IntEnum("PoseLandmark", [(name.upper(), index) for index, name in enumerate(POSE_LANDMARK_NAMES)],
                            module=__name__)
PoseLandmark.__doc__ = "The 33 pose landmarks (MediaPipe's PoseLandmark): NOSE = 0 ... RIGHT_FOOT_INDEX = 32."

POSE_CONNECTIONS: frozenset[tuple[int, int]] = frozenset(_CONNECTIONS)
"""MediaPipe's 35 pairs of landmark indices drawn as the skeleton (``pose_connections.py``)."""

FRAME_STEP_US = 33_333
"""Timestamp step between :meth:`Pose.process` calls, microseconds: MediaPipe's SolutionBase
simulates a 30 fps video whatever the input's rate (the first frame is at 33333)."""

_RGB_CHANNELS = 3


@contextlib.contextmanager
def _as_runtime_error() -> Iterator[None]:
    """posegraph's errors as the RuntimeError MediaPipe's solutions raise for a failing graph."""
    try:
        yield
    except PosegraphError as e:
        raise RuntimeError(str(e)) from e


class SolutionOutputs(NamedTuple):
    """One frame's results (MediaPipe's ``SolutionOutputs``); a field is ``None`` when the frame
    has no pose.

    Attributes:
        pose_landmarks: :class:`~posegraph.solutions.landmark_pb2.NormalizedLandmarkList` of the 33
            landmarks: x, y fractions of the image width and height (may lie outside [0, 1]), z on
            the scale of x (smaller is nearer the camera), visibility; presence is left unset, as
            MediaPipe's Pose clears it.
        pose_world_landmarks: :class:`~posegraph.solutions.landmark_pb2.LandmarkList`: x, y, z in
            metres, origin at the centre between the hips; visibility as above.
        segmentation_mask: float32 (H, W) array in [0, 1], the input image's size (the person's
            probability per pixel), read-only; ``None`` unless ``enable_segmentation``.
    """

    pose_landmarks: Any
    pose_world_landmarks: Any
    segmentation_mask: np.ndarray | None


class Pose:
    """MediaPipe Pose: the landmarks of the most prominent person in each RGB image.

    Arguments and defaults are MediaPipe 0.10.21's:

    Args:
        static_image_mode: treat every image on its own (the detector runs each time, no smoothing)
            instead of tracking through a video.
        model_complexity: landmark model 0 (lite), 1 (full) or 2 (heavy).
        smooth_landmarks: filter landmarks across frames (one-euro) to reduce jitter; video only.
        enable_segmentation: also return a segmentation mask.
        smooth_segmentation: filter the mask across frames; video only.
        min_detection_confidence: in [0, 1]: the detector's score for a person to be found.
        min_tracking_confidence: in [0, 1]: the landmark model's presence score for the pose to be
            kept tracked (below it, the next frame runs the detector).

    Raises:
        ValueError: a confidence outside [0, 1] or a model_complexity other than 0, 1 or 2.
        RuntimeError: the graph could not start, as MediaPipe raises it; posegraph's error is its
            ``__cause__`` (e.g. a ``ModelError``: a model file missing or damaged, and how to fetch it).
    """

    def __init__(self, static_image_mode: bool = False, model_complexity: int = 1, smooth_landmarks: bool = True,
                 enable_segmentation: bool = False, smooth_segmentation: bool = True,
                 min_detection_confidence: float = 0.5, min_tracking_confidence: float = 0.5) -> None:
        for name, value in (("min_detection_confidence", min_detection_confidence),
                            ("min_tracking_confidence", min_tracking_confidence)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0.0, 1.0], got {value!r}")
        if model_complexity not in (0, 1, 2):
            raise ValueError(f"model_complexity must be 0 (lite), 1 (full) or 2 (heavy), got {model_complexity!r}")
        self._side_packets: dict[str, Any] = {
            "static_image_mode": bool(static_image_mode),
            "model_complexity": int(model_complexity),
            "smooth_landmarks": bool(smooth_landmarks and not static_image_mode),
            "enable_segmentation": bool(enable_segmentation),
            "smooth_segmentation": bool(smooth_segmentation and not static_image_mode),
            "min_detection_confidence": float(min_detection_confidence),
            "min_tracking_confidence": float(min_tracking_confidence),
        }
        graph = Graph.from_name("pose_tracking_module", num_threads=1)
        self._timestamp = 0
        self._graph: Graph | None = None
        self._start(graph)

    def _start(self, graph: Graph) -> None:
        streams = {"pose_landmarks": tagged_output(graph, "LANDMARKS"),
                   "pose_world_landmarks": tagged_output(graph, "WORLD_LANDMARKS"),
                   "segmentation_mask": (tagged_output(graph, "SEGMENTATION_MASK")
                                         if self._side_packets.get("enable_segmentation") else None)}
        self._outputs: dict[str, Any] = {}
        for field, stream in streams.items():
            if stream is not None:
                graph.observe(stream, lambda packet, field=field: self._outputs.__setitem__(field, packet.payload))
        with _as_runtime_error():
            graph.start(self._side_packets)
        self._graph = graph

    def process(self, image: np.ndarray) -> SolutionOutputs:
        """Runs the pose graph on one RGB image, the next frame of the video (or the next image).

        Args:
            image: uint8 array (H, W, 3), RGB (``cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)`` for an
                OpenCV frame). It is read, never written: a read-only array is fine.

        Returns:
            :class:`SolutionOutputs` for this image. The frame is fed at the previous call's
            timestamp plus 33333 us (:data:`FRAME_STEP_US`), as MediaPipe does.

        Raises:
            ValueError: the Pose is closed, or the image is not (H, W, 3).
            TypeError: the image is not a uint8 numpy array.
            RuntimeError: the graph failed, as MediaPipe raises it; posegraph's error (e.g. a
                ``CalculatorError`` naming the node) is its ``__cause__``.
        """
        if self._graph is None:
            raise ValueError("this Pose is closed: process() needs an open Pose (create a new one)")
        if not isinstance(image, np.ndarray):
            raise TypeError(f"Input image must be a numpy array (H, W, 3) of uint8 RGB data, got {type(image).__name__}")
        if image.ndim != 3 or image.shape[2] != _RGB_CHANNELS:
            raise ValueError(f"Input image must contain three channel rgb data: got an array of shape {image.shape}, "
                             "expected (height, width, 3)")
        if image.dtype != np.uint8:
            raise TypeError(f"Input image must be uint8 RGB data (0-255), got dtype {image.dtype}: convert it with "
                            "image.astype(np.uint8) after scaling to 0-255")
        self._timestamp += FRAME_STEP_US
        self._outputs.clear()
        with _as_runtime_error():
            self._graph.add_packet("image", image, self._timestamp)
            self._graph.wait_until_idle()
        landmarks, world = self._outputs.get("pose_landmarks"), self._outputs.get("pose_world_landmarks")
        mask = self._outputs.get("segmentation_mask")
        if mask is not None:
            mask = np.asarray(mask.data, np.float32).view()  # a read-only view, as MediaPipe's numpy_view()
            mask.flags.writeable = False
        return SolutionOutputs(
            pose_landmarks=None if landmarks is None else landmark_pb2.normalized_landmark_list(
                landmarks.data, with_presence=False),
            pose_world_landmarks=None if world is None else landmark_pb2.landmark_list(world.data, with_presence=False),
            segmentation_mask=mask)

    def reset(self) -> None:
        """Starts tracking afresh (a new run of the graph), as MediaPipe's ``reset``; timestamps go on."""
        if self._graph is not None:
            self._graph.close()
            self._start(Graph.from_name("pose_tracking_module", num_threads=1))

    def close(self) -> None:
        """Closes the graph.

        Raises:
            ValueError: already closed (as MediaPipe's SolutionBase does).
        """
        if self._graph is None:
            raise ValueError("this Pose is already closed")
        graph, self._graph = self._graph, None
        graph.close()

    def __enter__(self) -> "Pose":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.close()
