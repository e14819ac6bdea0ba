"""The main window: the editor, the review panel, toolbar, menus and status bar.

The window lays out widgets and composes the parts that wire them to the controllers and
workers, one job each: :mod:`~draftwheel.ui.window_actions` (actions, menus, toolbar),
:mod:`~draftwheel.ui.window_parts` (status bar, docks), :mod:`~draftwheel.ui.review_binding`
(a suggestion's review), :mod:`~draftwheel.ui.adapter_binding` (model and adapter switcher),
:mod:`~draftwheel.ui.training_binding` (logging, the counter, training) and
:mod:`~draftwheel.ui.document_binding` (open, save, autosave, restore). The window never runs
model, store or training work itself. Dialogs that report a problem are opened window-modal
with ``open()`` (not ``exec()``), so the event loop and the text stay live. The thin methods
and properties below are the window's public face (menus, tests, the screenshot script).
"""

from __future__ import annotations

from draftwheel.app.documents import AutosaveRecord, Documents, release_autosave
from draftwheel.app.review import STREAMING, ReviewSession
from draftwheel.app.settings_form import needs_engine_reload
from draftwheel.app.styles import StylesController
from draftwheel.config import Settings
from draftwheel.engine.prompts import Task, tasks
from draftwheel.ui.adapter_binding import AdapterBinding
from draftwheel.ui.ask_binding import AskBinding
from draftwheel.ui.document_binding import APP_NAME, AUTOSAVE_DELAY_MS, DocumentBinding
from draftwheel.ui.hotkey_binding import HotkeyBinding
from draftwheel.ui.live_check import LiveCheckBinding
from draftwheel.ui.qt import QFontDatabase, QMainWindow, QMessageBox, QPlainTextEdit, QSplitter, Qt, QTimer
from draftwheel.ui.review import ReviewPanel
from draftwheel.ui.review_binding import ReviewBinding
from draftwheel.ui.services import Services
from draftwheel.ui.styles_binding import StylesBinding
from draftwheel.ui.training_binding import TrainingBinding
from draftwheel.ui.tray import TrayBinding
from draftwheel.ui.welcome import add_welcome
from draftwheel.ui.window_actions import build_actions, build_menus, build_toolbar
from draftwheel.ui.window_parts import build_docks, build_status
from draftwheel.ui.window_widgets import WindowWidgets

__all__ = ["APP_NAME", "AUTOSAVE_DELAY_MS", "MainWindow"]


