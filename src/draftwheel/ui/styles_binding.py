"""The window's styles: "New style from instruction…", the Styles dialog, "What it has learned…",
and keeping the style actions (toolbar, Revise menu, Ctrl+1…9), the adapter switcher and the
status bar in step after a style is created, renamed or deleted.

A QObject child of the window (see :class:`~draftwheel.ui.adapter_binding.AdapterBinding` for why
the window is not kept in an attribute). The decisions are the controller's
(:class:`~draftwheel.app.styles.StylesController`); this object shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import QObject, Qt
from draftwheel.ui.review_binding import paragraph_cursor
from draftwheel.ui.window_actions import add_style_action, rebuild_style_actions
from draftwheel.workers.adapters import BASE

if TYPE_CHECKING:
    from draftwheel.ui.learned_dialog import LearnedDialog
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.styles_dialog import StylesDialog


class StylesBinding(QObject):
    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.dialog: StylesDialog | None = None
        self.learned_dialog: LearnedDialog | None = None

    @property
    def w(self) -> MainWindow:
        return cast("MainWindow", self.parent())

    def adapter_in_use(self) -> str:
        """The adapter the user chose in the switcher ("" for automatic or the base model)."""
        st = self.w.services.engine.status
        choice = st.choice if st is not None else self.w.services.settings.adapter
        return "" if choice in ("", BASE) else choice

    def new_style(self) -> None:
        """The custom instruction becomes a style of its own, with its action (and a shortcut while
        there are fewer than ten styles); its earlier edits join it."""
        w = self.w
        try:
            entry = w.styles.new_style_from(w.instruction.text())
        except DraftwheelError as exc:
            w.show_error("New style", str(exc))
            return
        add_style_action(w, entry)
        keys = f" ({entry.shortcut})" if entry.shortcut else ""
        w.statusBar().showMessage(f"New style “{entry.task.label}”{keys}: its edits train its own adapter.", 8000)

    def open_styles(self) -> StylesDialog:
        from draftwheel.ui.styles_dialog import StylesDialog

        dlg = StylesDialog(self.w, self.w.styles, self.adapter_in_use)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.changed.connect(self.styles_changed)
        dlg.learned_requested.connect(self.open_learned)
        dlg.finished.connect(lambda _result: self._closed("dialog"))
        dlg.open()
        self.dialog = dlg
        return dlg

    def _closed(self, which: str) -> None:
        # The dialogs delete themselves on close: forget them, so nothing touches a deleted widget.
        setattr(self, which, None)

    def current_paragraph(self) -> str:
        """The selection, or the paragraph at the cursor (what a revision would take)."""
        text = paragraph_cursor(self.w.editor).selectedText()
        return text.replace("\u2029", "\n").replace("\u2028", "\n")

    def open_learned(self, key: str = "") -> LearnedDialog | None:
        from draftwheel.ui.learned_dialog import LearnedDialog

        w = self.w
        key = key or w.last_task.name
        styles = [(e.key, e.task.label) for e in w.styles.toolbar()]
        if key not in dict(styles):
            w.statusBar().showMessage(
                "A custom instruction does not learn: make it a style (New style from instruction…), "
                "or pick a style in the box.",
                8000,
            )
            key = styles[0][0]
        settings = w.services.settings
        parent = self.dialog if self.dialog is not None else w
        dlg = LearnedDialog(
            parent, w.styles, styles, key, self.current_paragraph(), settings.fewshot_k, settings.fewshot_token_budget
        )
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.finished.connect(lambda _result: self._closed("learned_dialog"))
        dlg.open()
        self.learned_dialog = dlg
        return dlg

    def styles_changed(self, key: str) -> None:
        """A style was created, changed, renamed or deleted: the actions, switcher and counter follow."""
        w = self.w
        entries = rebuild_style_actions(w)
        if w.last_task.name == key:
            found = next((e for e in entries if e.key == key), None)
            if found is not None:
                w.last_task = found.task  # renamed: its new label
            else:  # deleted: back to the first style
                w.last_task = entries[0].task
                w.adapter_binding.style_changed()
        w.training_binding.refresh_progress()
