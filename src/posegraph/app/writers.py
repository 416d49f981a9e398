"""Landmark files: the sinks that write a graph's non-image outputs, one per file format.

The format follows the file's extension (:data:`LANDMARK_FORMATS`); which column or key a stream
fills follows the payload type its producing calculator declares:

- ``NormalizedLandmarkList`` (x, y normalized to the image, z on x's scale, visibility,
  presence) and ``LandmarkList`` (world landmarks: x, y, z in metres from the hip centre);
- ``Poses`` (``tuple[Pose, ...]``, the multi-person graph's people of a frame: each with its track
  id, score, box, landmarks and world landmarks);
- anything else (a bool "wrist above the head" from your own calculator, a count, a detection):
  written under the stream's name.

Formats:

- ``.jsonl``: one JSON object per frame, ``{"frame", "timestamp_us", "width", "height", "fps",
  <stream>: value, ...}``; a landmark list is ``[[x, y, z, visibility, presence], ...]``, a
  ``Poses`` tuple a list of ``{"id", "score", "box": [xmin, ymin, xmax, ymax], "landmarks",
  "world_landmarks"}`` (empty when nobody is there), a dataclass an object of its fields, an
  absent packet ``null``.
- ``.csv`` and ``.parquet``: one row per frame and landmark, columns ``frame, timestamp_us,
  landmark`` (MediaPipe's name, e.g. ``left_shoulder``, for a list of BlazePose's 33; the index as
  text for a list of another length), ``x, y, z, visibility, presence`` (of the
  normalized landmarks), ``world_x, world_y, world_z``, then one column per other stream. A frame
  without landmarks is one row with an empty ``landmark`` and empty values, so every frame (and
  what the other streams said at it) is in the file. A graph with a ``Poses`` output gets one row
  per frame, person and landmark instead, with the columns of :data:`POSES_ROW_COLUMNS`: ``id``
  (the person's track id) and ``score`` (its presence) before ``landmark``; a frame with nobody
  is one row with only ``frame``, ``timestamp_us`` and the other streams filled.

JSONL and CSV are flushed after every frame, so a killed run keeps every finished frame. Parquet
(needs ``pyarrow``: ``pip install "posegraph[parquet]"``) is written in row groups of
:data:`PARQUET_ROW_GROUP_FRAMES` frames and finalised (its footer written) by ``close()``, which
the runner calls after an error or a stop too. Floats are written at float32 precision; a
non-finite value is ``null`` (JSONL) or empty (CSV, Parquet).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple

import numpy as np

from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, Pose, Poses
from posegraph.calculators.pose.landmarks import POSE_LANDMARK_NAMES
from posegraph.framework.errors import MediaError

LANDMARK_FORMATS = (".jsonl", ".csv", ".parquet")
"""The extensions ``--landmarks`` accepts."""

PARQUET_ROW_GROUP_FRAMES = 64
"""Frames buffered before a Parquet row group is written."""

ROW_COLUMNS = ("frame", "timestamp_us", "landmark", "x", "y", "z", "visibility", "presence",
               "world_x", "world_y", "world_z")
"""The fixed columns of the CSV and Parquet formats, in order."""

POSES_ROW_COLUMNS = ("frame", "timestamp_us", "id", "score") + ROW_COLUMNS[2:]
"""The fixed columns of the CSV and Parquet formats for a graph with a multi-person ``Poses`` output."""

_SCALARS = (bool, int, float, str)


class ImageInfo(NamedTuple):
    """The input's frame size in pixels and its frame rate (``None`` for a still or a camera that
    states none), written into every JSONL line."""

    width: int
    height: int
    fps: float | None


class LandmarkWriter:
    """A landmarks file: ``write(frame, timestamp_us, outputs)`` once per frame, then ``close()``.

    ``outputs`` maps each written stream to its payload at that frame, or ``None`` when the stream
    had no packet there. A context manager; ``close`` is safe to call more than once.
    """

    path: Path

    def write(self, frame: int, timestamp_us: int, outputs: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> LandmarkWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def check_landmark_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`Path` if its extension is a known landmark format.

    Raises:
        MediaError: the extension is not one of :data:`LANDMARK_FORMATS` (the message lists them).
    """
    target = Path(path)
    if target.suffix.lower() not in LANDMARK_FORMATS:
        raise MediaError(f"{target}: cannot write landmarks as {target.suffix or 'a file without an extension'}; "
                         f"use one of {', '.join(LANDMARK_FORMATS)}")
    return target


