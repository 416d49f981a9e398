"""Soak: pose tracking over a long looped video, checking that memory, threads and open files stay flat.

    python benchmarks/soak.py [--frames 10000] [--threads N] [--max-rss-growth-mb 64]
                               [--crowd [--detection-tiles 3]]

Decodes ../shared/data/media/pose_squats.mp4 once and feeds its frames to graphs/pose_tracking_module.pbtxt (the PoseTracking module)
over and over, with timestamps that keep increasing at the video's rate. Prints the frames run, the
resident set size (RSS), threads and open file descriptors after a warm-up and at the last frame
(and the peak RSS, and threads and files once the graph has closed), all read from /proc/self.
Each RSS figure is the largest of the last ``RSS_WINDOW`` frames' readings up to that point: one
frame's reading moves with what that frame happens to hold, while a leak raises every reading
(300-frame crowd runs of unchanged code printed a growth from -12.5 to +8.8 MiB read at single
frames, from -2.1 to +2.0 MiB as the largest of 50).

With --crowd the multi-person module (``multi_pose_tracking_module``, ``num_poses`` 10, smoothing on,
video mode, the detector on the whole frame and on tiles, ``detection_tiles`` 3, every 15 frames,
``redetect_interval`` 15) tracks a synthetic crowd of 20 people instead, and the first lines also
give the people tracked per frame (mean, maximum) and how many track ids were given out. There is no
crowd clip in the shared data, so the crowd is made in memory from the shared clip
../shared/data/multi/bedroom_kids.mp4 (decoded once; the crop resized once and held): 1920x1152 RGB
frames at 30 frames/s, timestamps increasing, two rows of five 384x576 tiles

    +------+------+------+------+------+   each tile: the clip's 360x540 crop with both children
    |  2   |  2   |  2   |  2   |  2   |   (20 people in view), every other tile mirrored, each
    +------+------+------+------+------+   starting 0.67 s further into the clip; 6.7 s of clip,
    |  2   |  2   |  2   |  2   |  2   |   then the tile stays black for 1 s (the children have
    +------+------+------+------+------+   left)

Each time a tile goes black its people's tracks end, and they come back with new ids: what must
not leak (per-id smoothing, id maps). A crowd of 20 for 10 tracked at most, as a crowd is for a
camera: the module keeps the 10 it tracks (the detector looks for more every 15 frames while
fewer than 10 are tracked). The children are a quarter of the frame's height or less: the
whole-frame detector (224x224) finds few of them (``--detection-tiles 1``: about 2 tracked per
frame), the tiles most.

Exit status 0 when RSS grew by at most --max-rss-growth-mb from the end of the warm-up to the last
frame and the thread and file-descriptor counts did not grow (nor exceed the warm-up's once the
graph closed); 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from posegraph import graphs

REPO_ROOT = Path(__file__).resolve().parents[1]
VIDEO = REPO_ROOT.parent / "shared" / "data" / "media" / "pose_squats.mp4"
GRAPH = graphs.path("pose_tracking_module")
WARMUP_FRAMES = 100

CROWD_MEDIA = REPO_ROOT.parent / "shared" / "data" / "multi"
CROWD_GRAPH = "multi_pose_tracking_module"
CROWD_NUM_POSES = 10
CROWD_DETECTION_TILES = 3
CROWD_REDETECT_INTERVAL = 15
#: The crowd's frame rate (frames/s) and frame size (width, height) in pixels.
CROWD_FPS = 30.0
CROWD_SIZE = (1920, 1152)
#: The detector finds the crowd's people over the first frames, one or two at a time.
CROWD_WARMUP_FRAMES = 150


#: The crowd's clip, the part of its frames shown (x, y, width, height in the clip's pixels: both
#: children, SOURCES.md), and how many people that shows.
CROWD_CLIP = "bedroom_kids.mp4"
CROWD_CROP = (140, 0, 360, 540)
CROWD_CLIP_PEOPLE = 2
#: Seconds a cell stays black after each pass of the clip (its people have left).
CROWD_GAP_S = 1.0


@dataclass(frozen=True)
class Tile:
    """One cell of the synthetic crowd, looping the crowd's clip.

    Attributes:
        cell: ``(x, y, width, height)`` where the clip's crop is shown in the crowd frame, pixels
            (the crop resized to it; the same aspect ratio).
        mirrored: shown flipped left to right.
        start_s: the clip time, seconds, shown at the crowd's first frame.
    """

    cell: tuple[int, int, int, int]
    mirrored: bool = False
    start_s: float = 0.0


CROWD_TILES = tuple(Tile(cell=(384 * column, 576 * row, 384, 576), mirrored=(row + column) % 2 == 1,
                         start_s=0.67 * (5 * row + column))
                    for row in range(2) for column in range(5))


def decode(video: Path) -> tuple[list[np.ndarray], float]:
    """Every frame of ``video`` (uint8 RGB (H, W, 3)) and its frame rate, frames/s."""
    from posegraph.app.media import DEFAULT_FPS, open_source

    with open_source(video) as source:
        return [frame.image for frame in source], source.fps or DEFAULT_FPS


class Crowd:
    """The synthetic crowd video: ``frame(i)`` is frame ``i`` (at ``i / fps`` seconds), uint8 RGB of
    shape (height, width, 3), black where no tile is.

    The crop of every frame of the clip is resized to the cells' size once, here; a tile shows the
    clip frame at ``start_s`` plus the crowd's time, looping the clip at the clip's own rate with
    ``CROWD_GAP_S`` of black after each pass.
    """

    def __init__(self, tiles: Iterable[Tile] = CROWD_TILES, size: tuple[int, int] = CROWD_SIZE,
                 fps: float = CROWD_FPS) -> None:
        import cv2

        from posegraph.app.media import DEFAULT_FPS, open_source

        self.tiles, self.size, self.fps = tuple(tiles), size, fps
        cell_sizes = {tile.cell[2:] for tile in self.tiles}
        if len(cell_sizes) != 1:
            raise ValueError(f"the crowd's cells must share one size, got {sorted(cell_sizes)}")
        (cell_size,) = cell_sizes
        x, y, w, h = CROWD_CROP
        with open_source(CROWD_MEDIA / CROWD_CLIP) as source:  # one frame at a time: only the resized crops are kept
            self.clip_fps = source.fps or DEFAULT_FPS
            self.plate = [cv2.resize(frame.image[y:y + h, x:x + w], cell_size, interpolation=cv2.INTER_AREA)
                          for frame in source]
        self.period = len(self.plate) + round(CROWD_GAP_S * self.clip_fps)  # clip frames, the gap's included

    @property
    def people(self) -> int:
        """People in view (when everyone is inside their tile)."""
        return CROWD_CLIP_PEOPLE * len(self.tiles)

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` of the crowd, a new array."""
        width, height = self.size
        image = np.zeros((height, width, 3), np.uint8)
        for tile in self.tiles:
            clip_frame = int((index / self.fps + tile.start_s) * self.clip_fps) % self.period
            if clip_frame >= len(self.plate):  # in the gap
                continue
            shown = self.plate[clip_frame]
            x, y, w, h = tile.cell
            image[y:y + h, x:x + w] = shown[:, ::-1] if tile.mirrored else shown
        return image


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MiB (VmRSS, VmHWM)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def threads_and_fds() -> tuple[int, int]:
    """(threads, open file descriptors) of this process."""
    return len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd"))


