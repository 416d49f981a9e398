"""The soak (benchmarks/soak.py): 10,000 frames of a looped video with flat memory, threads and open
files. Kept out of the default run; run it with `python -m pytest -m soak`."""

from __future__ import annotations

import re
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


# RSS may grow this much from the end of the warm-up (100 frames) to the last of the short soak's
# 200 frames: a leak of 80 KiB per frame or more exceeds it (a 720x1280 RGB frame is 2.6 MiB).
SHORT_SOAK_RSS_TOLERANCE_MB = 8.0
RSS_LINE = re.compile(r"^rss_mb: start ([\d.]+) \(after (\d+) warm-up frames\), end ([\d.]+),", re.MULTILINE)


def test_short_soak_keeps_working(pose_models, shared_data):
    output = run_soak(200, timeout=300)
    match = RSS_LINE.search(output)
    assert match, output
    start, warmup, end = float(match.group(1)), int(match.group(2)), float(match.group(3))
    assert warmup == 100
    assert end - start <= SHORT_SOAK_RSS_TOLERANCE_MB, output


@pytest.mark.soak
def test_soak_10000_frames(pose_models, shared_data):
    print(run_soak(10_000, timeout=3 * 3600))