def open_landmark_writer(path: str | os.PathLike[str], streams: Mapping[str, Any],
                         image: ImageInfo) -> LandmarkWriter:
    """The writer for ``path``'s format (:data:`LANDMARK_FORMATS`).

    ``streams`` maps each stream to write to the payload type its producer declares (``object``
    when unknown). Creates the file, with the process's umask.

    Raises:
        MediaError: unknown extension; a CSV or Parquet file asked to hold more than one stream of
            ``NormalizedLandmarkList``, of ``LandmarkList`` or of ``Poses``, a ``Poses`` stream
            beside landmark lists, or a stream whose name is one of its fixed columns; Parquet
            without pyarrow; the file cannot be created.
    """
    target = check_landmark_path(path)
    suffix = target.suffix.lower()
    if suffix == ".jsonl":
        return JsonlLandmarkWriter(target, streams, image)
    if suffix == ".csv":
        return CsvLandmarkWriter(target, streams)
    return ParquetLandmarkWriter(target, streams)


# --- values ----------------------------------------------------------------------------------------

def landmark_rows(landmarks: np.ndarray | None, what: str) -> list[list[float | None]] | None:
    """An (N, 5) landmark array as JSON rows at float32 precision (non-finite values ``None``).

    Raises:
        ValueError: ``landmarks`` is not (N, 5); the message starts with ``what``.
    """
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


_ROWS_FORMATS: dict[int, str] = {}
"""Landmark count -> the ``%`` format of that many JSON rows of five values."""


def landmark_json(landmarks: np.ndarray | None, what: str) -> str:
    """:func:`landmark_rows` as JSON text: the same text ``json.dumps(..., separators=(",", ":"))``
    writes for it, built in one step from numpy's float32 strings.

    The one-step text is used when every value is finite and under 1e6 in magnitude: there numpy's
    shortest float32 string is also Python's ``repr`` of the float it parses to, except for
    ``1e-04`` (numpy writes float32(0.0001) in exponent form, Python writes ``0.0001``), which
    takes the general path, as does anything else.

    Raises:
        ValueError: ``landmarks`` is not (N, 5); the message starts with ``what``.
    """
    if landmarks is not None:
        array = np.asarray(landmarks, dtype=np.float32)
        if array.ndim == 2 and array.shape[1] == 5 and np.isfinite(array).all() \
                and np.abs(array).max(initial=0.0) < 1e6:
            rows = _ROWS_FORMATS.get(len(array))
            if rows is None:
                rows = _ROWS_FORMATS[len(array)] = "[" + ",".join(["[%s,%s,%s,%s,%s]"] * len(array)) + "]"
            text = rows % tuple(array.astype(str).ravel().tolist())
            if "1e-04" not in text:
                return text
    return json.dumps(landmark_rows(landmarks, what), separators=(",", ":"))


def json_text(value: Any, where: str) -> str:
    """``value`` as JSON text: ``json.dumps(json_value(value, where), separators=(",", ":"))``,
    with landmark lists (alone, or in a ``Pose`` or a tuple of them) written by :func:`landmark_json`.

    Raises:
        MediaError: a payload JSON cannot hold (see :func:`json_value`).
    """
    if isinstance(value, (NormalizedLandmarkList, LandmarkList)):
        return landmark_json(value.data, where)
    if isinstance(value, Pose):
        return (json.dumps(_pose_fields(value), separators=(",", ":"))[:-1]
                + f',"landmarks":{landmark_json(value.landmarks.data, where)}'
                + f',"world_landmarks":{landmark_json(value.world_landmarks.data, where)}}}')
    if isinstance(value, tuple) and value and all(isinstance(v, Pose) for v in value):
        return "[" + ",".join(json_text(v, where) for v in value) + "]"
    return json.dumps(json_value(value, where), separators=(",", ":"))


