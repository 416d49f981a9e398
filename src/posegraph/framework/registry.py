"""The calculator registry: names to calculator classes, loaded when a graph asks for a name.

posegraph's own calculators and those of other pip packages are found the same way, through
entry points in the ``posegraph.calculators`` group. An entry point names either one calculator
class, registered under the entry point's name and imported only when a graph names it::

    [project.entry-points."posegraph.calculators"]
    MyCalculator = "my_package.calculators:MyCalculator"

or a module, imported (registering what it decorates with :func:`register_calculator`) the first
time a graph names a calculator that no class entry point provides::

    [project.entry-points."posegraph.calculators"]
    my_calculators = "my_package.calculators"

Parsing a config therefore imports only the calculators it names: a graph of routing nodes loads
neither OpenCV nor the pose models. posegraph's own entry points are read first, from its own
distribution's metadata; every installed distribution's (a search through all of them: tens of
milliseconds where many packages are installed) only when a name is not posegraph's (a plugin's
calculator, a subgraph's type). A name is held by one class: registering a different class under
a name already taken, by a built-in or a plugin, raises :class:`PosegraphError`; a built-in's name
is posegraph's even where a plugin declares it too.
"""

from __future__ import annotations

import difflib
import logging
import threading
from importlib import metadata
from typing import Callable, Iterable, TypeVar, overload

from posegraph.framework.calculator import Calculator
from posegraph.framework.errors import PosegraphError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "posegraph.calculators"
#: The distribution whose entry points declare the built-in calculators.
OWN_DISTRIBUTION = "posegraph"
_calculators: dict[str, type[Calculator]] = {}
_own: dict[str, metadata.EntryPoint] | None = None
_group: list[metadata.EntryPoint] | None = None
_class_entry_points: dict[str, metadata.EntryPoint] | None = None
_loaded_plugins = False
_lock = threading.RLock()

C = TypeVar("C", bound=type[Calculator])


def _where(c: type) -> str:
    return f"{c.__module__}.{c.__qualname__}"


def _own_entry_points() -> dict[str, metadata.EntryPoint]:
    """posegraph's own class entry points by calculator name, read once from its distribution's
    metadata alone (one file, not every distribution's); empty where posegraph is not installed
    as a distribution (then :func:`_entry_points` finds whatever declares them). Imports nothing."""
    global _own
    if _own is None:
        try:
            declared = metadata.distribution(OWN_DISTRIBUTION).entry_points
        except metadata.PackageNotFoundError:
            declared = ()
        _own = {ep.name: ep for ep in declared if ep.group == ENTRY_POINT_GROUP and ep.attr}
    return _own


def _entry_point_group() -> list[metadata.EntryPoint]:
    """Every entry point of :data:`ENTRY_POINT_GROUP`, read once (finding them reads every installed
    distribution's metadata); importing nothing."""
    global _group
    if _group is None:
        _group = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    return _group


def _entry_points() -> dict[str, metadata.EntryPoint]:
    """Class entry points of every distribution by calculator name, posegraph's own first (a
    built-in's name is the built-in's); importing nothing."""
    global _class_entry_points
    if _class_entry_points is None:
        found = dict(_own_entry_points())
        for ep in _entry_point_group():
            if ep.attr and ep.name not in found:
                found[ep.name] = ep
        _class_entry_points = found
    return _class_entry_points


def _declared(name: str) -> metadata.EntryPoint | None:
    """The class entry point declaring ``name``: posegraph's own, else (reading every
    distribution's, once) another package's; ``None`` if none does."""
    return _own_entry_points().get(name) or _entry_points().get(name)


@overload
def register_calculator(cls: C) -> C: ...
@overload
def register_calculator(*, name: str | None = None) -> Callable[[C], C]: ...


def register_calculator(cls: C | None = None, *, name: str | None = None) -> C | Callable[[C], C]:
    """Registers a calculator class under ``name`` (default: the class name).

    Usable as ``@register_calculator`` or ``@register_calculator(name="Other")``. Derives the
    options message of the contract's options dataclass, so configs can name it. Registering the
    same class again (a module imported twice) is harmless.

    Raises:
        PosegraphError: another class already holds the name, registered or declared by an entry
            point (a built-in calculator's name cannot be taken by a plugin).
        TypeError: the class is not a Calculator or its options cannot be expressed.
    """

    def register(c: C) -> C:
        if not (isinstance(c, type) and issubclass(c, Calculator)):
            raise TypeError(f"{c!r} is not a subclass of posegraph.Calculator")
        key = name or c.__name__
        with _lock:
            existing = _calculators.get(key)
            if existing is not None and _where(existing) != _where(c):
                raise PosegraphError(f"calculator name {key!r} is already registered by {_where(existing)}; "
                                     f"register {_where(c)} under another name")
            declared = _declared(key)
            if existing is None and declared is not None and declared.value.replace(":", ".") != _where(c):
                raise PosegraphError(f"calculator name {key!r} belongs to {declared.value} (entry point of "
                                     f"{ENTRY_POINT_GROUP!r}); register {_where(c)} under another name")
            if c.contract.options is not None:
                from posegraph.framework.options import options_message
                options_message(c.contract.options)
            c.name = key
            _calculators[key] = c
        return c

    return register(cls) if cls is not None else register


def _load_entry_point(name: str) -> type[Calculator] | None:
    ep = _declared(name)
    if ep is None:
        return None
    try:
        loaded = ep.load()
    except Exception as e:
        raise PosegraphError(f"calculator {name!r}: cannot import {ep.value} (entry point of "
                             f"{ENTRY_POINT_GROUP!r}): {type(e).__name__}: {e}") from e
    if not (isinstance(loaded, type) and issubclass(loaded, Calculator)):
        raise PosegraphError(f"calculator {name!r}: entry point {ep.value} is not a posegraph.Calculator subclass")
    return register_calculator(loaded, name=name)


def _load_module_plugins() -> None:
    """Imports every module entry point once (they register with the decorator)."""
    global _loaded_plugins
    if _loaded_plugins:
        return
    _loaded_plugins = True
    for ep in _entry_point_group():
        if ep.attr:
            continue
        try:
            ep.load()
        except Exception as e:  # a broken plugin must not take the others down with it
            log.warning("cannot load calculators from entry point %r (%s): %s", ep.name, ep.value, e)


def get_calculator(name: str) -> type[Calculator] | None:
    """The class registered as ``name``, importing its module on first use; ``None`` if unknown.

    Raises:
        PosegraphError: the entry point that declares ``name`` cannot be imported.
    """
    with _lock:
        found = _calculators.get(name)
        if found is None:
            found = _load_entry_point(name)
        if found is None:
            _load_module_plugins()
            found = _calculators.get(name)
        return found


def registered_calculators() -> list[str]:
    """Every calculator name known: registered ones and those declared by entry points (sorted;
    nothing is imported but module plugins)."""
    with _lock:
        _load_module_plugins()
        return sorted(set(_calculators) | set(_entry_points()))


def closest_calculators(name: str, n: int = 3, extra: Iterable[str] = ()) -> list[str]:
    """Known names (and ``extra`` ones, e.g. subgraph types) most like ``name`` (for "unknown
    calculator" errors)."""
    names = sorted(set(registered_calculators()) | set(extra))
    close = difflib.get_close_matches(name, names, n=n, cutoff=0.5)
    lowered = [k for k in names if name.lower() in k.lower() and k not in close]
    return (close + lowered)[:n]
