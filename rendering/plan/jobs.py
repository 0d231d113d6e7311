"""A job: one scene in one theme; hashed, and skipped when its outputs are up to date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rendering.plan.options import RenderOptions
from rendering.plan.registry import SceneEntry
from rendering.plan.stamps import job_hash, output_folder, read_stamp, stamp_path, up_to_date

__all__ = ["Job", "plan_job", "plan_jobs"]


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
    opened: bool = False  # chunk 0 started beside the plan (see rendering.draw.scene)
    plays: list = field(default_factory=list)  # frames per play, once planned
    n_chunks: int = 1  # chosen when the scene starts (see Driver.chunks_for_next)
    still: list = field(default_factory=list)  # per play: still (drawn once), once planned

    @property
    def key(self) -> tuple[str, str]:
        """(scene, theme): a job's identity within a batch."""
        return (self.entry.name, self.theme)

    @property
    def label(self) -> str:
        """``Scene (theme)``, as the progress display and the log lines show it."""
        return f"{self.entry.name} ({self.theme})"


def plan_job(
    job: Job, out: Path, formats: Sequence[str], options: RenderOptions, force: bool = False
) -> None:
    """Hash one job; mark it skipped if its outputs are up to date, else keep its plan."""
    job.digest = job_hash(job.entry, job.theme, options)
    stamp = read_stamp(stamp_path(out, job.theme, job.entry.name, options))
    folder = output_folder(out, job.theme, options)
    if not force and up_to_date(stamp, job.digest, formats, folder):
        job.status, job.stamp = "skipped", stamp
    elif stamp and stamp.get("hash") == job.digest and stamp.get("plays"):
        job.known_plan = (stamp["plays"], stamp["background"], stamp.get("still", []))


def plan_jobs(
    jobs: list[Job],
    out: Path,
    formats: Sequence[str],
    options: RenderOptions,
    force: bool = False,
) -> None:
    """Hash every job whose states are made and mark those up to date as skipped.

    A job whose states are still missing is hashed when they are
    (by :func:`rendering.batch.run_batch`).
    """
    for job in jobs:
        if job.status == "failed" or not _states_ready(job):
            continue
        plan_job(job, out, formats, options, force)


def _states_ready(job: Job) -> bool:
    try:
        return all(source.is_ready() for source in job.entry.states_sources)
    except Exception:  # named badly: hashed as it is, the render will say why
        return True
