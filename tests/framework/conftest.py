"""Helpers shared by the framework tests."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from posegraph.testing import call_with_timeout


def run_within(fn: Callable[[], Any], timeout: float = 20.0) -> Any:
    """``fn()`` with a hang guard: fails the test if it is still running after ``timeout`` seconds."""
    try:
        return call_with_timeout(fn, timeout)
    except TimeoutError as e:
        pytest.fail(f"{e}: the graph hangs")


@pytest.fixture(scope="session")
def within() -> Callable[..., Any]:
    """``within(fn, timeout=20.0)``: ``fn()`` with a hang guard (see :func:`run_within`)."""
    return run_within
