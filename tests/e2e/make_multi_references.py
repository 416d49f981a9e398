"""Makes MediaPipe 0.10.21's Tasks PoseLandmarker references in tests/e2e/data/multi/ for the lite and
heavy landmark models and for per-person segmentation masks (full model), in IMAGE mode, on the
multi-person stills and the 5-frame street_crowd.mp4 clip.

Run with a Python that has mediapipe==0.10.21 (and the lite and heavy models fetched by
``posegraph models fetch``; ../shared/tools/mediapipe_tasks_reference.py reads them from the model
cache):

    python tests/e2e/make_multi_references.py

Each reference is the tool's JSON with landmarks rounded to 1e-6 and world landmarks to 1e-5,
gzip-compressed (as the full-model references beside them): ``NAME.{lite,heavy}.image.json.gz``,
and ``NAME.full.masks.image.json.gz`` with its masks in ``NAME.full.masks.image.masks.npz`` (the
tool's float16 (H, W) per pose, key ``f{frame}_p{pose}``).
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared"  # ../shared beside the repository
OUT = HERE / "data" / "multi"
MEDIA = ["aic/054d9ce9201beffc76e5ff2169d2af2f027002ca.jpg", "aic/fa436c914fe4a8ec1ec5474af4d3820b84d17561.jpg",
         "aic/ff945ae2e729f24eea992814639d59b3bdec8bd8.jpg", "crowdpose/103319.jpg", "crowdpose/106848.jpg",
         "street_crowd.mp4"]
NUM_POSES = 6
#: suffix -> the tool's arguments
RUNS = {"lite": ["--model", "lite"], "heavy": ["--model", "heavy"], "full.masks": ["--model", "full", "--masks"]}


def rounded(reference: dict) -> dict:
    for frame in reference["frames"]:
        for pose in frame["poses"]:
            pose["landmarks"] = [[round(v, 6) for v in row] for row in pose["landmarks"]]
            pose["world"] = [[round(v, 5) for v in row] for row in pose["world"]]
    return reference


def main() -> int:
    tool = SHARED / "tools" / "mediapipe_tasks_reference.py"
    with tempfile.TemporaryDirectory() as tmp:
        for media in MEDIA:
            name = Path(media).stem
            for suffix, extra in RUNS.items():
                raw = Path(tmp) / f"{name}.{suffix}.image.json"
                subprocess.run([sys.executable, str(tool), str(SHARED / "data" / "multi" / media), str(raw),
                                "--mode", "image", "--num-poses", str(NUM_POSES), *extra], check=True)
                reference = rounded(json.loads(raw.read_text()))
                target = OUT / f"{raw.name}.gz"
                target.write_bytes(gzip.compress(json.dumps(reference, separators=(",", ":")).encode(), mtime=0))
                masks = Path(tmp) / f"{name}.{suffix}.image.masks.npz"
                if masks.exists():
                    shutil.copyfile(masks, OUT / masks.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
