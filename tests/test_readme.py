"""The README's code must stay true: its calculator example runs and prints what it says."""

from __future__ import annotations

import contextlib
import io
import re
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
