"""Identity at a glance: id switches on each shared multi-person clip, and a strip of frames of the
worst one with each person's box and id drawn.

    python -m benchmarks.identity_strip OUT.png [--frames 8] [--height 360]

Each clip of ``../shared/data/multi/`` runs through ``multi_pose_tracking`` in video mode with
smoothing on (the tests' settings: ``num_poses`` 6 for street_crowd.mp4, else 2); switches are
counted by ``posegraph.app.multi_parity.id_switches`` (a pose whose box overlaps, IoU > 0.5, the box
of a different id seen within the last 5 frames). The clip with the most switches (the highest rate
on a tie) is drawn: ``--frames`` frames side by side, centred on its first switch (spread over the
clip when it has none), each scaled to ``--height`` pixels, its frame index at the bottom left
(``switch`` beside it on a frame with a switch), each person's box and ``id N`` in a colour of its
own (a frame's labels stacked, so two boxes on one person stay readable).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from benchmarks.common import REPO, decode

MULTI_MEDIA = REPO.parent / "shared" / "data" / "multi"
NUM_POSES = {"street_crowd.mp4": 6}
#: RGB colours given to ids in turn (id modulo their count).
ID_COLORS = [(230, 25, 75), (60, 180, 75), (0, 130, 200), (255, 225, 25), (245, 130, 48), (70, 240, 240),
             (145, 30, 180), (240, 50, 230), (210, 245, 60), (250, 190, 212)]


def clip_identity(video: Path) -> dict[str, Any]:
    """Runs the graph on ``video``; its frames, each frame's poses, and ``id_switches``' figures."""
    from posegraph import Graph
    from posegraph.app.multi_parity import id_switches

    frames, _ = decode(video)
    run = Graph.from_name("multi_pose_tracking_module").process_frames(
        iter(frames), outputs=["poses"], side_packets={"num_poses": NUM_POSES.get(video.name, 2)})
    poses = [out["poses"] for _, out in run]
    return {"frames": [image for _, image in frames], "poses": poses, **id_switches(poses)}


def strip_frames(count: int, switch_frames: Sequence[int], length: int) -> list[int]:
    """``count`` consecutive frame indices centred on the first switch, or spread evenly over a clip
    of ``length`` frames without one."""
    if not switch_frames:
        return sorted({round(i) for i in np.linspace(0, length - 1, count)})
    start = min(max(switch_frames[0] - count // 2, 0), max(length - count, 0))
    return list(range(start, min(start + count, length)))


def draw(image: np.ndarray, poses: Sequence[Any], label: str, height: int) -> np.ndarray:
    """``image`` (RGB) scaled to ``height`` with each pose's box and id, and ``label`` at the top left."""
    import cv2

    scale = height / image.shape[0]
    out = cv2.resize(image, (round(image.shape[1] * scale), height), interpolation=cv2.INTER_AREA)
    h, w = out.shape[:2]
    for k, pose in enumerate(poses):
        color = ID_COLORS[pose.id % len(ID_COLORS)]
        x0, y0, x1, y1 = (round(v) for v in np.multiply(pose.box, [w, h, w, h]))
        cv2.rectangle(out, (x0, y0), (x1, y1), color, 2)
        cv2.putText(out, f"id {pose.id}", (x0 + 3, y0 + 18 + 20 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.6, color, 2,
                    cv2.LINE_AA)
    cv2.putText(out, label, (6, h - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2, cv2.LINE_AA)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.identity_strip", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the strip, a .png")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--height", type=int, default=360)
    args = parser.parse_args(argv)
    import cv2

    clips = {}
    for video in sorted(MULTI_MEDIA.glob("*.mp4")):
        clips[video.name] = clip_identity(video)
        c = clips[video.name]
        print(f"{video.name}: {c['switches']} id switches in {c['person_frames']} person-frames "
              f"({c['per_100_person_frames']} per 100), {c['ids']} ids, switches at frames {c['switch_frames']}")
    total = sum(c["switches"] for c in clips.values())
    person_frames = sum(c["person_frames"] for c in clips.values())
    print(f"all clips: {total} id switches in {person_frames} person-frames")
    worst = max(clips, key=lambda name: (clips[name]["switches"], clips[name]["per_100_person_frames"]))
    clip = clips[worst]
    chosen = strip_frames(args.frames, clip["switch_frames"], len(clip["frames"]))
    switches = set(clip["switch_frames"])
    tiles = [draw(clip["frames"][i], clip["poses"][i], f"{worst} #{i}" + (" switch" if i in switches else ""),
                  args.height) for i in chosen]
    strip = np.concatenate([np.pad(t, ((0, 0), (0, 4), (0, 0))) for t in tiles], axis=1)
    if not cv2.imwrite(str(args.out), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR)):
        raise SystemExit(f"{args.out}: cannot write the strip")
    print(f"strip: {args.out} ({worst}, frames {chosen})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
