"""Fixtures of the robustness tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def squats(shared_data: Path) -> Path:
    """The shared 65-frame, 5 fps squat video."""
    return shared_data / "media" / "pose_squats.mp4"
