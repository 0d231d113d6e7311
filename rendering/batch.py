"""The batch: skip what is up to date, train and render on the workers, report.

:func:`render_jobs` is the whole batch as both commands run it (``render.py``
and ``render.py custom``); :func:`run_batch` its render step, which the film
runs too. The steps before are :mod:`rendering.plan.jobs` (hash, skip) and
:mod:`rendering.run.training` (states); the order of the tasks on the workers
is :mod:`rendering.run.driver`'s.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from model.text import markup_safe
from rendering.errors import display
from rendering.outputs.interactive import write_interactive_pages
from rendering.outputs.page import write_gallery
from rendering.plan.jobs import Job, plan_job, plan_jobs
from rendering.plan.options import RenderOptions
from rendering.plan.registry import SceneEntry
from rendering.plan.stamps import clean_stale_temporaries, output_folder
from rendering.run.driver import Driver, Executor
from rendering.run.executors import make_executor
from rendering.run.training import missing_states, train_states

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["BatchRequest", "BatchResult", "print_table", "render_jobs", "run_batch"]


@dataclass
class BatchRequest:
    """A batch: which jobs, into which folder, in which formats and options, on what workers.

    ``out``: the outputs go into ``out/<theme>[/<quality>]/``, the gallery pages beside
    ``out``. ``n_jobs`` local processes, or the Dask cluster at ``scheduler``, or
    ``executor``: workers already started (closed by the batch like its own).
    ``chunks_per_scene``: None lets the batch choose (``Driver.chunks_for_next``).
    ``force`` renders what is up to date again; ``order`` ranks the scenes on the pages.
    """

    jobs: list[Job]
    out: Path
    formats: Sequence[str]
    options: RenderOptions
    n_jobs: int = 1
    force: bool = False
    order: Sequence[SceneEntry] = ()
    scheduler: str | None = None
    chunks_per_scene: int | None = None
    executor: Executor | None = None


def run_batch(request: BatchRequest, console: Console) -> None:
    """Run the request's pending jobs as chunks on its executor, local processes or Dask.

    Missing states train first on the same workers, and a scene starts as soon
    as its own states are there (on a Dask cluster they train here first); such
    a job is hashed then (:func:`rendering.plan.jobs.plan_job`). Every scene is
    cut into ``request.chunks_per_scene`` chunks of roughly equal cost
    (:mod:`rendering.plan.cuts`); by default one per worker for a lone scene and for
    the last scenes of a batch, the others whole (``Driver.chunks_for_next``).
    A progress bar per scene fills with its frames done out of its frames planned.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    out, formats, options, force = request.out, request.formats, request.options, request.force
    pending = [job for job in request.jobs if job.status == "pending"]
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
    executor = request.executor or make_executor(request.n_jobs, request.scheduler)
    n_chunks = request.chunks_per_scene or executor.n_workers
    fixed = request.chunks_per_scene is not None or len(pending) == 1
    killed = True
    with progress:
        overall = progress.add_task("all scenes", total=len(pending), count=f"0/{len(pending)}")
        try:
            if not executor.trains_states:  # the cluster's workers have no states folder here
                train_states(pending, console, request.n_jobs)
            training = missing_states(pending)
            prepare = partial(plan_job, out=out, formats=formats, options=options, force=force)
            driver = Driver(pending, out, formats, options, executor, n_chunks, progress, fixed,
                            training=training, prepare=prepare, console=console)  # fmt: skip
            finished = 0
            while finished < len(pending):
                time.sleep(0.1)
                for job in driver.step():
                    finished += 1
                    progress.update(overall, advance=1, count=f"{finished}/{len(pending)}")
                    if job.key in driver.tasks:
                        progress.remove_task(driver.tasks[job.key])
                    if not console.is_terminal:
                        what = {"done": "done", "skipped": "up to date"}.get(job.status)
                        what = what or f"FAILED: {job.reason}"
                        line = f"{job.label}: {what} ({job.seconds:.1f} s)"
                        console.print(markup_safe(line, 600))
            killed = False
        except KeyboardInterrupt:
            for job in pending:
                if job.status == "pending":
                    job.status, job.reason = "interrupted", ""
            raise
        finally:
            executor.close(kill=killed)
            if killed:  # the workers are stopped: what they and this process left is stale
                clean_stale_temporaries(out, abandoned=os.getpid())


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


def print_table(
    jobs: list[Job], out: Path, console: Console, options: RenderOptions | None = None
) -> None:
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
        cells = (job.entry.name, job.theme, ", ".join(files), duration, taken, status)
        table.add_row(*(markup_safe(cell, 600) for cell in cells))  # a reason is not markup
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


def render_jobs(request: BatchRequest, console: Console) -> BatchResult:
    """The whole batch into ``out/<theme>[/<quality>]/``: train, skip, render, pages, table.

    Scenes are cut into chunks run on ``n_jobs`` local processes (or on
    ``executor``'s, started earlier), or on the Dask cluster at ``scheduler``
    (see :func:`run_batch`); ``html`` pages are made from the states here.

    Stale temporaries of dead runs are removed first; Ctrl-C (or SIGTERM, see
    :func:`rendering.run.process.interrupt_on_sigterm`) stops the workers, removes
    their temporaries and still writes the pages. ``order`` ranks the scenes on
    the gallery pages (written beside ``out``).
    """
    out = Path(request.out).resolve()
    jobs, options, force = request.jobs, request.options, request.force
    clean_stale_temporaries(out)
    interrupted = False
    pages = "html" in request.formats
    videos = [fmt for fmt in request.formats if fmt != "html"]
    try:
        if videos:  # missing states train on the render's own workers
            plan_jobs(jobs, out, videos, options, force)
            run_batch(replace(request, out=out, formats=videos), console)
        else:
            train_states(jobs, console, request.n_jobs)
        if pages:  # the interactive pages: made here from the states, no video needed
            write_interactive_pages(jobs, out, console, force)
    except KeyboardInterrupt:
        interrupted = True
    page, markdown = write_gallery(
        out,
        request.order,
        warn=lambda line: console.print(markup_safe(line, 600), highlight=False),
    )
    print_table(jobs, out, console, options)
    return BatchResult(jobs, page, markdown, interrupted)
