"""Reading frames from images, videos and cameras; writing videos, images and landmark JSONL.

Plain helpers on numpy arrays with no dependency on the graph framework; ``runner.py`` (what
``posegraph run`` does) and the examples use them. Every frame crossing this module is RGB, uint8, shape (H, W, 3); OpenCV's
BGR stays inside. OpenCV failures become :class:`MediaError` saying what failed and where.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, NamedTuple

import cv2
import numpy as np

from posegraph.framework.errors import MediaError

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".bmp", ".jpeg", ".jpg", ".jpe", ".png", ".tif", ".tiff", ".webp"})
VIDEO_FOURCC = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG"}
DEFAULT_FPS = 30.0
"""The rate assumed for a video file whose container states none."""


class SourceFrame(NamedTuple):
    """One frame from a source.

    Attributes:
        index: 0-based frame number.
        timestamp_us: microseconds; ``round(index * 1e6 / fps)`` for a video file, 0 for a still
            image, and time since the first frame (monotonic clock) for a camera.
        image: RGB uint8 array of shape (H, W, 3).
    """

    index: int
    timestamp_us: int
    image: np.ndarray


def to_rgb8(image: np.ndarray, where: str) -> np.ndarray:
    """Normalise an array as OpenCV decodes it to RGB uint8 (H, W, 3).

    Grayscale (H, W) or (H, W, 1) is replicated to three channels; BGR becomes RGB; BGRA drops
    its alpha; 16-bit samples are scaled by 1/257 (65535 -> 255) and rounded. ``where`` names the
    source in the :class:`MediaError` raised for any other layout or sample type.
    """
    if image.dtype == np.uint16:
        image = np.rint(image / 257.0).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise MediaError(f"{where}: unsupported sample type {image.dtype}; "
                         "only 8-bit and 16-bit images are supported")
    channels = 1 if image.ndim == 2 else image.shape[2] if image.ndim == 3 else 0
    if channels == 1:
        return cv2.cvtColor(image.reshape(image.shape[:2]), cv2.COLOR_GRAY2RGB)
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if channels == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    raise MediaError(f"{where}: unsupported image layout {image.shape}; expected 1, 3 or 4 channels")


class MediaSource:
    """Frames from an image, a video file or a camera; iterate for :class:`SourceFrame` values.

    A source is read once, front to back, and is a context manager that releases the file or
    camera. Attributes:

    - ``name``: the path, or ``camera N``.
    - ``fps``: frames per second, or ``None`` for a still image or a camera that states none.
    - ``frame_count``: the number of frames the container states, or ``None`` when unknown.
    - ``width``, ``height``: the frame size in pixels.
    - ``is_live``: ``True`` for a camera (frames arrive in real time and never run out).
    - ``truncated``: set once reading stops before the stated frame count (a damaged file);
      the frames before the damage were delivered and a warning was logged.
    - ``error``: what stopped the reading early, or ``None``.
    """

    name: str
    fps: float | None
    frame_count: int | None
    width: int
    height: int
    is_live: bool = False
    truncated: bool = False
    error: str | None = None

    def __iter__(self) -> Iterator[SourceFrame]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file or camera; safe to call more than once."""

    def __enter__(self) -> MediaSource:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} {self.name!r} {self.width}x{self.height} "
                f"fps={self.fps} frames={self.frame_count}>")


