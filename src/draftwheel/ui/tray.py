"""Background mode: a system-tray icon that keeps the app (and its loaded model) running.

With the setting "Keep running in the tray" on, closing the window hides it; the tray menu
shows it again or quits for real. Where the desktop has no tray (QSystemTrayIcon reports
none: GNOME without the AppIndicator extension, offscreen), the binding says so in one line
and the window keeps its normal close, since a hidden window there could not be brought back.
"""

from __future__ import annotations

from draftwheel.config.paths import resources_dir
from draftwheel.ui.qt import QAction, QApplication, QIcon, QMenu, QObject, QSystemTrayIcon, Qt
from draftwheel.ui.selection_popup import SelectionPopup, read_selection

NO_TRAY = "This desktop has no system tray, so closing the window quits Draftwheel."


class TrayBinding(QObject):
    def __init__(self, window, available: bool | None = None):
        super().__init__(window)
        self.window = window
        # Asked once: a desktop's tray does not come and go while the app runs, and tests inject it.
        self.available = QSystemTrayIcon.isSystemTrayAvailable() if available is None else available
        self.icon: QSystemTrayIcon | None = None
        self.quitting = False
        self.hint_shown = False
        self.menu = QMenu()
        self.show_act = QAction("Show Draftwheel", self.menu)
        self.show_act.triggered.connect(self.show_window)
        self.revise_act = QAction("Revise clipboard/selection", self.menu)
        self.revise_act.triggered.connect(self.revise_clipboard)
        self.quit_act = QAction("Quit", self.menu)
        self.quit_act.triggered.connect(self.quit)
        self.menu.addAction(self.show_act)
        self.menu.addAction(self.revise_act)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_act)

    @property
    def active(self) -> bool:
        return self.icon is not None and self.icon.isVisible()

    def apply(self, keep_in_tray: bool) -> str | None:
        """Show or remove the icon for this setting; the one-line notice when the tray is missing."""
        if not keep_in_tray:
            if self.icon is not None:
                self.icon.hide()
            return None
        if not self.available:
            self.window.statusBar().showMessage(NO_TRAY, 10_000)
            return NO_TRAY
        if self.icon is None:
            self.icon = QSystemTrayIcon(QIcon(str(resources_dir() / "icons" / "draftwheel-64.png")), self)
            self.icon.setToolTip("Draftwheel")
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._activated)
        self.icon.show()
        return None

    def _activated(self, reason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_window()

    def close_to_tray(self) -> bool:
        """Called by the window's close: hide instead of closing while the tray icon is up."""
        if not self.active or self.quitting:
            return False
        self.window.hide()
        if not self.hint_shown and self.icon is not None:
            self.hint_shown = True  # once per run: the user learns where the app went, then is left alone
            self.icon.showMessage("Draftwheel is still running", "Quit from the tray icon's menu.")
        return True

    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def revise_clipboard(self) -> None:
        self.revise_anywhere(read_selection(QApplication.clipboard()))

    def revise_anywhere(self, text: str) -> SelectionPopup:
        """Review ``text`` from another application in a popup (this menu, ``draftwheel revise-selection``),
        with the window's model and current style."""
        popup = SelectionPopup(self.window.services.engine, text, self.window.last_task)
        popup.outcome.connect(self.window.services.store.log_outcome)
        popup.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        popup.show()
        popup.raise_()
        popup.activateWindow()
        self.window.selection_popup = popup
        return popup

    def quit(self) -> None:
        """Close the window for real (it may still ask to save) and end the app."""
        self.quitting = True
        if self.window.isHidden():
            self.show_window()  # a save question needs a visible parent
        if self.window.close():
            if self.icon is not None:
                self.icon.hide()
            QApplication.quit()
        else:
            self.quitting = False
