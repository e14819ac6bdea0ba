"""Model downloads on their own thread, reporting progress; Cancel stops within one chunk.

A download is one long blocking call (``app.model_manager.download``); it runs
here, never on the engine thread, so revising with the current model goes on
meanwhile. A cancelled download keeps its partial file and resumes next time.
"""

from __future__ import annotations

import threading
import time

from draftwheel.app import model_manager
from draftwheel.config import AppPaths, Settings
from draftwheel.errors import Cancelled
from draftwheel.models.curated import Offer
from draftwheel.workers.qt import Signal
from draftwheel.workers.thread import ThreadWorker

PROGRESS_EVERY_S = 0.1  # at most ten progress signals a second: a fast disk would flood the GUI thread


class DownloadWorker(ThreadWorker):
    progress = Signal(str, object, object)  # model name, bytes so far, total bytes or None
    finished = Signal(object)  # the new ModelEntry
    failed = Signal(str, str)  # model name, message for the user
    cancelled = Signal(str)  # model name

    def __init__(self, paths: AppPaths, parent=None):
        super().__init__("draftwheel-download", parent)
        self.paths = paths
        self.current: str | None = None
        self._cancel = threading.Event()

    @property
    def busy(self) -> bool:
        return self.current is not None

    def start(self, settings: Settings, offer: Offer) -> None:
        self.current = offer.name
        self._cancel = threading.Event()
        cancel, name, last = self._cancel, offer.name, [0.0]

        def on_progress(done: int, total: int | None) -> None:  # on the download thread
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S or done == total:
                last[0] = now
                self.progress.emit(name, done, total)

        def run():
            try:
                return model_manager.download(self.paths, settings, offer, on_progress, cancel)
            except Cancelled:
                return None  # reported as cancelled, not as an error

        self.submit(run, on_done=self._done, on_error=self._failed, cancel_with=_EventToken(cancel))

    def cancel(self) -> None:
        self._cancel.set()

    def _done(self, entry) -> None:
        name, self.current = self.current or "", None
        if entry is None:
            self.cancelled.emit(name)
        else:
            self.finished.emit(entry)

    def _failed(self, message: str) -> None:
        name, self.current = self.current or "", None
        self.failed.emit(name, message)


class _EventToken:
    """What ThreadWorker.stop() cancels at shutdown: the download's event."""

    def __init__(self, event: threading.Event):
        self.event = event

    def cancel(self) -> None:
        self.event.set()
