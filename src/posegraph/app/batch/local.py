"""The local engine: one worker process per core, each running one single-threaded graph at a time.

The driver hands each idle worker the next input over a pipe and hears back its progress and its
manifest row. A worker that dies in the middle of an input (killed, out of memory) is replaced; its
staging directory is removed and the input goes back to the front of the queue, up to
``max_retries`` times. Workers ignore SIGINT: Ctrl-C reaches the driver, which stops them.
"""

from __future__ import annotations

import collections
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from typing import Any, Callable

from posegraph.app.batch.inputs import BatchInput
from posegraph.app.batch.store import Store
from posegraph.app.batch.work import BatchSettings, Worker, failed_row

log = logging.getLogger(__name__)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def _worker_main(conn: multiprocessing.connection.Connection, settings: BatchSettings) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with lock:  # the decoding thread reports frames while the main thread may report a row
            conn.send(message)

    worker = Worker(settings)
    while (item := conn.recv()) is not None:
        row = worker.process(item, on_start=lambda n: send(("start", n)), on_frame=lambda: send(("frame",)))
        send(("row", row))


class _Slot:
    """One worker process and the input it is on."""

    def __init__(self, context: Any, settings: BatchSettings) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, settings), daemon=True,
                                       name="posegraph-batch-worker")
        self.process.start()
        child.close()
        self.item: BatchInput | None = None
        self.frames = 0

    def stop(self) -> None:
        """Ends the process: an idle worker is asked to exit, a busy one is terminated."""
        if self.process.is_alive():
            if self.item is None:
                try:
                    self.conn.send(None)
                except OSError:
                    self.process.terminate()
            else:
                self.process.terminate()
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run_local(settings: BatchSettings, items: list[BatchInput], store: Store, workers: int,
              on_row: Callable[[dict[str, Any]], None], bar: Any, max_retries: int = 2) -> None:
    """Runs ``items`` on ``workers`` processes; ``on_row`` gets each input's manifest row as it ends.

    ``bar`` is a tqdm bar: its total grows by each input's frame count as the input starts, and
    it advances by each frame decoded. On KeyboardInterrupt the workers are stopped, the inputs
    they were on are left without a row (their staging directories removed; a row already sent is
    recorded) and the interrupt is raised again.
    """
    context = multiprocessing.get_context("spawn")
    queue = collections.deque(items)
    attempts: collections.Counter[str] = collections.Counter()
    counted: set[str] = set()
    slots = [_Slot(context, settings) for _ in range(min(workers, len(items)))]
    try:
        while queue or any(s.item is not None for s in slots):
            for slot in slots:
                if slot.item is None and queue:
                    slot.item, slot.frames = queue.popleft(), 0
                    attempts[slot.item.name] += 1
                    slot.conn.send(slot.item)
            waiting = {s.conn: s for s in slots} | {s.process.sentinel: s for s in slots}
            for ready in multiprocessing.connection.wait(list(waiting), timeout=1.0):
                slot = waiting[ready]
                if ready is slot.conn:
                    _receive(slot, on_row, bar, counted)  # a closed pipe: the sentinel tells
                elif not slot.process.is_alive():
                    _replace(slots, slot, context, settings, store, queue, attempts, on_row, bar, max_retries)
    finally:
        for slot in slots:
            slot.stop()
            while slot.item is not None and slot.conn.poll() and _receive(slot, on_row, bar, counted):
                pass  # a row the worker sent before it stopped: its outputs are published
            slot.conn.close()
            if slot.item is not None:
                store.discard(slot.item.name)


def _receive(slot: _Slot, on_row: Callable[[dict[str, Any]], None], bar: Any, counted: set[str]) -> bool:
    """Handles one message from a worker; ``False`` when its pipe is closed (it died)."""
    try:
        message = slot.conn.recv()
    except (EOFError, OSError):
        return False
    assert slot.item is not None
    if message[0] == "frame":
        slot.frames += 1
        bar.update()
    elif message[0] == "start":
        if slot.item.name not in counted and message[1]:
            counted.add(slot.item.name)
            bar.total = (bar.total or 0) + message[1]
            bar.refresh()
    else:
        slot.item = None
        on_row(message[1])
    return True


def _replace(slots: list[_Slot], dead: _Slot, context: Any, settings: BatchSettings, store: Store,
             queue: collections.deque[BatchInput], attempts: collections.Counter[str],
             on_row: Callable[[dict[str, Any]], None], bar: Any, max_retries: int) -> None:
    """A worker died: start another in its place; retry its input, or record it failed."""
    code = dead.process.exitcode
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exited with status {code}"
    dead.stop()
    dead.conn.close()
    slots[slots.index(dead)] = _Slot(context, settings)
    item = dead.item
    if item is None:
        log.warning("a batch worker (pid %s) %s between inputs; started another", dead.process.pid, how)
        return
    store.discard(item.name)
    bar.update(-dead.frames)
    if attempts[item.name] <= max_retries:
        log.warning("the worker on %s (pid %s) %s; retrying it (attempt %d of %d)", item.path, dead.process.pid,
                    how, attempts[item.name] + 1, max_retries + 1)
        queue.appendleft(item)
    else:
        on_row(failed_row(item, f"the worker process {how} on each of {attempts[item.name]} attempts"))
