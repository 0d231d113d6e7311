"""The batch: train the states once, skip what is up to date, run the workers, report.

:func:`render_jobs` is the whole batch as both commands run it (``render.py``
and ``render.py custom``); its steps are public for callers that want only one.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model.sources import StatesSource, source_from_json, source_to_json
from rendering import chunks
from rendering.chunks import split_chunks
from rendering.executors import make_executor
from rendering.interactive import write_interactive_pages
from rendering.messages import display, one_line
from rendering.options import RenderOptions
from rendering.page import write_gallery
from rendering.process import stop_pool
from rendering.registry import SceneEntry
from rendering.stamps import (
    clean_stale_temporaries,
    job_hash,
    output_folder,
    read_stamp,
    stamp_path,
    up_to_date,
)
from rendering.worker import job_spec

__all__ = [
    "BatchResult",
    "Job",
    "plan_jobs",
    "print_table",
    "render_jobs",
    "run_batch",
    "train_states",
]


@dataclass
class Job:
    """One scene in one theme, and what became of it."""

    entry: SceneEntry
    theme: str
    digest: str = ""
    status: str = "pending"  # pending | skipped | done | failed | interrupted
    reason: str = ""
    stamp: dict = field(default_factory=dict)
    seconds: float = 0.0
    stage: str = "waiting"
    frames: int = 0  # planned: the progress bar's total
    chunks: list = field(default_factory=list)
    pending_chunks: int = 0
    poster: int = 0
    background: str = ""
    start: float = 0.0
    known_plan: tuple | None = None  # (frames per play, background, still) from an earlier render
    opened: bool = False  # chunk 0 started beside the plan (see rendering.chunks)
    plays: list = field(default_factory=list)  # frames per play, once planned
    n_chunks: int = 1  # chosen when the scene starts (see _Driver.chunks_for_next)
    still: list = field(default_factory=list)  # per play: still (drawn once), once planned

    @property
    def key(self) -> tuple[str, str]:
        """(scene, theme): a job's identity within a batch."""
        return (self.entry.name, self.theme)

    @property
    def label(self) -> str:
        """``Scene (theme)``, as the progress display and the log lines show it."""
        return f"{self.entry.name} ({self.theme})"


def _init_trainer() -> None:
    from rendering.process import die_with_parent, worker_signals

    die_with_parent()
    worker_signals()


def _train_one(data: dict) -> float:
    """Train one states file (a source as JSON) in a worker process; returns its seconds."""
    start = time.perf_counter()
    source_from_json(data).load(progress=False)
    return time.perf_counter() - start


def train_states(jobs: list[Job], console, n_jobs: int = 1) -> None:
    """Train every distinct missing states file once, before any render starts.

    Each file trains on one core (``model.train``), so ``n_jobs`` processes
    train ``n_jobs`` files at a time. A job whose states cannot be made fails
    with one line; the others go on.
    """
    needed: dict[StatesSource, list[Job]] = {}
    for job in jobs:
        for source in job.entry.states_sources:
            needed.setdefault(source, []).append(job)
    missing: dict[StatesSource, list[Job]] = {}
    for source, users in needed.items():
        try:
            if not source.is_ready():
                missing[source] = users
        except Exception as err:
            _fail(users, source, err)
    if n_jobs > 1 and len(missing) > 1:
        _train_in_parallel(missing, console, n_jobs)
        return
    for source, users in missing.items():
        console.print(f"training states {source.path().name} (once, for {len(users)} jobs)")
        try:
            source.load(progress=False)
        except Exception as err:
            _fail(users, source, err)


def _fail(users: list[Job], source: StatesSource, err: BaseException) -> None:
    for job in users:
        job.status, job.reason = "failed", f"states {source.describe()}: {one_line(err)}"