class MainWindow(QMainWindow, WindowWidgets):
    def __init__(self, services: Services, offer_restore: bool = True, sole_owner: bool = False):
        """``offer_restore``: this is the app's start (reopen the last document, offer autosaves left by a
        crash); ``sole_owner``: this process holds the data folder's instance lock."""
        super().__init__()
        self.services = services
        self.paths = services.paths
        self.last_dialog: QMessageBox | None = None
        self.last_task: Task = tasks()["grammar"]
        self.documents = Documents(
            self.paths.home, self.paths.autosave_dir, io=services.store.submit, sole_owner=sole_owner
        )
        self.destroyed.connect(lambda _=None, d=self.documents: release_autosave(d.autosave.id))
        self._build_central()
        self.welcome = add_welcome(self)  # the first run's panel about the presets (None once closed)
        self.editor.document().modificationChanged.connect(self.setWindowModified)
        self.document_binding = DocumentBinding(self, self.documents)
        self.live_check = LiveCheckBinding(self)  # before the menus: they list its actions
        self.styles = StylesController(self.paths, services.settings.train_threshold)
        build_actions(self)
        build_menus(self)
        build_toolbar(self)
        build_status(self)
        build_docks(self)
        self.adapter_binding = AdapterBinding(self)
        self.review_binding = ReviewBinding(self)
        self.training_binding = TrainingBinding(self)
        self.styles_binding = StylesBinding(self)
        self.ask_binding = AskBinding(self)  # the "Ask my writing" dock, built on first use
        self.tray = TrayBinding(self)  # background mode: closing hides the window while the tray icon is up
        self.tray.apply(services.settings.keep_in_tray)
        self.hotkey = HotkeyBinding(self)  # registered by run_app: tests and screenshots leave the keyboard alone
        self.document_binding.update_title()
        self._start(offer_restore)

    def _build_central(self) -> None:
        self.setObjectName("mainWindow")
        self.resize(1180, 720)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("editor")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
        font.setPointSizeF(max(font.pointSizeF(), 11.0))
        self.editor.setFont(font)
        self.editor.setPlaceholderText(
            "Write or open a draft. Select text (or put the cursor in a paragraph), then pick a task: Ctrl+1 … Ctrl+5."
        )
        self.review = ReviewPanel()
        self.review.diff_view.setFont(font)
        self.review.editor.setFont(font)
        self.review.hide()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.editor)
        self.splitter.addWidget(self.review)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)

    def _start(self, offer_restore: bool) -> None:
        services = self.services
        st = services.engine.status
        if st is not None:
            self.adapter_binding.on_loaded(st)
        else:
            self.model_label.setText("Loading model…")
            self.statusBar().showMessage("Loading the model in the background…")
        self.refresh_adapters()
        self.training_binding.refresh_progress()
        if services.settings.auto_train:
            services.training.resume_interrupted()  # a run the last session's crash cut short
        services.watch.changed.connect(self.training_binding.follow_settings)
        if services.settings_error:
            QTimer.singleShot(0, lambda: self.show_error("Settings could not be read", services.settings_error or ""))
        self.document_binding.restore_layout()
        if offer_restore:
            QTimer.singleShot(0, self.start_session)

    # -- dialogs -------------------------------------------------------------
    def show_error(self, title: str, message: str) -> QMessageBox:
        """Say what happened and what to do, without blocking the event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorDialog")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_dialog = box
        return box

    # -- adapters (AdapterBinding) -------------------------------------------------
    def refresh_adapters(self) -> None:
        self.adapter_binding.refresh()

    def _fill_adapters(self, choices) -> None:
        self.adapter_binding.fill(choices)

    def use_adapter(self, choice: str) -> None:
        self.adapter_binding.use(choice)

    # -- revising (ReviewBinding) -------------------------------------------------------
    @property
    def session(self) -> ReviewSession | None:
        return self.review_binding.session

    @property
    def busy(self) -> bool:
        return self.review_binding.busy

    @property
    def review_history(self):
        return self.review_binding.history

    def focus_custom(self) -> None:
        self.review_binding.focus_custom()

    def revise_custom(self) -> None:
        self.review_binding.revise_custom()

    # -- styles (StylesBinding) --------------------------------------------------------
    def new_style(self) -> None:
        self.styles_binding.new_style()

    def open_styles(self) -> None:
        self.styles_binding.open_styles()

    def open_learned(self) -> None:
        self.styles_binding.open_learned()

    def revise(self, task: Task) -> ReviewSession | None:
        before = self.last_task.name
        session = self.review_binding.revise(task)
        if self.last_task.name != before:
            self.adapter_binding.style_changed()  # the switcher lists the new style's adapters
            self.training_binding.refresh_progress()  # the status bar names the new style
        return session

    def open_review(self, task: Task) -> ReviewSession | None:
        return self.review_binding.open_review(task)

    def cancel_generation(self) -> None:
        self.review_binding.cancel_generation()

    def accept_all(self) -> None:
        self.review_binding.accept_all()

    def apply(self) -> None:
        self.review_binding.apply()

    def reject(self) -> None:
        self.review_binding.reject()

    def undo(self) -> None:
        self.review_binding.undo()

    def redo(self) -> None:
        self.review_binding.redo()

    # -- logging and training (TrainingBinding) -------------------------------------------
    @property
    def logged_ids(self) -> list[int | None]:
        return self.training_binding.logged_ids

    @property
    def train_task(self) -> str:
        return self.training_binding.train_task

    @property
    def training_failed_btn(self):
        return self.training_binding.failed_btn

    def train_now(self) -> None:
        self.training_binding.train_now()

    def set_logging_paused(self, paused: bool) -> None:
        self.training_binding.set_logging_paused(paused)

    # -- settings ------------------------------------------------------------------
    def open_ground_wizard(self) -> None:
        from draftwheel.ui.ground_wizard import open_ground_wizard

        self.ground_wizard = open_ground_wizard(self.services, self)

    def open_ask(self) -> None:
        self.ask_binding.open()

    def open_models(self) -> None:
        from draftwheel.ui.model_manager import ModelManagerDialog

        self.models_dialog = ModelManagerDialog(self.services, self)
        self.models_dialog.open()

    def open_settings(self) -> None:
        from draftwheel.ui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.services, self)
        dlg.saved.connect(self.apply_settings)
        dlg.open()
        self.settings_dialog = dlg

    def apply_settings(self, old: Settings, new: Settings) -> None:
        if needs_engine_reload(old, new):
            self.services.engine.load(new)
        else:
            self.services.engine.update_settings(new)
        self.set_logging_paused(new.logging_paused)
        self.live_check.set_enabled(new.live_check)
        self.tray.apply(new.keep_in_tray)
        if old.global_hotkey != new.global_hotkey:
            self.hotkey.apply(new.global_hotkey)
        self.training_binding.refresh_progress(self.last_task.name, new.train_threshold)

    # -- documents (DocumentBinding) -------------------------------------------------------
    @property
    def path(self) -> str | None:
        return self.documents.path

    @property
    def recent(self):
        return self.documents.recent

    @property
    def autosave(self):
        return self.documents.autosave

    @property
    def autosave_timer(self):
        return self.document_binding.autosave_timer

    @property
    def restore_prompt(self) -> QMessageBox | None:
        return self.document_binding.restore_prompt

    @property
    def restore_button(self):
        return self.document_binding.restore_button

    @property
    def discard_button(self):
        return self.document_binding.discard_button

    @property
    def later_button(self):
        return self.document_binding.later_button

    def text(self) -> str:
        return self.editor.toPlainText()

    def new_document(self) -> None:
        self.document_binding.new_document()

    def open_dialog(self) -> None:
        self.document_binding.open_dialog()

    def open_path(self, path: str, confirm: bool = True) -> bool:
        return self.document_binding.open_path(path, confirm)

    def save(self) -> bool:
        return self.document_binding.save()

    def save_as(self) -> bool:
        return self.document_binding.save_as()

    def save_to(self, path: str, chosen_filter: str = "") -> bool:
        return self.document_binding.save_to(path, chosen_filter)

    def autosave_now(self) -> None:
        self.document_binding.autosave_now()

    def start_session(self) -> None:
        self.document_binding.start_session()

    def offer_restore(self) -> None:
        self.document_binding.offer_restore()

    def restore(self, rec: AutosaveRecord) -> bool:
        return self.document_binding.restore(rec)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self.tray.close_to_tray():  # background mode: the app and its model keep running
            event.ignore()
            return
        session = self.session
        if self.busy and session is not None and session.state == STREAMING:
            self.services.engine.cancel()
        if self.document_binding.closing():
            event.accept()
        else:
            event.ignore()
