"""The second core: compiled kernels whose results are needed later in the week.

A week is mostly Python on one core: drawing random numbers, the organisations' and
paths' rules. Some compiled kernels need nothing the main thread does next, so they
run on one helper thread while it goes on, and the week collects their results where
it needs them: the residents' peer shares and then the meetings that need only the
week's context (while the context is gathered and the residents volunteer and visit
places) with their packing and sorting for the merge, half of the tie merge (while the
main thread merges the other half), and next week's tie lists with this week's census,
then the residents' tallies and the clustering estimate (while the rest of the week and
its other outcomes are taken).

The numbers stay the same with the helper or without: the main thread's draws are
made before their kernels are handed over, in the same order; the helper's kernels
draw only from streams nothing else draws from meanwhile (``model.streams``; the
clustering estimate's wedges from ``model.metrics_rng``), one kernel after another; a
kernel reads only arrays nothing writes until its result is collected; and one helper
runs kernels in the order given. Set ``KIZUNA_BACKGROUND=0`` to run every kernel in
place (the same numbers, one core); process pools whose workers fill the cores do that
for their workers. Every kernel of the model is compiled with ``nogil=True``: the
helper's, or it would hold the GIL; the main thread's too, because a kernel the helper
has finished needs the GIL to hand back its result and start the next. The main thread
lets it go only when it waits, or inside a ``nogil`` kernel; with its kernels holding
the GIL, the peer shares, finished early in the week, waited ~0.5 ms for it, and the
meetings behind them with them. A job handed to an idle helper starts ~0.05-0.1 ms
later (waking a thread in this VM, then the GIL at the main thread's next kernel);
queued behind a busy one, as soon as that one is done. So a week hands over a few
large calls rather than many small ones.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, Protocol

ENABLED = os.environ.get("KIZUNA_BACKGROUND", "1") != "0"


class Pending(Protocol):
    def result(self) -> Any: ...


class Done:
    """A result computed in place, with a future's ``result()``."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def result(self) -> Any:
        return self._value


class Job:
    """A kernel call handed to the helper; ``result()`` waits for it (any number of times).

    A bare lock, held until the call is done, rather than ``concurrent.futures``: a
    future's conditions and callbacks are Python on both threads at every hand-over
    (paired in one process, a 10,000-resident week took ~3% less time without them).
    """

    __slots__ = ("_args", "_done", "_error", "_kernel", "_value")

    def __init__(self, kernel: Callable[..., Any], args: tuple) -> None:
        self._kernel, self._args = kernel, args
        self._value: Any = None
        self._error: BaseException | None = None
        self._done = threading.Lock()
        self._done.acquire()

    def run(self) -> None:
        try:
            self._value = self._kernel(*self._args)
        except BaseException as error:  # passed back to whoever collects the result
            self._error = error
        finally:
            self._kernel = self._args = None  # let the arrays go once used
            self._done.release()

    def result(self) -> Any:
        with self._done:  # held by the helper until the call returns
            pass
        if self._error is not None:
            raise self._error
        return self._value


_queue: SimpleQueue | None = None
_starting = threading.Lock()  # models stepped on several threads share one helper


def _serve(queue: SimpleQueue) -> None:
    while True:
        queue.get().run()


def _drain() -> None:
    """At exit, let a kernel still running finish before the interpreter goes (the
    helper runs jobs in order: the last one done means all are)."""
    if _queue is not None:
        job = Job(int, ())
        _queue.put(job)
        job.result()


atexit.register(_drain)


def _forget_helper() -> None:
    """A forked child has no helper thread, only the parent's queue."""
    global _queue
    _queue = None


os.register_at_fork(after_in_child=_forget_helper)


def later(kernel: Callable[..., Any], *args: Any) -> Job | Done:
    """Start ``kernel(*args)`` on the helper thread (or run it now when disabled).

    The GIL is not handed over here: an idle helper takes it when the main thread next
    enters a kernel (all release it) or waits, within microseconds in a week's glue.
    Yielding it at once (``time.sleep(0)``) made the main thread wait ~0.13 ms for the
    helper to wake: paired in one process, 10,000-resident weeks were 2-3% faster
    without it (per-week minima 6.12 -> 5.97 and 5.68 -> 5.56 ms, 16 rounds each)."""
    global _queue
    if not ENABLED:
        return Done(kernel(*args))
    if _queue is None:
        with _starting:
            if _queue is None:
                queue: SimpleQueue = SimpleQueue()
                threading.Thread(
                    target=_serve, args=(queue,), name="kizuna-kernel", daemon=True
                ).start()
                _queue = queue
    job = Job(kernel, args)
    _queue.put(job)
    return job


def after(pending: Pending, kernel: Callable[..., Any], *args: Any) -> Job | Done:
    """Start ``kernel(pending.result(), *args)`` on the helper thread, behind ``pending``
    (a job handed to it earlier, or one done in place): a kernel that takes another's
    result, queued without waiting for it here."""
    return later(_chained, pending, kernel, args)


def _chained(pending: Pending, kernel: Callable[..., Any], args: tuple) -> Any:
    return kernel(pending.result(), *args)  # (the helper ran ``pending`` first)


class Then:
    """A pending result passed through ``finish`` when first collected (on the main
    thread); later collections return the same finished value."""

    __slots__ = ("_finish", "_pending")

    def __init__(self, pending: Pending, finish: Callable[[Any], Any]) -> None:
        self._pending, self._finish = pending, finish

    def result(self) -> Any:
        if self._finish is not None:
            self._pending, self._finish = Done(self._finish(self._pending.result())), None
        return self._pending.result()
