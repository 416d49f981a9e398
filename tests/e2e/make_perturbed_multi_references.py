"""Makes MediaPipe 0.10.21's Tasks PoseLandmarker VIDEO-mode references on the multi-person clips
with one pixel changed: how far MediaPipe's own tracking moves when its input moves by the least
amount, the yardstick for how close another implementation's tracking can stay to it.

Each frame of ``../shared/data/multi/CLIP.mp4`` is decoded with OpenCV, its centre pixel
(row H // 2, column W // 2) raised by one level in every channel (lowered where it is 255), and the
frames, written as lossless PNGs, are run through ../shared/tools/mediapipe_tasks_reference.py in
VIDEO mode with the ``num_poses`` of the clip's reference (``CLIP.video.json.gz``); OpenCV gives an
image sequence 25 frames a second, so the timestamps may differ from the clip's (with more than one
pose MediaPipe's Tasks graph smooths nothing, and timestamps only order the frames). Output:
``tests/e2e/data/multi/CLIP.video.perturbed.json.gz``, landmarks rounded as the references beside
it. Compare with ``python -m posegraph.app.multi_parity CLIP.video.json.gz --against
CLIP.video.perturbed.json.gz``.

Run with a Python that has mediapipe==0.10.21 (the tool reads the full model from posegraph's model
cache, which ``posegraph models fetch`` fills):

    python tests/e2e/make_perturbed_multi_references.py [CLIP ...]
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from make_multi_references import rounded  # this script's folder is on sys.path when it runs

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared"  # ../shared beside the repository
OUT = HERE / "data" / "multi"
CLIPS = ["two_people_walk", "hug", "bedroom_kids", "basketball_low_res", "street_crowd"]


def write_perturbed_frames(clip: Path, folder: Path) -> int:
    """Writes ``clip``'s frames, centre pixel changed by one level, as ``folder/00000.png``, ...;
    returns the frame count."""
    capture = cv2.VideoCapture(str(clip))
    count = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        y, x = frame.shape[0] // 2, frame.shape[1] // 2
        pixel = frame[y, x].astype(np.int16)
        frame[y, x] = np.where(pixel < 255, pixel + 1, pixel - 1).astype(np.uint8)
        if not cv2.imwrite(str(folder / f"{count:05d}.png"), frame):
            raise OSError(f"cannot write {folder / f'{count:05d}.png'}")
        count += 1
    capture.release()
    return count


def main(clips: list[str]) -> int:
    tool = SHARED / "tools" / "mediapipe_tasks_reference.py"
    for name in clips:
        original = json.loads(gzip.decompress((OUT / f"{name}.video.json.gz").read_bytes()))
        with tempfile.TemporaryDirectory() as tmp:
            frames = Path(tmp) / "frames"
            frames.mkdir()
            count = write_perturbed_frames(SHARED / "data" / "multi" / f"{name}.mp4", frames)
            if count != len(original["frames"]):
                raise RuntimeError(f"{name}: decoded {count} frames, the reference has {len(original['frames'])}")
            raw = Path(tmp) / f"{name}.json"
            subprocess.run([sys.executable, str(tool), str(frames / "%05d.png"), str(raw), "--mode", "video",
                            "--num-poses", str(original["num_poses"])], check=True)
            reference = rounded(json.loads(raw.read_text()))
        reference["source"] = f"{name}.mp4, centre pixel +-1 per frame"
        target = OUT / f"{name}.video.perturbed.json.gz"
        target.write_bytes(gzip.compress(json.dumps(reference, separators=(",", ":")).encode(), mtime=0))
        print(target, count, "frames")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or CLIPS))
