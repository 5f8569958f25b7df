"""Where runs execute: in this process, on a local process pool, or on a Dask cluster.

Every choice is a ``concurrent.futures.Executor`` (or none, for inline runs), so the
runner and the store never need to know which one they got.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from experiments.errors import InputError


@dataclass(frozen=True)
class ExecutorChoice:
    """What the user asked for: ``workers`` local processes, or a Dask ``scheduler``."""

    workers: int = 1
    scheduler: str | None = None

    def describe(self) -> dict[str, object]:
        if self.scheduler:
            return {"kind": "dask", "scheduler": self.scheduler}
        if self.workers <= 1:
            return {"kind": "inline", "workers": 1}
        return {"kind": "process pool", "workers": self.workers}


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool whose workers fork from a server that has already imported the model.

    When the workers fill the machine's cores, each runs its kernels in place: the
    helper thread (``model.background``) only pays where a core would otherwise idle,
    and with every core running a worker it costs a sweep time (measured: 8 runs of
    the core sweep on two workers took 2.3-3.7 s without it, 2.5-3.8 s with it).
    """
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["model", "experiments.runner"])
    helper = workers < (os.cpu_count() or 1)
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_use_helper, initargs=(helper,)
    )


def _use_helper(enabled: bool) -> None:
    from model import background

    background.ENABLED = background.ENABLED and enabled


def _dask_client(address: str, timeout: float):
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise InputError("command line", "--scheduler", "needs dask distributed") from None
    if not address.startswith(("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")):
        raise InputError(
            "command line",
            "--scheduler",
            f"expected an address like tcp://HOST:PORT, got {address!r}",
        )
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise InputError(
            "command line", "--scheduler", f"cannot reach a Dask scheduler at {address} ({exc})"
        ) from None


@contextmanager
def open_executor(choice: ExecutorChoice, *, timeout: float = 10.0) -> Iterator[Executor | None]:
    """The executor for ``choice``, shut down (pending runs cancelled) on the way out."""
    if choice.scheduler:
        client = _dask_client(choice.scheduler, timeout)
        executor = client.get_executor()
        try:
            yield executor
        finally:
            executor.shutdown(wait=False)
            client.close()
        return
    if choice.workers <= 1:
        yield None
        return
    pool = process_pool(choice.workers)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