#: Frames whose RSS readings make one figure (their largest): see the module docstring.
RSS_WINDOW = 50


def soak(graph: Any, inputs: Iterator[tuple[int, np.ndarray]], frames: int, warmup: int, output: str,
         side_packets: dict[str, Any], people: Callable[[Any], int]) -> dict:
    """Runs ``graph`` on ``inputs`` (``frames`` of them); ``people(payload)`` is how many people a
    frame's ``output`` holds. Returns frames, seconds, ``person_frames`` (people summed over the
    frames), ``max_people`` (in one frame) and RSS/threads/fds after ``warmup`` frames (``start``), at
    the last frame (``end``) and after the graph closed (``closed``), and the peak RSS. The RSS of
    ``start`` and ``end`` is the largest over the :data:`RSS_WINDOW` frames up to that point."""
    warmup = min(warmup, frames)
    start: dict[str, float] = {}
    end: dict[str, float] = {}
    window: deque[float] = deque(maxlen=RSS_WINDOW)
    person_frames = max_people = 0
    started = time.perf_counter()
    for i, (_, out) in enumerate(graph.process_frames(inputs, outputs=[output], side_packets=side_packets)):
        n = people(out[output])
        person_frames, max_people = person_frames + n, max(max_people, n)
        if warmup - RSS_WINDOW < i + 1 <= warmup or frames - RSS_WINDOW < i + 1:
            window.append(rss_mb()[0])
        if i + 1 in (warmup, frames):
            n_threads, fds = threads_and_fds()
            (start if i + 1 == warmup and not start else end).update(rss=max(window), threads=n_threads, fds=fds)
            window.clear()
        if (i + 1) % 1000 == 0:
            print(f"soak: {i + 1} frames, RSS {rss_mb()[0]:.1f} MiB", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    if not end:  # a run no longer than the warm-up
        end = dict(start)
    threads_closed, fds_closed = threads_and_fds()
    return {"frames": frames, "person_frames": person_frames, "max_people": max_people, "seconds": seconds,
            "warmup": warmup, "start": start, "end": end, "rss_peak": max(rss_mb()[1], end["rss"]),
            "closed": {"threads": threads_closed, "fds": fds_closed}}


def run(frames: int = 10_000, threads: int | None = None, video: Path = VIDEO) -> dict:
    """Runs the soak; returns what :func:`soak` does (``person_frames``: the frames with a pose)."""
    from posegraph import Graph

    clip, fps = decode(video)
    step_us = round(1e6 / fps)
    looped = ((i * step_us, clip[i % len(clip)]) for i in range(frames))
    return soak(Graph(GRAPH, num_threads=threads), looped, frames, WARMUP_FRAMES, "pose_landmarks", {},
                lambda landmarks: int(landmarks is not None))


def run_crowd(frames: int = 10_000, threads: int | None = None, crowd: Crowd | None = None,
              detection_tiles: int = CROWD_DETECTION_TILES) -> dict:
    """The soak on the synthetic crowd (:class:`Crowd`, default the one above) with the multi-person
    module; returns what :func:`soak` does (``person_frames``, ``max_people``: the poses given out)
    with ``in_view`` (the crowd's people), ``tiles``, ``size`` and ``ids`` (distinct track ids given out)."""
    from posegraph import Graph

    crowd = crowd or Crowd()
    step_us = round(1e6 / crowd.fps)
    ids: set[int] = set()

    def people(poses: tuple | None) -> int:
        ids.update(pose.id for pose in poses or ())
        return len(poses or ())

    side_packets = {"num_poses": CROWD_NUM_POSES, "detection_tiles": detection_tiles,
                    "redetect_interval": CROWD_REDETECT_INTERVAL, "smooth_landmarks": True, "static_image_mode": False}
    frames_in = ((i * step_us, crowd.frame(i)) for i in range(frames))
    result = soak(Graph.from_name(CROWD_GRAPH, num_threads=threads), frames_in, frames, CROWD_WARMUP_FRAMES, "poses",
                  side_packets, people)
    return {"in_view": crowd.people, "tiles": len(crowd.tiles), "size": crowd.size, "ids": len(ids),
            "detection_tiles": detection_tiles, **result}


def report_lines(r: dict, max_rss_growth_mb: float = 64.0) -> list[str]:
    """The soak's figures, one line each (what ``python benchmarks/soak.py`` prints, with or without
    ``--crowd``)."""
    start, end, closed = r["start"], r["end"], r["closed"]
    speed = f"in {r['seconds']:.1f} s, {r['frames'] / r['seconds']:.1f} frames/s"
    if "ids" in r:
        width, height = r["size"]
        head = [f"frames: {r['frames']} {speed}",
                (f"crowd: {r['tiles']} tiles in a {width}x{height} frame, {r['in_view']} people in view, "
                 f"num_poses {CROWD_NUM_POSES}, detection_tiles {r['detection_tiles']}, redetect_interval "
                 f"{CROWD_REDETECT_INTERVAL}; people tracked per frame: mean "
                 f"{r['person_frames'] / r['frames']:.2f}, max {r['max_people']}; track ids given out: {r['ids']}")]
    else:
        head = [f"frames: {r['frames']} ({r['person_frames']} with a pose) {speed}"]
    return head + [
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
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--video", type=Path, default=VIDEO, help="the video to loop (default: the shared squats)")
    source.add_argument("--crowd", action="store_true",
                        help="track a crowd of 20 tiled from a shared multi-person clip with "
                             "multi_pose_tracking_module (num_poses 10, detection_tiles 3) instead")
    parser.add_argument("--detection-tiles", type=int, default=CROWD_DETECTION_TILES,
                        help=f"with --crowd: the module's detection_tiles (default {CROWD_DETECTION_TILES}; "
                             "1: the whole frame only)")
    args = parser.parse_args(argv)
    result = (run_crowd(args.frames, args.threads, detection_tiles=args.detection_tiles) if args.crowd
              else run(args.frames, args.threads, args.video))
    for line in report_lines(result, args.max_rss_growth_mb):
        print(line)
    found = problems(result, args.max_rss_growth_mb)
    for problem in found:
        print(f"soak: FAILED: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
