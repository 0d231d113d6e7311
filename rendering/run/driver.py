"""The batch's scheduler: every pending scene as train -> plan -> chunks -> finish tasks.

:class:`Driver` keeps one executor (:mod:`rendering.run.executors`) busy. A scene
whose states are missing waits while they train on the same workers (each
file once, however many scenes show it); a scene whose states are ready starts
at once, beside the training that is still going on. A few scenes run at a
time, whole while enough wait to fill the workers, cut into chunks at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Protocol

import numpy as np

from model.files import remove_temporary, work_folder
from model.text import markup_safe
from rendering.draw.messages import Messages
from rendering.errors import one_line
from rendering.outputs.encode import poster_index_for
from rendering.plan.cuts import split_chunks
from rendering.plan.jobs import Job
from rendering.plan.stamps import output_folder
from rendering.run.tasks import job_spec
from rendering.run.training import StatesTraining

__all__ = ["Driver", "Executor"]


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


class Executor(Protocol):
    """Where the tasks run: what the driver and the batch ask of an executor.

    Two implementations: :class:`rendering.run.executors.LocalExecutor` (a
    process pool) and :class:`rendering.run.executors.DaskExecutor`. Each call
    returns a future with ``done()`` and ``result()``; ``spec`` is a task spec
    (:func:`rendering.run.tasks.job_spec`).
    """

    n_workers: int  # tasks at a time
    encoder_threads: int  # threads per encoder on a worker (0: the codec's choice)
    trains_states: bool  # missing states train on these workers (else before the batch)
    opens_chunks: bool  # chunk 0 may start beside the plan

    def train(self, source: dict) -> Future:
        """Train one states file (a source as JSON); the result is its seconds.

        Asked only of an executor that ``trains_states``.
        """

    def plan(self, spec: dict) -> Future:
        """Frames per play of the scene, its background, its still plays."""

    def chunk(self, spec: dict, chunk: dict) -> Future:
        """One chunk into the scene's work folder; the result is its frame count."""

    def open_chunk(self, spec: dict) -> Future:
        """Chunk 0 with no end yet, cut through :meth:`messages`."""

    def whole(self, spec: dict) -> Future:
        """The scene in one chunk with no plan; the result holds what the plan would."""

    def messages(self, spec: dict) -> Messages:
        """The plan and the cut of ``spec``'s open chunk."""

    def finish(
        self, spec: dict, n_chunks: int, n_frames: int, poster: int, background: str,
        seconds: float,
    ) -> Future:  # fmt: skip
        """Join the chunks, make the GIF and the stamp; the result is the stamp."""

    def drain(self, report: Callable[[tuple, int, int], None]) -> None:
        """Pass the progress received so far to ``report(key, chunk, frames)``."""

    def close(self, kill: bool = False) -> None:
        """Stop the workers (``kill``: at once, abandoning running tasks)."""


