"""Where the chunks run: a local process pool (the default) or a Dask distributed cluster.

Both give the batch the same calls, each returning a future with ``done()``
and ``result()``: ``train`` (a missing states file; local pool only),
``plan`` (frames per play), ``chunk`` (render one chunk into
the scene's work folder), ``open_chunk`` (chunk 0, started beside the plan,
told the plan and telling its cut through ``messages``) and ``finish`` (join,
GIF, stamp). The local pool imports manim once per worker process and reports
per-chunk progress through a queue. The Dask executor sends plan and chunk
tasks to the cluster (its workers check their checkout against the client's
by hash), passes the open chunk's messages through the scheduler's metadata,
gets each chunk back as bytes and, once every file name is one that chunk makes
(:func:`checked_files`), writes them atomically into the work folder;
joining and the GIF run on the client, which owns the output folder. Dask is
imported only here, and only when ``--scheduler`` is given.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import queue
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from model.files import write_atomic
from model.text import printable
from rendering.draw.messages import FileMessages
from rendering.errors import RenderError, one_line
from rendering.run import tasks as worker
from rendering.run.process import cores, spawning_deaf_to_ctrl_c, stop_pool

__all__ = ["DaskExecutor", "DaskMessages", "LocalExecutor", "checked_files", "make_executor"]


class LocalExecutor:
    """``n_workers`` processes on this machine, each rendering chunk after chunk."""

    def __init__(self, n_workers: int) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited threads or locks
        self.progress: multiprocessing.Queue = context.Queue()
        self.n_workers = n_workers
        self.closed = False
        # One encoder thread per worker when the workers fill the cores (0: the codec's choice).
        self.encoder_threads = max(1, cores() // n_workers) if n_workers > 1 else 0
        self.pool = ProcessPoolExecutor(
            n_workers, mp_context=context, initializer=worker.init_worker, initargs=(self.progress,)
        )
        # The pool starts workers on demand: start them all now, so their imports
        # overlap the first plan instead of delaying the chunks that follow it.
        for _ in range(n_workers):
            self._submit(worker.warm_up)

    def _submit(self, fn, *args) -> Future:
        """A task to the pool, which may spawn a worker for it (deaf to Ctrl-C from birth)."""
        with spawning_deaf_to_ctrl_c():
            return self.pool.submit(fn, *args)

    #: Missing states train on these workers, beside the scenes whose states are ready.
    trains_states = True

    def train(self, source: dict) -> Future:
        """Train one states file (a source as JSON) into the cache; the result is its seconds."""
        return self._submit(worker.train_task, source)

    def plan(self, spec: dict) -> Future:
        """Frames per play of the scene, and its background."""
        return self._submit(worker.plan_task, spec)

    def chunk(self, spec: dict, chunk: dict) -> Future:
        """Render one chunk into ``spec["work"]``; the result is its frame count."""
        return self._submit(worker.chunk_task, spec, chunk)

    #: Chunk 0 can start beside the plan: the workers share the scene's work folder.
    opens_chunks = True

    def open_chunk(self, spec: dict) -> Future:
        """Chunk 0 with no end yet; it stops where the plan, once written, leaves it its share."""
        return self._submit(worker.open_chunk_task, spec)

    def whole(self, spec: dict) -> Future:
        """The scene in one chunk with no plan; the result holds what the plan would."""
        return self._submit(worker.whole_task, spec)

    def messages(self, spec: dict) -> FileMessages:
        """The plan and the cut of ``spec``'s open chunk: files in its work folder."""
        return FileMessages(Path(spec["work"]))

    def finish(self, spec: dict, *args) -> Future:
        """Join the chunks, make the GIF and the stamp; the result is the stamp."""
        return self._submit(worker.finish_task, spec, *args)

    def drain(self, report: Callable[[tuple, int, int], None]) -> None:
        """Pass every progress event received so far to ``report(key, chunk, frames)``."""
        with contextlib.suppress(queue.Empty, OSError, ValueError):
            while True:
                report(*self.progress.get_nowait())

    def close(self, kill: bool = False) -> None:
        """Stop the workers (``kill``: at once, abandoning running chunks); once."""
        if self.closed:
            return
        self.closed = True
        if kill:
            stop_pool(self.pool)
        else:
            self.pool.shutdown(wait=True)
        self.progress.close()


