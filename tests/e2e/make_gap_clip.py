"""Builds the re-detection clip from ../shared/data/media/pose_squats.mp4 (never stored in the repo).

Frames 0-24 as they are, 25-28 blank grey (the person is lost: tracking stops and the detector runs
on every frame, finding nobody), 29-44 as they are (the detector finds her again), 45-64 turned
upside down (the tracker loses the sudden rotation and the detector re-acquires her rotated).
Written losslessly (FFV1) so every reader decodes the same pixels. MediaPipe 0.10.21's outputs on
this clip are in tests/e2e/data/ (made with ../shared/tools/mediapipe_reference.py):

    python tests/e2e/make_gap_clip.py /tmp/gap.avi
    python ../shared/tools/mediapipe_reference.py /tmp/gap.avi tests/e2e/data/pose_squats_gap.raw.json
    python ../shared/tools/mediapipe_reference.py /tmp/gap.avi tests/e2e/data/pose_squats_gap.smooth.json --smooth
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

SOURCE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "media" / "pose_squats.mp4"


def make_clip(out: str | Path, source: str | Path = SOURCE) -> Path:
    """Writes the clip to ``out`` (.avi); returns its path."""
    capture = cv2.VideoCapture(str(source))
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"FFV1"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {out} with the FFV1 codec")
    for i, frame in enumerate(frames):
        if 25 <= i <= 28:
            frame = np.full_like(frame, 128)
        elif i >= 45:
            frame = cv2.rotate(frame, cv2.ROTATE_180)
        writer.write(frame)
    writer.release()
    return Path(out)


if __name__ == "__main__":
    make_clip(sys.argv[1])
