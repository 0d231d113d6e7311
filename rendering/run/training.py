"""Training states: the files a batch's scenes need that are not made yet, each trained once.

:func:`missing_states` finds them, with the jobs that wait for each. On the
local pool they train on the render's own workers, beside the scenes whose
states are ready (:class:`StatesTraining`, driven by
:class:`rendering.run.driver.Driver`); before a Dask batch, or with no video
to render, :func:`train_states` trains them here first, on a pool of their own.
Each file trains on one core (``model.train``); a job whose states cannot be
made fails with one line (:func:`fail_users`), and the others go on.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed

from model.sources import StatesSource, source_from_json, source_to_json
from model.text import markup_safe
from rendering.errors import one_line
from rendering.plan.jobs import Job
from rendering.run.process import spawning_deaf_to_ctrl_c, stop_pool

__all__ = [
    "StatesTraining",
    "fail_users",
    "missing_states",
    "train_states",
    "train_task",
    "training_line",
]


def missing_states(jobs: list[Job]) -> dict[StatesSource, list[Job]]:
    """The states files the pending jobs need that are not made yet, each with its jobs.

    In the order of the first job that needs each. A job whose states cannot even be
    named (``$STATES`` unset, a bad preset) fails here with one line.
    """
    needed: dict[StatesSource, list[Job]] = {}
    for job in jobs:
        if job.status == "pending":
            for source in job.entry.states_sources:
                needed.setdefault(source, []).append(job)
    missing: dict[StatesSource, list[Job]] = {}
    for source, users in needed.items():
        try:
            if not source.is_ready():
                missing[source] = users
        except Exception as err:
            fail_users(users, source, err)
    return missing


class StatesTraining:
    """The states files a batch still has to make, trained on its executor's workers.

    In the order of the first scene that shows each; at most one per worker at a
    time, so that the scenes whose states are ready start between them.
    """

    def __init__(self, missing: dict, executor, progress, say: Callable[[str], None]) -> None:
        self.untrained: dict[StatesSource, list] = dict(missing)
        self.queue = list(self.untrained)
        self.running: dict[Future, tuple[StatesSource, int]] = {}  # -> (source, progress task)
        self.executor, self.progress, self.say = executor, progress, say

    def ready(self, job: Job) -> bool:
        """True once every states file ``job`` shows is made (or has failed)."""
        return not any(source in self.untrained for source in job.entry.states_sources)

    def submit(self) -> list[Job]:
        """Send files to train while workers are free of them; returns jobs failed here."""
        failed = []
        while self.queue and len(self.running) < self.executor.n_workers:
            source = self.queue.pop(0)
            try:
                data = source_to_json(source)
            except TypeError as err:  # a source only this process knows
                failed += self._made(source, err)
                continue
            self.say(training_line(source, self.untrained[source]))
            name = source.path().name
            task = self.progress.add_task(f"training states {name}", total=None, count="")
            self.running[self.executor.train(data)] = (source, task)
        return failed

    def collect(self) -> list[Job]:
        """Take the trainings that ended and send more; returns the jobs whose states failed."""
        failed = []
        for future in [f for f in self.running if f.done()]:
            source, task = self.running.pop(future)
            self.progress.remove_task(task)
            try:
                seconds = future.result()  # its own time, not the time it queued
            except BaseException as err:
                failed += self._made(source, err)
                continue
            self.say(f"trained {source.path().name} in {seconds:.1f} s")
            self._made(source, None)
        return failed + self.submit()

    def _made(self, source: StatesSource, err: BaseException | None) -> list[Job]:
        users = self.untrained.pop(source)
        if err is None:
            return []
        fail_users(users, source, err)
        return users


def train_states(jobs: list[Job], console, n_jobs: int = 1) -> None:
    """Train every distinct missing states file once, before any render starts.

    Each file trains on one core (``model.train``), so ``n_jobs`` processes
    train ``n_jobs`` files at a time. A job whose states cannot be made fails
    with one line; the others go on. (:func:`rendering.batch.run_batch` on the local pool
    trains what is missing itself, beside the scenes whose states are ready.)
    """
    missing = missing_states(jobs)
    if n_jobs > 1 and len(missing) > 1:
        _train_in_parallel(missing, console, n_jobs)
        return
    for source, users in missing.items():
        console.print(markup_safe(training_line(source, users)))
        try:
            source.load(progress=False)
        except Exception as err:
            fail_users(users, source, err)


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
                fail_users(users, source, err)
                continue
            console.print(markup_safe(training_line(source, users)))
            with spawning_deaf_to_ctrl_c():
                futures[pool.submit(train_task, data)] = source
        for future in as_completed(futures):
            source = futures[future]
            try:
                seconds = future.result()
                console.print(markup_safe(f"trained {source.path().name} in {seconds:.1f} s"))
            except Exception as err:
                fail_users(missing[source], source, err)
        pool.shutdown()
    except BaseException:
        stop_pool(pool)
        raise


def _init_trainer() -> None:
    from rendering.run.process import die_with_parent, worker_signals

    die_with_parent()
    worker_signals()


def train_task(source: dict) -> float:
    """Train one states file (a source as JSON) into the cache; returns its seconds."""
    start = time.perf_counter()
    source_from_json(source).load(progress=False)
    return time.perf_counter() - start


def training_line(source: StatesSource, users: list) -> str:
    """What the batch says when it sends ``source`` to train for the jobs ``users``."""
    jobs = "1 job" if len(users) == 1 else f"{len(users)} jobs"
    return f"training states {source.path().name} (once, for {jobs})"


def fail_users(users: list, source: StatesSource, err: BaseException) -> None:
    """Every job in ``users`` fails: its states ``source`` could not be made."""
    for job in users:
        job.status, job.reason = "failed", f"states {source.describe()}: {one_line(err)}"
