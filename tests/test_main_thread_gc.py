"""ui.main_thread_gc: with a QApplication, only the GUI thread collects cycles (a worker thread's
collection of a Qt wrapper deadlocked the suite)."""

import gc
import threading

import pytest

pytestmark = pytest.mark.gui


class _Cycle:
    def __init__(self):
        self.me = self


def test_worker_threads_never_collect_and_the_timer_does(qtbot, qapp):
    from draftwheel.ui.main_thread_gc import MainThreadGC, install

    keeper = install(qapp)
    assert isinstance(keeper, MainThreadGC) and install(qapp) is keeper
    assert not gc.isenabled()
    collected_on: list[str] = []

    def note(phase, _info):
        if phase == "start":
            collected_on.append(threading.current_thread().name)

    gc.callbacks.append(note)
    try:
        worker = threading.Thread(target=lambda: [_Cycle() for _ in range(50_000)], name="worker")
        worker.start()
        worker.join()
        assert "worker" not in collected_on  # far past the threshold, yet the worker did not collect
        qtbot.waitUntil(lambda: "MainThread" in collected_on, timeout=5_000)  # the GUI thread's timer did
    finally:
        gc.callbacks.remove(note)
