"""Start the desktop app: the window first, the model afterwards in the background.

``run_app()`` shows the window before anything heavy happens (PySide6 import
and widget construction only); the engine thread then loads the model while
the status bar says so.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)


def run_app(argv: list[str] | None = None, background: bool = False) -> int:
    """``background`` (autostart's ``--background``): start hidden in the tray when the tray setting is on."""
    from draftwheel.errors import DraftwheelError
    from draftwheel.ui.qt import QApplication, QTimer

    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv[:1]))
    assert isinstance(app, QApplication)  # instance() is typed QCoreApplication; the widgets need a QApplication
    from draftwheel.ui.main_thread_gc import install

    install(app)  # cycles holding Qt objects are collected on this thread only (see the module)
    app.setApplicationName("Draftwheel")
    app.setOrganizationName("Draftwheel")
    app.setApplicationDisplayName("Draftwheel")

    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.services import Services

    try:
        from draftwheel.config import app_paths
        from draftwheel.config.instance import acquire_instance_lock

        # One window per data folder; a second start is told which process holds it.
        instance_lock = acquire_instance_lock(app_paths())
        services = Services()
    except DraftwheelError as exc:  # another window is open, or the data folder cannot be created
        from draftwheel.ui.qt import QMessageBox

        QMessageBox.critical(None, "Draftwheel cannot start", str(exc))
        return 2
    # Holding the instance lock, this process owns every autosave in the data folder: one left by a
    # crashed window is offered at once, even if its pid lingers as a zombie or was reused.
    window = MainWindow(services, sole_owner=True)
    from draftwheel.ui.instance_server import InstanceServer

    # `draftwheel revise-selection` hands its text to this window, whose model is loaded.
    server = InstanceServer(services.paths, window)
    server.revise_requested.connect(window.tray.revise_anywhere)
    window.hotkey.apply(services.settings.global_hotkey)  # X11: the global shortcut (else one line why not)
    if not (background and window.tray.active):
        window.show()
    QTimer.singleShot(0, services.start)  # after the first paint
    app.aboutToQuit.connect(services.shutdown)
    try:
        return app.exec()
    finally:
        instance_lock.release()


def main() -> None:
    """Entry point of the ``draftwheel-gui`` script."""
    raise SystemExit(run_app())
