"""The soak (benchmarks/soak.py): 10,000 frames of a looped video, and of a synthetic crowd with the
multi-person module, with flat memory, threads and open files. The short runs are in the default run;
the 10,000-frame ones are kept out of it: run them with `python -m pytest -m soak`."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from benchmarks.soak import CROWD_TILES, CROWD_WARMUP_FRAMES, WARMUP_FRAMES, Crowd
from robust_helpers import REPO_ROOT

SOAK = REPO_ROOT / "benchmarks" / "soak.py"


def run_soak(frames: int, timeout: float, crowd: bool = False) -> str:
    """``python benchmarks/soak.py --frames FRAMES`` (with ``--crowd``); its output, checked to have passed."""
    proc = subprocess.run([sys.executable, str(SOAK), "--frames", str(frames), *(["--crowd"] if crowd else [])],
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"frames: {frames} ")
    for field in ("rss_mb: start", "threads: start", "open_files: start"):
        assert field in proc.stdout
    return proc.stdout


# RSS may grow this much from the end of the warm-up (100 frames) to the last of the short soak's
# 200 frames: a leak of 80 KiB per frame or more exceeds it (a 720x1280 RGB frame is 2.6 MiB).
SHORT_SOAK_RSS_TOLERANCE_MB = 8.0
RSS_LINE = re.compile(r"^rss_mb: start ([\d.]+) \(after (\d+) warm-up frames\), end ([\d.]+),", re.MULTILINE)
CROWD_LINE = re.compile(r"^crowd: .* people tracked per frame: mean ([\d.]+), max (\d+); track ids given out: (\d+)$",
                        re.MULTILINE)


def rss_growth(output: str, warmup: int) -> float:
    """RSS growth (MiB) from the end of the warm-up to the last frame, as the soak printed it."""
    match = RSS_LINE.search(output)
    assert match, output
    assert int(match.group(2)) == warmup
    return float(match.group(3)) - float(match.group(1))


def crowd_figures(output: str) -> tuple[float, int, int]:
    """(mean, max) people tracked per frame and the track ids given out, as the crowd soak printed them."""
    match = CROWD_LINE.search(output)
    assert match, output
    return float(match.group(1)), int(match.group(2)), int(match.group(3))


def test_short_soak_keeps_working(pose_models, shared_data):
    output = run_soak(200, timeout=300)
    assert rss_growth(output, warmup=WARMUP_FRAMES) <= SHORT_SOAK_RSS_TOLERANCE_MB, output


@pytest.mark.soak
def test_soak_10000_frames(pose_models, shared_data):
    print(run_soak(10_000, timeout=3 * 3600))


def test_crowd_tiles_go_dark_in_turn(shared_data):
    """The crowd frame is the tiles' cells; a kids tile is black for 1 s after each 6.7 s pass of its
    clip (its people leave, so their tracks end), the third one first (it starts 4 s into its clip)."""
    crowd = Crowd()
    width, height = crowd.size
    cells = [tile.cell for tile in CROWD_TILES]
    lit = [[crowd.frame(i)[y:y + h, x:x + w].any() for x, y, w, h in cells] for i in (0, 95)]
    assert crowd.frame(0).shape == (height, width, 3)
    assert lit[0] == [True] * 5
    assert lit[1] == [True, True, False, True, True]


# The short crowd soak: 300 frames (about 30 s here), RSS read after the 150 warm-up frames (the
# detector finds the people it can one or two at a time over the first 100 or so) and at the last.
# Over those 150 frames a leak of 55 KiB per frame or more exceeds the bound (a crowd frame is 6 MiB,
# one person's landmark-model input 768 KiB). The module tracks 6 to 7 of the 10 people in view once
# warmed up (5.9 on average over these 300 frames, 7 at most); each kids tile goes dark once in them,
# ending its people's tracks, so more ids are given out than people are ever tracked at once.
SHORT_CROWD_FRAMES = 300
SHORT_CROWD_RSS_TOLERANCE_MB = 8.0
MIN_MEAN_TRACKED = 5.0
MIN_MAX_TRACKED = 6


def test_short_crowd_soak_tracks_several_people_with_flat_memory(pose_models, shared_data):
    output = run_soak(SHORT_CROWD_FRAMES, timeout=300, crowd=True)
    mean, most, ids = crowd_figures(output)
    assert mean >= MIN_MEAN_TRACKED, output
    assert most >= MIN_MAX_TRACKED, output
    assert ids > most, output
    assert rss_growth(output, warmup=CROWD_WARMUP_FRAMES) <= SHORT_CROWD_RSS_TOLERANCE_MB, output


# Over 10,000 frames (333 s) each of the three kids tiles goes dark 43 times; 189 ids were given out
# in a run of it on a 2-core machine (mean 6.35 people tracked per frame, max 8; RSS +0.3 MiB).
LONG_CROWD_MIN_IDS = 100


@pytest.mark.soak
def test_crowd_soak_10000_frames(pose_models, shared_data):
    output = run_soak(10_000, timeout=3 * 3600, crowd=True)
    print(output)
    mean, most, ids = crowd_figures(output)
    assert mean >= MIN_MEAN_TRACKED, output
    assert most >= MIN_MAX_TRACKED, output
    assert ids >= LONG_CROWD_MIN_IDS, output
