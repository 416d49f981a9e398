"""The layers import only downward: app -> calculators -> engine (STYLE.md, "The house").

Every module of the package is imported alone in a fresh interpreter and ``sys.modules`` is checked
afterwards, so a module added later is covered without touching this file.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import posegraph

CALCULATORS, POSE = "posegraph.calculators", "posegraph.calculators.pose"
#: The application layer: the app proper and the MediaPipe-shaped APIs built on it.
APP = ("posegraph.app", "posegraph.solutions", "posegraph.tasks", "posegraph.batch")
SCHEDULER = ("posegraph.framework.scheduler", "posegraph.framework.graph")


def all_modules() -> list[str]:
    """``posegraph`` and every module under it (``__main__`` modules run a program when imported)."""
    found = [m.name for m in pkgutil.walk_packages(posegraph.__path__, "posegraph.")]
    return ["posegraph"] + [name for name in found if not name.endswith(".__main__")]


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.splitlines()[-1]))


def within(modules: set[str], packages: str | tuple[str, ...]) -> set[str]:
    """The modules that are one of ``packages`` or inside them."""
    packages = (packages,) if isinstance(packages, str) else packages
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in packages)}


@pytest.fixture(scope="module")
def imports() -> dict[str, set[str]]:
    """Each module of the package -> the modules importing it alone loads."""
    names = all_modules()
    with ThreadPoolExecutor(max_workers=4) as pool:
        loaded = pool.map(lambda name: loaded_after(f"import {name}"), names)
        return dict(zip(names, loaded))


def test_every_layer_is_walked(imports: dict[str, set[str]]) -> None:
    for package in ("posegraph.framework", "posegraph.framework.config", CALCULATORS, POSE, *APP[:2]):
        assert package in imports
    assert "posegraph.framework.scheduler" in imports
    assert "posegraph.calculators.core.gate" in imports


def test_the_engine_imports_no_calculator_app_or_opencv(imports: dict[str, set[str]]) -> None:
    engine = [m for m in imports if not within({m}, CALCULATORS) and not within({m}, APP)]
    assert "posegraph.testing" in engine and "posegraph.framework.graph" in engine
    wrong = {m: sorted(within(imports[m], CALCULATORS) | within(imports[m], APP) | within(imports[m], "cv2"))
             for m in engine}
    assert {m: found for m, found in wrong.items() if found} == {}


def test_calculators_never_import_the_app(imports: dict[str, set[str]]) -> None:
    wrong = {m: sorted(within(imports[m], APP)) for m in imports if within({m}, CALCULATORS)}
    assert {m: found for m, found in wrong.items() if found} == {}


def test_every_public_name_loads_without_calculators_or_opencv() -> None:
    loaded = loaded_after("from posegraph import *\nimport posegraph.testing")
    assert "posegraph.framework.scheduler" in loaded
    assert within(loaded, CALCULATORS) | within(loaded, APP) | within(loaded, "cv2") == set()


@pytest.mark.parametrize("syntax, text", [
    ("pbtxt", 'input_stream: "a"\noutput_stream: "c"\n'
              'node { calculator: "PassThroughCalculator" input_stream: "a" output_stream: "b" }\n'
              'node { calculator: "GateCalculator" input_stream: "b" input_stream: "ALLOW:a" output_stream: "c" }\n'),
    ("yaml", "input_stream: [a]\noutput_stream: [c]\nnode:\n"
             "  - {calculator: PassThroughCalculator, input_stream: [a], output_stream: [b]}\n"
             "  - {calculator: GateCalculator, input_stream: [b, 'ALLOW:a'], output_stream: [c]}\n"),
])
def test_a_config_of_core_calculators_loads_neither_pose_app_nor_opencv(syntax: str, text: str) -> None:
    loaded = loaded_after(f"from posegraph import Graph\ngraph = Graph.from_string({text!r}, syntax={syntax!r})\n"
                          "assert [n.calculator for n in graph.validated.nodes] == "
                          "['PassThroughCalculator', 'GateCalculator']")
    assert {"posegraph.calculators.core.pass_through", "posegraph.calculators.core.gate"} <= loaded
    assert within(loaded, POSE) | within(loaded, APP) | within(loaded, "cv2") == set()


def test_a_pure_math_module_loads_only_its_packages() -> None:
    loaded = loaded_after("import posegraph.calculators.util.one_euro")
    assert within(loaded, "posegraph") == {"posegraph", CALCULATORS, "posegraph.calculators.util",
                                           "posegraph.calculators.util.one_euro"}
    assert not loaded & set(SCHEDULER)


def test_import_posegraph_loads_the_engine_only() -> None:
    loaded = loaded_after("import posegraph")
    assert within(loaded, CALCULATORS) | within(loaded, APP) | within(loaded, "cv2") == set()


def test_solutions_load_on_first_use() -> None:
    loaded = loaded_after("import posegraph as mp\nassert mp.solutions.pose.Pose and mp.solutions.drawing_utils "
                          "and mp.solutions.drawing_styles")
    assert {"posegraph.solutions.pose", "posegraph.solutions.drawing_utils",
            "posegraph.solutions.drawing_styles", "cv2"} <= loaded


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        posegraph.no_such_thing


def test_the_tasks_api_loads_on_first_use_without_opencv_or_scipy() -> None:
    loaded = loaded_after("import posegraph\nimport sys\nassert not any(m.startswith('posegraph.tasks') for m in sys.modules)\n"
                          "assert posegraph.tasks.vision.PoseLandmarker")
    assert "posegraph.tasks.vision" in loaded
    assert not loaded & {"cv2", "scipy"}
