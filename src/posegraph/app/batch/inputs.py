"""Which files a batch runs on, and what each one's outputs are called.

An input spec is a file, a folder (searched, recursively, for videos and images), a glob
(``clips/**/*.mp4``) or a text file listing one spec per line (``#`` starts a comment; relative
paths are relative to the list file). A file named on its own is taken as media whatever its
suffix, so that a damaged or mislabelled file becomes a failed row rather than vanishing.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable

from posegraph.app.media import IMAGE_SUFFIXES
from posegraph.framework.errors import PosegraphError

VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".flv"})
"""What a folder search takes as a video; with :data:`IMAGE_SUFFIXES`, what it takes at all."""
LIST_SUFFIXES = frozenset({".txt", ".lst", ".list"})
"""A file with one of these suffixes is read as a list of input specs, not as media."""


class BatchError(PosegraphError):
    """A batch cannot start: no inputs, two inputs that would write the same output, an output
    directory in use by another batch, or an engine that is not available."""


@dataclass(frozen=True)
class BatchInput:
    """One input of a batch.

    Attributes:
        path: the media file, absolute.
        name: what its outputs are called, without a suffix, relative to the output directory
            (POSIX separators): the file's stem, or its path below the folder it was found in.
    """

    path: Path
    name: str


def _is_media(path: Path) -> bool:
    suffix = path.suffix.lower()
    return suffix in VIDEO_SUFFIXES or suffix in IMAGE_SUFFIXES


def _from_folder(folder: Path, exclude: Path | None) -> list[BatchInput]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (Path(root) / d).absolute() != exclude)
        for file in sorted(files):
            path = Path(root) / file
            if not file.startswith(".") and _is_media(path):
                relative = PurePosixPath(path.relative_to(folder).as_posix())
                found.append(BatchInput(path.absolute(), str(relative.with_suffix(""))))
    return found


def _expand(spec: str, base: Path, seen_lists: set[Path], exclude: Path | None) -> list[BatchInput]:
    path = Path(spec).expanduser()
    if not path.is_absolute():
        path = base / path
    if glob.has_magic(spec):
        matches = sorted(glob.glob(str(path), recursive=True))
        if not matches:
            raise BatchError(f"input {spec}: the pattern matches no file")
        return [item for m in matches for item in _expand(m, base, seen_lists, exclude)]
    if path.is_dir():
        found = _from_folder(path, exclude)
        if not found:
            raise BatchError(f"input {spec}: the folder {path} holds no video or image "
                             f"({', '.join(sorted(VIDEO_SUFFIXES | IMAGE_SUFFIXES))})")
        return found
    if path.suffix.lower() in LIST_SUFFIXES and path.is_file():
        return _from_list(path, seen_lists, exclude)
    if not path.exists() and not path.is_symlink():
        raise BatchError(f"input {spec}: no such file or folder ({path})")
    return [BatchInput(path.absolute(), path.stem)]


def _from_list(path: Path, seen_lists: set[Path], exclude: Path | None) -> list[BatchInput]:
    resolved = path.resolve()
    if resolved in seen_lists:
        raise BatchError(f"input list {path} includes itself")
    seen_lists = seen_lists | {resolved}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise BatchError(f"input list {path}: cannot read it: {e}") from e
    found = []
    for number, line in enumerate(lines, start=1):
        spec = line.split("#", 1)[0].strip()
        if spec:
            try:
                found += _expand(spec, path.parent, seen_lists, exclude)
            except BatchError as e:
                raise BatchError(f"{path}:{number}: {e}") from None
    return found


def collect_inputs(specs: Iterable[str | os.PathLike[str]], exclude: Path | None = None) -> list[BatchInput]:
    """Every input the specs name, in order, each once (the first spec naming a file wins).

    A folder search does not enter ``exclude`` (the batch's own output directory, whose overlay
    videos are not inputs) nor hidden folders.

    Raises:
        BatchError: a spec names nothing (missing path, empty folder, pattern without matches),
            there are no inputs at all, or two inputs would write outputs of the same name (the
            message names both).
    """
    found: dict[Path, BatchInput] = {}
    for spec in specs:
        for item in _expand(os.fspath(spec), Path.cwd(), set(), exclude):
            found.setdefault(item.path, item)
    if not found:
        raise BatchError("no inputs: name video or image files, folders, glob patterns or list files")
    by_name: dict[str, BatchInput] = {}
    for item in found.values():
        other = by_name.setdefault(item.name, item)
        if other is not item:
            raise BatchError(f"inputs {other.path} and {item.path} would both write outputs named {item.name!r}; "
                             "rename one, or run them into different --out directories")
    return list(found.values())
