"""MediaPipe's GpuOrigin.Mode, an option of its image and tensor calculators."""

from __future__ import annotations

import enum


class GpuOrigin(enum.Enum):
    """Where a GPU texture's rows start (MediaPipe's GpuOrigin.Mode). posegraph runs on the CPU,
    where, as in MediaPipe's CPU paths, it has no effect."""

    DEFAULT = 0
    CONVENTIONAL = 1
    TOP_LEFT = 2
