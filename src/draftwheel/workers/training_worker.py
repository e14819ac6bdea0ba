"""Training runs for the window: start, follow and cancel them off the GUI thread.

Training itself runs in a separate low-priority process
(:mod:`draftwheel.train.background`); this worker polls its progress on its
own thread and turns it into signals: ``runs`` (the table), ``progress`` (one
point of the live loss curve), ``promoted`` (a new adapter beat the stage
before it).
"""

from __future__ import annotations

import logging
from typing import Any

from draftwheel.config import AppPaths
from draftwheel.ui.qt import QTimer, Signal
from draftwheel.workers.store_worker import StoreOps
from draftwheel.workers.thread import ThreadWorker

log = logging.getLogger(__name__)

POLL_MS = 1500  # how often a running training is looked at


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

    def snapshot(self) -> dict[str, Any]:
        """Runs, adapters, the loss curve of the newest run, and adapters promoted since last time."""
        runs = self.store.runs()
        adapters = self.store.adapters()
        promoted = {a["name"] for a in adapters if a["promoted"]}
        new = [] if self._promoted_seen is None else sorted(promoted - self._promoted_seen)
        self._promoted_seen = promoted
        curve: list[tuple[int, float]] = []
        bg = _background()
        if runs and bg is not None and hasattr(bg, "loss_curve"):
            try:
                curve = list(bg.loss_curve(self.paths, runs[0]["id"]))
            except Exception as exc:  # a half-written progress file is normal while a run writes it
                log.debug("no loss curve yet: %s", exc)
        return {"runs": runs, "adapters": adapters, "curve": curve, "new_promoted": new}

    def start(self, task: str) -> Any:
        bg = _background()
        if bg is None:
            from draftwheel.errors import DraftwheelError

            raise DraftwheelError("Training is not available in this install.",
                                  "Install Draftwheel with its 'train' extra.")
        return bg.start_training(self.paths, task)

    def cancel(self, run_id: int) -> Any:
        bg = _background()
        if bg is None:
            return None
        return bg.cancel_training(self.paths, run_id)

    def close(self) -> None:
        self.store.close()


class TrainingWorker(ThreadWorker):
    snapshot_ready = Signal(object)  # dict from TrainingOps.snapshot
    promoted = Signal(str)  # adapter name
    failed = Signal(str)

    def __init__(self, paths: AppPaths, parent=None):
        super().__init__("draftwheel-training", parent)
        self.ops = TrainingOps(paths)
        self._busy = False
        self.timer = QTimer(self)  # lives on the GUI thread; each tick submits one poll
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)

    def watch(self, on: bool = True) -> None:
        if on:
            self.refresh()
            self.timer.start()
        else:
            self.timer.stop()

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

    def cancel(self, run_id: int) -> None:
        self.submit(self.ops.cancel, run_id, on_done=lambda _r: self.refresh(), on_error=self.failed.emit)

    def shutdown(self) -> None:
        self.timer.stop()
        self.submit(self.ops.close)
        self.stop()