def _train_in_parallel(missing: dict[StatesSource, list[Job]], console, n_jobs: int) -> None:
    """``missing`` trained on ``n_jobs`` processes; Ctrl-C stops them (each file is written
    whole or not at all)."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        min(n_jobs, len(missing)), mp_context=context, initializer=_init_trainer
    )
    futures = {}
    try:
        for source, users in missing.items():
            try:
                data = source_to_json(source)
            except TypeError as err:  # a source only this process knows
                _fail(users, source, err)
                continue
            console.print(f"training states {source.path().name} (once, for {len(users)} jobs)")
            futures[pool.submit(_train_one, data)] = source
        for future in as_completed(futures):
            source = futures[future]
            try:
                console.print(f"trained {source.path().name} in {future.result():.1f} s")
            except Exception as err:
                _fail(missing[source], source, err)
        pool.shutdown()
    except BaseException:
        stop_pool(pool)
        raise


def plan_jobs(
    jobs: list[Job],
    out: Path,
    formats: Sequence[str],
    options: RenderOptions,
    force: bool = False,
) -> None:
    """Hash every job and mark those whose outputs are up to date as skipped."""
    for job in jobs:
        if job.status == "failed":
            continue
        job.digest = job_hash(job.entry, job.theme, options)
        stamp = read_stamp(stamp_path(out, job.theme, job.entry.name, options))
        folder = output_folder(out, job.theme, options)
        if not force and up_to_date(stamp, job.digest, formats, folder):
            job.status, job.stamp = "skipped", stamp
        elif stamp and stamp.get("hash") == job.digest and stamp.get("plays"):
            job.known_plan = (stamp["plays"], stamp["background"], stamp.get("still", []))


def _chunk_specs(frames: list[int], ranges: list, poster: int) -> list[dict]:
    """The chunk of each ``[start, end)`` range of plays, in order, with its first frame."""
    total = sum(frames)
    chunks, first = [], 0
    for index, (start, end) in enumerate(ranges):
        expected = sum(frames[start:end])
        chunks.append(
            {"index": index, "plays": [start, end], "first": first, "frames": total,
             "poster": poster, "expected": expected}
        )  # fmt: skip
        first += expected
    return chunks


class _Driver:
    """Runs the pending jobs as plan -> chunks -> finish tasks on one executor."""

    def __init__(self, jobs, out, formats, options, executor, n_chunks, progress, fixed=True):
        self.jobs, self.executor, self.progress = jobs, executor, progress
        self.formats, self.options, self.n_chunks = list(formats), options, n_chunks
        self.fixed = fixed  # every scene in n_chunks chunks, else see chunks_for_next
        self.out = out
        self.specs = {}
        self.futures: dict = {}  # future -> (job, what)
        self.done: dict[tuple, dict[int, int]] = {}
        self.tasks: dict[tuple, int] = {}
        # A few scenes at a time, not all planned at once: scenes then finish one
        # after another (an interrupted batch keeps them) and the pool stays busy.
        self.waiting = list(jobs)
        self.started: list[Job] = []
        self.room = executor.n_workers + 1
        self._start_more()

    def _start_more(self) -> None:
        while self.waiting and sum(job.status == "pending" for job in self.started) < self.room:
            self._start(self.waiting.pop(0))

    def chunks_for_next(self) -> int:
        """Chunks for the scene starting now: one while enough scenes wait to fill the workers.

        A chunk costs its process the scene's set-up again (states, texts, the
        plays before it, skipped), so a batch runs whole scenes side by side
        and cuts only its last ones, which would otherwise leave workers idle.
        """
        if self.fixed or len(self.waiting) < self.executor.n_workers:
            return self.n_chunks
        return 1

    def _start(self, job: Job) -> None:
        job.n_chunks = self.chunks_for_next()
        output_folder(self.out, job.theme, self.options).mkdir(parents=True, exist_ok=True)
        spec = job_spec(job.entry, job.theme, self.out, self.formats, self.options, job.digest)
        spec["encoder_threads"] = self.executor.encoder_threads
        self.specs[job.key] = spec
        job.stage, job.start = "planning", time.perf_counter()
        seconds = self.options.poster_seconds(job.entry.poster_time)
        if job.known_plan:
            known: Future = Future()
            known.set_result(job.known_plan)
            self.futures[known] = (job, "plan")
        elif job.n_chunks == 1 and seconds is not None and seconds < 0:
            # One chunk needs no cut, and a poster timed from the end can be kept as the
            # scene ends: the scene is drawn at once and counts its own frames.
            job.stage = "drawing and encoding"
            self.futures[self.executor.whole(spec)] = (job, "whole")
        else:
            self.futures[self.executor.plan(spec)] = (job, "plan")
            # Chunk 0 need not wait for the plan: it starts now, on another worker, and
            # stops where the plan leaves it its share (submitted after the plan, so a
            # worker is never left waiting for a plan that has not started).
            if self.executor.n_workers > 1 and self.executor.opens_chunks:
                job.opened = True
                self.futures[self.executor.open_chunk(spec)] = (job, "open")
        self.tasks[job.key] = self.progress.add_task(job.label, total=None, count="")
        self.started.append(job)

    def report(self, key: tuple, index: int, frames: int) -> None:
        if index >= 0:  # not the poster-only chunk
            self.done.setdefault(key, {})[index] = frames

    def _tell_open_chunk(self, spec: dict, message: dict) -> None:
        self.executor.messages(spec).tell_plan(message)

    def _submit_chunks(self, job: Job, spec: dict, ranges: list, running: int = 0) -> None:
        """Make the chunks of ``ranges`` and submit all but the first ``running`` (started)."""
        job.chunks = _chunk_specs(job.plays, ranges, job.poster)
        job.stage = f"drawing and encoding in {len(job.chunks)} chunks"
        job.pending_chunks = len(job.chunks)
        for chunk in job.chunks[running:]:
            self.futures[self.executor.chunk(spec, chunk)] = (job, f"chunk {chunk['index']}")

    def _cut(self, job: Job) -> None:
        """Once chunk 0 has said where it stops, cut the rest of the scene and submit it."""
        if job.chunks:
            return
        spec = self.specs[job.key]
        cut = self.executor.messages(spec).cut()
        if cut is None:
            return
        end, frames = int(cut["end"]), job.plays
        ranges = [(0, end)]
        if end < len(frames):
            rest = split_chunks(frames[end:], job.n_chunks - 1, job.still[end:])
            ranges += [(end + start, end + stop) for start, stop in rest]
        self._submit_chunks(job, spec, ranges, running=1)
        if cut.get("poster_missed"):  # drawn before it was known
            self._submit_poster(job, spec)

    def _submit_poster(self, job: Job, spec: dict) -> None:
        """Draw the poster's play again, for the PNG alone (when the chunk could not keep it)."""
        if "png" not in self.formats:
            return
        frames = job.plays
        play = int(np.searchsorted(np.cumsum(frames), job.poster, side="right"))
        poster = {"index": -1, "plays": [play, play + 1], "first": sum(frames[:play]),
                  "frames": job.frames, "poster": job.poster, "expected": frames[play],
                  "formats": ["png"]}  # fmt: skip
        job.pending_chunks += 1
        self.futures[self.executor.chunk(spec, poster)] = (job, "poster")

    def _planned(self, job: Job, spec: dict, frames, background: str, still) -> None:
        """What the plan (or a whole scene's own count) says: frames per play, background."""
        job.background, job.still = background, list(still)
        spec["plays"] = list(frames)  # kept in the stamp: a re-render skips the plan
        spec["still"] = list(job.still)
        job.plays, job.frames = list(frames), sum(frames)

    def _finish(self, job: Job, spec: dict) -> None:
        job.stage = "joining the chunks" + (", GIF" if "gif" in self.formats else "")
        self.done[job.key] = {c["index"]: c["expected"] for c in job.chunks}
        seconds = time.perf_counter() - job.start
        args = (len(job.chunks), job.frames, job.poster, job.background, seconds)
        self.futures[self.executor.finish(spec, *args)] = (job, "finish")

    def step(self) -> list[Job]:
        """Collect finished tasks, submit what follows; returns the jobs that ended."""
        ended = []
        for future in [f for f in self.futures if f.done()]:
            job, what = self.futures.pop(future)
            if job.status != "pending":
                continue
            try:
                result = future.result()
            except BaseException as err:
                job.status, job.reason = "failed", one_line(err)
                if job.opened and what == "plan":  # chunk 0 must not wait for it
                    self._tell_open_chunk(self.specs[job.key], {"failed": True})
                ended.append(job)
                continue
            spec = self.specs[job.key]
            if what == "whole":
                self._planned(job, spec, result["frames"], result["background"], result["still"])
                job.poster = int(result["poster"])
                job.chunks = _chunk_specs(job.plays, [(0, len(job.plays))], job.poster)
                job.pending_chunks = 0
                if result["poster_missed"]:
                    self._submit_poster(job, spec)
                if job.pending_chunks == 0:
                    self._finish(job, spec)
            elif what == "plan":
                self._planned(job, spec, *result)
                frames = job.plays
                poster = chunks.poster_index_for(job.frames, self.options, job.entry.poster_time)
                job.poster = poster
                if job.opened:  # chunk 0 is drawing: tell it the plan, cut the rest when it says
                    message = {"frames": job.plays, "poster": poster, "chunks": job.n_chunks,
                               "still": job.still}  # fmt: skip
                    self._tell_open_chunk(spec, message)
                    job.stage = "drawing; cutting the rest"
                    continue
                self._submit_chunks(job, spec, split_chunks(frames, job.n_chunks, job.still))
            elif what in ("open", "poster") or what.startswith("chunk"):
                if what == "open":
                    self._cut(job)  # if the cut was not seen yet (a short scene)
                    index = 0
                else:
                    index = int(what.split()[1]) if what != "poster" else -1
                if index >= 0:  # done: its frames count in full (Dask sends no more)
                    self.done.setdefault(job.key, {})[index] = job.chunks[index]["expected"]
                job.pending_chunks -= 1
                if job.pending_chunks == 0:
                    self._finish(job, spec)
            else:
                job.stamp, job.status = result, "done"
                ended.append(job)
        self.executor.drain(self.report)
        for job in self.started:
            if job.status == "pending" and job.opened and job.plays and not job.chunks:
                self._cut(job)
        for job in self.started:
            if job.status != "pending":
                continue
            done = sum(self.done.get(job.key, {}).values())
            total = job.frames or None
            self.progress.update(
                self.tasks[job.key],
                total=total,
                completed=done,
                description=f"{job.label}: {job.stage}",
                count=f"{done}/{job.frames} frames" if job.frames else f"{done} frames",
            )
        for job in ended:
            job.seconds = time.perf_counter() - job.start
            shutil.rmtree(self.specs[job.key]["work"], ignore_errors=True)
        self._start_more()
        return ended


