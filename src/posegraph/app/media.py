"""Reading frames from images, videos and cameras; writing videos and images.

Plain helpers on numpy arrays with no dependency on the graph framework; ``runner.py`` (what
``posegraph run`` does) and the examples use them. Every frame crossing this module is RGB, uint8,
shape (H, W, 3); OpenCV's BGR stays inside. Videos are decoded by OpenCV and encoded by PyAV
(FFmpeg): H.264 in .mp4/.m4v/.mov, which browsers play, Motion JPEG in .avi. OpenCV and FFmpeg
failures become :class:`MediaError` saying what failed and where. Files are created with the
process's umask.
"""

from __future__ import annotations

import logging
import math
import os
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

import cv2
import numpy as np

from posegraph.framework.errors import MediaError

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".bmp", ".jpeg", ".jpg", ".jpe", ".png", ".tif", ".tiff", ".webp"})
VIDEO_CODECS = {".mp4": "libx264", ".m4v": "libx264", ".mov": "libx264", ".avi": "mjpeg"}
"""The encoder (FFmpeg's name) each video suffix is written with."""
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
    - ``is_still``: ``True`` for a still image (one frame).
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
    is_still: bool = False
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

    is_still = True

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


def camera_index(spec: str | int | os.PathLike[str]) -> int | None:
    """The camera index ``spec`` names, or ``None`` when it names a file.

    An int is an index; so is a string of ASCII digits (``"0"``, ``"12"``) unless a file of that
    name exists in the working directory (then the file wins). Anything else is a path.
    """
    if isinstance(spec, int):
        return spec
    if isinstance(spec, str) and spec.isascii() and spec.isdigit() and not Path(spec).exists():
        return int(spec)
    return None


def open_source(spec: str | int | os.PathLike[str]) -> MediaSource:
    """Open an image, a video file or a camera.

    ``spec`` is a camera index or a path (:func:`camera_index` decides which). Paths with an image
    suffix (.png, .jpg, ...) are read as one still frame; anything else is opened as a video,
    falling back to an image decoder for stills with an unusual suffix.

    Raises :class:`MediaError` for a missing file, a file that is neither video nor image, a
    video with no decodable frame, or a camera index with no camera.
    """
    index = camera_index(spec)
    if index is not None:
        return CameraSource(index)
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
    if frame.dtype != np.uint8 or frame.shape not in ((height, width, 3), (height, width)):
        raise ValueError(f"{where}: expected an RGB uint8 frame of shape ({height}, {width}, 3), or a grayscale "
                         f"one of shape ({height}, {width}), got {frame.dtype} {frame.shape}")


