"""The Ray engine: each input is a Ray task (one CPU), retried when its worker dies.

Imported only when a batch asks for it (``engine="ray"``); needs the ``posegraph[ray]`` extra.
Every node must be able to read the inputs at the paths given and reach the output directory (a
shared file system, or an fsspec URL such as ``s3://bucket/poses``), and must have posegraph (and
any ``load`` module) installed. A Ray worker process keeps its :class:`Worker` between tasks of
the same batch.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Callable

from posegraph.app.batch.inputs import BatchError, BatchInput
from posegraph.app.batch.store import LocalStore, Store
from posegraph.app.batch.work import BatchSettings, Worker, failed_row

_workers: dict[str, Worker] = {}


def _process(settings: BatchSettings, item: BatchInput) -> dict[str, Any]:
    """The task: the input's manifest row, from this Ray worker's :class:`Worker` for the batch."""
    key = settings.fingerprint
    if key not in _workers:
        _workers.clear()
        _workers[key] = Worker(settings)
    return _workers[key].process(item)


def run_ray(settings: BatchSettings, items: list[BatchInput], store: Store, address: str | None,
            workers: int | None, on_row: Callable[[dict[str, Any]], None], bar: Any,
            max_retries: int = 2) -> None:
    """Runs ``items`` as Ray tasks on the cluster at ``address`` (default ``RAY_ADDRESS``; without
    either, a local Ray with ``workers`` CPUs is started and shut down afterwards).

    ``on_row`` gets each input's manifest row as its task ends; a task whose worker died
    ``max_retries + 1`` times becomes a failed row. ``bar`` advances by each input's frames. On
    KeyboardInterrupt the tasks are cancelled (those that finished meanwhile still get their rows)
    and the interrupt is raised again.

    Raises:
        BatchError: Ray is not installed, or the cluster cannot be reached.
    """
    try:
        import ray
        from ray.exceptions import RayError
    except ImportError as e:
        raise BatchError("--engine ray needs Ray: pip install 'posegraph[ray]'") from e
    address = address or os.environ.get("RAY_ADDRESS")
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(address=address, num_cpus=None if address else workers, log_to_driver=False,
                     logging_level=logging.WARNING, include_dashboard=False)
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise BatchError(f"cannot reach the Ray cluster at {address}: {e}") from e
    task = ray.remote(num_cpus=1, max_retries=max_retries)(_process)
    shared = ray.put(settings)
    pending = {task.remote(shared, item): item for item in items}
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)  # a timeout lets Ctrl-C in
            if not done:
                continue
            item = pending.pop(done[0])
            try:
                row = ray.get(done[0])
            except RayError as e:
                row = failed_row(item, f"the Ray task failed: {type(e).__name__}: {e}")
            bar.total = (bar.total or 0) + row["frames"]
            bar.update(row["frames"])
            on_row(row)
    finally:
        # Interrupted: each task gets a KeyboardInterrupt (its Worker discards its partial outputs);
        # a forced cancel (killing the worker) is kept for those still running after that, since
        # forcing a task that is just completing can trip Ray's own task bookkeeping in the driver.
        for ref in pending:
            ray.cancel(ref)
        if pending:  # a task that finished before its cancel published its outputs
            finished, running = ray.wait(list(pending), num_returns=len(pending), timeout=30)
            for ref in running:
                ray.cancel(ref, force=True)
            for ref in finished:
                try:
                    row = ray.get(ref)
                except RayError:
                    continue  # cancelled
                del pending[ref]
                on_row(row)
            if isinstance(store, LocalStore):
                for item in pending.values():
                    store.discard(item.name)
        if started_here:
            ray.shutdown()
