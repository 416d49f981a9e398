"""Fixtures of the calculator tests: the still image the pose references were made from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from posegraph.calculators.formats import NormalizedRect


@dataclass(frozen=True)
class PoseStill:
    """``media/pose.jpg`` and MediaPipe 0.10.21's run on it.

    Attributes:
        rgb: uint8 (H, W, 3) RGB image.
        reference: frame 0 of ``reference/pose.static.json`` (``roi``, ``landmarks``, ``world``...).
    """

    rgb: np.ndarray
    reference: dict[str, Any]

    @property
    def roi(self) -> NormalizedRect:
        """The ROI MediaPipe's landmark model ran on, normalized to the image."""
        return NormalizedRect(*self.reference["roi"])


@pytest.fixture
def pose_still(shared_data: Path) -> PoseStill:
    """A fresh :class:`PoseStill` (the image is each test's own to write on)."""
    rgb = cv2.cvtColor(cv2.imread(str(shared_data / "media" / "pose.jpg")), cv2.COLOR_BGR2RGB)
    frame = json.loads((shared_data / "reference" / "pose.static.json").read_text())["frames"][0]
    return PoseStill(rgb, frame)