class DaskMessages:
    """An open chunk's plan and cut, kept in the Dask scheduler's metadata under ``name``.

    The same four calls as :class:`rendering.draw.messages.FileMessages`, for
    workers that do not share the client's folder. Made by the client and sent
    with the task; on a worker it reaches the scheduler through the worker's
    own client. The chunk asks for the plan at most every ``every`` seconds.
    """

    ROOT = "bendspace-open-chunks"

    def __init__(self, name: str, client=None, every: float = 0.1) -> None:
        self.name, self.every, self.client = name, every, client
        self._asked = -float("inf")

    def __getstate__(self) -> dict:
        return {"name": self.name, "every": self.every}  # not the client: the worker has its own

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["name"], None, state["every"])

    def _client(self):
        if self.client is None:
            from distributed import get_client

            self.client = get_client()
        return self.client

    def _get(self, what: str) -> dict | None:
        text = self._client().get_metadata([self.ROOT, self.name, what], None)
        return json.loads(text) if text is not None else None

    def _set(self, what: str, message: dict) -> None:  # as JSON, as the files hold it
        self._client().set_metadata([self.ROOT, self.name, what], json.dumps(message))

    def tell_plan(self, message: dict) -> None:
        self._set("plan", message)

    def plan(self) -> dict | None:
        now = time.monotonic()
        if now - self._asked < self.every:
            return None
        self._asked = now
        return self._get("plan")

    def tell_cut(self, cut: dict) -> None:
        self._set("cut", cut)

    def cut(self) -> dict | None:
        return self._get("cut")

    def forget(self) -> None:
        self._client().set_metadata([self.ROOT, self.name], {})


def checked_files(files: object, spec: dict, chunk: dict | None) -> dict[str, bytes]:
    """A chunk's files as a worker sent them, once every name is one the chunk may write.

    A name is a plain base name among the chunk's own
    (:func:`rendering.outputs.segments.chunk_files`): a path such as ``/abs/x`` or
    ``../../x`` would make the client write outside the scene's work folder.

    Raises
    ------
    RenderError
        For anything else, naming the first bad entry; nothing is written.
    """
    from rendering.outputs.segments import chunk_files

    index = 0 if chunk is None or chunk.get("whole") else int(chunk["index"])
    formats = (chunk or {}).get("formats", spec["formats"])
    expected = {path.name for fmt, path in chunk_files(Path(), index).items() if fmt in formats}
    bad = [f"a {type(files).__name__}"] if not isinstance(files, dict) else [
        repr(name) for name, data in files.items()
        if name not in expected or not isinstance(data, bytes)
    ]  # fmt: skip
    if bad:
        raise RenderError(
            f"refused a file name from a Dask worker, {printable(bad[0], 80)}: chunk {index} of "
            f"{spec['name']} writes only {', '.join(sorted(expected))}; nothing written (is "
            "every machine of the cluster yours?)"
        )
    return files


