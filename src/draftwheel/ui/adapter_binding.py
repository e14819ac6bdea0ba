"""The model and adapter fields of the window: loading, the adapter switcher and its status text.

Which adapter runs is the engine worker's and the flywheel's decision; this object shows it
and passes the user's choice on. It is a QObject child of the window, so the engine's signals
stop reaching it when the window is deleted.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from draftwheel.app.styles import for_style
from draftwheel.app.window_text import adapter_text
from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import QObject, Qt
from draftwheel.workers.adapters import BASE, list_choices
from draftwheel.workers.engine_worker import EngineStatus

if TYPE_CHECKING:
    from draftwheel.ui.main_window import MainWindow

log = logging.getLogger(__name__)


class AdapterBinding(QObject):
    def __init__(self, window: MainWindow):
        super().__init__(window)
        eng = window.services.engine
        eng.loading.connect(self._on_loading)
        eng.loaded.connect(self.on_loaded)
        eng.load_failed.connect(self._on_load_failed)
        window.adapter_box.activated.connect(self._on_adapter_chosen)
        self.choices: list = []  # every adapter; the box shows the current style's (app.styles.for_style)
        eng.adapter_changed.connect(self._on_adapter_changed)
        eng.adapter_failed.connect(self._on_adapter_failed)

    @property
    def w(self) -> MainWindow:
        # The window is this object's Qt parent; it is not kept in an attribute, since a reference cycle
        # would leave the window's deletion to Python's cyclic collector, on whichever thread runs it.
        return cast("MainWindow", self.parent())

    def _message(self, text: str, ms: int = 0) -> None:
        self.w.statusBar().showMessage(text, ms)

    # -- model -----------------------------------------------------------------
    def _on_loading(self, message: str) -> None:
        self.w.model_label.setText("Loading model…")
        self._message(message)

    def on_loaded(self, st: EngineStatus) -> None:
        self.w.model_label.setText(f"Model: {st.model}")
        self._show(st)
        self._message(f"Model {st.model} ready ({st.n_threads} threads).", 5000)

    def _on_load_failed(self, message: str) -> None:
        self.w.model_label.setText("Model: not loaded")
        self._message("The model could not be loaded.")
        self.w.show_error(
            "The model could not be loaded",
            f"{message}\n\nYou can keep writing and saving. Open Settings (Ctrl+,) to choose "
            "another model or add a GGUF file.",
        )

    # -- adapters --------------------------------------------------------------
    def refresh(self) -> None:
        self.w.services.store.submit(list_choices, self.w.paths, on_done=self.fill)

    def fill(self, choices) -> None:
        self.choices = list(choices)
        box = self.w.adapter_box
        st = self.w.services.engine.status
        chosen = st.choice if st else self.w.services.settings.adapter
        box.blockSignals(True)
        box.clear()
        box.addItem("Automatic", "")
        box.setItemData(
            0, "The style's promoted personal adapter, if it has one; else the base model", Qt.ItemDataRole.ToolTipRole
        )
        box.addItem("Base model", BASE)
        for c in for_style(self.choices, self.w.last_task.name, chosen):
            box.addItem(f"{c.name} ★" if c.promoted else c.name, c.name)
            box.setItemData(
                box.count() - 1, f"Style: {c.task}" + (" · promoted" if c.promoted else ""), Qt.ItemDataRole.ToolTipRole
            )
        box.blockSignals(False)
        self._select(chosen)

    def style_changed(self) -> None:
        """The user revises in another style: the switcher lists that style's adapters."""
        self.fill(self.choices)

    def _select(self, choice: str) -> None:
        box = self.w.adapter_box
        i = box.findData(choice)
        if i >= 0:
            box.blockSignals(True)
            box.setCurrentIndex(i)
            box.blockSignals(False)

    def _show(self, st: EngineStatus) -> None:
        self.w.adapter_label.setText(adapter_text(st.choice, st.adapter))
        self._select(st.choice)

    def _on_adapter_chosen(self, index: int) -> None:
        self.use(self.w.adapter_box.itemData(index) or "")

    def use(self, choice: str) -> None:
        """Switch adapters on the engine thread: "" automatic, "base", or an adapter's name."""
        if not self.w.services.engine.ready:
            self._message("The model is still loading; choose the adapter again when it is ready.", 5000)
            return
        self.w.adapter_label.setText(f"Adapter: switching to {choice or 'automatic'}…")
        self.w.services.engine.choose_adapter(choice)

    def _on_adapter_changed(self, st: EngineStatus) -> None:
        self._show(st)
        try:
            self.w.services.update_settings(adapter=st.choice)
        except (OSError, DraftwheelError) as exc:
            log.warning("could not remember the adapter choice: %s", exc)

    def _on_adapter_failed(self, message: str) -> None:
        st = self.w.services.engine.status
        if st is not None:
            self._show(st)
        self.w.show_error("The adapter could not be used", message)
