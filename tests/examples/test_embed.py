"""examples/embed/app.py on the squat video: one line per frame, against MediaPipe's reference."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "examples" / "embed" / "app.py"
LINE = re.compile(r"frame (\d+) t=(\d+\.\d{3})s (?:pose nose=\((-?\d+),(-?\d+)\)px|no pose)")
# The nose in the app's pixels against MediaPipe's: the closed-loop parity contract on this video is
# 9 px p99 over all landmarks (tests/e2e/test_pose_tracking.py), plus 0.5 px for the app's rounding.
NOSE_TOLERANCE_PX = 9.5


def test_app_reports_every_frame(shared_data, pose_models):
    reference = json.loads((shared_data / "reference" / "pose_squats.smooth.json").read_text())
    done = subprocess.run([sys.executable, str(APP), str(shared_data / "media" / "pose_squats.mp4")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    *lines, summary = done.stdout.splitlines()
    frames = reference["frames"]
    assert len(lines) == len(frames) == 65
    assert summary == "frames: 65, with pose: 65"
    for i, (line, expected) in enumerate(zip(lines, frames)):
        m = LINE.fullmatch(line)
        assert m, f"unexpected line {line!r}"
        assert int(m.group(1)) == i
        assert float(m.group(2)) == round(i / reference["fps"], 3)
        assert expected["landmarks"] is not None and m.group(3) is not None, f"frame {i}: {line}"
        x, y = expected["landmarks"][0][:2]
        dx = int(m.group(3)) - x * reference["width"]
        dy = int(m.group(4)) - y * reference["height"]
        assert (dx * dx + dy * dy) ** 0.5 <= NOSE_TOLERANCE_PX, f"frame {i}: nose off by ({dx:.1f}, {dy:.1f}) px"