class Driver:
    """Runs the pending jobs as plan -> chunks -> finish tasks on one executor."""

    def __init__(
        self, jobs, out, formats, options, executor: Executor, n_chunks, progress, fixed=True, *,
        training: dict | None = None, prepare: Callable | None = None, console=None,
    ):  # fmt: skip
        """``training``: states sources still to make, each with the jobs that wait for it
        (the executor trains them: ``executor.train``); ``prepare(job)`` hashes a job once
        its states are there and may mark it skipped (up to date)."""
        self.jobs, self.executor, self.progress = jobs, executor, progress
        self.formats, self.options, self.n_chunks = list(formats), options, n_chunks
        self.fixed = fixed  # every scene in n_chunks chunks, else see chunks_for_next
        self.out, self.prepare, self.console = out, prepare, console
        self.specs = {}
        self.futures: dict = {}  # future -> (job, what)
        self.done: dict[tuple, dict[int, int]] = {}
        self.tasks: dict[tuple, int] = {}
        self.training = StatesTraining(training or {}, executor, progress, self._say)
        self.ended: list = []  # ended before they started (states failed, up to date)
        # A few scenes at a time, not all planned at once: scenes then finish one
        # after another (an interrupted batch keeps them) and the pool stays busy.
        self.waiting = list(jobs)
        self.started: list = []
        self.room = executor.n_workers + 1
        self._states_failed(self.training.submit())
        self._start_more()

    def _say(self, text: str) -> None:
        if self.console is not None:  # a states file's name is text, not rich markup
            self.console.print(markup_safe(text, 600))

    def _states_failed(self, users: list[Job]) -> None:
        """Jobs whose states could not be made end now, unstarted."""
        for job in users:
            if job in self.waiting:
                self.waiting.remove(job)
                self.ended.append(job)

    def _start_more(self) -> None:
        while sum(job.status == "pending" for job in self.started) < self.room:
            job = next((job for job in self.waiting if self.training.ready(job)), None)
            if job is None:
                return
            self.waiting.remove(job)
            if job.status == "pending" and not job.digest and self.prepare is not None:
                self.prepare(job)  # hashed now that its states exist; maybe up to date
            if job.status != "pending":
                self.ended.append(job)
                continue
            self._start(job)

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
        folder = output_folder(self.out, job.theme, self.options)
        folder.mkdir(parents=True, exist_ok=True)
        work = work_folder(folder, job.entry.name)
        spec = job_spec(
            job.entry, job.theme, self.out, self.formats, self.options, job.digest, work
        )
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
        self._states_failed(self.training.collect())
        ended, self.ended = self.ended, []
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
                self._whole_done(job, spec, result)
            elif what == "plan":
                self._plan_done(job, spec, result)
            elif what == "finish":
                job.stamp, job.status = result, "done"
                ended.append(job)
            else:  # "open", "chunk N" or "poster"
                self._chunk_done(job, spec, what)
        self.executor.drain(self.report)
        for job in self.started:
            if job.status == "pending" and job.opened and job.plays and not job.chunks:
                self._cut(job)
        self._show_progress()
        self._start_more()
        ended += self.ended
        self.ended = []
        for job in ended:
            if job.key in self.specs:  # started
                job.seconds = time.perf_counter() - job.start
                remove_temporary(self.specs[job.key]["work"])
        return ended

    def _whole_done(self, job: Job, spec: dict, result: dict) -> None:
        """A scene drawn in one chunk with no plan: what it counted, then its poster or finish."""
        self._planned(job, spec, result["frames"], result["background"], result["still"])
        job.poster = int(result["poster"])
        job.chunks = _chunk_specs(job.plays, [(0, len(job.plays))], job.poster)
        job.pending_chunks = 0
        if result["poster_missed"]:
            self._submit_poster(job, spec)
        if job.pending_chunks == 0:
            self._finish(job, spec)

    def _plan_done(self, job: Job, spec: dict, result) -> None:
        """The plan: tell the open chunk (it says where it stops), or cut the whole scene now."""
        self._planned(job, spec, *result)
        job.poster = poster_index_for(job.frames, self.options, job.entry.poster_time)
        if job.opened:  # chunk 0 is drawing: tell it the plan, cut the rest when it says
            message = {"frames": job.plays, "poster": job.poster, "chunks": job.n_chunks,
                       "still": job.still}  # fmt: skip
            self._tell_open_chunk(spec, message)
            job.stage = "drawing; cutting the rest"
            return
        self._submit_chunks(job, spec, split_chunks(job.plays, job.n_chunks, job.still))

    def _chunk_done(self, job: Job, spec: dict, what: str) -> None:
        """A chunk (or the poster's play) is written; the last one sends the finish."""
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

    def _show_progress(self) -> None:
        for job in self.started:
            if job.status != "pending":
                continue
            done = sum(self.done.get(job.key, {}).values())
            self.progress.update(
                self.tasks[job.key],
                total=job.frames or None,
                completed=done,
                description=f"{job.label}: {job.stage}",
                count=f"{done}/{job.frames} frames" if job.frames else f"{done} frames",
            )
