"""Shared pieces of the review GUI tests: one window's services per module (the model loads once),
a fresh data folder, and helpers that drive the window as a user does."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

GEN_TIMEOUT_MS = 240_000  # 2 CPU cores shared with other work: a suggestion can take a while


def _wait(qapp, cond, timeout_ms=GEN_TIMEOUT_MS) -> bool:
    from draftwheel.ui.qt import QThread

    waited = 0
    while not cond() and waited < timeout_ms:
        qapp.processEvents()
        QThread.msleep(10)
        waited += 10
    return bool(cond())


@pytest.fixture(scope="module")
def gui_home(tmp_path_factory, bundled_gguf) -> Path:
    home = tmp_path_factory.mktemp("review-home")
    (home / "models").mkdir()
    try:
        os.link(bundled_gguf, home / "models" / bundled_gguf.name)
    except OSError:
        shutil.copyfile(bundled_gguf, home / "models" / bundled_gguf.name)
    return home


@pytest.fixture(scope="module")
def services(qapp, gui_home):
    from draftwheel.config import Settings, app_paths
    from draftwheel.ui.services import Services

    svc = Services(app_paths(gui_home), Settings(n_threads=2, n_ctx=2048, auto_train=False))
    svc.start()
    assert _wait(qapp, lambda: svc.engine.ready, 300_000), "the model did not load"
    yield svc
    svc.shutdown()
    watch = getattr(svc, "watch", None)
    if watch is not None:
        # Destroy the settings watcher (a QFileSystemWatcher: a socket notifier of this thread's
        # event loop) here, on the GUI thread. Left to the cyclic garbage collector it can be freed
        # on a worker thread of a later module, leaving a dangling notifier that crashes the next
        # event loop pass (seen: SIGSEGV in QSocketNotifier::type during the next module's test).
        from shiboken6 import delete

        delete(watch)


@pytest.fixture
def window(qtbot, services):
    from draftwheel.ui.main_window import MainWindow

    w = MainWindow(services, offer_restore=False)
    w.show()
    w.activateWindow()
    yield w
    w.editor.document().setModified(False)  # closing must not ask about unsaved text
    w.close()
    w.deleteLater()


def select(window, start: int, end: int) -> None:
    from draftwheel.ui.qt import QTextCursor

    c = window.editor.textCursor()
    c.setPosition(start)
    c.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    window.editor.setTextCursor(c)


def wait_ready(qtbot, session) -> None:
    from draftwheel.ui.review_session import READY

    qtbot.waitUntil(lambda: session.state == READY, timeout=GEN_TIMEOUT_MS)


def revise(qtbot, window, task_name: str = "grammar"):
    """Revise the selection (or the paragraph at the cursor) and wait for the finished suggestion."""
    from draftwheel.engine.prompts import tasks

    session = window.revise(tasks()[task_name])
    assert session is not None
    wait_ready(qtbot, session)
    return session


def wait_logged(qtbot, window, n: int) -> None:
    qtbot.waitUntil(lambda: len(window.logged_ids) >= n, timeout=30_000)


def row(services, edit_id: int) -> dict:
    """One stored edit, read straight from the database file (every column, as stored)."""
    conn = sqlite3.connect(services.paths.database)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("SELECT * FROM edits WHERE id = ?", (edit_id,)).fetchone())
    finally:
        conn.close()
