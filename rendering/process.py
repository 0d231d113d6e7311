"""Process plumbing for the batch and its workers: cores, signals, liveness."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

__all__ = ["cores", "die_with_parent", "interrupt_on_sigterm", "pid_alive"]


def cores() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    with contextlib.suppress(AttributeError):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def interrupt_on_sigterm() -> None:
    """Treat SIGTERM like Ctrl-C, so ``finally`` blocks remove temporary files."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def die_with_parent() -> None:
    """Ask Linux to stop this worker when the batch process dies (best effort)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def pid_alive(pid: int) -> bool:
    """True if process ``pid`` runs (a zombie nobody reaped counts as gone)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):  # a killed worker nobody reaped yet is a zombie
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    return True
