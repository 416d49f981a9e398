"""The README's code must stay true: its examples run as printed and print what they say."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import types
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_calculator_example_prints_what_it_claims():
    block = next(b for b in _python_blocks() if "ScaleCalculator" in b)
    claimed = re.search(r"print\(.*\)\s+# (.*)", block).group(1)
    module = types.ModuleType("readme_example")  # dataclasses need a module in sys.modules
    sys.modules[module.__name__] = module
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(block, "README.md", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    assert out.getvalue().strip() == claimed


def test_landmark_table_lists_pose_landmark():
    from posegraph.solutions.pose import PoseLandmark

    section = README.read_text().split("### The 33 pose landmarks", 1)[1].split("\n## ", 1)[0]
    listed = {int(index): name for index, name in re.findall(r"\| (\d+) \| `(\w+)`", section)}
    assert listed == {int(landmark): landmark.name for landmark in PoseLandmark}


def test_embed_snippet_runs_as_printed_from_any_directory(tmp_path, shared_data, pose_models):
    """The "Embedding a graph in an app" block, saved to a file in an empty directory and run there on
    the squat video: the nose in every frame, against MediaPipe's reference within the closed-loop
    contract (9 px p99 over all landmarks, tests/e2e/test_pose_tracking.py) plus what rounding to 3
    decimals can add: 0.0005 of the 720-pixel width (0.36 px) and of the 1280-pixel height (0.64 px)."""
    block = next(b for b in _python_blocks() if "Graph.from_name" in b)
    (tmp_path / "track.py").write_text(block)
    video = shared_data / "media" / "pose_squats.mp4"
    done = subprocess.run([sys.executable, "track.py", str(video)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    reference = json.loads((shared_data / "reference" / "pose_squats.smooth.json").read_text())
    lines = done.stdout.splitlines()
    assert len(lines) == len(reference["frames"]) == 65
    for i, (line, frame) in enumerate(zip(lines, reference["frames"])):
        m = re.fullmatch(r"(\d+\.\d{3})s nose at \((-?\d+\.\d{3}), (-?\d+\.\d{3})\)", line)
        assert m, f"unexpected line {line!r}"
        assert float(m.group(1)) == round(i / reference["fps"], 3)
        dx = (float(m.group(2)) - frame["landmarks"][0][0]) * reference["width"]
        dy = (float(m.group(3)) - frame["landmarks"][0][1]) * reference["height"]
        assert (dx * dx + dy * dy) ** 0.5 <= 9 + 0.36 + 0.64, f"frame {i}: nose off by ({dx:.1f}, {dy:.1f}) px"