class ImageSource(MediaSource):
    """A still image as a one-frame source at timestamp 0."""

    def __init__(self, path: Path) -> None:
        self.name = str(path)
        # ANYDEPTH|ANYCOLOR keeps 16-bit and grayscale samples like IMREAD_UNCHANGED, but unlike it
        # applies the EXIF orientation, as the cv2.imread(path) that made the references does.
        decoded = cv2.imread(str(path), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
        if decoded is None:
            raise MediaError(f"{path}: not an image OpenCV can decode")
        self._image: np.ndarray | None = to_rgb8(decoded, self.name)
        self.height, self.width = self._image.shape[:2]
        self.fps = None
        self.frame_count = 1

    def __iter__(self) -> Iterator[SourceFrame]:
        if self._image is not None:
            image, self._image = self._image, None
            yield SourceFrame(0, 0, image)


class _CaptureSource(MediaSource):
    """What video files and cameras share: a cv2.VideoCapture read one frame ahead."""

    def __init__(self, capture: cv2.VideoCapture, name: str) -> None:
        self.name = name
        self._capture = capture
        self._finalizer = weakref.finalize(self, capture.release)
        self.width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self._next: np.ndarray | None = self._read()

    def _read(self) -> np.ndarray | None:
        try:
            ok, frame = self._capture.read()
        except cv2.error as exc:
            self.error = f"OpenCV failed to decode a frame: {exc}"
            return None
        return to_rgb8(frame, self.name) if ok and frame is not None else None

    def _timestamp_us(self, index: int) -> int:
        raise NotImplementedError

    def _stopped_early(self, delivered: int) -> None:
        """Called when a read fails after ``delivered`` frames; records and logs damage."""

    def __iter__(self) -> Iterator[SourceFrame]:
        index = 0
        while self._next is not None:
            frame = self._next
            yield SourceFrame(index, self._timestamp_us(index), frame)
            index += 1
            self._next = self._read()
        if index:
            self._stopped_early(index)
        self.close()

    def close(self) -> None:
        self._next = None
        self._finalizer()


class VideoSource(_CaptureSource):
    """A video file; timestamps follow the container's frame rate: ``round(i * 1e6 / fps)``."""

    def __init__(self, path: Path) -> None:
        capture = cv2.VideoCapture(str(path))
        if not capture.isOpened():
            raise MediaError(f"{path}: not a video or image OpenCV can read "
                             "(unknown format, or the file is damaged)")
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count = count if count > 0 else None
        fps = capture.get(cv2.CAP_PROP_FPS)
        if not (math.isfinite(fps) and fps > 0):
            logger.warning("%s states no frame rate; assuming %g fps", path, DEFAULT_FPS)
            fps = DEFAULT_FPS
        self.fps = float(fps)
        super().__init__(capture, str(path))
        if self._next is None:
            self.close()
            if self.frame_count is None:
                raise MediaError(f"{path}: the video has no frames")
            raise MediaError(f"{path}: the video states {self.frame_count} frames but not even "
                             f"the first can be decoded; the file is damaged"
                             + (f" ({self.error})" if self.error else ""))

    def _timestamp_us(self, index: int) -> int:
        assert self.fps is not None
        return round(index * 1e6 / self.fps)

    def _stopped_early(self, delivered: int) -> None:
        if self.frame_count is not None and delivered < self.frame_count:
            self.truncated = True
            self.error = (f"reading stopped after frame {delivered - 1} of the "
                          f"{self.frame_count} the container states: the file is truncated or "
                          "damaged" + (f" ({self.error})" if self.error else ""))
            logger.warning("%s: %s", self.name, self.error)


class CameraSource(_CaptureSource):
    """A camera by index; timestamps are microseconds since the first frame, strictly increasing."""

    is_live = True

    def __init__(self, index: int) -> None:
        capture = cv2.VideoCapture(index)
        name = f"camera {index}"
        if not capture.isOpened():
            raise MediaError(f"{name}: no camera could be opened at index {index}; check that it "
                             "is connected and not in use, or pass a file path")
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if math.isfinite(fps) and fps > 0 else None
        self.frame_count = None
        self._start_ns: int | None = None
        self._last_us = -1
        super().__init__(capture, name)
        if self._next is None:
            self.close()
            raise MediaError(f"{name}: the camera opened but delivered no frame")

    def _timestamp_us(self, index: int) -> int:
        now = time.monotonic_ns()
        if self._start_ns is None:
            self._start_ns = now
        self._last_us = max(self._last_us + 1, (now - self._start_ns) // 1000)
        return self._last_us

    def _stopped_early(self, delivered: int) -> None:
        self.error = f"the camera stopped delivering frames after {delivered}" + (
            f" ({self.error})" if self.error else "")
        logger.warning("%s: %s", self.name, self.error)


def open_source(spec: str | int | os.PathLike[str]) -> MediaSource:
    """Open an image, a video file or a camera.

    ``spec`` is a camera index (an int, or a string of digits) or a path. Paths with an image
    suffix (.png, .jpg, ...) are read as one still frame; anything else is opened as a video,
    falling back to an image decoder for stills with an unusual suffix.

    Raises :class:`MediaError` for a missing file, a file that is neither video nor image, a
    video with no decodable frame, or a camera index with no camera.
    """
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CameraSource(int(spec))
    path = Path(spec)
    if not path.exists():
        raise MediaError(f"{path}: no such file")
    if not path.is_file():
        raise MediaError(f"{path}: not a file")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path)
    try:
        return VideoSource(path)
    except MediaError:
        if cv2.haveImageReader(str(path)):
            return ImageSource(path)
        raise


def check_writable(path: Path) -> None:
    """Raises :class:`MediaError` saying why ``path`` cannot be written (missing directory, a file
    or directory in the way, no permission), before anything is created."""
    parent = path.parent
    if not parent.exists():
        raise MediaError(f"{path}: cannot write: the directory {parent} does not exist")
    if not parent.is_dir():
        raise MediaError(f"{path}: cannot write: {parent} is not a directory")
    if path.is_dir():
        raise MediaError(f"{path}: cannot write: it is a directory")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise MediaError(f"{path}: cannot write: permission denied")


def _check_frame(frame: np.ndarray, size: tuple[int, int], where: str) -> None:
    width, height = size
    if frame.dtype != np.uint8 or frame.shape != (height, width, 3):
        raise ValueError(f"{where}: expected an RGB uint8 frame of shape ({height}, {width}, 3), "
                         f"got {frame.dtype} {frame.shape}")


class MediaSink:
    """Where rendered frames go: ``write(frame_rgb)`` each frame, then ``close()``.

    A context manager: leaving the ``with`` block, by an exception or Ctrl-C too, closes the sink
    so that what was written is a complete, playable file. Attributes: ``path``, ``size``
    (width, height), ``frames_written``.
    """

    path: Path
    size: tuple[int, int]
    frames_written: int = 0

    def write(self, frame_rgb: np.ndarray) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finalise the file; safe to call more than once."""

    def __enter__(self) -> MediaSink:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class VideoSink(MediaSink):
    """A video file written with cv2.VideoWriter (mp4v for .mp4/.m4v/.mov, MJPG for .avi)."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        self.path, self.size = path, size
        fourcc = VIDEO_FOURCC[path.suffix.lower()]
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), float(fps), size)
        if not writer.isOpened():
            raise MediaError(f"{path}: OpenCV cannot open a {fourcc} video writer "
                             f"({size[0]}x{size[1]} at {fps} fps)")
        self._writer = writer
        # Releasing is what writes the index that makes an mp4 playable: do it even when the
        # sink is dropped without close(), including at interpreter exit.
        self._finalizer = weakref.finalize(self, writer.release)

    def write(self, frame_rgb: np.ndarray) -> None:
        """Append one RGB uint8 (H, W, 3) frame of the sink's size (ValueError otherwise)."""
        if not self._finalizer.alive:
            raise MediaError(f"{self.path}: write after close")
        _check_frame(frame_rgb, self.size, str(self.path))
        self._writer.write(cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR))
        self.frames_written += 1

    def close(self) -> None:
        self._finalizer()


