"""Training for the window: decide, start, follow, cancel, all off the GUI thread.

Whether and what to train is the flywheel's :class:`~draftwheel.flywheel.policy.TrainingPolicy`;
this worker asks it on its own thread (so "Train now", the threshold trigger
and the start-up resume are answered one after the other, never racing),
starts the separate low-priority process it decides on
(:mod:`draftwheel.train.background`), and polls the process and the store.

Signals: ``snapshot_ready`` (runs, adapters, each task's counter, the running
training's progress and loss curve), ``promoted`` (a new adapter beat the
stage before it), ``decided`` (a :class:`Decision` as a dict: what happened to
a request, in words), ``resumed`` (an interrupted run restarted),
``run_failed`` (a training ended in failure, whatever the reason: its task,
the error's last line and the log to open) and ``failed`` (a request itself
failed).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from draftwheel.config import AppPaths
from draftwheel.workers.qt import QTimer, Signal
from draftwheel.workers.store_worker import StoreOps
from draftwheel.workers.thread import ThreadWorker

log = logging.getLogger(__name__)

POLL_MS = 1500  # how often training is looked at while the training view is open or a training runs
IDLE_POLL_MS = 10_000  # ... and otherwise (a promotion or a failure is still announced)
CANCELLED_EXIT = 130  # `draftwheel train` after a cancel: not a failure


class TrainingOps:
    """Plain-Python calls made on the training thread."""

    def __init__(self, paths: AppPaths, policy=None):
        from draftwheel.flywheel.policy import TrainingPolicy

        self.paths = paths
        self.store = StoreOps(paths)
        self.policy = policy or TrainingPolicy(paths)
        self.launches: list = []  # train.background.Launch of the processes this session started
        self._failures: list[dict[str, Any]] = []  # found, not yet reported by a snapshot
        self._promoted_seen: set[str] | None = None
        self._failed_seen: set[int] | None = None  # ids of store runs already failed (or announced)
        self._curve_owner: object = None  # the run the loss curve belongs to (its pid)
        self._was_running = False  # a training ran at the last look
        self.curve: list[tuple[int, float]] = []  # (step, loss) seen while polling the running training

    # -- state -----------------------------------------------------------------
    def busy(self) -> dict | None:
        """The running training ({"pid", "task", ...}): the lock's holder, or a process started here that
        has not taken the lock yet."""
        from draftwheel.train import background

        owner = background.running(self.paths)
        if owner:
            return owner
        for launch in self.launches:
            if launch.poll() is None:
                return {"pid": launch.pid, "task": launch.task, "name": launch.name}
        return None

    def _model(self):
        """The catalogue entry of the model in the settings (None if it cannot be found: checks skip it)."""
        from draftwheel.config import load_settings
        from draftwheel.models import Catalogue

        try:
            return Catalogue(self.paths).get(load_settings(self.paths).model)
        except Exception as exc:
            log.debug("no model entry for the training checks: %s", exc)
            return None

    def _adapters(self) -> list[dict[str, Any]]:
        from draftwheel.models.adapter_registry import list_adapters

        return [
            {
                "name": a.name,
                "task": a.task,
                "n_train": a.n_train,
                "steps": a.steps,
                "scores": a.scores,
                "promoted": a.promoted,
                "created_at": a.created_at,
            }
            for a in list_adapters(self.paths)
        ]

    def _counters(self) -> list[dict[str, Any]]:
        from draftwheel.config import load_settings
        from draftwheel.flywheel.policy import (
            UNTRAINABLE_TASKS,
            task_label,
            training_progress,
        )
        from draftwheel.store import task_counts

        try:
            self.policy.threshold = load_settings(self.paths).train_threshold
        except Exception as exc:
            log.debug("settings not read: %s", exc)
        out = []
        with self.store.store.session() as s:
            for task in sorted(task_counts(s)):
                if task in UNTRAINABLE_TASKS:
                    continue
                p = training_progress(s, task, self.policy.threshold)
                out.append(
                    {
                        "task": task,
                        "kept": p.kept,
                        "threshold": p.threshold,
                        "remaining": p.remaining,
                        "text": p.text(task_label(task)),
                    }
                )
        return out

    # -- polling ---------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Runs, adapters, counters, the running training's progress and loss curve, what is new."""
        from draftwheel.train import background

        runs = self.store.runs()
        adapters = self._adapters()
        promoted = {a["name"] for a in adapters if a["promoted"]}
        new = [] if self._promoted_seen is None else sorted(promoted - self._promoted_seen)
        self._promoted_seen = promoted
        self._reap()
        batch, self._failures = self._failures, []
        failures = batch + self._new_failed_runs(runs, said={f["task"] for f in batch})
        owner = background.running(self.paths)
        live = None
        if owner is not None:
            live = {**(background.progress(self.paths) or {})}
            live.update(task=owner.get("task", live.get("task", "")), pid=owner.get("pid"))
            if owner.get("pid") != self._curve_owner:
                self._curve_owner, self.curve = owner.get("pid"), []
            step, loss = live.get("step"), live.get("loss")
            if (
                isinstance(step, int)
                and isinstance(loss, (int, float))
                and (not self.curve or step > self.curve[-1][0])
            ):
                self.curve.append((step, float(loss)))
        elif self.busy():
            b = self.busy() or {}
            live = {"task": b.get("task", ""), "pid": b.get("pid"), "message": "Starting the training…"}
        counters = self._counters()
        decisions = []
        if live is None and self._was_running:
            decisions = self._due_after_a_run(counters)
        self._was_running = live is not None
        return {
            "runs": runs,
            "adapters": adapters,
            "live": live,
            "curve": list(self.curve),
            "new_promoted": new,
            "failures": failures,
            "counters": counters,
            "decisions": decisions,
        }

    def _due_after_a_run(self, counters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A training just ended: tasks that came due while it ran (the trigger said "busy") start now."""
        from draftwheel.config import load_settings

        try:
            auto = load_settings(self.paths).auto_train
        except Exception:
            return []
        out = []
        for c in counters:
            if auto and c["remaining"] == 0:
                d = self._act(lambda s, task=c["task"]: self.policy.auto_train(s, task, self._model(), self.busy()))
                if d["message"] or d["action"] in ("start", "resume"):
                    out.append(d)
        return out

    def _reap(self) -> None:
        """Note the failures of processes started here that have ended since the last look.

        Done before every decision too, so a failure is known to the policy
        before the next kept edit could start the same doomed run again.
        """
        from draftwheel.flywheel.policy import task_label

        out, still = self._failures, []
        for launch in self.launches:
            code = launch.poll()
            if code is None:
                still.append(launch)
                continue
            if code not in (0, CANCELLED_EXIT) and not getattr(launch, "announced", False):
                line = launch.last_line().removeprefix("draftwheel: error: ")
                if code < 0:  # killed by a signal: what it last printed is not the reason
                    line = f"the training process was killed (signal {-code}; out of memory?)" + (
                        f"; its last words: {line}" if line else ""
                    )
                line = line or f"the training process exited with status {code}"
                self.policy.failed(launch.task, line)
                out.append(
                    {
                        "task": launch.task,
                        "label": task_label(launch.task),
                        "message": line,
                        "log": str(launch.log_path),
                        "code": code,
                    }
                )
        self.launches = still

    def _new_failed_runs(self, runs: list[dict[str, Any]], said: set[str]) -> list[dict[str, Any]]:
        """Runs the store newly calls failed that no process of ours explains (e.g. started by an earlier session)."""
        from draftwheel.flywheel.policy import task_label
        from draftwheel.train.background import LOG_NAME

        failed = {r["id"]: r for r in runs if r.get("status") == "failed"}
        if self._failed_seen is None:
            self._failed_seen = set(failed)
            return []
        out = []
        for run_id, r in failed.items():
            if run_id in self._failed_seen:
                continue
            self._failed_seen.add(run_id)
            if r["task"] in said:
                continue  # the process's own last words were just reported
            ours = [launch for launch in self.launches if launch.task == r["task"]]
            for launch in ours:
                launch.announced = True  # the store's words are the same failure; say it once
            message = (r.get("message") or "failed").strip().splitlines()[-1]
            self.policy.failed(r["task"], message)
            out.append(
                {
                    "task": r["task"],
                    "label": task_label(r["task"]),
                    "message": message,
                    "log": str(self.paths.runs_dir / LOG_NAME),
                    "code": None,
                }
            )
        return out

    # -- requests --------------------------------------------------------------
    def _act(self, decide) -> dict[str, Any]:
        self._reap()
        with self.store.store.session() as s, s.begin():
            decision = decide(s)
            launch = self.policy.carry_out(s, decision)
        if launch is not None:
            self.launches.append(launch)
        return dataclasses.asdict(decision)

    def train_now(self, task: str, threshold: int | None = None) -> dict[str, Any]:
        """ "Train now": start (or resume) ``task``'s training, or say why not."""
        if threshold:
            self.policy.threshold = threshold
        return self._act(lambda s: self.policy.train_now(s, task, self._model(), self.busy()))

    def auto_train(self, task: str, threshold: int, auto: bool = True) -> dict[str, Any]:
        """After a kept edit: the threshold trigger."""
        self.policy.threshold, self.policy.auto = threshold, auto
        return self._act(lambda s: self.policy.auto_train(s, task, self._model(), self.busy()))

    def resume_interrupted(self) -> dict[str, Any]:
        """At start-up: continue the newest run a crash cut short, up to the retry limit (the decision)."""
        return self._act(lambda s: self.policy.resume(s, self.busy()))

    # Kept for callers of the older name: "Train now" without the decision.
    def start(self, task: str) -> int:
        d = self.train_now(task)
        if d["action"] not in ("start", "resume"):
            from draftwheel.errors import DraftwheelError

            raise DraftwheelError(d["message"])
        return self.launches[-1].pid

    def cancel(self) -> bool:
        from draftwheel.train import background

        return background.cancel_background(self.paths, timeout_s=30.0)

    def close(self) -> None:
        self.store.close()


class TrainingWorker(ThreadWorker):
    snapshot_ready = Signal(object)  # dict from TrainingOps.snapshot
    promoted = Signal(str)  # adapter name
    resumed = Signal(object)  # {"task", "name"} of a run restarted after a crash
    decided = Signal(object)  # Decision as a dict: {"action", "task", "message", "name", "run_id"}
    run_failed = Signal(object)  # {"task", "label", "message", "log", "code"}
    failed = Signal(str)

    def __init__(self, paths: AppPaths, parent=None):
        super().__init__("draftwheel-training", parent)
        self.ops = TrainingOps(paths)
        self._busy = False
        self._watching = False
        self.timer = QTimer(self)  # lives on the GUI thread; each tick submits one poll
        self.timer.setInterval(IDLE_POLL_MS)
        self.timer.timeout.connect(self.refresh)  # started by watch() or once a training is started here

    def watch(self, on: bool = True) -> None:
        """Poll often while the training view shows, rarely otherwise."""
        self._watching = bool(on)
        self.timer.setInterval(POLL_MS if on else IDLE_POLL_MS)
        if on:
            self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        if self._busy:
            return  # the previous poll is still running
        self._busy = True
        self.submit(self.ops.snapshot, on_done=self._got, on_error=self._err)

    def _got(self, snap: dict) -> None:
        self._busy = False
        # While a training of ours runs, look often: its end (or failure) shows within seconds.
        running = snap.get("live") is not None or bool(self.ops.launches)
        self.timer.setInterval(POLL_MS if (self._watching or running) else IDLE_POLL_MS)
        self.snapshot_ready.emit(snap)
        for name in snap.get("new_promoted", []):
            self.promoted.emit(name)
        for failure in snap.get("failures", []):
            self.run_failed.emit(failure)
        for decision in snap.get("decisions", []):
            self.decided.emit(decision)

    def _err(self, message: str) -> None:
        self._busy = False
        self.failed.emit(message)

    def _after(self, decision: dict) -> None:
        self.decided.emit(decision)
        if decision.get("action") in ("start", "resume"):
            self.timer.start(POLL_MS)  # its end, or failure, shows within seconds
        self.refresh()

    def train_now(self, task: str, threshold: int | None = None) -> None:
        self.submit(self.ops.train_now, task, threshold, on_done=self._after, on_error=self.failed.emit)

    def auto_train(self, task: str, threshold: int, auto: bool = True) -> None:
        self.submit(self.ops.auto_train, task, threshold, auto, on_done=self._after, on_error=self.failed.emit)

    # Kept for callers of the older name.
    def start_training(self, task: str) -> None:
        self.train_now(task)

    def resume_interrupted(self) -> None:
        def done(decision: dict) -> None:
            if decision.get("action") == "resume":
                self.timer.start(POLL_MS)
                self.resumed.emit({"task": decision["task"], "name": decision["name"]})
            if decision.get("action") != "none":
                self.decided.emit(decision)
            self.refresh()

        self.submit(self.ops.resume_interrupted, on_done=done, on_error=self.failed.emit)

    def cancel(self) -> None:
        self.submit(self.ops.cancel, on_done=lambda _r: self.refresh(), on_error=self.failed.emit)

    def shutdown(self) -> None:
        self.timer.stop()
        self.submit(self.ops.close)
        self.stop()
