"""The ``posegraph eval`` subcommand: its arguments and what it does with them.

Exit status: 0 scored (missing images are reported, the rest scored); 2 a bad annotation or results
file, joint list, graph, side packet or model; 1 the graph failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

DEFAULT_GRAPH = "pose_tracking_module"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``posegraph eval`` (the caller adds ``--graph-path`` and ``--load``)."""
    parser.add_argument("annotations", help="COCO keypoint annotation file (.json)")
    parser.add_argument("graph", nargs="?",
                        help=f"pose graph (.pbtxt/.yaml or a bundled graph's name; default {DEFAULT_GRAPH}), run "
                             "on each image with static_image_mode=true when it takes that side packet")
    parser.add_argument("--images", required=True, metavar="DIR", help="folder of the annotated images (file_name)")
    parser.add_argument("--predictions", metavar="FILE.json",
                        help="score this COCO results file instead of running a graph")
    parser.add_argument("--joints", metavar="NAMES",
                        help="score only these keypoints: comma-separated names of the annotation's layout, or "
                             "'limbs' (shoulders, elbows, wrists, hips, knees, ankles)")
    parser.add_argument("--side-packet", action="append", default=[], metavar="NAME=VALUE",
                        help="set an input side packet of the graph (repeatable)")
    parser.add_argument("--json", metavar="OUT.json", help="write the figures as JSON")
    parser.add_argument("--per-image", metavar="OUT.csv",
                        help="write one CSV row per annotated person (found or missed) and per false pose")
    parser.add_argument("--draw", metavar="DIR", help="write each image with a missed or far-off person, drawn")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace, load_graph: Callable[[], Any]) -> int:
    """Scores a graph (``load_graph()``, unless ``--predictions`` is given) on ``args.annotations``;
    prints the table and writes the files asked for."""
    from posegraph.app.cli import ensure_models, parse_side_packets
    from posegraph.app.eval.coco import AnnotationError, load_annotations, load_results
    from posegraph.app.eval.predict import run_graph
    from posegraph.app.eval.report import score
    from posegraph.app.media import check_writable

    images_dir = Path(args.images)
    if args.predictions and (args.graph or args.side_packet):
        print("posegraph: error: --predictions scores a results file: give it no GRAPH and no --side-packet",
              file=sys.stderr)
        return 2
    args.graph = args.graph or DEFAULT_GRAPH
    try:
        for out in (args.json, args.per_image):
            if out:
                check_writable(Path(out))
        annotations = load_annotations(args.annotations)
        if not images_dir.is_dir():
            raise AnnotationError(f"--images {images_dir}: not a folder")
        joints = [j.strip() for j in args.joints.split(",")] if args.joints else None
        if args.predictions:
            results = load_results(args.predictions, annotations)
            missing = {im["file_name"]: "no such file" for im in annotations.images
                       if not (images_dir / im["file_name"]).is_file()}
            scored = [im["id"] for im in annotations.images if im["file_name"] not in missing]
        else:
            graph = load_graph()
            side_packets = parse_side_packets(args.side_packet, graph.side_packet_types)
            ensure_models(graph)
            predictions = run_graph(graph, annotations, images_dir, side_packets, progress=not args.quiet)
            results, missing, scored = predictions.results, predictions.missing, predictions.scored_images
        report = score(annotations, results, scored, joints, missing)
    except AnnotationError as e:
        print(f"posegraph: error: {e}", file=sys.stderr)
        return 2
    print(report.table())
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_json(), indent=1) + "\n")
    if args.per_image:
        report.write_csv(args.per_image)
    if args.draw:
        from posegraph.app.eval.draw import draw

        written = draw(report, annotations, results, images_dir, Path(args.draw))
        print(f"posegraph: drew {len(written)} image(s) with missed or far-off people in {args.draw}", file=sys.stderr)
    return 0
