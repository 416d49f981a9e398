"""Runs every benchmark and prints its figures (ratios are what count: machines are noisy).

    python -m benchmarks [SECTION ...] [--video PATH] [--memory-frames 10000] [--skip-memory] [--json]
                         [--mediapipe-python PATH] [--cores N]

Sections: startup, pose_pipeline, warp, scheduler, overlap, multi_pose, batch, accelerators (GPU against CPU;
nothing measured without a GPU), memory, and main_job and
versus_mediapipe (with --mediapipe-python); name some to run only those (``python -m benchmarks batch``), none for all.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from benchmarks import accelerators, batch, multi_pose, overlap, pose_pipeline, scheduler, startup, warp
from benchmarks.common import SHARED_VIDEO, machine


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help="run only these sections (default: all)")
    parser.add_argument("--video", type=Path, default=SHARED_VIDEO)
    parser.add_argument("--memory-frames", type=int, default=10_000,
                        help="frames of the long run (benchmarks/soak.py) that measures memory")
    parser.add_argument("--skip-memory", action="store_true", help="leave out the long memory run")
    parser.add_argument("--json", action="store_true", help="also print each section as a JSON line")
    parser.add_argument("--mediapipe-python", metavar="PATH",
                        help="Python of a separate environment with mediapipe==0.10.21: adds the comparisons")
    parser.add_argument("--cores", type=int, help="batch: workers up to this many (default: the cores available)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {machine()}")
    sections = [("startup", lambda: startup.run(args.video), startup.format_report),
                ("pose_pipeline", lambda: pose_pipeline.run(args.video), pose_pipeline.format_report),
                ("warp", lambda: warp.run(args.video), warp.format_report),
                ("scheduler", scheduler.run, scheduler.format_report),
                ("overlap", lambda: overlap.run(args.video), overlap.format_report),
                ("multi_pose", multi_pose.run, multi_pose.format_report),
                ("batch", lambda: batch.run(args.video, args.mediapipe_python, args.cores), batch.format_report),
                ("accelerators", lambda: accelerators.run(args.video), accelerators.format_report)]
    if args.mediapipe_python:
        from benchmarks import main_job, versus_mediapipe
        sections.insert(0, ("versus_mediapipe", lambda: versus_mediapipe.run(args.mediapipe_python, args.video),
                            versus_mediapipe.format_report))
        sections.insert(0, ("main_job", lambda: main_job.run(args.mediapipe_python, args.video),
                            main_job.format_report))
    if not args.skip_memory:
        from benchmarks import soak
        sections.append(("memory", lambda: soak.run(args.memory_frames, video=args.video),
                         lambda r: "memory (soak): " + "; ".join(soak.report_lines(r))))
    unknown = set(args.sections) - {name for name, _, _ in sections}
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from "
                     f"{', '.join(name for name, _, _ in sections)}")
    for name, run, fmt in sections:
        if args.sections and name not in args.sections:
            continue
        result = run()
        print(fmt(result), flush=True)
        if args.json:
            print(json.dumps({name: result}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
