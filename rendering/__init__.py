"""The batch renderer behind ``render.py``: scenes to MP4, WebM, GIF, PNG and a gallery page.

The public API, for the tests, the benchmark and your own scripts::

    from rendering import BatchRequest, Job, discover, render_jobs, render_options
    from rendering import scene_files, select

    entries, broken = discover(scene_files())
    jobs = [Job(entry, "dark") for entry in select(entries, scenes=["TanhSquash"])]
    render_jobs(BatchRequest(jobs, out, ["mp4"], render_options("draft"), n_jobs=2), console)
"""

from __future__ import annotations

from rendering.batch import BatchRequest, BatchResult, print_table, render_jobs, run_batch
from rendering.errors import RenderError, display, one_line, system_library_hint
from rendering.outputs.encode import poster_frame, unmix_background, video_frame_at
from rendering.outputs.gif import gif_size, write_gif
from rendering.outputs.measure import gif_info, gif_psnr, mp4_has_faststart, psnr, video_info
from rendering.outputs.page import collect_stamps, write_gallery
from rendering.plan.jobs import Job, plan_job, plan_jobs
from rendering.plan.options import (
    ALPHA_FORMATS,
    DEFAULT_FORMATS,
    FORMATS,
    QUALITIES,
    THEMES,
    RenderOptions,
    gif_fps_for,
    parse_formats,
    render_options,
    themes_for,
)
from rendering.plan.registry import (
    REPO_ROOT,
    SCENES_DIR,
    SceneEntry,
    discover,
    load_scene_module,
    scene_files,
    select,
)
from rendering.plan.stamps import (
    clean_stale_temporaries,
    job_hash,
    output_folder,
    quality_name,
    read_stamp,
    source_files,
    stamp_path,
    temporary_name,
    up_to_date,
)
from rendering.run.training import missing_states, train_states

__all__ = [
    "ALPHA_FORMATS",
    "DEFAULT_FORMATS",
    "FORMATS",
    "QUALITIES",
    "REPO_ROOT",
    "SCENES_DIR",
    "THEMES",
    "BatchRequest",
    "BatchResult",
    "Job",
    "RenderError",
    "RenderOptions",
    "SceneEntry",
    "clean_stale_temporaries",
    "collect_stamps",
    "discover",
    "display",
    "gif_fps_for",
    "gif_info",
    "gif_psnr",
    "gif_size",
    "job_hash",
    "load_scene_module",
    "missing_states",
    "mp4_has_faststart",
    "one_line",
    "output_folder",
    "parse_formats",
    "plan_job",
    "plan_jobs",
    "poster_frame",
    "print_table",
    "psnr",
    "quality_name",
    "read_stamp",
    "render_jobs",
    "render_options",
    "run_batch",
    "scene_files",
    "select",
    "source_files",
    "stamp_path",
    "system_library_hint",
    "temporary_name",
    "themes_for",
    "train_states",
    "unmix_background",
    "up_to_date",
    "video_frame_at",
    "video_info",
    "write_gallery",
    "write_gif",
]
