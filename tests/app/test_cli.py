"""CLI conveniences: loading user calculators, dumping a stream's packets, typed side packets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from posegraph import graphs
from posegraph import SidePacketError
from posegraph.app.cli import main, parse_side_packets

REPO = Path(__file__).resolve().parents[2]

USER_CALCULATOR = '''
from posegraph import Calculator, Contract, Port, register_calculator

@register_calculator
class CliTestTripleCalculator(Calculator):
    contract = Contract(inputs={"": Port(float)}, outputs={"": Port(float)})

    def process(self, cc):
        cc.send("", cc.value("") * 3)
'''

GRAPH = '''
input_stream: "x"
output_stream: "y"
node { calculator: "CliTestTripleCalculator" input_stream: "x" output_stream: "y" }
'''


def test_load_registers_calculators_from_a_file(tmp_path, capsys):
    (tmp_path / "triple.py").write_text(USER_CALCULATOR)
    (tmp_path / "g.pbtxt").write_text(GRAPH)
    assert main(["validate", str(tmp_path / "g.pbtxt"), "--load", str(tmp_path / "triple.py")]) == 0
    assert "OK (1 nodes" in capsys.readouterr().out


def test_without_load_the_calculator_is_unknown(tmp_path, capsys):
    (tmp_path / "g.pbtxt").write_text(GRAPH.replace("CliTestTriple", "CliTestNeverRegistered"))
    assert main(["validate", str(tmp_path / "g.pbtxt")]) == 2
    assert "g.pbtxt:4:20: unknown calculator 'CliTestNeverRegisteredCalculator'" in capsys.readouterr().err


def test_load_of_a_missing_module_names_it(tmp_path, capsys):
    (tmp_path / "g.pbtxt").write_text(GRAPH)
    assert main(["validate", str(tmp_path / "g.pbtxt"), "--load", "no_such_module_xyz"]) == 1
    assert "--load no_such_module_xyz: cannot import it" in capsys.readouterr().err


def test_dump_prints_every_packet_of_an_internal_stream(shared_data, pose_models):
    proc = subprocess.run([sys.executable, "-m", "posegraph.app.cli", "run", str(graphs.path("pose_tracking")),
                           "--input", str(shared_data / "media" / "pose.jpg"), "--dump", "posetracking__pose_rect", "-q"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.startswith("[posetracking__pose_rect @ 0] NormalizedRect(")]
    assert len(lines) == 1
    # MediaPipe's expected ROI on pose.jpg: x_center 0.49192297 (mediapipe_goldens, tolerance 0.01)
    x_center = float(lines[0].split("x_center=")[1].split(",")[0])
    assert abs(x_center - 0.49192297) < 0.01


def test_side_packets_are_parsed_by_declared_type():
    types = {"smooth_landmarks": bool, "min_tracking_confidence": float, "name": str}
    assert parse_side_packets(["smooth_landmarks=off", "min_tracking_confidence=0.7", "name=a=b"], types) == \
        {"smooth_landmarks": False, "min_tracking_confidence": 0.7, "name": "a=b"}
    with pytest.raises(SidePacketError, match="smooth_landmarks takes a bool"):
        parse_side_packets(["smooth_landmarks=maybe"], types)
