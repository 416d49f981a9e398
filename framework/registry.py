"""The calculator registry: names to calculator classes, from decorators and entry points.

Built-in calculators register when ``posegraph.calculators`` is imported; a separate pip package
ships calculators by declaring an entry point in the ``posegraph.calculators`` group that names a
module (importing it registers its calculators) or a calculator class::

    [project.entry-points."posegraph.calculators"]
    my_calculators = "my_package.calculators"
"""

from __future__ import annotations

import difflib
import importlib
import logging
from importlib import metadata
from typing import Callable, Iterable, TypeVar, overload

from posegraph.calculator import Calculator
from posegraph.errors import PosegraphError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "posegraph.calculators"
_calculators: dict[str, type[Calculator]] = {}
_loaded_plugins = False

C = TypeVar("C", bound=type[Calculator])


@overload
def register_calculator(cls: C) -> C: ...
@overload
def register_calculator(*, name: str | None = None) -> Callable[[C], C]: ...


def register_calculator(cls: C | None = None, *, name: str | None = None) -> C | Callable[[C], C]:
    """Registers a calculator class under ``name`` (default: the class name).

    Usable as ``@register_calculator`` or ``@register_calculator(name="Other")``. Derives the
    options message of the contract's options dataclass, so configs can name it.

    Raises:
        PosegraphError: another class already holds the name.
        TypeError: the class is not a Calculator or its options cannot be expressed.
    """

    def register(c: C) -> C:
        if not (isinstance(c, type) and issubclass(c, Calculator)):
            raise TypeError(f"{c!r} is not a subclass of posegraph.Calculator")
        key = name or c.__name__
        existing = _calculators.get(key)
        if existing is not None and existing.__qualname__ != c.__qualname__:
            raise PosegraphError(f"calculator name {key!r} is already registered by "
                                 f"{existing.__module__}.{existing.__qualname__}")
        if c.contract.options is not None:
            from posegraph.options import options_message
            options_message(c.contract.options)
        c.name = key
        _calculators[key] = c
        return c

    return register(cls) if cls is not None else register


def load_builtin_calculators() -> None:
    """Imports ``posegraph.calculators`` (registering the built-ins) and any entry-point plugins."""
    global _loaded_plugins
    importlib.import_module("posegraph.calculators")
    if _loaded_plugins:
        return
    _loaded_plugins = True
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = ep.load()
        except Exception as e:  # a broken plugin must not take the built-ins down with it
            log.warning("cannot load calculators from entry point %r (%s): %s", ep.name, ep.value, e)
            continue
        if isinstance(loaded, type) and issubclass(loaded, Calculator) and loaded.name == "":
            register_calculator(loaded)


def get_calculator(name: str) -> type[Calculator] | None:
    """The class registered as ``name``, or ``None``."""
    if name not in _calculators:
        load_builtin_calculators()
    return _calculators.get(name)


def registered_calculators() -> list[str]:
    """All registered names, sorted."""
    load_builtin_calculators()
    return sorted(_calculators)


def closest_calculators(name: str, n: int = 3, extra: Iterable[str] = ()) -> list[str]:
    """Registered names (and ``extra`` ones, e.g. subgraph types) most like ``name`` (for
    "unknown calculator" errors)."""
    names = sorted(set(registered_calculators()) | set(extra))
    close = difflib.get_close_matches(name, names, n=n, cutoff=0.5)
    lowered = [k for k in names if name.lower() in k.lower() and k not in close]
    return (close + lowered)[:n]
