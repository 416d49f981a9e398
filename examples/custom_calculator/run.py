"""Counts squats in a video with a graph that mixes posegraph's calculators and two of its own.

    python examples/custom_calculator/run.py [VIDEO] [--angles]

VIDEO defaults to the shared squat video (../shared/data/media/pose_squats.mp4 beside the
repository). With --angles, prints each frame's knee, hip and elbow angles and the running count.
Always ends with the line ``squats: N``, the repetitions completed in the video.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import angles  # noqa: F401  (registers JointAnglesCalculator and SquatCounterCalculator)
from posegraph import Graph, Packet, PosegraphError
from posegraph.app.media import open_source

HERE = Path(__file__).resolve().parent
GRAPH = HERE / "squat_counter.yaml"
DEFAULT_VIDEO = HERE.parents[1].parent / "shared" / "data" / "media" / "pose_squats.mp4"


def count_squats(video: str | Path, print_angles: bool = False) -> int:
    """Runs the squat counter graph over ``video`` and returns the repetitions it counted.

    Raises:
        MediaError: the video cannot be read.
        PosegraphError: the graph failed.
    """
    count = 0
    frame_angles: dict[int, dict[str, float]] = {}

    def on_angles(packet: Packet) -> None:
        frame_angles[packet.timestamp] = packet.payload

    def on_count(packet: Packet) -> None:
        nonlocal count
        count = packet.payload
        if print_angles:
            shown = frame_angles.pop(packet.timestamp, None)
            text = "  ".join(f"{k}={v:5.1f}" for k, v in shown.items()) if shown else "no pose"
            print(f"t={packet.timestamp / 1e6:7.3f}s  {text}  count={count}")

    with open_source(str(video)) as source, Graph.from_file(GRAPH) as graph:
        graph.observe("joint_angles", on_angles)
        graph.observe("squat_count", on_count)
        graph.start({"smooth_landmarks": True})
        for frame in source:
            graph.add_packet("image", frame.image, frame.timestamp_us)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Count squat repetitions in a video.")
    parser.add_argument("video", nargs="?", default=str(DEFAULT_VIDEO), help="video file (default: %(default)s)")
    parser.add_argument("--angles", action="store_true", help="print each frame's joint angles")
    args = parser.parse_args(argv)
    try:
        squats = count_squats(args.video, print_angles=args.angles)
    except PosegraphError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"squats: {squats}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
