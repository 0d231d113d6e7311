"""The batch: train the states once, skip what is up to date, run the workers, report.

:func:`render_jobs` is the whole batch as both commands run it (``render.py``
and ``render.py custom``); its steps are public for callers that want only one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from model.sources import StatesSource
from rendering.interactive import write_interactive_pages
from rendering.messages import display, one_line
from rendering.options import RenderOptions
from rendering.page import write_gallery
from rendering.registry import REPO_ROOT, SceneEntry
from rendering.stamps import (
    clean_stale_temporaries,
    job_hash,
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
    progress: float = 0.0  # animation seconds rendered so far
    process: subprocess.Popen | None = None

    @property
    def label(self) -> str:
        """``Scene (theme)``, as the progress display and the log lines show it."""
        return f"{self.entry.name} ({self.theme})"


def train_states(jobs: list[Job], console) -> None:
    """Train every distinct missing states file once, before any render starts.

    A job whose states cannot be made fails with one line; the others go on.
    """
    needed: dict[StatesSource, list[Job]] = {}
    for job in jobs:
        for source in job.entry.states_sources:
            needed.setdefault(source, []).append(job)
    for source, users in needed.items():
        try:
            if source.is_ready():
                continue
            console.print(f"training states {source.path().name} (once, for {len(users)} jobs)")
            source.load(progress=False)
        except Exception as err:
            for job in users:
                job.status, job.reason = "failed", f"states {source.describe()}: {one_line(err)}"


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
        stamp = read_stamp(stamp_path(out, job.theme, job.entry.name))
        if not force and up_to_date(stamp, job.digest, formats, out / job.theme):
            job.status, job.stamp = "skipped", stamp


def _run_worker(job: Job, spec: dict, log_dir: Path) -> None:
    start = time.perf_counter()
    stderr_path = log_dir / f".{job.entry.name}-{job.theme}.log.tmp-{os.getpid()}"
    cmd = [sys.executable, "-m", "rendering.worker", json.dumps(spec)]
    env = os.environ | {"BENDSPACE_THEME": job.theme, "PYTHONUNBUFFERED": "1"}
    # The worker's stderr, kept only until the job ends: its name carries this
    # process's pid, so after a kill -9 the next batch's stale cleanup removes it.
    try:
        with open(stderr_path, "w+") as stderr:
            job.process = subprocess.Popen(
                cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
            )
            reason = ""
            for line in job.process.stdout:
                try:
                    event = json.loads(line)
                    kind = event["event"]
                except (ValueError, TypeError, KeyError):
                    continue  # a scene's own print, not one of the worker's events
                if kind == "frames":
                    job.progress = event["seconds"]
                elif kind == "stage":
                    job.stage = event["name"]
                elif kind == "error":
                    reason = event["reason"]
                elif kind == "done":
                    job.stamp = event["stamp"]
            code = job.process.wait()
            if code == 0 and job.stamp:
                job.status = "done"
            else:
                stderr.seek(0)
                tail = [ln.strip() for ln in stderr.read().splitlines() if ln.strip()]
                if not reason and code < 0:
                    reason = f"killed by signal {-code}"
                job.status, job.reason = "failed", reason or (tail[-1] if tail else f"exit {code}")
    except Exception as err:  # a failure here must not leave the log file, nor the thread hang
        job.status, job.reason = "failed", one_line(err)
        if job.process and job.process.poll() is None:
            job.process.kill()
    finally:
        stderr_path.unlink(missing_ok=True)
    job.seconds = time.perf_counter() - start


def run_batch(
    jobs: list[Job], out: Path, formats: Sequence[str], options: RenderOptions, n_jobs: int, console
) -> None:
    """Run the pending jobs, ``n_jobs`` worker processes at a time, with a progress display."""
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
    queue = list(pending)
    running: dict[threading.Thread, tuple[Job, int]] = {}
    with progress:
        overall = progress.add_task("all scenes", total=len(pending), count=f"0/{len(pending)}")
        try:
            while queue or running:
                while queue and len(running) < n_jobs:
                    job = queue.pop(0)
                    folder = out / job.theme
                    folder.mkdir(parents=True, exist_ok=True)
                    spec = job_spec(
                        job.entry, job.theme, folder, list(formats), options, job.digest
                    )
                    thread = threading.Thread(target=_run_worker, args=(job, spec, folder))
                    thread.start()
                    running[thread] = (job, progress.add_task(job.label, total=None, count=""))
                time.sleep(0.1)
                for thread, (job, task) in list(running.items()):
                    progress.update(
                        task,
                        description=f"{job.label}: {job.stage} ({job.progress:.1f} s of animation)",
                    )
                    if not thread.is_alive():
                        thread.join()
                        del running[thread]
                        progress.remove_task(task)
                        progress.advance(overall)
                        finished = len(pending) - len(queue) - len(running)
                        progress.update(overall, count=f"{finished}/{len(pending)}")
                        if not console.is_terminal:
                            what = "done" if job.status == "done" else f"FAILED: {job.reason}"
                            console.print(f"{job.label}: {what} ({job.seconds:.1f} s)")
        except KeyboardInterrupt:
            for job, _ in running.values():
                if job.process and job.process.poll() is None:
                    job.process.terminate()
            for thread, (job, _) in running.items():
                thread.join()
                job.status, job.reason = "interrupted", ""
            clean_stale_temporaries(out)
            raise


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


def print_table(jobs: list[Job], out: Path, console) -> None:
    """The closing table: scene, files, sizes, duration, time taken, status."""
    from rich.table import Table

    table = Table(title=f"bendspace render -> {display(out)}")
    for column in ("scene", "theme", "files", "duration", "time", "status"):
        table.add_column(column)
    for job in jobs:
        stamp = job.stamp or {}
        files = []
        for fmt, file in stamp.get("outputs", {}).items():
            path = out / job.theme / file
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
) -> BatchResult:
    """The whole batch into ``out/<theme>/``: train, skip, render, then pages and table.

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
        train_states(jobs, console)
        if formats:
            plan_jobs(jobs, out, formats, options, force)
            run_batch(jobs, out, formats, options, n_jobs, console)
        if pages:  # the interactive pages: made here from the states, no video needed
            write_interactive_pages(jobs, out, console, force)
    except KeyboardInterrupt:
        interrupted = True
    page, markdown = write_gallery(out, order)
    print_table(jobs, out, console)
    return BatchResult(jobs, page, markdown, interrupted)
