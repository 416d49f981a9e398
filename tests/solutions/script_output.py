"""Reading what pose_script.py prints, and how far two of its outputs are apart.

    python tests/solutions/script_output.py OURS.txt REFERENCE.txt     # prints the differences

(How the tracking tolerances in test_pose_script.py were measured: MediaPipe against itself, its
output with every timestamp from the 4th frame on nudged by 1 us against the reference.)
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Frame:
    """One frame of the script's output."""

    size: tuple[int, int]  # image (width, height), pixels
    pose: bool
    fields: str = ""
    landmarks: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))  # (33, 4) x, y, z, visibility
    world: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))  # (33, 4) metres, visibility
    mask: tuple[float, float] | None = None  # mean, fraction above 0.5
    drawn: int = 0  # pixels that drawing changed


def parse(text: str) -> list[Frame]:
    """The frames of one pose_script.py output."""
    frames: list[Frame] = []
    rows: dict[str, list[list[float]]] = {}
    for line in text.splitlines():
        words = line.split()
        if words[0] == "frame":
            width, height = map(int, words[2].rstrip(":").split("x"))
            frames.append(Frame((width, height), words[3] == "pose"))
            rows = {"landmark": [], "world": []}
        elif words[0] in rows:
            rows[words[0]].append([float(v) for v in words[2:]])
        elif words[0] == "fields":
            frames[-1].fields = words[1]
        elif words[0] == "mask" and words[1] != "none":
            frames[-1].mask = (float(words[4]), float(words[5]))
        elif words[0] == "drawn":  # a frame's last line
            frames[-1].drawn = int(words[2])
            frames[-1].landmarks, frames[-1].world = np.array(rows["landmark"]), np.array(rows["world"])
    return frames


def _stats(values: list[float]) -> dict[str, float]:
    v = np.asarray(values, np.float64)
    if v.size == 0:
        return {"median": 0.0, "p99": 0.0, "max": 0.0}
    return {"median": float(np.median(v)), "p99": float(np.percentile(v, 99)), "max": float(v.max())}


def differences(ours: list[Frame], reference: list[Frame]) -> dict:
    """How far ``ours`` is from ``reference``, over the frames where both found a pose.

    Returns a dict: ``frames`` (counts), ``pose_mismatch`` (frame indices where one found a pose
    and the other not), ``fields`` (the set-field lists seen), ``landmark_px`` (x, y error in image
    pixels), ``z_px`` (z error, times the image width as x), ``visibility`` (absolute),
    ``world_m`` (3-D world-landmark error, metres), ``drawn_rel`` (relative difference of the drawn
    pixel counts), ``mask_mean`` and ``mask_foreground`` (absolute differences of the mask's mean
    and of its fraction above 0.5), each as median, p99 and max.
    """
    xy, z, vis, world, drawn, mask_mean, mask_fg = [], [], [], [], [], [], []
    for a, b in zip(ours, reference):
        if not (a.pose and b.pose):
            continue
        w, h = b.size
        d = (a.landmarks[:, :2] - b.landmarks[:, :2]) * (w, h)
        xy += np.hypot(d[:, 0], d[:, 1]).tolist()
        z += (np.abs(a.landmarks[:, 2] - b.landmarks[:, 2]) * w).tolist()
        vis += np.abs(a.landmarks[:, 3] - b.landmarks[:, 3]).tolist()
        world += np.linalg.norm(a.world[:, :3] - b.world[:, :3], axis=1).tolist()
        drawn.append(abs(a.drawn - b.drawn) / max(b.drawn, 1))
        if a.mask is not None and b.mask is not None:
            mask_mean.append(abs(a.mask[0] - b.mask[0]))
            mask_fg.append(abs(a.mask[1] - b.mask[1]))
    return {
        "frames": {"ours": len(ours), "reference": len(reference)},
        "pose_mismatch": [i for i, (a, b) in enumerate(zip(ours, reference)) if a.pose != b.pose],
        "fields": sorted({f.fields for f in ours + reference if f.pose}),
        "masks": {"ours": sum(f.mask is not None for f in ours), "reference": sum(f.mask is not None for f in reference)},
        "landmark_px": _stats(xy), "z_px": _stats(z), "visibility": _stats(vis), "world_m": _stats(world),
        "drawn_rel": _stats(drawn), "mask_mean": _stats(mask_mean), "mask_foreground": _stats(mask_fg),
    }


if __name__ == "__main__":
    ours_path, reference_path = sys.argv[1:3]
    print(json.dumps(differences(parse(Path(ours_path).read_text()), parse(Path(reference_path).read_text())),
                     indent=1))
