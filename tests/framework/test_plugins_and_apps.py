"""Calculators shipped by another pip package (entry points), and several graphs in one process."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from posegraph import Graph, PosegraphError
from posegraph.framework import registry


def test_an_entry_point_package_registers_its_calculators(tmp_path, monkeypatch):
    package = tmp_path / "posegraph_plugin_demo"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from posegraph import Calculator, Contract, Port, register_calculator\n"
        "@register_calculator\n"
        "class PluginDemoNegateCalculator(Calculator):\n"
        "    contract = Contract(inputs={'': Port(int)}, outputs={'': Port(int)})\n"
        "    def process(self, cc):\n"
        "        cc.send('', -cc.value(''))\n")
    dist = tmp_path / "posegraph_plugin_demo-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: posegraph-plugin-demo\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[posegraph.calculators]\ndemo = posegraph_plugin_demo\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_loaded_plugins", False)
    monkeypatch.setattr(registry, "_group", None)  # entry points are read once a process: read them again
    monkeypatch.setattr(registry, "_class_entry_points", None)
    monkeypatch.delitem(sys.modules, "posegraph_plugin_demo", raising=False)

    graph = Graph.from_string('input_stream: "a"\noutput_stream: "b"\n'
                              'node { calculator: "PluginDemoNegateCalculator" input_stream: "a" output_stream: "b" }')
    assert [out["b"] for _, out in graph.process_frames([(0, 1), (1, 2)])] == [-1, -2]


def test_several_graphs_run_at_once_in_one_process():
    text = ('input_stream: "a"\noutput_stream: "c"\n'
            'node { calculator: "PassThroughCalculator" input_stream: "a" output_stream: "b" }\n'
            'node { calculator: "PassThroughCalculator" input_stream: "b" output_stream: "c" }')
    results: dict[int, list] = {}

    def run(k: int) -> None:
        graph = Graph.from_string(text, num_threads=2 if k % 2 else 1)
        results[k] = [out["c"] for _, out in graph.process_frames((t, (k, t)) for t in range(200))]

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {k: [(k, t) for t in range(200)] for k in range(4)}


GATE_IMPOSTOR = '''
from posegraph import Calculator, Contract, Port, register_calculator

class GateCalculator(Calculator):
    contract = Contract(inputs={"": Port()}, outputs={"": Port()})
'''


def test_a_plugin_class_cannot_take_a_built_in_name_once_the_built_in_is_loaded():
    namespace: dict = {}
    exec(GATE_IMPOSTOR, namespace)
    builtin = registry.get_calculator("GateCalculator")
    assert builtin.__module__ == "posegraph.calculators.core.gate"
    with pytest.raises(PosegraphError) as caught:
        registry.register_calculator(namespace["GateCalculator"])
    assert str(caught.value) == ("calculator name 'GateCalculator' is already registered by "
                                 "posegraph.calculators.core.gate.GateCalculator; register "
                                 "builtins.GateCalculator under another name")
    assert registry.get_calculator("GateCalculator") is builtin


def test_a_plugin_class_cannot_take_a_built_in_name_before_the_built_in_is_loaded():
    code = GATE_IMPOSTOR + '''
import sys
from posegraph import PosegraphError
assert "posegraph.calculators.core.gate" not in sys.modules
try:
    register_calculator(GateCalculator)
except PosegraphError as e:
    print(e)
from posegraph import get_calculator
print(get_calculator("GateCalculator").__module__)
'''
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "calculator name 'GateCalculator' belongs to posegraph.calculators.core.gate:GateCalculator (entry point "
        "of 'posegraph.calculators'); register __main__.GateCalculator under another name",
        "posegraph.calculators.core.gate"]


def test_a_plugin_entry_point_declaring_a_built_in_name_does_not_take_it(tmp_path):
    # The plugin's distribution comes first on the path, so every-distribution order would find
    # its entry point first; posegraph's own entry points are read first.
    (tmp_path / "posegraph_gate_impostor.py").write_text(GATE_IMPOSTOR)
    dist = tmp_path / "posegraph_gate_impostor-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: posegraph-gate-impostor\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[posegraph.calculators]\nGateCalculator = posegraph_gate_impostor:GateCalculator\n")
    code = '''
import sys
sys.path.insert(0, sys.argv[1])
from posegraph import get_calculator
print(get_calculator("GateCalculator").__module__)
print("posegraph_gate_impostor" in sys.modules)
'''
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["posegraph.calculators.core.gate", "False"]


def test_a_graph_of_built_in_calculators_reads_only_posegraphs_own_entry_points():
    code = '''
from posegraph import Graph
from posegraph.framework import registry
graph = Graph.from_string('input_stream: "a"\\noutput_stream: "b"\\n'
                          'node { calculator: "PassThroughCalculator" input_stream: "a" output_stream: "b" }')
print([out["b"] for _, out in graph.process_frames([(0, 7)])], registry._group is None)
'''
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["[7] True"]
