"""The main window's status bar fields and its Training / Examples docks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from draftwheel.ui.data_view import DataView
from draftwheel.ui.qt import QDockWidget, QKeySequence, Qt
from draftwheel.ui.status_bar import FittedLabel, StatusBar
from draftwheel.ui.training_view import TrainingView

if TYPE_CHECKING:
    from draftwheel.ui.main_window import MainWindow


def build_status(window: MainWindow) -> None:
    sb = StatusBar(window)
    window.setStatusBar(sb)
    sb.watch_status_tips(window)
    window.paused_label = FittedLabel("Logging paused")
    window.paused_label.setObjectName("pausedIndicator")
    window.paused_label.setToolTip("Outcomes are not stored while logging is paused (Tools › Pause logging).")
    window.paused_label.setStyleSheet("background: #ffe08a; color: #3d2e00; border-radius: 3px;")
    window.model_label = FittedLabel()
    window.adapter_label = FittedLabel("Adapter: –")
    window.stage_label = FittedLabel("Stage: –")
    window.speed_label = FittedLabel("– tokens/s", wrap=False)
    window.train_label = FittedLabel()
    window.style_label = FittedLabel()  # the current style, its stage, edits until its training
    window.style_label.setObjectName("styleStatus")
    for w in (
        window.paused_label,
        window.model_label,
        window.adapter_label,
        window.stage_label,
        window.speed_label,
        window.style_label,
        window.train_label,
        window.live_check.label,
    ):
        sb.add_field(w)
    window.paused_label.setVisible(bool(window.services.settings.logging_paused))


def _dock(window: MainWindow, title: str, name: str, widget, shortcut: str) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.toggleViewAction().setShortcut(QKeySequence(shortcut))
    window.view_menu.addAction(dock.toggleViewAction())
    return dock


def build_docks(window: MainWindow) -> None:
    window.training_view = TrainingView(window.services)
    window.data_view = DataView(window.services)
    window.training_dock = _dock(window, "Training", "trainingDock", window.training_view, "Ctrl+Shift+T")
    window.data_dock = _dock(window, "Examples", "dataDock", window.data_view, "Ctrl+Shift+E")
    window.tabifyDockWidget(window.training_dock, window.data_dock)
    window.training_dock.hide()
    window.data_dock.hide()
    window.training_dock.visibilityChanged.connect(window.training_view.set_watching)

    def reload_if_shown(shown: bool) -> None:
        if shown:
            window.data_view.reload()

    window.data_dock.visibilityChanged.connect(reload_if_shown)
    window.data_view.pause_box.toggled.connect(window.set_logging_paused)
