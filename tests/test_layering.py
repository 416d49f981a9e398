"""The layers stay apart: importing posegraph loads the engine only; the solutions API, the
application layer and OpenCV come when first used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _loaded_after(code: str) -> list[str]:
    program = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout.splitlines()[-1])


def test_import_posegraph_loads_neither_opencv_nor_the_upper_layers():
    loaded = _loaded_after("import posegraph")
    assert "cv2" not in loaded
    upper = [m for m in loaded if m.startswith(("posegraph.calculators", "posegraph.app", "posegraph.solutions"))]
    assert upper == []


def test_solutions_load_on_first_use():
    loaded = _loaded_after("import posegraph as mp\nassert mp.solutions.pose.Pose and mp.solutions.drawing_utils "
                           "and mp.solutions.drawing_styles")
    assert {"posegraph.solutions.pose", "posegraph.solutions.drawing_utils",
            "posegraph.solutions.drawing_styles", "cv2"} <= set(loaded)


def test_unknown_attribute_is_an_attribute_error():
    import posegraph

    with pytest.raises(AttributeError, match="no_such_thing"):
        posegraph.no_such_thing
