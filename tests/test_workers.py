"""Workers on their own threads, with the real engine and a real store."""

from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.gui


def test_signal_emit_and_event_processing_keep_reference_counts(qapp):
    """PySide6 6.12.0 on Python 3.11 dropped a reference to True on every emit() and to None on
    every processEvents(), crashing the app after enough suggestions; the install must not have that."""
    import sys

    from draftwheel.ui.qt import QObject, Signal

    class Probe(QObject):
        fired = Signal(int, object)

    probe = Probe()
    probe.fired.connect(lambda _i, _o: None)
    true_refs, none_refs = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(2000):
        probe.fired.emit(i, None)
        qapp.processEvents()
    assert sys.getrefcount(True) - true_refs > -100
    assert sys.getrefcount(None) - none_refs > -100


def test_thread_worker_runs_off_the_gui_thread_and_reports_errors(qtbot):
    from draftwheel.errors import DraftwheelError
    from draftwheel.workers.thread import ThreadWorker

    w = ThreadWorker("test-worker")
    try:
        results, errors = [], []
        w.submit(lambda: threading.get_ident(), on_done=results.append)

        def boom():
            raise DraftwheelError("bad thing", "do this")

        w.submit(boom, on_error=errors.append)
        qtbot.waitUntil(lambda: bool(results and errors), timeout=10_000)
        assert results[0] != threading.get_ident()
        assert errors == ["bad thing do this"]
        assert w.pending == 0
    finally:
        w.stop()


def test_engine_worker_streams_and_cancels(qtbot, paths):
    from draftwheel.config import Settings
    from draftwheel.engine.prompts import tasks
    from draftwheel.workers.engine_worker import EngineWorker

    w = EngineWorker(paths)
    try:
        with qtbot.waitSignal(w.loaded, timeout=300_000) as loaded:
            w.load(Settings(n_threads=2, n_ctx=2048))
        assert loaded.args[0].model == "gemma3-270m"
        chunks, done = [], []
        w.chunk.connect(lambda job, piece: chunks.append((job, piece, threading.get_ident())))
        w.revised.connect(done.append)
        job = w.revise("He go to the libary yesterday and borrow two book.", tasks()["grammar"])
        qtbot.waitUntil(lambda: bool(done), timeout=180_000)
        sug = done[0]
        assert sug.job == job.id and sug.finish_reason == "stop"
        assert "".join(p for _j, p, _t in chunks) == sug.text
        assert all(t == threading.get_ident() for _j, _p, t in chunks)  # delivered on the GUI thread
        assert sug.stage in ("zero", "few") and sug.output_tokens > 0

        long_text = " ".join(["He go to the libary yesterday and borrow two book."] * 10)
        job = w.revise(long_text, tasks()["grammar"])
        qtbot.waitUntil(lambda: any(j == job.id for j, _p, _t in chunks), timeout=180_000)
        w.cancel()
        qtbot.waitUntil(lambda: len(done) == 2, timeout=180_000)
        assert done[1].finish_reason == "cancelled"
    finally:
        w.shutdown()


def test_store_worker_logs_lists_edits_and_deletes(qtbot, paths):
    from draftwheel.workers.store_worker import StoreWorker

    w = StoreWorker(paths)
    try:
        record = {
            "task": "grammar",
            "instruction": "Fix",
            "input_text": "a b",
            "output_text": "a c",
            "final_text": "a c",
            "outcome": "accepted",
            "model": "m",
            "adapter": None,
            "stage": "zero",
            "latency_ms": 1.0,
            "prompt_tokens": 3,
            "output_tokens": 2,
            "origin": "app",
        }
        with qtbot.waitSignal(w.logged, timeout=30_000) as logged:
            w.log_outcome(record)
        edit_id = logged.args[0]
        assert isinstance(edit_id, int)
        rows = []
        w.submit(w.ops.edits, "a b", on_done=rows.extend)
        qtbot.waitUntil(lambda: bool(rows), timeout=30_000)
        assert rows[0]["final_text"] == "a c" and rows[0]["outcome"] == "accepted"
        updated = []
        w.submit(w.ops.update_final, edit_id, "a d", on_done=updated.append)
        qtbot.waitUntil(lambda: bool(updated), timeout=30_000)
        assert updated[0]["final_text"] == "a d" and updated[0]["outcome"] == "edited"
        with qtbot.waitSignal(w.progress, timeout=30_000) as prog:
            w.refresh_progress("grammar", 100)
        assert prog.args[0].done == 1 and prog.args[0].threshold == 100
        gone = []
        w.submit(w.ops.delete, edit_id, on_done=gone.append)
        qtbot.waitUntil(lambda: bool(gone), timeout=30_000)
        assert w.ops.edits() == []
    finally:
        w.shutdown()
