"""Writing files into the model cache whole or not at all: a model file from an archive member
(hashed while copied, renamed into place only when its SHA-256 matches the manifest), and any
other file the cache keeps."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from posegraph.framework.errors import ModelError

from ._manifest import ModelSpec

_CHUNK = 1 << 20


def write_verified(src: BinaryIO, spec: ModelSpec, target: Path, origin: str) -> str:
    """Copy ``src`` to ``target``, verified against ``spec.sha256`` and atomically.

    The bytes go to a temporary file beside ``target`` while being hashed; only when the SHA-256
    matches is the file renamed into place, so ``target`` is never half-written.

    Args:
        src: the open archive member.
        spec: the model it should be.
        target: where the file goes.
        origin: the member and archive, for messages (``"package/x.tflite in pose.tgz"``).

    Returns:
        The file's SHA-256 (hex).

    Raises:
        ModelError: the checksum differs, or ``target``'s directory cannot be written.
    """
    digest = hashlib.sha256()
    try:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                        suffix=".part")
    except OSError as exc:
        raise ModelError(f"cannot write model files into {target.parent}: {exc.strerror}; "
                         "choose another directory with --cache-dir or POSEGRAPH_MODEL_DIR") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if spec.sha256 is not None and actual != spec.sha256:
            raise ModelError(f"{origin} has sha256 {actual}, expected {spec.sha256}; the archive "
                             "is damaged or not the one the manifest names")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ModelError(f"cannot write {target}: {exc}") from exc
        raise
    return actual


def write_atomically(target: Path, data: bytes | str) -> None:
    """Writes ``data`` to ``target`` whole or not at all: to a temporary file beside it, then
    renamed over it (readable by all, as the model files are), so that a reader, or a process
    writing the same file at the same moment, never sees part of it.

    Raises:
        OSError: ``target``'s directory cannot be written (nothing is left behind).
    """
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb" if isinstance(data, bytes) else "w") as out:
            out.write(data)
        os.chmod(name, 0o644)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