class DaskExecutor:
    """The chunks on a Dask cluster at ``address`` (``tcp://HOST:PORT``) or a given client."""

    def __init__(self, address: str | None = None, client=None) -> None:
        try:
            from distributed import Client
        except ImportError as err:
            raise RenderError(
                "--scheduler needs dask and distributed: pip install -e '.[cluster]'"
            ) from err
        try:
            self.client = client if client is not None else Client(address, timeout="20s")
        except Exception as err:  # refused, timed out, TLS without certificates
            raise RenderError(
                f"--scheduler {printable(address, 200)}: cannot connect ({one_line(err)}); "
                "is the scheduler running, and for tls:// are the client's certificates "
                "configured (see the README)?"
            ) from None
        self.local = ThreadPoolExecutor(2)  # the client's own share: join and GIF
        self.n_workers = max(1, sum(self.client.nthreads().values()))
        self.encoder_threads = self._encoder_threads()
        self._ids = itertools.count()
        self._messages: dict[str, DaskMessages] = {}
        # Every worker imports manim now, while the first plan is on its way (not waited for).
        from distributed import fire_and_forget

        for address in self.client.nthreads():
            fire_and_forget(self.client.submit(
                worker.prepare_worker, workers=[address], pure=False,
                key=f"bendspace-prepare-{address}-{next(self._ids)}",
            ))  # fmt: skip

    def _encoder_threads(self) -> int:
        """Threads per encoder: a host's cores shared among the task slots of its workers."""
        from urllib.parse import urlparse

        try:
            host_cores = self.client.run(cores)  # worker address -> its cores
        except Exception:
            return 0
        slots: dict[str | None, int] = {}
        for address, threads in self.client.nthreads().items():
            host = urlparse(address).hostname
            slots[host] = slots.get(host, 0) + threads
        shares = [
            max(1, n // slots.get(urlparse(address).hostname, 1))
            for address, n in host_cores.items()
        ]
        return min(shares, default=0)

    def _key(self, what: str, spec: dict) -> str:
        return f"bendspace-{what}-{spec['name']}-{spec['theme']}-{next(self._ids)}-{spec['hash']}"

    #: States train on the client before the chunks go out (see ``rendering.batch``).
    trains_states = False

    #: Chunk 0 starts beside the plan; the plan and the cut go through the scheduler.
    opens_chunks = True

    def messages(self, spec: dict) -> DaskMessages:
        """The plan and the cut of ``spec``'s open chunk, in the scheduler's metadata."""
        name = spec["work"]  # the client's pid and the scene: unique among the clients
        if name not in self._messages:
            self._messages[name] = DaskMessages(name, self.client)
        return self._messages[name]

    def plan(self, spec: dict):
        """Frames per play, computed on a worker (which checks its checkout first)."""
        return self.client.submit(
            worker.checked_plan_task, spec, key=self._key("plan", spec), pure=False
        )

    def chunk(self, spec: dict, chunk: dict) -> Future:
        """Render a chunk on a worker; its bytes are written here, atomically, when it is back."""
        return self._stored(spec, chunk, None)

    def open_chunk(self, spec: dict) -> Future:
        """Chunk 0 with no end yet, on a worker; it stops where the plan leaves it its share."""
        return self._stored(spec, None, self.messages(spec))

    def whole(self, spec: dict) -> Future:
        """The scene in one chunk with no plan, on a worker; its bytes are written here."""
        return self._stored(spec, {"whole": True}, None)

    def _stored(self, spec: dict, chunk: dict | None, messages) -> Future:
        what = "open-chunk" if chunk is None else "whole" if chunk.get("whole") else "chunk"
        remote = self.client.submit(
            worker.chunk_bytes_task, spec, chunk, messages, key=self._key(what, spec), pure=False
        )
        done: Future = Future()

        def store(future) -> None:
            try:
                back = future.result()
                files = checked_files(back["files"], spec, chunk)
                for name, data in files.items():
                    write_atomic(
                        Path(spec["work"]) / name, lambda tmp, data=data: tmp.write_bytes(data)
                    )
                done.set_result(back["result"])
            except BaseException as err:
                done.set_exception(err)

        remote.add_done_callback(store)
        done.remote = remote  # keeps the Dask future (and its task) alive
        return done

    def finish(self, spec: dict, *args) -> Future:
        """Join, GIF and stamp on the client, which owns the output folder."""
        return self.local.submit(worker.finish_task, spec, *args)

    def drain(self, report: Callable[[tuple, int, int], None]) -> None:
        """Dask reports no frames within a chunk: progress moves chunk by chunk."""

    def close(self, kill: bool = False) -> None:
        """Cancel what is left and disconnect (the cluster keeps running)."""
        self.local.shutdown(wait=not kill, cancel_futures=kill)
        with contextlib.suppress(Exception):
            for messages in self._messages.values():
                messages.forget()
            self.client.close()


def make_executor(n_jobs: int, scheduler: str | None = None):
    """The local pool of ``n_jobs`` processes, or the Dask cluster at ``scheduler``."""
    return DaskExecutor(scheduler) if scheduler else LocalExecutor(n_jobs)
