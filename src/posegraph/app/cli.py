"""The ``posegraph`` command line: run a graph on media, check parity, score a pose graph against
annotations (``eval``), validate and draw graphs, fetch models.

Exit status: 0 on success; 1 when the run failed or its input was damaged (every frame finished
before that is written); 2 for a bad config, side packet, model or path; 128 + N when stopped
by signal N (outputs finalised).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Mapping, Sequence

from posegraph.framework.errors import (CalculatorError, GraphConfigError, MediaError, ModelError, PosegraphError,
                              SidePacketError)

log = logging.getLogger("posegraph")


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def parse_value(text: str, kind: type) -> Any:
    """``text`` as a ``kind`` value: bool accepts true/false/1/0/yes/no/on/off (any case), int and
    float their usual forms, str as it is.

    ``kind`` is one of those four; callers map other types to ``str`` or refuse them.

    Raises:
        ValueError: ``text`` does not parse as ``kind``.
    """
    if kind is bool:
        lowered = text.strip().lower()
        if lowered not in _TRUE + _FALSE:
            raise ValueError(text)
        return lowered in _TRUE
    return kind(text)


#: What each type :func:`parse_value` reads takes, for error messages.
_TAKES = {bool: "true or false (also 1/0, yes/no, on/off)", int: "an integer", float: "a number", str: "text"}


def parse_side_packets(items: Sequence[str], types: dict[str, Any]) -> dict[str, Any]:
    """``NAME=VALUE`` strings to typed values, by the type the graph's nodes declare for NAME
    (:func:`parse_value`; a type other than bool, int or float keeps the string).

    Raises:
        SidePacketError: malformed item, unknown name, or a value that does not parse as its type.
    """
    out: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise SidePacketError(f"--side-packet {item!r}: expected NAME=VALUE")
        if name not in types:
            raise SidePacketError(f"--side-packet {name}: the graph has no side packet {name!r} "
                                  f"(it takes: {', '.join(sorted(types)) or 'none'})")
        kind = types[name] if types[name] in (bool, int, float) else str
        try:
            out[name] = parse_value(text, kind)
        except ValueError:
            raise SidePacketError(f"--side-packet {name}={text}: {name} takes {_TAKES[kind]}") from None
    return out


def set_calculator_options(graph: Any, items: Sequence[str]) -> None:
    """Applies ``CALCULATOR.FIELD=VALUE`` strings to every node of ``graph`` running CALCULATOR,
    subgraphs included (as MediaPipe's Python ``SolutionBase`` sets ``calculator_params``).

    VALUE is read as the type of the field's current value (:func:`parse_value`).

    Raises:
        GraphConfigError: malformed item, no node runs CALCULATOR, it has no option FIELD, or VALUE
            does not parse as the field's type.
    """
    import dataclasses

    for item in items:
        target, sep, text = item.partition("=")
        calculator, dot, field = target.rpartition(".")
        if not sep or not dot or not calculator or not field:
            raise GraphConfigError(f"--calculator-option {item!r}: expected CALCULATOR.FIELD=VALUE", "<command line>")
        nodes = [n for n in graph.validated.nodes if n.calculator == calculator]
        if not nodes:
            raise GraphConfigError(f"--calculator-option {target}: no node of the graph runs {calculator}",
                                   "<command line>")
        options = nodes[0].options
        fields = {f.name for f in dataclasses.fields(options)} if dataclasses.is_dataclass(options) else set()
        if field not in fields:
            raise GraphConfigError(f"--calculator-option {target}: {calculator} has no option {field!r} "
                                   f"(its options: {', '.join(sorted(fields)) or 'none'})", "<command line>")
        kind = type(getattr(options, field))
        if kind not in (bool, int, float, str):
            raise GraphConfigError(f"--calculator-option {target}: {field} is a {kind.__name__}; "
                                   f"set it in the graph file", "<command line>")
        try:
            value = parse_value(text, kind)
        except ValueError:
            raise GraphConfigError(f"--calculator-option {target}={text}: {field} takes {_TAKES[kind]}",
                                   "<command line>") from None
        graph.set_options(calculator, **{field: value})


def load_calculators(specs: Sequence[str]) -> None:
    """Imports each module name or ``.py`` file so the calculators it registers can be used.

    Raises:
        PosegraphError: the module or file cannot be imported (the message names it).
    """
    import importlib
    import importlib.util

    for spec in specs:
        try:
            if spec.endswith(".py") or Path(spec).is_file():
                path = Path(spec).resolve()
                module_spec = importlib.util.spec_from_file_location(f"posegraph_user_{path.stem}", path)
                if module_spec is None or module_spec.loader is None:
                    raise ImportError(f"not a Python file: {path}")
                module = importlib.util.module_from_spec(module_spec)
                sys.modules[module_spec.name] = module
                module_spec.loader.exec_module(module)
            else:
                importlib.import_module(spec)
        except Exception as e:
            raise PosegraphError(f"--load {spec}: cannot import it: {type(e).__name__}: {e}") from e


def graph_file(spec: str) -> Path:
    """The config file ``spec`` names: a path, else the bundled graph of that name
    (``pose_tracking`` is ``posegraph.graphs.path("pose_tracking")``); a path that exists wins."""
    from posegraph import graphs

    path = Path(spec)
    if path.exists() or path.suffix:
        return path
    try:
        return graphs.path(spec)
    except KeyError:
        return path  # loading it reports the missing file


def _graph(args: argparse.Namespace, **kwargs: Any) -> Any:
    from posegraph.framework.graph import Graph

    load_calculators(args.load or ())
    return Graph(graph_file(args.graph), search_path=args.graph_path or (), **kwargs)


def ensure_models(graph: Any) -> None:
    """Fetches (with a message) the manifest models the graph's inference nodes name, if missing
    (by name or by MediaPipe's in-package path)."""
    from posegraph.calculators.util.resource_calculators import manifest_name
    from posegraph.models import MODELS, default_cache_dir, fetch, missing_models, model_path

    named = {manifest_name(n.options.model_path) for n in graph.validated.nodes
             if n.calculator == "InferenceCalculator" and n.options.model_path}
    needed = sorted(name for name in named if name is not None)
    missing = missing_models(needed)
    for name in needed:
        if name not in missing:
            model_path(name)  # present: verify it now (a damaged file is an error, not a fetch)
    if missing:
        print(f"posegraph: first use: fetching models {', '.join(missing)} (see `posegraph models fetch`)",
              file=sys.stderr)
        try:
            fetch(missing)
        except ModelError as e:
            files = ", ".join(str(default_cache_dir() / MODELS[name].file) for name in missing)
            raise ModelError(f"model file(s) {files} missing, and fetching them failed: {e}") from e


def prepare_model_copies(paths: Mapping[str, Path]) -> list[Path]:
    """Makes now, rather than at the first run, the model cache's copies that posegraph's graphs
    load instead of the fetched models (``calculators.tensor.runtimes``): the dense copy of a model
    with sparse weights (the person detector) and each landmark model's copy without its
    segmentation output (what the graphs run unless the mask is asked for). Copies already made are
    kept. Each is named on standard error; one that cannot be kept or made is logged, and runs then
    load the model as it is, as they would have.

    Returns the copies' paths.
    """
    from posegraph.calculators.pose.pose_landmark_model_calculator import LANDMARK_MODELS, SEGMENTATION_OUTPUT
    from posegraph.calculators.tensor.runtimes import dense_model_file, pruned_model_file

    copies = []
    for name, path in paths.items():
        if path.suffix != ".tflite":  # MediaPipe's graph (.binarypb) is no model
            continue
        made = [(dense_model_file(path), "its sparse weights stored dense")]
        if name in LANDMARK_MODELS.values():
            made.append((pruned_model_file(path, (SEGMENTATION_OUTPUT,)), "without its segmentation output"))
        for copy, what in made:
            if copy is not None:
                print(f"posegraph: {name} loads from {copy} ({what})", file=sys.stderr)
                copies.append(copy)
    return copies


def cmd_run(args: argparse.Namespace) -> int:
    import cv2

    from posegraph import Graph
    from posegraph.app.media import check_writable, open_source
    from posegraph.app.runner import check_outputs, run_media

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_INFO if args.verbose
                                  else cv2.utils.logging.LOG_LEVEL_ERROR)
    if args.trace:
        check_writable(Path(args.trace))
    def configured(graph: Graph) -> Graph:
        """``graph`` with ``--accelerator`` and ``--calculator-option`` set on its nodes."""
        if args.accelerator != "cpu":
            graph.set_options("InferenceCalculator", accelerator=args.accelerator)
        set_calculator_options(graph, args.calculator_option)
        return graph

    streams = None
    if args.streams is not None:
        if not args.landmarks:
            raise MediaError("--streams picks what --landmarks writes; give --landmarks FILE too")
        streams = list(dict.fromkeys(name.strip() for name in args.streams.split(",") if name.strip()))
    graph = configured(_graph(args, num_threads=args.threads))
    side_packets = parse_side_packets(args.side_packet, graph.side_packet_types)
    graph.check_side_packets(side_packets)
    ensure_models(graph)  # after the options: --calculator-option can name another model
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        received.append(signum)
        stop.set()

    with open_source(args.input) as source:
        check_outputs(graph, source, args.output, args.landmarks, args.mask_output, streams)
        if source.is_live and args.threads is None and graph.num_threads <= 1:
            # Inline, a frame runs inside add_packet and the next one waits for it; on a pool, frames
            # that arrive while the graph is busy reach its flow limiter, which drops them.
            graph = configured(Graph(graph.loaded, num_threads=2))
        if args.trace or args.profile:
            graph.tracer = []
        for stream in args.dump:
            graph.observe(stream, lambda p, s=stream: print(f"[{s} @ {p.timestamp}] {p.payload!r}", file=sys.stderr))
        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)} \
            if threading.current_thread() is threading.main_thread() else {}
        try:
            summary = run_media(graph, source, output=args.output, landmarks=args.landmarks,
                                mask_output=args.mask_output, side_packets=side_packets, progress=not args.quiet,
                                stop=stop, streams=streams)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            if graph.tracer is not None:
                _write_trace(graph, args)
    for ref in graph.validated.output_side_packets:  # e.g. "posegraph: pose landmark model: pose_landmark_full"
        print(f"posegraph: {ref.name.replace('_', ' ')}: {graph.output_side_packet(ref.name)}", file=sys.stderr)
    fps = summary.frames / summary.seconds if summary.seconds else 0.0
    dropped = f", {summary.dropped} live frames dropped to keep up" if summary.dropped else ""
    print(f"posegraph: {summary.frames} frames ({summary.frames_with_pose} with a pose) in "
          f"{summary.seconds:.2f} s, {fps:.1f} frames/s{dropped}", file=sys.stderr)
    if received:
        print(f"posegraph: stopped by signal {received[0]}; outputs hold the {summary.frames} finished frames",
              file=sys.stderr)
        return 128 + received[0]
    if summary.truncated:
        print(f"posegraph: error: input {args.input} is damaged after frame {summary.frames - 1}: "
              f"{summary.input_error}; the {summary.frames} frames before it were processed and written",
              file=sys.stderr)
        return 1
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from posegraph.app import batch

    graph = _graph(args)
    side_packets = parse_side_packets(args.side_packet, graph.side_packet_types)
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) \
        if threading.current_thread() is threading.main_thread() else None
    try:
        rows = batch.run(graph, args.inputs, args.out, workers=args.workers, engine=args.engine,
                         side_packets=side_packets, landmarks_format=args.landmarks_format, overlay=args.overlay,
                         force=args.force, ray_address=args.ray_address, load=args.load or (),
                         progress=not args.quiet)
    except batch.BatchError as e:
        print(f"posegraph: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"posegraph: batch stopped; {args.out}/manifest.jsonl lists the inputs finished, and running the "
              "same command again does the rest", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    failed = [row for row in rows if row["status"] == "failed"]
    for row in failed:
        print(f"posegraph: failed: {row['input']}: {row['error'].removeprefix(row['input'] + ': ')}", file=sys.stderr)
    frames = sum(row["frames"] for row in rows if row["status"] == "done")
    print(f"posegraph: {len(rows) - len(failed)} of {len(rows)} inputs done ({frames} frames), {len(failed)} failed; "
          f"manifest: {args.out}/manifest.jsonl", file=sys.stderr)
    return 1 if failed else 0


def _write_trace(graph: Any, args: argparse.Namespace) -> None:
    from posegraph.framework import tracing

    if args.trace:
        tracing.write_chrome_trace(graph.tracer, args.trace, graph_name=str(args.graph), graph=graph)
        print(f"posegraph: trace written to {args.trace} (open in ui.perfetto.dev or chrome://tracing)",
              file=sys.stderr)
    if args.profile and graph.tracer:
        print(tracing.profile_table(graph.tracer), file=sys.stderr)


def cmd_parity(args: argparse.Namespace) -> int:
    from posegraph.app.parity import parity

    load_calculators(args.load or ())
    try:
        report = parity(args.reference, args.input, graph=graph_file(args.graph) if args.graph else None, open_loop=args.open_loop,
                        side_packet_items=args.side_packet, search_path=args.graph_path or (),
                        num_threads=args.threads, accelerator=args.accelerator)
    except (OSError, ValueError, KeyError) as e:
        print(f"posegraph: error: parity: {e}", file=sys.stderr)
        return 2
    print(json.dumps(report))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from posegraph.app.eval.command import run

    return run(args, lambda: _graph(args))


def cmd_validate(args: argparse.Namespace) -> int:
    graph = _graph(args)
    print(f"{args.graph}: OK ({len(graph.validated.nodes)} nodes after expansion)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from posegraph.framework import show

    dot = show.to_dot(_graph(args))
    if args.output and Path(args.output).suffix.lower() in (".svg", ".png", ".pdf"):
        show.render(dot, args.output)
        print(f"posegraph: wrote {args.output}", file=sys.stderr)
    elif args.output:
        Path(args.output).write_text(dot)
    else:
        sys.stdout.write(dot)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from posegraph import __version__
    from posegraph.models import add_parser as add_models_parser

    parser = argparse.ArgumentParser(prog="posegraph", description="MediaPipe-style calculator graphs in Python.")
    parser.add_argument("--version", action="version", version=f"posegraph {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True)

    def graph_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--graph-path", action="append", metavar="DIR",
                       help="extra directory to find subgraphs in (repeatable; also POSEGRAPH_GRAPH_PATH)")
        p.add_argument("--load", action="append", metavar="MODULE_OR_FILE",
                       help="import a module or .py file that registers calculators (repeatable)")

    def side_packet_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--side-packet", action="append", default=[], metavar="NAME=VALUE",
                       help="set an input side packet (repeatable), e.g. smooth_landmarks=false")

    run = sub.add_parser("run", help="run a graph on a video, an image or a camera")
    run.add_argument("graph", help="graph config (.pbtxt or .yaml), or a bundled graph's name (pose_tracking)")
    run.add_argument("--input", required=True, help="video or image file, or a camera index (0, 1, ...)")
    run.add_argument("--output", metavar="FILE",
                     help="write the graph's image output here (pose_tracking: the skeleton drawn): .mp4/.m4v/.mov "
                          "(H.264), .avi (Motion JPEG), or an image (.png, .jpg, ...) for an image input")
    run.add_argument("--landmarks", metavar="FILE",
                     help="write the landmarks (and the graph's other outputs) here: .jsonl (a JSON line per frame), "
                          ".csv or .parquet (a row per frame and landmark)")
    run.add_argument("--streams", metavar="STREAM[,STREAM...]",
                     help="write only these graph outputs to --landmarks, in this order (default: every output "
                          "the file can hold), e.g. pose_landmarks,pose_world_landmarks")
    run.add_argument("--mask-output", metavar="FILE",
                     help="write the graph's segmentation mask here as grayscale, round(mask * 255): a video (.mp4, "
                          "black where there is no pose) or, for an image input, an image (.png); turns "
                          "enable_segmentation on")
    side_packet_arg(run)
    run.add_argument("--threads", type=int, default=None, help="scheduler threads (default: the config's; 1 inline)")
    run.add_argument("--trace", metavar="FILE.json", help="write a Chrome/Perfetto trace of every calculator call")
    run.add_argument("--accelerator", choices=("cpu", "gpu"), default="cpu",
                     help="where every InferenceCalculator runs its model (gpu: LiteRT's CompiledModel on "
                          "WebGPU, CPU for the ops it rejects; close to, not bit-identical with, the CPU)")
    run.add_argument("--calculator-option", action="append", default=[], metavar="CALCULATOR.FIELD=VALUE",
                     help="set an option of every node running CALCULATOR (repeatable), e.g. "
                          "RefineLandmarksFromHeatmapCalculator.kernel_size=9")
    run.add_argument("--profile", action="store_true", help="print a per-node time table at the end")
    run.add_argument("--dump", action="append", default=[], metavar="STREAM",
                     help="print every packet of STREAM (any stream of the expanded graph) to stderr")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    run.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                     help="log debug messages, and LiteRT's and OpenCV's info lines (as posegraph -v)")
    graph_args(run)
    run.set_defaults(func=cmd_run)

    bat = sub.add_parser("batch", help="run a graph over many videos and images, on all cores or a Ray cluster")
    bat.add_argument("graph", help="graph config (.pbtxt or .yaml), or a bundled graph's name (pose_tracking)")
    bat.add_argument("inputs", nargs="+", metavar="INPUT",
                     help="video or image file, folder (searched for videos and images), glob, or .txt list of these")
    bat.add_argument("--out", required=True, help="output directory: a path or an fsspec URL (s3://bucket/dir)")
    bat.add_argument("--workers", type=int, default=None, help="worker processes (default: the cores available)")
    bat.add_argument("--engine", default="local", metavar="local|ray",
                     help="local: a process pool (default); ray: one Ray task per input (pip install 'posegraph[ray]')")
    bat.add_argument("--ray-address", metavar="ADDR", help="Ray cluster to use (default: RAY_ADDRESS, else a local Ray)")
    bat.add_argument("--landmarks-format", default="jsonl", metavar="jsonl|csv|parquet",
                     help="landmarks file per input, NAME.FORMAT (default jsonl)")
    bat.add_argument("--overlay", action="store_true",
                     help="also write the graph's image output, as --output does (pose_tracking: the skeleton "
                          "drawn; NAME.mp4, an image keeps its suffix)")
    bat.add_argument("--force", action="store_true", help="redo the inputs the manifest lists as done")
    side_packet_arg(bat)
    bat.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    graph_args(bat)
    bat.set_defaults(func=cmd_batch)

    par = sub.add_parser("parity", help="compare the pose pipeline with a MediaPipe reference (one JSON line)")
    par.add_argument("reference", help="reference JSON (schema of spec section 10)")
    par.add_argument("--input", required=True, help="the media the reference was made on")
    par.add_argument("--graph", default=None, help="pose graph to check (default: the bundled PoseTracking module, pose_tracking_module)")
    par.add_argument("--open-loop", action="store_true",
                     help="feed the reference's ROI to the landmark stage per frame, and check the detector")
    side_packet_arg(par)
    par.add_argument("--threads", type=int, default=None)
    par.add_argument("--accelerator", choices=("cpu", "gpu"), default="cpu",
                     help="where every InferenceCalculator runs (gpu: report how far the GPU's landmarks are)")
    graph_args(par)
    par.set_defaults(func=cmd_parity)

    from posegraph.app.eval.command import add_arguments as add_eval_arguments

    ev = sub.add_parser("eval", help="COCO keypoint AP and PCK@0.2 of a pose graph on annotated images")
    add_eval_arguments(ev)
    graph_args(ev)
    ev.set_defaults(func=cmd_eval)

    val = sub.add_parser("validate", help="check a graph config; lists every problem with file:line:column")
    val.add_argument("graph")
    graph_args(val)
    val.set_defaults(func=cmd_validate)

    show_p = sub.add_parser("show", help="draw the expanded graph (Graphviz DOT; SVG/PNG with `dot`)")
    show_p.add_argument("graph")
    show_p.add_argument("-o", "--output", help=".dot, .svg, .png or .pdf (default: DOT on stdout)")
    graph_args(show_p)
    show_p.set_defaults(func=cmd_show)

    add_models_parser(sub, after_fetch=prepare_model_copies)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``posegraph`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="posegraph: %(levelname)s: %(message)s")
    try:
        return args.func(args)
    except (GraphConfigError, SidePacketError, ModelError, MediaError) as e:
        print(f"posegraph: error: {e}", file=sys.stderr)
        return 2
    except CalculatorError as e:
        print(f"posegraph: error: {e}", file=sys.stderr)
        return 2 if isinstance(e.__cause__, ModelError) else 1
    except PosegraphError as e:
        print(f"posegraph: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