def _float32(value: float) -> float | None:
    """``value`` at float32 precision, in its shortest round-tripping form; non-finite as ``None``."""
    return float(str(np.float32(value))) if np.isfinite(value) else None


def _pose_fields(pose: Pose) -> dict[str, Any]:
    """A person's ``id``, ``score`` and ``box`` as JSON data: the keys before its landmarks."""
    return {"id": int(pose.id), "score": _float32(pose.score), "box": [_float32(v) for v in pose.box]}


def json_value(value: Any, where: str) -> Any:
    """``value`` as JSON data: landmark lists as rows, dataclasses as objects of their fields,
    numpy scalars and arrays as numbers and lists, non-finite floats as ``None``.

    Raises:
        MediaError: a payload JSON cannot hold (the message names ``where`` and the type).
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, (NormalizedLandmarkList, LandmarkList)):
        return landmark_rows(value.data, where)
    if isinstance(value, Pose):
        return {**_pose_fields(value), "landmarks": landmark_rows(value.landmarks.data, where),
                "world_landmarks": landmark_rows(value.world_landmarks.data, where)}
    if isinstance(value, np.generic):
        return json_value(value.item(), where)
    if isinstance(value, np.ndarray):
        return json_value(value.tolist(), where)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_value(getattr(value, f.name), where) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [json_value(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v, where) for k, v in value.items()}
    raise MediaError(f"{where}: a {type(value).__name__} cannot be written as JSON")


class JsonlLandmarkWriter(LandmarkWriter):
    """Writes one JSON line per frame, flushed as it goes (a killed run keeps every whole line).

    Each line is ``{"frame": i, "timestamp_us": t, "width": W, "height": H, "fps": fps | null,
    <stream>: value, ...}`` with a key per stream of ``streams`` in order (see the module docstring
    for the values).

    Raises:
        MediaError: ``path`` cannot be created, or a payload cannot be written as JSON.
    """

    def __init__(self, path: str | os.PathLike[str], streams: Mapping[str, Any], image: ImageInfo) -> None:
        self.path = Path(path)
        # name -> (its key in the line, where, for errors)
        self._streams = {name: (json.dumps(name) + ":", f"{self.path}: stream {name!r}") for name in streams}
        self._image = json.dumps({"width": image.width, "height": image.height, "fps": image.fps},
                                 separators=(",", ":"))[1:-1]
        try:
            self._file: IO[str] = self.path.open("w", encoding="utf-8")
        except OSError as exc:
            raise MediaError(f"{self.path}: cannot write landmarks: {exc.strerror}") from exc

    def write(self, frame: int, timestamp_us: int, outputs: Mapping[str, Any]) -> None:
        """Write one frame's line (see the class docstring)."""
        fields = [f'{{"frame":{int(frame)},"timestamp_us":{int(timestamp_us)}', self._image]
        fields += [key + json_text(outputs.get(name), where) for name, (key, where) in self._streams.items()]
        try:
            self._file.write(",".join(fields) + "}\n")
            self._file.flush()
        except (OSError, ValueError) as exc:
            raise MediaError(f"{self.path}: cannot write landmarks: {exc}") from exc

    def close(self) -> None:
        self._file.close()


# --- rows (CSV and Parquet) -----------------------------------------------------------------------

