"""ThreadWorker lifetime: every way a worker ends joins its QThread first.

Destroying a running QThread aborts the process (and would take pytest with
it), so each case runs in a child process: this file run as a script. The
child prints "OK <json>" when it got to the end; an abort shows as a
non-zero exit with "QThread: Destroyed while thread ... is still running".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

pytestmark = pytest.mark.gui

CASES = ("garbage_collected", "parent_deleted", "stop_timed_out", "queued_calls_finish", "app_quit")


class _Release:
    """A cancel_with object: stop() calls cancel(), which lets the blocked job return."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def cancel(self) -> None:
        self.event.set()


def _blocked(event: threading.Event, seconds: float) -> str:
    event.wait(seconds)
    return "released" if event.is_set() else "timed out"


def _pump(app, cond, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def case(name: str) -> dict:
    import gc

    import shiboken6

    from draftwheel.ui.qt import QApplication, QObject, QTimer
    from draftwheel.workers import thread as mod
    from draftwheel.workers.thread import ThreadWorker

    app = QApplication.instance() or QApplication(["draftwheel-test"])
    out: dict = {}
    if name == "garbage_collected":
        # The last reference dropped while a job runs (a window's worker attribute replaced).
        w = ThreadWorker("gc-worker")
        release = _Release()
        w.submit(_blocked, release.event, 60, cancel_with=release)
        time.sleep(0.2)
        t0 = time.monotonic()
        del w
        gc.collect()
        out["join_s"] = round(time.monotonic() - t0, 2)
        out["released"] = release.event.is_set()
    elif name == "parent_deleted":
        # The parent (a dialog with WA_DeleteOnClose) deleted while its worker runs a job.
        parent = QObject()
        w = ThreadWorker("child-worker", parent)
        release = _Release()
        w.submit(_blocked, release.event, 60, cancel_with=release)
        time.sleep(0.2)
        shiboken6.delete(parent)
        out["released"] = release.event.is_set()
        del w
        gc.collect()
    elif name == "stop_timed_out":
        # A job that ignores cancel outlives stop()'s wait: the thread must not be destroyed under it.
        w = ThreadWorker("stuck-worker")
        gate = threading.Event()
        w.submit(_blocked, gate, 60)
        time.sleep(0.2)
        out["stopped"] = w.stop(300)
        out["still_running"] = w.running
        del w
        gc.collect()
        out["detached"] = len(mod._detached)
        gate.set()
        out["detached_after"] = len(mod._detached) if _pump(app, lambda: not mod._detached, 10) else -1
    elif name == "queued_calls_finish":
        # stop() right after submitting (as every shutdown() does with its `close`) runs the queue first.
        w = ThreadWorker("queue-worker")
        ran: list[int] = []
        for i in range(5):
            w.submit(lambda i=i: (time.sleep(0.05), ran.append(i)))
        out["stopped"] = w.stop()
        out["ran"] = ran
    elif name == "app_quit":
        # Quitting the app joins every worker, however it was kept (aboutToQuit).
        w = ThreadWorker("quit-worker")
        release = _Release()
        w.submit(_blocked, release.event, 60, cancel_with=release)
        QTimer.singleShot(200, app.quit)
        app.exec()
        out["running_after_quit"] = w.running
        out["released"] = release.event.is_set()
    return out


def _run_case(name: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, __file__, name], capture_output=True, text=True, env=env, timeout=300)
    assert "QThread: Destroyed while thread" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("OK ")]
    assert lines, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(lines[-1][3:])


def test_worker_garbage_collected_while_running_joins_its_thread():
    out = _run_case("garbage_collected")
    assert out["released"] is True  # the job was cancelled, not cut off


def test_worker_whose_parent_is_deleted_while_running_joins_its_thread():
    assert _run_case("parent_deleted")["released"] is True


def test_stop_that_times_out_keeps_the_thread_until_it_ends():
    out = _run_case("stop_timed_out")
    assert out["stopped"] is False and out["still_running"] is True
    assert out["detached"] == 1 and out["detached_after"] == 0


def test_stop_runs_the_calls_queued_before_it():
    out = _run_case("queued_calls_finish")
    assert out["stopped"] is True and out["ran"] == [0, 1, 2, 3, 4]


def test_app_quit_joins_every_worker():
    out = _run_case("app_quit")
    assert out["running_after_quit"] is False and out["released"] is True


if __name__ == "__main__":
    result = case(sys.argv[1])
    print("OK " + json.dumps(result), flush=True)
