"""A QObject moved to its own QThread that runs submitted calls one at a time.

``submit(fn, *args, on_done=cb, on_error=cb)`` queues ``fn(*args)`` on the
worker thread; the callbacks run later on the thread that submitted (the GUI
thread), through queued signals. Calls run in submission order, so a worker
serializes everything it owns (the engine, a database session factory).

Lifetime: destroying a ``QThread`` that still runs aborts the whole process,
so every way a worker can end joins its thread first. ``stop()`` cancels the
calls submitted with ``cancel_with`` (a long generation ends within a token),
lets the queued calls before it finish, and waits; the app's ``aboutToQuit``
and the destruction of the worker (its parent window deleted) both run the
same join. A wait that times out never lets the thread be destroyed: it is
detached and kept referenced until it ends.
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable
from typing import Any

from draftwheel.errors import DraftwheelError
from draftwheel.workers.qt import QObject, QtCore, QThread, Signal, Slot

log = logging.getLogger(__name__)

SHUTDOWN_WAIT_MS = 30_000  # per worker; a cancelled generation or training poll ends well within it

# Threads whose join timed out, with their runners: referenced here until they end, because
# a running QThread that is garbage-collected (or deleted with its parent) aborts the process.
_detached: dict[int, tuple[QThread, QObject]] = {}


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
        if "already deleted" not in str(exc) and "has been deleted" not in str(exc):
            raise
        log.debug("callback target gone: %s", exc)


class _Runner(QObject):
    """Lives on the worker thread; runs what it is sent."""

    done = Signal(int, object)  # job id, return value
    failed = Signal(int, str)  # job id, message for the user
    _quit = Signal()

    def __init__(self):
        super().__init__()
        # Queued to this object's thread, so it runs after every call already sent.
        self._quit.connect(self._quit_thread)

    @Slot()
    def _quit_thread(self) -> None:
        QThread.currentThread().quit()

    @Slot(int, object)
    def run(self, job_id: int, call: tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]) -> None:
        fn, args, kwargs = call
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # everything is reported, the thread keeps serving
            if not isinstance(exc, DraftwheelError):
                log.error("worker job failed:\n%s", traceback.format_exc())
            self.failed.emit(job_id, describe_error(exc))
            return
        self.done.emit(job_id, result)


def _join(thread: QThread, runner: QObject, cancels: dict, timeout_ms: int) -> bool:
    """Cancel what can be, end ``thread`` after its queued calls and wait; True when it ended."""
    for token in list(cancels.values()):
        token.cancel()
    if not thread.isRunning():
        return True
    if id(thread) in _detached:  # already waited for once and left to finish
        return False
    if QThread.currentThread() is thread:  # a job cannot wait for its own thread to end
        runner._quit.emit()  # type: ignore[attr-defined]
        return False
    # Quit from inside the thread, behind the calls already queued (a `close` submitted just
    # before stopping still runs); quit() from here could end the loop with them unprocessed.
    runner._quit.emit()  # type: ignore[attr-defined]
    if thread.wait(timeout_ms):
        return True
    log.error(
        "worker thread %s did not end within %d ms; it is left to finish on its own", thread.objectName(), timeout_ms
    )
    thread.setParent(None)  # out of the parent's children, which are deleted with it
    key = id(thread)
    _detached[key] = (thread, runner)
    thread.finished.connect(lambda: _detached.pop(key, None))
    return False


class ThreadWorker(QObject):
    """The GUI-thread handle of one worker thread."""

    _send = Signal(int, object)

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        self._cancels: dict[int, Any] = {}  # job id -> object with .cancel(), for stop()
        # A child of this worker: it lives exactly as long as the worker's C++ object, not as
        # long as some Python reference happens to (garbage collection used to destroy it).
        self._thread = QThread(self)
        self._thread.setObjectName(name)
        self.runner = _Runner()
        self.runner.moveToThread(self._thread)
        self._send.connect(self.runner.run)  # queued: the runner lives on the other thread
        self.runner.done.connect(self._on_done)
        self.runner.failed.connect(self._on_failed)
        # The worker's own C++ destructor (its parent window deleted without closing) joins too:
        # a plain function holding the thread, because `self` is half gone by then.
        thread, runner, cancels = self._thread, self.runner, self._cancels
        self.destroyed.connect(lambda *_: _join(thread, runner, cancels, SHUTDOWN_WAIT_MS))
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._thread.start()

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        cancel_with: Any = None,
        **kwargs: Any,
    ) -> int:
        """Queue ``fn(*args, **kwargs)``; ``cancel_with`` (e.g. a CancelToken) is cancelled by stop()."""
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error)
        if cancel_with is not None:
            self._cancels[job_id] = cancel_with
        self._send.emit(job_id, (fn, args, kwargs))
        return job_id

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    @Slot(int, object)
    def _on_done(self, job_id: int, result: object) -> None:
        self._cancels.pop(job_id, None)
        on_done, _ = self._callbacks.pop(job_id, (None, None))
        if on_done is not None:
            _call_back(on_done, result)

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        self._cancels.pop(job_id, None)
        _, on_error = self._callbacks.pop(job_id, (None, None))
        if on_error is not None:
            _call_back(on_error, message)
        else:
            log.warning("%s: %s", self._thread.objectName(), message)

    def stop(self, timeout_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """Cancel cancellable calls, finish the queued ones, end the thread; False if the wait timed out."""
        return _join(self._thread, self.runner, self._cancels, timeout_ms)

    def shutdown(self) -> None:
        """Everything this worker must do before the app ends (subclasses close what they own)."""
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread.isRunning()