def run_batch(
    jobs: list[Job],
    out: Path,
    formats: Sequence[str],
    options: RenderOptions,
    n_jobs: int,
    console,
    *,
    scheduler: str | None = None,
    chunks_per_scene: int | None = None,
) -> None:
    """Run the pending jobs as chunks on ``n_jobs`` local processes or a Dask cluster.

    Every scene is cut into ``chunks_per_scene`` chunks of roughly equal cost
    (:mod:`rendering.cuts`); by default one per worker for a lone scene and for
    the last scenes of a batch, the others whole (``_Driver.chunks_for_next``).
    A progress bar per scene fills with its frames done out of its frames planned.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    pending = [job for job in jobs if job.status == "pending"]
    if not pending:
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )
    executor = make_executor(n_jobs, scheduler)
    n_chunks = chunks_per_scene or executor.n_workers
    fixed = chunks_per_scene is not None or len(pending) == 1
    killed = True
    with progress:
        overall = progress.add_task("all scenes", total=len(pending), count=f"0/{len(pending)}")
        try:
            driver = _Driver(pending, out, formats, options, executor, n_chunks, progress, fixed)
            finished = 0
            while finished < len(pending):
                time.sleep(0.1)
                for job in driver.step():
                    finished += 1
                    progress.update(overall, advance=1, count=f"{finished}/{len(pending)}")
                    progress.remove_task(driver.tasks[job.key])
                    if not console.is_terminal:
                        what = "done" if job.status == "done" else f"FAILED: {job.reason}"
                        console.print(f"{job.label}: {what} ({job.seconds:.1f} s)")
            killed = False
        except KeyboardInterrupt:
            for job in pending:
                if job.status == "pending":
                    job.status, job.reason = "interrupted", ""
            raise
        finally:
            executor.close(kill=killed)
            if killed:
                for job in pending:
                    folder = output_folder(out, job.theme, options)
                    for work in folder.glob(f".{job.entry.name}.work.tmp-{os.getpid()}"):
                        shutil.rmtree(work, ignore_errors=True)
                clean_stale_temporaries(out)


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


def print_table(jobs: list[Job], out: Path, console, options: RenderOptions | None = None) -> None:
    """The closing table: scene, files, sizes, duration, time taken, status."""
    from rich.table import Table

    table = Table(title=f"bendspace render -> {display(out)}")
    for column in ("scene", "theme", "files", "duration", "time", "status"):
        table.add_column(column)
    for job in jobs:
        stamp = job.stamp or {}
        files = []
        for fmt, file in stamp.get("outputs", {}).items():
            path = output_folder(out, job.theme, options) / file
            if path.is_file():
                files.append(f"{fmt} {_size(path.stat().st_size)}")
        status = {
            "done": "rendered",
            "skipped": "up to date",
            "interrupted": "interrupted",
            "pending": "not started",
        }.get(job.status, "")
        if job.status == "failed":
            status = f"FAILED: {job.reason}"
        duration = f"{stamp['duration']:.1f} s" if "duration" in stamp else ""
        taken = f"{job.seconds:.1f} s" if job.status == "done" else ""
        table.add_row(job.entry.name, job.theme, ", ".join(files), duration, taken, status)
    console.print(table)


@dataclass
class BatchResult:
    """What a batch did: its jobs (with their status), the gallery pages, an interruption."""

    jobs: list[Job]
    page: Path
    markdown: Path
    interrupted: bool = False

    @property
    def failed(self) -> list[Job]:
        """The jobs that failed."""
        return [job for job in self.jobs if job.status == "failed"]


def render_jobs(
    jobs: list[Job],
    out: Path,
    formats: Sequence[str],
    options: RenderOptions,
    n_jobs: int,
    console,
    *,
    force: bool = False,
    order: Sequence[SceneEntry] = (),
    scheduler: str | None = None,
    chunks_per_scene: int | None = None,
) -> BatchResult:
    """The whole batch into ``out/<theme>[/<quality>]/``: train, skip, render, pages, table.

    Scenes are cut into chunks run on ``n_jobs`` local processes, or on the
    Dask cluster at ``scheduler`` (see :func:`run_batch`).

    Stale temporaries of dead runs are removed first; Ctrl-C (or SIGTERM, see
    :func:`rendering.process.interrupt_on_sigterm`) stops the workers, removes
    their temporaries and still writes the pages. ``order`` ranks the scenes on
    the gallery pages (written beside ``out``).
    """
    out = Path(out).resolve()
    clean_stale_temporaries(out)
    interrupted = False
    pages, formats = "html" in formats, [fmt for fmt in formats if fmt != "html"]
    try:
        train_states(jobs, console, n_jobs)
        if formats:
            plan_jobs(jobs, out, formats, options, force)
            run_batch(
                jobs, out, formats, options, n_jobs, console,
                scheduler=scheduler, chunks_per_scene=chunks_per_scene,
            )  # fmt: skip
        if pages:  # the interactive pages: made here from the states, no video needed
            write_interactive_pages(jobs, out, console, force)
    except KeyboardInterrupt:
        interrupted = True
    page, markdown = write_gallery(out, order)
    print_table(jobs, out, console, options)
    return BatchResult(jobs, page, markdown, interrupted)
