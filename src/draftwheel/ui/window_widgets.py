"""The widgets and actions that the builders in window_actions and window_parts set on the main window.

Declared here (types only, no behaviour) so that readers and mypy know them; MainWindow inherits them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from draftwheel.ui.data_view import DataView
from draftwheel.ui.qt import QAction, QComboBox, QDockWidget, QLineEdit, QMenu, QToolBar
from draftwheel.ui.status_bar import FittedLabel
from draftwheel.ui.training_view import TrainingView

if TYPE_CHECKING:
    from draftwheel.app.styles import StylesController
    from draftwheel.ui.live_check import LiveCheckBinding
    from draftwheel.ui.welcome import WelcomePanel


class WindowWidgets:
    # window_actions.build_actions / build_menus / build_toolbar
    new_act: QAction
    open_act: QAction
    save_act: QAction
    save_as_act: QAction
    quit_act: QAction
    undo_act: QAction
    redo_act: QAction
    custom_act: QAction
    accept_act: QAction
    apply_act: QAction
    reject_act: QAction
    cancel_act: QAction
    settings_act: QAction
    pause_act: QAction
    train_now_act: QAction
    new_style_act: QAction
    styles_act: QAction
    learned_act: QAction
    ground_act: QAction
    task_acts: dict[str, QAction]  # by style key (a preset's name for the built-in styles)
    recent_menu: QMenu
    view_menu: QMenu
    revise_menu: QMenu
    revise_toolbar: QToolBar
    instruction_action: QAction  # the toolbar's instruction box (new styles' actions go before it)
    help_menu: QMenu
    instruction: QLineEdit
    adapter_box: QComboBox
    # window_parts.build_status / build_docks
    paused_label: FittedLabel
    model_label: FittedLabel
    adapter_label: FittedLabel
    stage_label: FittedLabel
    speed_label: FittedLabel
    train_label: FittedLabel
    style_label: FittedLabel  # "Work e-mail · few-shot · 12 edits until training"
    training_view: TrainingView
    data_view: DataView
    training_dock: QDockWidget
    data_dock: QDockWidget
    # MainWindow.__init__
    live_check: LiveCheckBinding
    styles: StylesController
    welcome: WelcomePanel | None
