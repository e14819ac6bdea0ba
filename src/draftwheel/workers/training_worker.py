"""Training runs for the window: start, follow and cancel them off the GUI thread.

Training itself runs in a separate low-priority process
(:mod:`draftwheel.train.background`); this worker polls its progress on its
own thread and turns it into signals: ``snapshot_ready`` (runs, adapters, the
running training's progress and the loss curve seen so far) and ``promoted``
(a new adapter beat the stage before it).
"""

from __future__ import annotations

import logging
from typing import Any

from draftwheel.config import AppPaths
from draftwheel.ui.qt import QTimer, Signal
from draftwheel.workers.store_worker import StoreOps
from draftwheel.workers.thread import ThreadWorker

log = logging.getLogger(__name__)

POLL_MS = 1500  # how often training is looked at while the training view is open
IDLE_POLL_MS = 10_000  # ... and while it is not (a promotion is still announced)


def _background():
    try:
        from draftwheel.train import background
    except ImportError:
        return None
    return background


class TrainingOps:
    """Plain-Python calls made on the training thread."""

    def __init__(self, paths: AppPaths):
        self.paths = paths
        self.store = StoreOps(paths)
        self._promoted_seen: set[str] | None = None
        self._curve_owner: object = None  # the run the loss curve belongs to (its pid)
        self.curve: list[tuple[int, float]] = []  # (step, loss) seen while polling the running training

    def _adapters(self) -> list[dict[str, Any]]:
        from draftwheel.models.adapters import list_adapters

        return [{"name": a.name, "task": a.task, "n_train": a.n_train, "steps": a.steps, "scores": a.scores,
                 "promoted": a.promoted, "created_at": a.created_at} for a in list_adapters(self.paths)]

    def snapshot(self) -> dict[str, Any]:
        """Runs, adapters, the running training's progress and loss curve, adapters newly promoted."""
        runs = self.store.runs()
        adapters = self._adapters()
        promoted = {a["name"] for a in adapters if a["promoted"]}
        new = [] if self._promoted_seen is None else sorted(promoted - self._promoted_seen)
        self._promoted_seen = promoted
        live = None
        bg = _background()
        if bg is not None:
            owner = bg.running(self.paths)
            live = bg.progress(self.paths) if owner else None
            if owner is not None:
                live = {**(live or {}), "task": owner.get("task", (live or {}).get("task", "")),
                        "pid": owner.get("pid")}
                if owner.get("pid") != self._curve_owner:
                    self._curve_owner, self.curve = owner.get("pid"), []
                step, loss = live.get("step"), live.get("loss")
                if isinstance(step, int) and isinstance(loss, (int, float)) and (
                        not self.curve or step > self.curve[-1][0]):
                    self.curve.append((step, float(loss)))
        return {"runs": runs, "adapters": adapters, "live": live, "curve": list(self.curve),
                "new_promoted": new}

    def start(self, task: str) -> int:
        bg = _background()
        if bg is None:
            from draftwheel.errors import DraftwheelError

            raise DraftwheelError("Training is not available in this install.",
                                  "Install Draftwheel with its 'train' extra.")
        return bg.start_background(self.paths, task)

    def resume_interrupted(self) -> dict[str, str] | None:
        """Restart, from its checkpoint, the newest run a crash left unfinished; its task and name, or None.

        Unfinished: the store still says ``running`` (a cancelled or failed
        run says so), no process holds the training lock, and the run's
        folder has no result. A run killed before its first checkpoint
        starts over on its saved data.
        """
        bg = _background()
        if bg is None or bg.running(self.paths):
            return None
        from draftwheel.train.runs import unfinished

        for run in self.store.runs():
            name = run.get("adapter_name")
            if run.get("status") != "running" or not name:
                continue
            if unfinished(self.paths.runs_dir / name):
                bg.start_background(self.paths, run["task"], name=name, resume=True)
                return {"task": run["task"], "name": name}
        return None

    def cancel(self) -> bool:
        bg = _background()
        return True if bg is None else bg.cancel_background(self.paths, timeout_s=30.0)

    def close(self) -> None:
        self.store.close()


class TrainingWorker(ThreadWorker):
    snapshot_ready = Signal(object)  # dict from TrainingOps.snapshot
    promoted = Signal(str)  # adapter name
    resumed = Signal(object)  # {"task", "name"} of a run restarted after a crash
    failed = Signal(str)

    def __init__(self, paths: AppPaths, parent=None):
        super().__init__("draftwheel-training", parent)
        self.ops = TrainingOps(paths)
        self._busy = False
        self.timer = QTimer(self)  # lives on the GUI thread; each tick submits one poll
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)

    def watch(self, on: bool = True) -> None:
        """Poll often while the training view shows, rarely otherwise."""
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
        self.snapshot_ready.emit(snap)
        for name in snap.get("new_promoted", []):
            self.promoted.emit(name)

    def _err(self, message: str) -> None:
        self._busy = False
        self.failed.emit(message)

    def start_training(self, task: str) -> None:
        self.submit(self.ops.start, task, on_done=lambda _r: self.refresh(), on_error=self.failed.emit)

    def resume_interrupted(self) -> None:
        def done(found) -> None:
            if found:
                self.resumed.emit(found)
            self.refresh()

        self.submit(self.ops.resume_interrupted, on_done=done, on_error=self.failed.emit)

    def cancel(self) -> None:
        self.submit(self.ops.cancel, on_done=lambda _r: self.refresh(), on_error=self.failed.emit)

    def shutdown(self) -> None:
        self.timer.stop()
        self.submit(self.ops.close)
        self.stop()