class _Rows:
    """Turns one frame's outputs into rows of :data:`ROW_COLUMNS` (:data:`POSES_ROW_COLUMNS` with a
    ``Poses`` stream) plus one column per other stream."""

    def __init__(self, path: Path, streams: Mapping[str, Any]) -> None:
        def of_type(kind: Any, what: str) -> str | None:
            names = [name for name, t in streams.items() if t == kind]
            if len(names) > 1:
                raise MediaError(f"{path}: one row per landmark holds one {what} per frame, but the graph "
                                 f"writes {len(names)} ({', '.join(names)}); write .jsonl instead")
            return names[0] if names else None

        self.landmarks = of_type(NormalizedLandmarkList, "NormalizedLandmarkList")
        self.world = of_type(LandmarkList, "LandmarkList")
        self.poses = of_type(Poses, "Poses")
        if self.poses and (self.landmarks or self.world):
            raise MediaError(f"{path}: one row per person and landmark cannot also hold the landmark lists "
                             f"{', '.join(n for n in (self.landmarks, self.world) if n)} beside the people of "
                             f"{self.poses}; write .jsonl instead")
        fixed = POSES_ROW_COLUMNS if self.poses else ROW_COLUMNS
        self.extra = {name: t for name, t in streams.items() if name not in (self.landmarks, self.world, self.poses)}
        clash = sorted(set(self.extra) & set(fixed))
        if clash:
            raise MediaError(f"{path}: stream(s) {', '.join(clash)} would be written as columns of the same name as "
                             f"the landmark columns; rename them, or write .jsonl")
        self.path = path
        self.fixed = fixed
        self.columns = fixed + tuple(self.extra)
        self.float_columns = [i for i, name in enumerate(fixed) if name == "score" or i >= fixed.index("x")]
        """Indices of the float32 columns."""

    def extra_value(self, name: str, value: Any) -> Any:
        """A scalar as it is; anything else as JSON text; an absent packet as ``None``."""
        if value is None or (isinstance(value, _SCALARS) and self.extra[name] in _SCALARS):
            return value
        if isinstance(value, np.generic):
            return value.item()
        return json.dumps(json_value(value, f"{self.path}: stream {name!r}"), separators=(",", ":"))

    def rows(self, frame: int, timestamp_us: int, outputs: Mapping[str, Any]) -> list[list[Any]]:
        extras = [self.extra_value(name, outputs.get(name)) for name in self.extra]
        if self.poses:
            people = outputs.get(self.poses) or ()
            if not people:
                return [[frame, timestamp_us, None, None] + row + extras for row in _landmark_rows(None, None)]
            return [[frame, timestamp_us, int(pose.id), float(pose.score)] + row + extras for pose in people
                    for row in _landmark_rows(pose.landmarks, pose.world_landmarks)]
        image = outputs.get(self.landmarks) if self.landmarks else None
        world = outputs.get(self.world) if self.world else None
        return [[frame, timestamp_us] + row + extras for row in _landmark_rows(image, world)]


def _landmark_rows(image: NormalizedLandmarkList | None, world: LandmarkList | None) -> list[list[Any]]:
    """``[landmark, x, y, z, visibility, presence, world_x, world_y, world_z]`` per landmark (a
    value absent or not finite as ``None``), or one row of ``None`` when there are no landmarks."""
    count = len(image) if image is not None else len(world) if world is not None else 0
    if count == 0:
        return [[None] * 9]
    values = np.full((count, 8), np.nan, np.float32)
    if image is not None:
        values[:, :5] = image.data[:, :5]
    if world is not None:
        values[:, 5:] = world.data[:, :3]
    names = POSE_LANDMARK_NAMES if count == len(POSE_LANDMARK_NAMES) else [str(i) for i in range(count)]
    finite = np.isfinite(values)
    return [[names[i]] + [float(v) if ok else None for v, ok in zip(values[i], finite[i])] for i in range(count)]


