"""Process plumbing for the batch and its workers: cores, signals, liveness."""

from __future__ import annotations

import contextlib
import os
import signal

from model.files import interrupt_on_sigterm

__all__ = ["cores", "die_with_parent", "interrupt_on_sigterm", "stop_pool"]


def cores() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    with contextlib.suppress(AttributeError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def die_with_parent() -> None:
    """Ask Linux to stop this worker when the batch process dies (best effort)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def stop_pool(pool) -> None:
    """Stop a ``ProcessPoolExecutor`` at once: cancel what waits, end its running processes."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(30)
