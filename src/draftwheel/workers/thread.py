"""A QObject moved to its own QThread that runs submitted calls one at a time.

``submit(fn, *args, on_done=cb, on_error=cb)`` queues ``fn(*args)`` on the
worker thread; the callbacks run later on the thread that submitted (the GUI
thread), through queued signals. Calls run in submission order, so a worker
serializes everything it owns (the engine, a database session factory).
"""

from __future__ import annotations

import itertools
import logging
import traceback
from typing import Any, Callable

from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


def describe_error(exc: BaseException) -> str:
    """One line for the user: a DraftwheelError's message and hint, else the exception."""
    if isinstance(exc, DraftwheelError):
        return str(exc)
    return f"Unexpected error: {type(exc).__name__}: {exc}"


def _call_back(fn: Callable, value: object) -> None:
    try:
        fn(value)
    except RuntimeError as exc:
        # The widget that asked was closed while the job ran; nothing is waiting for the answer.
        if "already deleted" not in str(exc):
            raise
        log.debug("callback target gone: %s", exc)


class _Runner(QObject):
    """Lives on the worker thread; runs what it is sent."""

    done = Signal(int, object)  # job id, return value
    failed = Signal(int, str)  # job id, message for the user

    @Slot(int, object)
    def run(self, job_id: int, call: object) -> None:
        fn, args, kwargs = call  # type: ignore[misc]
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # everything is reported, the thread keeps serving
            if not isinstance(exc, DraftwheelError):
                log.error("worker job failed:\n%s", traceback.format_exc())
            self.failed.emit(job_id, describe_error(exc))
            return
        self.done.emit(job_id, result)


class ThreadWorker(QObject):
    """The GUI-thread handle of one worker thread."""

    _send = Signal(int, object)

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        self._thread = QThread()
        self._thread.setObjectName(name)
        self.runner = _Runner()
        self.runner.moveToThread(self._thread)
        self._send.connect(self.runner.run)  # queued: the runner lives on the other thread
        self.runner.done.connect(self._on_done)
        self.runner.failed.connect(self._on_failed)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[str], None] | None = None, **kwargs: Any) -> int:
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error)
        self._send.emit(job_id, (fn, args, kwargs))
        return job_id

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    @Slot(int, object)
    def _on_done(self, job_id: int, result: object) -> None:
        on_done, _ = self._callbacks.pop(job_id, (None, None))
        if on_done is not None:
            _call_back(on_done, result)

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        _, on_error = self._callbacks.pop(job_id, (None, None))
        if on_error is not None:
            _call_back(on_error, message)
        else:
            log.warning("%s: %s", self._thread.objectName(), message)

    def stop(self, timeout_ms: int = 30_000) -> None:
        """Finish queued calls, then end the thread."""
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait(timeout_ms)

    @property
    def running(self) -> bool:
        return self._thread.isRunning()
