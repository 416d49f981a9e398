"""Makes MediaPipe 0.10.21's references in tests/e2e/data/mediapipe/: the lite and heavy landmark
models (model_complexity 0 and 2) and segmentation masks, on the shared squat video and stills.

Run with a Python that has mediapipe==0.10.21 (and the lite and heavy models fetched by
``posegraph models fetch``, which ../shared/tools/mediapipe_reference.py copies into MediaPipe's
package):

    python tests/e2e/make_references.py [--models-dir DIR]

Each reference is ../shared/tools/mediapipe_reference.py's output, kept small: numbers are written
as the shortest decimal that reads back as the same float32 (MediaPipe's values are float32, so
nothing is lost), and the video's masks are kept for every 32nd frame (float16, as the tool writes
them). Files: ``pose_squats.{lite,heavy}.{raw,smooth}.json`` (raw with masks),
``pose_squats.full.seg.json`` and ``pose_squats.full.seg_smooth.json`` (masks without and with
smooth_segmentation), ``{still}.{lite,full,heavy}.static.json`` (with masks).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared"  # ../shared beside the repository
OUT = HERE / "data" / "mediapipe"
VIDEO = SHARED / "data" / "media" / "pose_squats.mp4"
STILLS = ["pose.jpg", "standing_man.jpeg", "yoga_tree.jpeg"]
MODELS = {"lite": 0, "full": 1, "heavy": 2}
MASK_EVERY = 32

#: name -> (media, mediapipe_reference.py arguments)
RUNS: dict[str, tuple[Path, list[str]]] = {
    **{f"pose_squats.{model}.raw": (VIDEO, ["--model-complexity", str(MODELS[model]), "--segmentation"])
       for model in ("lite", "heavy")},
    **{f"pose_squats.{model}.smooth": (VIDEO, ["--model-complexity", str(MODELS[model]), "--smooth"])
       for model in ("lite", "heavy")},
    "pose_squats.full.seg": (VIDEO, ["--segmentation"]),
    "pose_squats.full.seg_smooth": (VIDEO, ["--segmentation", "--smooth-segmentation"]),
    **{f"{still.split('.')[0]}.{model}.static": (SHARED / "data" / "media" / still,
                                                 ["--model-complexity", str(complexity), "--static", "--segmentation"])
       for still in STILLS for model, complexity in MODELS.items()},
}


def float32_short(value):
    """``value`` with every float replaced by the shortest decimal of its float32."""
    if isinstance(value, float):
        return float(repr(np.float32(value)))
    if isinstance(value, list):
        return [float32_short(v) for v in value]
    if isinstance(value, dict):
        return {k: float32_short(v) if k in ("frames", "landmarks", "world", "roi", "detection", "score",
                                               "keypoints") else v for k, v in value.items()}
    return value


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models-dir", help="passed on to mediapipe_reference.py")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    tool = SHARED / "tools" / "mediapipe_reference.py"
    with tempfile.TemporaryDirectory() as tmp:
        for name, (media, extra) in RUNS.items():
            raw = Path(tmp) / f"{name}.json"
            models = ["--models-dir", args.models_dir] if args.models_dir else []
            subprocess.run([sys.executable, str(tool), str(media), str(raw), *extra, *models,
                            "--mask-every", str(MASK_EVERY)], check=True)
            reference = json.loads(raw.read_text())
            (OUT / f"{name}.json").write_text(json.dumps(float32_short(reference), separators=(",", ":")))
            masks = raw.with_suffix(".masks.npz")
            if masks.exists():
                shutil.copyfile(masks, OUT / masks.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
