"""The soak (benchmarks/soak.py): 10,000 frames of a looped video with flat memory, threads and open
files. Kept out of the default run; run it with `python -m pytest -m soak`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from robust_helpers import REPO_ROOT

SOAK = REPO_ROOT / "benchmarks" / "soak.py"


def run_soak(frames: int, timeout: float) -> str:
    proc = subprocess.run([sys.executable, str(SOAK), "--frames", str(frames)], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"frames: {frames} ")
    for field in ("rss_mb: start", "threads: start", "open_files: start"):
        assert field in proc.stdout
    return proc.stdout


def test_short_soak_keeps_working(pose_models, shared_data):
    run_soak(120, timeout=300)  # the warm-up (100 frames) and a few more: keeps the script working


@pytest.mark.soak
def test_soak_10000_frames(pose_models, shared_data):
    print(run_soak(10_000, timeout=3 * 3600))
