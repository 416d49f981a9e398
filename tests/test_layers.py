"""The layering written down in posegraph/__init__ and calculators/__init__ stays true: the engine
imports nothing above it, calculators nothing of the application, and the application's Tasks API
is not imported by ``import posegraph`` and pulls in neither OpenCV nor the app's media code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "posegraph"


def imported_modules(folder: Path) -> set[tuple[str, str]]:
    """``(file, module)`` for every posegraph module imported by the files under ``folder``."""
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
            found.update((path.name, n) for n in names if n.startswith("posegraph"))
    return found


@pytest.mark.parametrize("layer, forbidden", [
    ("framework", ("posegraph.calculators", "posegraph.app", "posegraph.tasks")),
    ("calculators", ("posegraph.app", "posegraph.tasks")),
    ("tasks", ("posegraph.app",)),
])
def test_a_layer_imports_only_the_ones_below_it(layer: str, forbidden: tuple[str, ...]) -> None:
    wrong = sorted((f, m) for f, m in imported_modules(SRC / layer) if m.startswith(forbidden))
    assert not wrong


def test_tasks_api_is_imported_on_demand_and_light() -> None:
    code = ("import sys, posegraph; assert not any(m.startswith('posegraph.tasks') for m in sys.modules); "
            "import posegraph.tasks.vision; print(sorted(m for m in ('cv2', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
