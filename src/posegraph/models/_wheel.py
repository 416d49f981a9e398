"""Getting model files out of the MediaPipe wheel: ``pip download`` it, then unzip what is needed.

The wheel is only downloaded, never installed; any platform's wheel holds the same model files.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import zipfile
from pathlib import Path

from posegraph.framework.errors import ModelError

from ._files import write_verified
from ._manifest import WHEEL_REQUIREMENT, ModelSpec

logger = logging.getLogger(__name__)

# When pip finds no wheel for the running interpreter (say a Python newer than the release
# supports), ask for one that exists: the model files are identical across the wheels.
_FALLBACK_TARGET = [
    "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
    "--implementation", "cp", "--abi", "cp311",
]


def download_wheel(dest_dir: Path, progress: bool = True) -> Path:
    """Download the MediaPipe wheel (no dependencies, no install) into ``dest_dir``.

    Tries a wheel for the running interpreter first, then the manylinux x86_64 CPython 3.11 one.
    With ``progress`` pip shows its own progress bar on stdout; otherwise pip runs quietly.

    Returns the wheel's path. Raises :class:`ModelError` with pip's last words when both fail.
    """
    base = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--progress-bar", "on" if progress else "off",
        "-d", str(dest_dir), WHEEL_REQUIREMENT,
    ]
    if not progress:
        base.append("--quiet")
    failures = []
    for extra in ([], _FALLBACK_TARGET):
        if extra:
            logger.info("pip found no %s wheel for this interpreter; trying the %s wheel instead "
                        "(the model files are the same in every wheel)",
                        WHEEL_REQUIREMENT, " ".join(extra))
        result = subprocess.run(base + extra, stdout=None if progress else subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, check=False)
        wheels = sorted(dest_dir.glob("*.whl"))
        if result.returncode == 0 and wheels:
            return wheels[0]
        failures.append(_tail(result.stderr or result.stdout or f"exit code {result.returncode}"))
    raise ModelError(
        f"could not download the {WHEEL_REQUIREMENT} wheel with pip:\n{failures[-1]}\n"
        "Check that this machine can reach the Python package index, or download the wheel "
        "elsewhere and run `posegraph models fetch --wheel PATH_TO_WHEEL`.")


def _tail(text: str, lines: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def extract_file(wheel: zipfile.ZipFile, spec: ModelSpec, target: Path) -> str:
    """Extract ``spec``'s file from the open ``wheel`` to ``target``, verified and atomically
    (:func:`write_verified`).

    Returns the file's SHA-256 (hex). Raises :class:`ModelError` when the wheel lacks the file,
    the checksum differs, or ``target``'s directory cannot be written.
    """
    assert spec.wheel_path is not None, f"{spec.name} is not inside the wheel"
    try:
        member = wheel.getinfo(spec.wheel_path)
    except KeyError:
        raise ModelError(f"the wheel {wheel.filename} has no {spec.wheel_path}; is it the "
                         f"{WHEEL_REQUIREMENT} wheel?") from None
    try:
        with wheel.open(member) as src:
            return write_verified(src, spec, target, f"{spec.wheel_path} in {wheel.filename}")
    except zipfile.BadZipFile as exc:
        raise ModelError(f"cannot read {spec.wheel_path} from {wheel.filename}: {exc}; "
                         "the wheel is damaged") from exc