class MediaSink:
    """Where rendered frames go: ``write(frame_rgb)`` each frame, then ``close()``.

    A frame is RGB uint8 (H, W, 3), or grayscale uint8 (H, W) (a segmentation mask as 0..255).

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
    """A video file encoded by PyAV (FFmpeg): H.264 (libx264, yuv420p, CRF 18, preset ultrafast) for
    .mp4/.m4v/.mov, which browsers play, with the index at the front (``+faststart``); Motion JPEG
    for .avi. The ultrafast preset keeps encoding beside the graph cheap: 7.8 ms of CPU per 720x1280
    frame of the squat video here, against 18.3 ms for ``veryfast``, for files about twice as large.

    4:2:0 chroma needs an even width and height: a frame of odd size is padded by repeating its
    last column or row, so the video is at most one pixel wider and taller than ``size``. FFmpeg's
    own log is off (PyAV's default); its failures are raised as :class:`MediaError`.
    """

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        import av

        self.path, self.size = path, size
        codec = VIDEO_CODECS[path.suffix.lower()]
        width, height = size
        self._padding = ((0, height % 2), (0, width % 2))
        try:
            container = av.open(str(path), mode="w",
                                options={"movflags": "+faststart"} if codec == "libx264" else {})
        except (av.FFmpegError, OSError) as exc:
            raise MediaError(f"{path}: FFmpeg cannot create the video: {exc}") from exc
        try:
            from fractions import Fraction  # here: a run that writes no video does not import it

            stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
            stream.width, stream.height = width + width % 2, height + height % 2
            stream.pix_fmt = "yuv420p" if codec == "libx264" else "yuvj420p"
            if codec == "libx264":
                stream.options = {"crf": "18", "preset": "ultrafast"}
            stream.codec_context.open()  # now, so that a size or rate the encoder refuses fails here
        except (av.FFmpegError, ValueError) as exc:
            container.close()
            raise MediaError(f"{path}: FFmpeg cannot open a {codec} video writer "
                             f"({width}x{height} at {fps} fps): {exc}") from exc
        self._container, self._stream = container, stream
        # Closing is what writes the index that makes an mp4 playable: do it even when the sink is
        # dropped without close(), including at interpreter exit.
        self._finalizer = weakref.finalize(self, _finish_video, container, stream)

    def write(self, frame_rgb: np.ndarray) -> None:
        """Append one RGB uint8 (H, W, 3) or grayscale uint8 (H, W) frame of the sink's size
        (ValueError otherwise); FFmpeg converts either to the video's pixel format.

        Raises:
            MediaError: the sink is closed, or FFmpeg failed to encode or write the frame.
        """
        import av

        if not self._finalizer.alive:
            raise MediaError(f"{self.path}: write after close")
        _check_frame(frame_rgb, self.size, str(self.path))
        if any(after for _, after in self._padding):
            frame_rgb = np.pad(frame_rgb, self._padding + ((0, 0),) * (frame_rgb.ndim - 2), mode="edge")
        frame = av.VideoFrame.from_ndarray(frame_rgb, format="rgb24" if frame_rgb.ndim == 3 else "gray")
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except (av.FFmpegError, OSError) as exc:
            raise MediaError(f"{self.path}: cannot write the video: {exc}") from exc
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder and write the index; safe to call more than once. A sink closed
        before any frame was written leaves no file (an mp4 without frames does not play).

        Raises:
            MediaError: FFmpeg failed to finish the file.
        """
        import av

        try:
            self._finalizer()
        except (av.FFmpegError, OSError) as exc:
            raise MediaError(f"{self.path}: cannot finish the video: {exc}") from exc


def _finish_video(container: object, stream: object) -> None:
    """Flush the encoder and write the container's index (PyAV objects; see VideoSink)."""
    try:
        for packet in stream.encode():  # type: ignore[attr-defined]
            container.mux(packet)  # type: ignore[attr-defined]
    finally:
        container.close()  # type: ignore[attr-defined]


class ImageSink(MediaSink):
    """A still image; each ``write`` replaces the file atomically (temporary file, then rename)."""

    def __init__(self, path: Path, size: tuple[int, int]) -> None:
        self.path, self.size = path, size
        self._closed = False

    def write(self, frame_rgb: np.ndarray) -> None:
        """Write one RGB uint8 (H, W, 3) frame of the sink's size as the image; a grayscale
        (H, W) frame as a single-channel image."""
        if self._closed:
            raise MediaError(f"{self.path}: write after close")
        _check_frame(frame_rgb, self.size, str(self.path))
        pixels = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR) if frame_rgb.ndim == 3 else frame_rgb
        ok, encoded = cv2.imencode(self.path.suffix, pixels)
        if not ok:
            raise MediaError(f"{self.path}: OpenCV could not encode the image")
        # Created like open() creates files (0o666 less the umask); mkstemp's would be 0600.
        import uuid  # here: a run that writes no image does not import it

        tmp = self.path.parent / f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex}.part"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
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


def is_image_path(path: str | os.PathLike[str]) -> bool:
    """Whether :func:`open_sink` writes ``path`` as a still image (by its suffix)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES and cv2.haveImageWriter(str(path))


def open_sink(path: str | os.PathLike[str], fps: float, size: tuple[int, int]) -> MediaSink:
    """Open a video (.mp4, .m4v, .mov, .avi) or image (.png, .jpg, ...) file for writing.

    ``size`` is (width, height) in pixels; every frame written must be RGB uint8 (or grayscale
    uint8 (H, W)) of that size.
    ``fps`` is the video's frame rate (ignored for an image).

    Raises :class:`MediaError` up front when the path cannot be written (missing directory, no
    permission, a directory in the way) or its suffix is neither a video nor an image format.
    """
    target = Path(path)
    check_writable(target)
    suffix = target.suffix.lower()
    if suffix in VIDEO_CODECS:
        return VideoSink(target, fps, size)
    if is_image_path(target):
        return ImageSink(target, size)
    known = ", ".join(sorted(VIDEO_CODECS.keys() | IMAGE_SUFFIXES))
    raise MediaError(f"{target}: cannot write {suffix or 'files without a suffix'}; "
                     f"use one of {known}")