class CsvLandmarkWriter(LandmarkWriter):
    """One row per frame and landmark (see the module docstring), flushed after every frame.

    Floats are written in float32's shortest round-tripping form; an empty cell is an absent value.

    Raises:
        MediaError: ``path`` cannot be created; ``streams`` do not fit one row per landmark.
    """

    def __init__(self, path: str | os.PathLike[str], streams: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self._rows = _Rows(self.path, streams)
        try:
            self._file: IO[str] = self.path.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise MediaError(f"{self.path}: cannot write landmarks: {exc.strerror}") from exc
        self._csv = csv.writer(self._file)
        self._csv.writerow(self._rows.columns)
        self._file.flush()

    def write(self, frame: int, timestamp_us: int, outputs: Mapping[str, Any]) -> None:
        """Write one frame's rows and flush them."""
        rows = self._rows.rows(frame, timestamp_us, outputs)
        try:
            for row in rows:  # the landmark values (and score) at float32 precision, the other streams as they are
                for i in self._rows.float_columns:
                    row[i] = None if row[i] is None else str(np.float32(row[i]))
                self._csv.writerow(row)
            self._file.flush()
        except (OSError, ValueError) as exc:
            raise MediaError(f"{self.path}: cannot write landmarks: {exc}") from exc

    def close(self) -> None:
        self._file.close()


class ParquetLandmarkWriter(LandmarkWriter):
    """One row per frame and landmark (see the module docstring) in a Parquet file: float32
    landmark columns (and ``score``), int64 ``frame``, ``timestamp_us`` (and ``id``), other streams
    as bool, int64, float64 or string columns by their declared type (JSON text for anything else).

    Rows are written in row groups of :data:`PARQUET_ROW_GROUP_FRAMES` frames; ``close`` writes the
    rest and the footer (a file whose run was killed before ``close`` is not readable).

    Raises:
        MediaError: pyarrow is not installed; ``path`` cannot be created; ``streams`` do not fit
            one row per landmark.
    """

    def __init__(self, path: str | os.PathLike[str], streams: Mapping[str, Any]) -> None:
        self.path = Path(path)
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise MediaError(f"{self.path}: writing .parquet needs pyarrow: pip install \"posegraph[parquet]\"") from None
        self._pa = pa
        self._rows = _Rows(self.path, streams)
        extra_types = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}
        fixed = {"frame": pa.int64(), "timestamp_us": pa.int64(), "id": pa.int64(), "landmark": pa.string()}
        fields = [pa.field(name, fixed.get(name, pa.float32())) for name in self._rows.fixed]
        fields += [pa.field(name, extra_types.get(kind, pa.string())) for name, kind in self._rows.extra.items()]
        self._schema = pa.schema(fields)
        try:
            self._writer: Any = pq.ParquetWriter(str(self.path), self._schema)
        except OSError as exc:
            raise MediaError(f"{self.path}: cannot write landmarks: {exc}") from exc
        self._pending: list[list[Any]] = []
        self._frames = 0

    def write(self, frame: int, timestamp_us: int, outputs: Mapping[str, Any]) -> None:
        """Buffer one frame's rows; every :data:`PARQUET_ROW_GROUP_FRAMES` frames, write a row group."""
        if self._writer is None:
            raise MediaError(f"{self.path}: write after close")
        self._pending.extend(self._rows.rows(frame, timestamp_us, outputs))
        self._frames += 1
        if self._frames % PARQUET_ROW_GROUP_FRAMES == 0:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        columns = list(zip(*self._pending))
        table = self._pa.Table.from_arrays(
            [self._pa.array(list(c), type=f.type) for c, f in zip(columns, self._schema)], schema=self._schema)
        self._pending = []
        try:
            self._writer.write_table(table)
        except OSError as exc:
            raise MediaError(f"{self.path}: cannot write landmarks: {exc}") from exc

    def close(self) -> None:
        """Write the buffered rows and the footer; safe to call more than once."""
        if self._writer is None:
            return
        try:
            self._flush()
        finally:
            self._writer.close()
            self._writer = None
