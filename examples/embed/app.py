"""A small app that embeds the pose tracking graph and uses its results frame by frame.

    python examples/embed/app.py [VIDEO] [--no-smoothing]

VIDEO defaults to the shared squat video (../shared/data/media/pose_squats.mp4 beside the
repository). Prints one line per frame, whether a pose was found and where the nose is in pixels::

    frame 0 t=0.000s pose nose=(360,212)px
    frame 1 t=0.200s no pose

and a summary line at the end: ``frames: N, with pose: M``.

The app owns the loop: it builds the graph from graphs/pose_tracking.pbtxt, observes two output
streams, starts the graph with its side packets, then for each frame adds the image and waits until
the graph is idle, when every output of that frame has arrived. The ``with`` block closes the graph
(its inputs, then waits until every node is done) even if the loop stops early.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from posegraph import graphs
from posegraph import Graph, Packet, PosegraphError
from posegraph.app.media import open_source

REPO = Path(__file__).resolve().parents[2]
GRAPH = graphs.path("pose_tracking")
DEFAULT_VIDEO = REPO.parent / "shared" / "data" / "media" / "pose_squats.mp4"
NOSE = 0  # MediaPipe's landmark 0


def run(video: str | Path, smooth: bool = True) -> tuple[int, int]:
    """Tracks the pose in ``video``, printing one line per frame; returns (frames, frames with a pose).

    Raises:
        MediaError: the video cannot be read.
        PosegraphError: the graph failed.
    """
    results: dict[int, Packet] = {}
    frames = with_pose = 0
    with open_source(str(video)) as source, Graph.from_file(GRAPH) as graph:
        # Observers run on the graph's thread: keep them short, hand the packet over and return.
        graph.observe("pose_landmarks", lambda packet: results.__setitem__(packet.timestamp, packet))
        graph.start({"smooth_landmarks": smooth, "min_detection_confidence": 0.5, "min_tracking_confidence": 0.5})
        for frame in source:
            height, width = frame.image.shape[:2]
            graph.add_packet("image", frame.image, frame.timestamp_us)
            graph.wait_until_idle()  # every output at this frame's timestamp is out now
            packet = results.pop(frame.timestamp_us, None)
            line = f"frame {frame.index} t={frame.timestamp_us / 1e6:.3f}s"
            if packet is None:
                print(f"{line} no pose")
            else:
                x, y = packet.payload.data[NOSE, :2]
                print(f"{line} pose nose=({round(float(x) * width)},{round(float(y) * height)})px")
                with_pose += 1
            frames += 1
    return frames, with_pose


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Track the pose in a video, frame by frame.")
    parser.add_argument("video", nargs="?", default=str(DEFAULT_VIDEO), help="video file (default: %(default)s)")
    parser.add_argument("--no-smoothing", action="store_true", help="turn off landmark smoothing")
    args = parser.parse_args(argv)
    try:
        frames, with_pose = run(args.video, smooth=not args.no_smoothing)
    except PosegraphError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"frames: {frames}, with pose: {with_pose}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
