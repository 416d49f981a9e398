"""Where a batch writes: the output directory (a local path, or an fsspec URL through fsspec),
its manifest, and the lock that keeps a second batch out.

Outputs are made in a staging directory on the worker's own disk and published under their
final names only when complete: on a local output directory the staging directory is inside it
(``DIR/.partial/``) and publishing is a rename; on a URL it is a temporary directory and
publishing uploads to ``URL/.partial/`` and then moves the object into place. Either way a
reader of DIR never sees half a file under an output's name.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from posegraph.app.batch.inputs import BatchError

log = logging.getLogger(__name__)

MANIFEST = "manifest.jsonl"
LOCK = ".posegraph-batch.lock"
PARTIAL = ".partial"
MANIFEST_FIELDS = ("input", "status", "frames", "frames_with_pose", "seconds", "outputs", "error")
"""The fields of a manifest row, in the order they are written."""


def is_url(out: str) -> bool:
    """Whether ``out`` is an fsspec URL (``s3://bucket/dir``, ``file:///dir``) rather than a path."""
    return "://" in out


def open_store(out: str | os.PathLike[str]) -> "Store":
    """The store for an output directory: :class:`LocalStore` for a path, :class:`FsspecStore` for
    a URL (which needs the ``posegraph[ray]`` extra's fsspec, plus the protocol's own package,
    e.g. s3fs). Creates the directory.

    Raises:
        BatchError: the directory cannot be created, or fsspec (or the protocol) is missing.
    """
    text = os.fspath(out)
    return FsspecStore(text) if is_url(text) else LocalStore(Path(text))


class Store:
    """An output directory. ``root`` is how messages name it."""

    root: str

    def staging(self, name: str) -> Path:
        """An empty local directory to make input ``name``'s outputs in (emptied if it existed)."""
        raise NotImplementedError

    def publish(self, file: Path, relative: str) -> None:
        """Moves a finished ``file`` from a staging directory to ``relative`` under the root."""
        raise NotImplementedError

    def discard(self, name: str) -> None:
        """Removes what input ``name``'s staging directory holds (its worker died or was stopped)."""
        raise NotImplementedError

    def clear_partial(self) -> None:
        """Removes every unfinished output (the batch holds the lock, so none is being written)."""
        raise NotImplementedError

    def read_text(self, relative: str) -> str | None:
        """The file's text, or ``None`` when it does not exist."""
        raise NotImplementedError

    def append_line(self, relative: str, line: str) -> None:
        """Appends one line (no newline in it) and makes it durable before returning."""
        raise NotImplementedError

    def create_exclusive(self, relative: str, text: str) -> bool:
        """Creates the file with ``text`` unless it exists; ``False`` when it did."""
        raise NotImplementedError

    def remove(self, relative: str) -> None:
        """Deletes the file if it exists."""
        raise NotImplementedError


def _staging_name(name: str) -> str:
    return name.replace("/", "__")


class LocalStore(Store):
    """An output directory on a local (or network-mounted) file system."""

    def __init__(self, root: Path) -> None:
        self.path = root.absolute()
        self.root = str(self.path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise BatchError(f"--out {root}: cannot create the output directory: {e.strerror}") from e
        if not os.access(self.path, os.W_OK):
            raise BatchError(f"--out {root}: cannot write in the output directory: permission denied")

    def staging(self, name: str) -> Path:
        directory = self.path / PARTIAL / _staging_name(name)
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        return directory

    def publish(self, file: Path, relative: str) -> None:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(file, target)

    def discard(self, name: str) -> None:
        shutil.rmtree(self.path / PARTIAL / _staging_name(name), ignore_errors=True)

    def clear_partial(self) -> None:
        shutil.rmtree(self.path / PARTIAL, ignore_errors=True)

    def read_text(self, relative: str) -> str | None:
        try:
            return (self.path / relative).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def append_line(self, relative: str, line: str) -> None:
        with open(self.path / relative, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    def create_exclusive(self, relative: str, text: str) -> bool:
        try:
            fd = os.open(self.path / relative, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return True

    def remove(self, relative: str) -> None:
        (self.path / relative).unlink(missing_ok=True)


class FsspecStore(Store):
    """An output directory at an fsspec URL (``s3://``, ``gs://``, ``file://`` ...).

    Object stores have no append: the manifest is rewritten whole, at most every
    ``manifest_interval`` seconds and when the batch ends, so a driver killed outright may lose
    the last rows (their inputs are then redone). The lock is a check-then-create, not atomic.
    """

    manifest_interval = 5.0

    def __init__(self, url: str) -> None:
        try:
            import fsspec
        except ImportError as e:
            raise BatchError(f"--out {url}: writing to a URL needs fsspec: pip install 'posegraph[ray]'") from e
        try:
            self.fs, self._base = fsspec.core.url_to_fs(url)
            self.fs.makedirs(self._base, exist_ok=True)
        except (ImportError, ValueError, OSError) as e:
            raise BatchError(f"--out {url}: cannot open the output directory: {e}") from e
        self.root = url.rstrip("/")
        self._lines: dict[str, list[str]] = {}
        self._flushed: dict[str, float] = {}

    def _url(self, relative: str) -> str:
        return f"{self._base.rstrip('/')}/{relative}"

    def _staging_dir(self, name: str) -> Path:
        digest = hashlib.sha256(f"{self.root}\0{name}".encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / "posegraph-batch" / digest

    def staging(self, name: str) -> Path:
        directory = self._staging_dir(name)
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        return directory

    def _partial(self, relative: str) -> str:
        """Where ``relative`` is written before it is moved into place (parents created)."""
        partial = self._url(f"{PARTIAL}/{relative}")
        self.fs.makedirs(partial.rsplit("/", 1)[0], exist_ok=True)
        self.fs.makedirs(self._url(relative).rsplit("/", 1)[0], exist_ok=True)
        return partial

    def publish(self, file: Path, relative: str) -> None:
        partial = self._partial(relative)
        self.fs.put_file(str(file), partial)
        self.fs.mv(partial, self._url(relative))
        file.unlink()

    def discard(self, name: str) -> None:
        shutil.rmtree(self._staging_dir(name), ignore_errors=True)

    def clear_partial(self) -> None:
        if self.fs.exists(self._url(PARTIAL)):
            self.fs.rm(self._url(PARTIAL), recursive=True)

    def read_text(self, relative: str) -> str | None:
        try:
            with self.fs.open(self._url(relative), "r", encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def append_line(self, relative: str, line: str) -> None:
        lines = self._lines.get(relative)
        if lines is None:
            lines = self._lines[relative] = (self.read_text(relative) or "").splitlines()
        lines.append(line)
        if time.monotonic() - self._flushed.get(relative, 0.0) >= self.manifest_interval:
            self.flush(relative)

    def flush(self, relative: str) -> None:
        """Writes the lines appended to ``relative`` so far (through a temporary object)."""
        if relative in self._lines:
            partial = self._partial(relative)
            self.fs.pipe_file(partial, "".join(f"{line}\n" for line in self._lines[relative]).encode())
            self.fs.mv(partial, self._url(relative))
            self._flushed[relative] = time.monotonic()

    def create_exclusive(self, relative: str, text: str) -> bool:
        if self.fs.exists(self._url(relative)):
            return False
        self.fs.pipe_file(self._url(relative), text.encode())
        return True

    def remove(self, relative: str) -> None:
        if self.fs.exists(self._url(relative)):
            self.fs.rm(self._url(relative))


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), or ``None`` if unknown."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _holder_gone(holder: dict[str, Any]) -> bool:
    """Whether the process that wrote a lock on this host has ended (its pid is free, or now
    another process's: a different start time, or this very process)."""
    pid = holder["pid"]
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    started = _start_time(pid)
    return holder.get("pid_started") is not None and started is not None and started != holder["pid_started"]


class BatchLock:
    """``DIR/.posegraph-batch.lock``: held while a batch writes to DIR; holds the owner's pid, host
    and start time. A lock left by a batch that died (same host, and its pid free or now another
    process's) is stale and taken over with a warning. A context manager.

    Raises (on enter):
        BatchError: another batch holds the lock (the message names its pid and host).
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> "BatchLock":
        owner = {"pid": os.getpid(), "host": socket.gethostname(),
                 "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                 "pid_started": _start_time(os.getpid())}
        for _ in range(2):
            if self.store.create_exclusive(LOCK, json.dumps(owner) + "\n"):
                return self
            holder = self._holder()
            if holder is None or (holder.get("host") == owner["host"] and _holder_gone(holder)):
                log.warning("%s/%s: taking over a stale lock (%s)", self.store.root, LOCK,
                            "unreadable" if holder is None else f"its batch, pid {holder['pid']}, is gone")
                self.store.remove(LOCK)
                continue
            raise BatchError(f"{self.store.root} is in use by another posegraph batch (pid {holder.get('pid')} on "
                             f"{holder.get('host')}, since {holder.get('started')}); wait for it to finish, or "
                             f"if that process is gone, delete {self.store.root}/{LOCK}")
        raise BatchError(f"{self.store.root}/{LOCK}: another batch took the lock at the same moment")

    def _holder(self) -> dict[str, Any] | None:
        text = self.store.read_text(LOCK)
        try:
            holder = json.loads(text) if text else None
        except ValueError:
            return None
        return holder if isinstance(holder, dict) and isinstance(holder.get("pid"), int) else None

    def __exit__(self, *exc: object) -> None:
        self.store.remove(LOCK)


class Manifest:
    """``DIR/manifest.jsonl``: one JSON line per finished input (fields :data:`MANIFEST_FIELDS`);
    the last line for an input is its state. Lines that do not parse (a write cut short) are
    skipped with a warning."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rows: dict[str, dict[str, Any]] = {}
        text = store.read_text(MANIFEST) or ""
        for number, line in enumerate(text.splitlines(), start=1):
            try:
                row = json.loads(line)
                self.rows[row["input"]] = row
            except (ValueError, TypeError, KeyError):
                log.warning("%s/%s:%d: skipping a damaged line", store.root, MANIFEST, number)
        if text and not text.endswith("\n") and isinstance(store, LocalStore):
            store.append_line(MANIFEST, "")  # end a cut-short line, so the next row starts its own

    def add(self, row: dict[str, Any]) -> None:
        """Records ``row`` (durably on a local directory)."""
        self.rows[row["input"]] = row
        self.store.append_line(MANIFEST, json.dumps({k: row.get(k) for k in MANIFEST_FIELDS}))

    def close(self) -> None:
        """Writes what is still buffered (URL stores)."""
        if isinstance(self.store, FsspecStore):
            self.store.flush(MANIFEST)
