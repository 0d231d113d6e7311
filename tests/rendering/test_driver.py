"""rendering.run.driver: missing states train on the render's workers, beside the ready scenes."""

from __future__ import annotations

import inspect
from concurrent.futures import Future
from pathlib import Path
from types import SimpleNamespace

import rendering
from model.sources import Preset
from rendering.run.driver import Driver


class ManualExecutor:
    """An executor whose tasks stay pending until the test ends them; it records the calls."""

    n_workers, opens_chunks, encoder_threads, trains_states = 2, False, 1, True

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Future]] = []

    def _call(self, what: str, name: str) -> Future:
        future: Future = Future()
        self.calls.append((what, name, future))
        return future

    def train(self, source: dict) -> Future:
        return self._call("train", source["name"])

    def plan(self, spec: dict) -> Future:
        return self._call("plan", spec["name"])

    def whole(self, spec: dict) -> Future:
        return self._call("whole", spec["name"])

    def drain(self, report) -> None:
        pass

    def named(self, what: str) -> list[str]:
        return [name for kind, name, _ in self.calls if kind == what]

    def future(self, what: str, name: str) -> Future:
        return next(f for kind, n, f in self.calls if (kind, n) == (what, name))


def _job(name: str, *sources) -> rendering.Job:
    entry = rendering.SceneEntry(name, "s", name, "", Path(__file__), 1, sources=sources)
    return rendering.Job(entry, "dark")


def _progress() -> SimpleNamespace:
    return SimpleNamespace(
        add_task=lambda *a, **k: 0, update=lambda *a, **k: None, remove_task=lambda *a: None
    )


def test_ready_scenes_start_while_missing_states_train_and_the_rest_follow(tmp_path):
    spirals, disks = Preset("spirals2d"), Preset("disks2d")
    a, ready, c, d = _job("A", spirals), _job("Ready"), _job("C", spirals), _job("D", disks)
    prepared = []

    def prepare(job: rendering.Job) -> None:  # as plan_job: hashed, maybe up to date
        prepared.append(job.entry.name)
        job.digest = "h"
        if job is c:
            job.status = "skipped"

    said: list[str] = []
    console = SimpleNamespace(print=said.append)
    executor = ManualExecutor()
    driver = Driver(
        [a, ready, c, d], tmp_path, ["mp4"], rendering.RenderOptions(128, 72, 4), executor, 1,
        _progress(), True, training={spirals: [a, c], disks: [d]}, prepare=prepare,
        console=console,
    )  # fmt: skip
    # One file per worker trains, and the scene with nothing to train starts beside them.
    assert executor.named("train") == ["spirals2d", "disks2d"]
    assert executor.named("plan") == ["Ready"]
    assert prepared == ["Ready"]
    assert said[0].startswith("training states spirals2d-")
    assert said[0].endswith("(once, for 2 jobs)")

    executor.future("train", "disks2d").set_exception(RuntimeError("no such data"))
    ended = driver.step()
    assert ended == [d] and d.status == "failed"
    assert d.reason == "states disks2d: RuntimeError: no such data"
    assert executor.named("plan") == ["Ready"]  # A and C still wait for their states
    assert a.status == c.status == "pending" and not a.digest

    executor.future("train", "spirals2d").set_result(6.0)
    ended = driver.step()
    assert ended == [c] and c.status == "skipped"  # up to date once hashed: not rendered
    assert executor.named("plan") == ["Ready", "A"]
    assert prepared == ["Ready", "A", "C"]
    assert any(
        line.startswith("trained spirals2d-") and line.endswith(" in 6.0 s") for line in said
    )
    assert executor.named("train") == ["spirals2d", "disks2d"]  # each file once


def test_without_training_every_scene_starts_at_once_up_to_the_room(tmp_path):
    jobs = [_job(name) for name in "ABCDE"]
    for job in jobs:
        job.digest = "h"  # planned by plan_jobs before the batch
    executor = ManualExecutor()
    driver = Driver(jobs, tmp_path, ["mp4"], rendering.RenderOptions(128, 72, 4), executor, 1,
                    _progress(), True)  # fmt: skip
    assert executor.named("plan") == ["A", "B", "C"]  # n_workers + 1 scenes at a time
    assert executor.named("train") == []
    executor.future("plan", "A").set_exception(RuntimeError("broken"))
    assert driver.step() == [jobs[0]]
    assert executor.named("plan") == ["A", "B", "C", "D"]


def _members(protocol: type) -> set[str]:
    """The calls and the attributes a protocol asks for."""
    calls = {name for name, value in vars(protocol).items() if callable(value)}
    return {name for name in calls | set(protocol.__annotations__) if not name.startswith("_")}


def test_both_executors_and_both_message_carriers_keep_their_protocols():
    from rendering.draw.messages import FileMessages, Messages
    from rendering.run.driver import Executor
    from rendering.run.executors import DaskExecutor, DaskMessages, LocalExecutor

    assert _members(Messages) == {"tell_plan", "plan", "tell_cut", "cut"}
    for carrier in (FileMessages, DaskMessages):
        assert _members(Messages) <= set(dir(carrier)), carrier
    calls = {"train", "plan", "chunk", "open_chunk", "whole", "messages", "finish", "drain"}
    assert calls | {"close", "n_workers", "trains_states"} <= _members(Executor)
    for executor in (LocalExecutor, DaskExecutor):
        source = inspect.getsource(executor)
        asked = _members(Executor) - ({"train"} if not executor.trains_states else set())
        missing = [n for n in asked if n not in dir(executor) and f"self.{n} =" not in source]
        assert not missing, (executor.__name__, missing)
