"""Logging and training in the window: stored outcomes, the counter, Train now, the trigger, pausing.

When to train is the flywheel's decision (:mod:`draftwheel.flywheel.policy`, called on the
training thread); this object shows the counter and the decisions, and passes "Train now" and a
reached threshold on. It is a QObject child of the window, so the workers' signals stop reaching
it when the window is deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from draftwheel.app.styles import status_line
from draftwheel.app.training_text import counter_tip, failure_text, resumed_text, task_label_and_counter
from draftwheel.config import Settings
from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import QMessageBox, QObject, QPushButton, Qt
from draftwheel.ui.training_view import open_log
from draftwheel.workers.store_worker import TrainingProgress

if TYPE_CHECKING:
    from draftwheel.ui.main_window import MainWindow


class TrainingBinding(QObject):
    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.failed_btn: QPushButton | None = None
        self.logged_ids: list[int | None] = []
        # What "Train now" trains: the task of the counter shown.
        self.train_task: str = window.last_task.name
        store, training = window.services.store, window.services.training
        store.logged.connect(self._on_logged)
        store.log_failed.connect(self._on_log_failed)
        store.progress.connect(self._on_progress)
        training.promoted.connect(self._on_promoted)
        training.resumed.connect(self._on_resumed)
        training.decided.connect(self._on_decided)
        training.run_failed.connect(self._on_failed)

    @property
    def w(self) -> MainWindow:
        # The window is this object's Qt parent; it is not kept in an attribute, since a reference cycle
        # would leave the window's deletion to Python's cyclic collector, on whichever thread runs it.
        return cast("MainWindow", self.parent())

    def _message(self, text: str, ms: int = 0) -> None:
        self.w.statusBar().showMessage(text, ms)

    def refresh_progress(self, task: str | None = None, threshold: int | None = None) -> None:
        settings = self.w.services.settings
        self.w.services.store.refresh_progress(
            task or self.w.last_task.name, settings.train_threshold if threshold is None else threshold
        )

    # -- logging ---------------------------------------------------------------
    def _on_logged(self, edit_id) -> None:
        self.logged_ids.append(edit_id)
        self.w.review_binding.history.logged(edit_id)  # an undo that came before the id is stored now
        if edit_id is None:
            self._message("Logging is paused: this outcome was not stored.", 4000)
        self.refresh_progress()
        if self.w.data_dock.isVisible():
            self.w.data_view.reload()

    def _on_log_failed(self, message: str) -> None:
        self.logged_ids.append(None)
        self.w.review_binding.history.logged(None)
        self.w.show_error("The outcome could not be stored", f"{message}\n\nYour text is not affected.")

    def set_logging_paused(self, paused: bool) -> None:
        w = self.w
        if w.services.settings.logging_paused != paused:
            try:
                w.services.update_settings(logging_paused=bool(paused))
            except (OSError, DraftwheelError) as exc:
                w.show_error("The setting could not be saved", str(exc))
                return
        for switch in (w.pause_act, w.data_view.pause_box):
            switch.blockSignals(True)
            switch.setChecked(bool(paused))
            switch.blockSignals(False)
        w.paused_label.setVisible(bool(paused))
        self._message("Logging paused." if paused else "Logging resumed.", 4000)

    def follow_settings(self, settings: Settings) -> None:
        """settings.json changed on disk (e.g. `draftwheel privacy pause`): the switches follow it."""
        if settings.logging_paused != self.w.pause_act.isChecked():
            self.set_logging_paused(settings.logging_paused)

    # -- training --------------------------------------------------------------
    def _on_progress(self, p: TrainingProgress) -> None:
        """The counter of the task last revised (custom instructions are not trained: the counter stays)."""
        shown = task_label_and_counter(p.task, p.done, p.threshold, getattr(p, "label", ""))
        if shown is None:
            return
        label, counter = shown
        self.train_task = p.task
        self.w.train_label.setText(counter)
        self.w.train_label.setToolTip(counter_tip(label))
        self.w.training_view.set_train_task(label)
        self.w.style_label.setText(status_line(label, p.stage or "zero", p.remaining))
        self.w.style_label.setToolTip("The style you revise with, its stage now, and kept edits until its training.")
        if p.remaining == 0 and self.w.services.settings.auto_train:
            # The flywheel's policy decides on the training thread (it may be running, or unable to run).
            self.w.services.training.auto_train(p.task, p.threshold)

    def _on_decided(self, decision: dict) -> None:
        """What became of "Train now", the threshold trigger or the start-up resume, in words."""
        message = decision.get("message") or ""
        if message:
            self._message(message, 15000)
            self.w.training_view.say(message)

    def _on_failed(self, failure: dict) -> None:
        """A training ended in failure: the status bar and the training view say so, with its log."""
        text = failure_text(failure)
        self._message(text)
        self.w.training_view.show_failure(text, failure.get("log"))
        btn = self.failed_btn or self._failed_button()
        btn.setProperty("log", failure.get("log") or "")
        btn.setToolTip(text)
        btn.show()

    def _failed_button(self) -> QPushButton:
        btn = self.failed_btn = QPushButton("Training failed: open its log")
        btn.setObjectName("trainingFailedButton")
        btn.setFlat(True)
        btn.clicked.connect(lambda: btn.property("log") and open_log(btn.property("log")))
        self.w.statusBar().addPermanentWidget(btn)
        return btn

    def _on_resumed(self, found: dict) -> None:
        self._message(resumed_text(found), 8000)

    def train_now(self) -> None:
        """Train the task the counter shows; the answer (started, or why not) comes back as a decision."""
        if self.failed_btn is not None:
            self.failed_btn.hide()
        self.w.services.training.train_now(self.train_task, self.w.services.settings.train_threshold)
        self.w.training_dock.show()
        self.w.training_dock.raise_()

    def _on_promoted(self, name: str) -> None:
        w = self.w
        w.adapter_binding.refresh()
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "New personal adapter",
            f"The adapter “{name}” beat the previous stage on your held-out edits and is now "
            "in use for its task. You can switch adapters in the toolbar.",
            QMessageBox.StandardButton.Ok,
            w,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        w.last_dialog = box
        self._message(f"New adapter promoted: {name}", 10000)
        self.refresh_progress(self.train_task)
