"""Soak: pose tracking over a long looped video, checking that memory, threads and open files stay flat.

    python benchmarks/soak.py [--frames 10000] [--threads N] [--max-rss-growth-mb 64]

Decodes ../shared/data/media/pose_squats.mp4 once and feeds its frames to graphs/pose_tracking_module.pbtxt (the PoseTracking module)
over and over, with timestamps that keep increasing at the video's rate. Prints the frames run, the
resident set size (RSS), threads and open file descriptors after a warm-up and at the last frame
(and the peak RSS, and threads and files once the graph has closed), all read from /proc/self.

Exit status 0 when RSS grew by at most --max-rss-growth-mb from the end of the warm-up to the last
frame and the thread and file-descriptor counts did not grow (nor exceed the warm-up's once the
graph closed); 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np
from posegraph import graphs

REPO_ROOT = Path(__file__).resolve().parents[1]
VIDEO = REPO_ROOT.parent / "shared" / "data" / "media" / "pose_squats.mp4"
GRAPH = graphs.path("pose_tracking_module")
WARMUP_FRAMES = 100


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MiB (VmRSS, VmHWM)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def threads_and_fds() -> tuple[int, int]:
    """(threads, open file descriptors) of this process."""
    return len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd"))


def run(frames: int = 10_000, threads: int | None = None, video: Path = VIDEO) -> dict:
    """Runs the soak; returns frames, poses, seconds and RSS/threads/fds after the warm-up
    (``start``), at the last frame (``end``) and after the graph closed (``closed``)."""
    from posegraph import Graph
    from posegraph.app.media import DEFAULT_FPS, open_source

    with open_source(video) as source:
        clip = [frame.image for frame in source]
        step_us = round(1e6 / (source.fps or DEFAULT_FPS))
    graph = Graph(GRAPH, num_threads=threads)
    warmup = min(WARMUP_FRAMES, frames)
    start: dict[str, float] = {}
    end: dict[str, float] = {}
    poses = 0

    def looped() -> Iterator[tuple[int, np.ndarray]]:
        for i in range(frames):
            yield i * step_us, clip[i % len(clip)]

    started = time.perf_counter()
    for i, (_, out) in enumerate(graph.process_frames(looped(), outputs=["pose_landmarks"])):
        poses += out["pose_landmarks"] is not None
        if i + 1 in (warmup, frames):
            rss, _ = rss_mb()
            n_threads, fds = threads_and_fds()
            (start if i + 1 == warmup and not start else end).update(rss=rss, threads=n_threads, fds=fds)
        if (i + 1) % 1000 == 0:
            print(f"soak: {i + 1} frames, RSS {rss_mb()[0]:.1f} MiB", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    if not end:  # a run no longer than the warm-up
        end = dict(start)
    threads_closed, fds_closed = threads_and_fds()
    return {"frames": frames, "poses": poses, "seconds": seconds, "warmup": warmup, "start": start, "end": end,
            "rss_peak": max(rss_mb()[1], end["rss"]), "closed": {"threads": threads_closed, "fds": fds_closed}}


def report_lines(r: dict, max_rss_growth_mb: float = 64.0) -> list[str]:
    """The soak's figures, one line each (what ``python benchmarks/soak.py`` prints)."""
    start, end, closed = r["start"], r["end"], r["closed"]
    return [f"frames: {r['frames']} ({r['poses']} with a pose) in {r['seconds']:.1f} s, "
            f"{r['frames'] / r['seconds']:.1f} frames/s",
            f"rss_mb: start {start['rss']:.1f} (after {r['warmup']} warm-up frames), end {end['rss']:.1f}, "
            f"peak {r['rss_peak']:.1f}, growth {end['rss'] - start['rss']:+.1f} (bound {max_rss_growth_mb:g})",
            f"threads: start {start['threads']}, end {end['threads']}, after close {closed['threads']}",
            f"open_files: start {start['fds']}, end {end['fds']}, after close {closed['fds']}"]


def problems(r: dict, max_rss_growth_mb: float = 64.0) -> list[str]:
    """What grew that should not have; empty when the soak passed."""
    start, end = r["start"], r["end"]
    found = []
    growth = end["rss"] - start["rss"]
    if growth > max_rss_growth_mb:
        found.append(f"RSS grew {growth:.1f} MiB, more than {max_rss_growth_mb:g}")
    for what, key in (("threads", "threads"), ("open files", "fds")):
        if end[key] > start[key] or r["closed"][key] > start[key]:
            found.append(f"{what} grew: {start[key]} after the warm-up, {end[key]} at the end, "
                         f"{r['closed'][key]} after close")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=10_000, help="frames to run (default 10000)")
    parser.add_argument("--threads", type=int, default=None, help="scheduler threads (default: the graph's)")
    parser.add_argument("--max-rss-growth-mb", type=float, default=64.0,
                        help="allowed RSS growth after the warm-up, MiB (default 64)")
    parser.add_argument("--video", type=Path, default=VIDEO)
    args = parser.parse_args(argv)
    result = run(args.frames, args.threads, args.video)
    for line in report_lines(result, args.max_rss_growth_mb):
        print(line)
    found = problems(result, args.max_rss_growth_mb)
    for problem in found:
        print(f"soak: FAILED: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
