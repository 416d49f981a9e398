"""Helpers shared by the framework tests."""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest


def run_within(fn: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Runs ``fn`` on a daemon thread and returns its result, failing the test if it is still running
    after ``timeout`` seconds (a hang) and re-raising whatever it raised."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as e:  # handed back to the test's thread below
            outcome["error"] = e

    thread = threading.Thread(target=target, name="test-guard", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"{getattr(fn, '__name__', fn)!r} still running after {timeout} s: the graph hangs")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.fixture(scope="session")
def within() -> Callable[..., Any]:
    """``within(fn, timeout=20.0)``: ``fn()`` with a hang guard (see :func:`run_within`)."""
    return run_within