class ImageSink(MediaSink):
    """A still image; each ``write`` replaces the file atomically (temporary file, then rename)."""

    def __init__(self, path: Path, size: tuple[int, int]) -> None:
        self.path, self.size = path, size
        self._closed = False

    def write(self, frame_rgb: np.ndarray) -> None:
        """Write one RGB uint8 (H, W, 3) frame of the sink's size as the image."""
        if self._closed:
            raise MediaError(f"{self.path}: write after close")
        _check_frame(frame_rgb, self.size, str(self.path))
        ok, encoded = cv2.imencode(self.path.suffix, cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR))
        if not ok:
            raise MediaError(f"{self.path}: OpenCV could not encode the image")
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.",
                                       suffix=".part")
        except OSError as exc:
            raise MediaError(f"{self.path}: cannot write: {exc.strerror}") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(encoded.tobytes())
            os.replace(tmp, self.path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise MediaError(f"{self.path}: cannot write: {exc.strerror}") from exc
        self.frames_written += 1

    def close(self) -> None:
        self._closed = True


def open_sink(path: str | os.PathLike[str], fps: float, size: tuple[int, int]) -> MediaSink:
    """Open a video (.mp4, .m4v, .mov, .avi) or image (.png, .jpg, ...) file for writing.

    ``size`` is (width, height) in pixels; every frame written must be RGB uint8 of that size.
    ``fps`` is the video's frame rate (ignored for an image).

    Raises :class:`MediaError` up front when the path cannot be written (missing directory, no
    permission, a directory in the way) or its suffix is neither a video nor an image format.
    """
    target = Path(path)
    check_writable(target)
    suffix = target.suffix.lower()
    if suffix in VIDEO_FOURCC:
        return VideoSink(target, fps, size)
    if suffix in IMAGE_SUFFIXES and cv2.haveImageWriter(str(target)):
        return ImageSink(target, size)
    known = ", ".join(sorted(VIDEO_FOURCC.keys() | IMAGE_SUFFIXES))
    raise MediaError(f"{target}: cannot write {suffix or 'files without a suffix'}; "
                     f"use one of {known}")


def _landmark_rows(landmarks: np.ndarray | None, what: str) -> list[list[float | None]] | None:
    if landmarks is None:
        return None
    array = np.asarray(landmarks)
    if array.ndim != 2 or array.shape[1] != 5:
        raise ValueError(f"{what}: expected an (N, 5) array of x, y, z, visibility, presence, "
                         f"got shape {array.shape}")
    # str() of a float32 is its shortest round-tripping form (0.1, not 0.10000000149011612).
    text = array.astype(np.float32).astype(str)
    finite = np.isfinite(array)
    return [[float(t) if ok else None for t, ok in zip(row, oks)]
            for row, oks in zip(text, finite)]


class JsonlLandmarkWriter:
    """Writes one JSON line per frame, flushed as it goes (a killed run keeps every whole line).

    Each line is ``{"frame": i, "timestamp_us": t, "pose_landmarks": [[x, y, z, visibility,
    presence] x 33] | null, "pose_world_landmarks": [...] | null}``: ``pose_landmarks``
    normalized to the image, ``pose_world_landmarks`` in metres from the hip centre; values are
    written at float32 precision and a non-finite value as ``null``. A context manager.

    Raises :class:`MediaError` when ``path`` cannot be opened for writing.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self._file: IO[str] = self.path.open("w", encoding="utf-8")
        except OSError as exc:
            raise MediaError(f"{self.path}: cannot write landmarks: {exc.strerror}") from exc

    def write(self, frame: int, timestamp_us: int, pose_landmarks: np.ndarray | None,
              pose_world_landmarks: np.ndarray | None = None) -> None:
        """Write one frame's line; landmarks are (N, 5) float arrays or ``None`` (no pose)."""
        record = {
            "frame": int(frame),
            "timestamp_us": int(timestamp_us),
            "pose_landmarks": _landmark_rows(pose_landmarks, "pose_landmarks"),
            "pose_world_landmarks": _landmark_rows(pose_world_landmarks, "pose_world_landmarks"),
        }
        try:
            self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
            self._file.flush()
        except (OSError, ValueError) as exc:
            raise MediaError(f"{self.path}: cannot write landmarks: {exc}") from exc

    def close(self) -> None:
        """Close the file; safe to call more than once."""
        self._file.close()

    def __enter__(self) -> JsonlLandmarkWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
