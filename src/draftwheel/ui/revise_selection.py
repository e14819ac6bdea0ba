"""``draftwheel revise-selection``'s Qt side: read the selection, hand it to the running app or
review it in a popup here, and leave the accepted revision on the clipboard.

A small Qt app of its own: the clipboard and the X11 primary selection are only readable through a
display connection. Lines for the user are returned to the CLI through ``say``; nothing here prints.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from draftwheel.config import AppPaths, load_settings
from draftwheel.config.instance import REVISE_SELECTION, encode_message, lock_owner
from draftwheel.engine.prompts import Task, tasks
from draftwheel.ui.instance_server import send_message
from draftwheel.ui.qt import QApplication
from draftwheel.ui.selection_popup import PASTE_HINT, SelectionPopup, read_selection, selection_problem


def revise_selection(paths: AppPaths, say: Callable[[str], None], task: Task | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    text = read_selection(QApplication.clipboard())
    problem = selection_problem(text)
    if problem:
        say(problem)
        return 1
    if lock_owner(paths) is not None and send_message(paths, encode_message(REVISE_SELECTION, text)):
        say("Sent to the open Draftwheel window; accept there, then paste with Ctrl+V.")
        return 0
    from draftwheel.workers.engine_worker import EngineWorker

    engine = EngineWorker(paths)  # no app runs: load the model here for this one revision
    try:
        engine.load(load_settings(paths))
        popup = SelectionPopup(engine, text, task or tasks()["grammar"])
        popup.show()
        popup.raise_()
        popup.activateWindow()
        accepted = popup.exec()
        if popup.record is not None:
            _log(paths, popup.record)
        if accepted and popup.revision is not None:
            # On X11 the clipboard belongs to a running process; Qt hands it to the desktop's clipboard
            # manager as this process exits, so the text survives the command.
            say(PASTE_HINT)
            return 0
        say("Cancelled; the clipboard is unchanged.")
        return 1
    finally:
        engine.shutdown()


def _log(paths: AppPaths, record: dict) -> None:
    """Store the outcome as the window would (no app runs, so no store thread: write it here)."""
    from draftwheel.workers.store_worker import StoreOps

    ops = StoreOps(paths)
    try:
        ops.log_outcome(record)
    finally:
        ops.close()
