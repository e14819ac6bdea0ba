"""Revise › Styles…: the styles (built-in presets and the user's) with their stage and counters,
and New…, Edit…, Rename…, Delete… and "What it has learned…" for the selected one.

All changes go through :class:`~draftwheel.app.styles.StylesController` (the same store and
flywheel functions as ``draftwheel styles``). After a change the dialog emits ``changed`` with the
key of the style concerned, and the window rebuilds its style actions (toolbar, Revise menu,
Ctrl+1…9). Deleting asks first and keeps the style's edits unless the user ticks the box; a style
whose adapter is in use or that is training now is refused with a message saying why.
"""

from __future__ import annotations

from draftwheel.app.styles import STAGE_WORDS, StylesController, window_text
from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    Signal,
)
from draftwheel.ui.style_form import CREATE, EDIT, RENAME, StyleFormDialog

COLUMNS = ("Style", "Keys", "Kind", "Stage", "Kept edits", "Until training")


class StylesDialog(QDialog):
    changed = Signal(str)  # the key of a style created, changed, renamed or deleted
    learned_requested = Signal(str)  # "What it has learned…" for this key

    def __init__(self, parent, controller: StylesController, adapter_in_use=lambda: ""):
        super().__init__(parent)
        self.setObjectName("stylesDialog")
        self.setWindowTitle("Styles")
        self.controller = controller
        self.adapter_in_use = adapter_in_use  # the adapter the user chose (a style using it is not deleted)
        self.rows: list = []  # flywheel.styles.StyleSummary, as shown
        self.form: StyleFormDialog | None = None  # the New/Edit/Rename form open now
        self.message_box: QMessageBox | None = None  # the last confirmation or refusal
        self.delete_edits_box: QCheckBox | None = None

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("stylesTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            self.table.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.edit())
        self.detail = QLabel()
        self.detail.setObjectName("styleDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)

        self.new_btn = self._button("&New…", self.new, "A style of your own: name, instruction, voice")
        self.edit_btn = self._button("&Edit…", self.edit, "Its instruction, voice and training settings")
        self.rename_btn = self._button("Re&name…", self.rename, "Its edits and adapters stay with it")
        self.delete_btn = self._button("&Delete…", self.delete, "Asks first; its edits are kept unless you say")
        self.learned_btn = self._button("What it has &learned…", self._learned, "Your recurring changes, its scores")
        close = self._button("Close", self.accept, "")
        buttons = QHBoxLayout()
        for b in (self.new_btn, self.edit_btn, self.rename_btn, self.delete_btn, self.learned_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        self.resize(860, 420)
        self.reload()

    def _button(self, text: str, slot, tip: str) -> QPushButton:
        b = QPushButton(text)
        b.setAutoDefault(False)
        b.clicked.connect(slot)
        if tip:
            b.setToolTip(tip)
        return b

    # -- the table -----------------------------------------------------------------------------
    def reload(self, select_key: str = "") -> None:
        key = select_key or self.selected_key()
        try:
            self.rows = self.controller.summaries()
        except DraftwheelError as exc:
            self.rows = []
            self.detail.setText(f"The styles could not be read: {exc}")
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            kind = "built-in" if r.builtin else "yours"
            due = "due now" if r.until_training == 0 else str(r.until_training)
            cells = (r.label, r.shortcut, kind, STAGE_WORDS.get(r.stage, r.stage), str(r.kept), due)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole, r.key)
                    item.setToolTip(r.instruction)
                self.table.setItem(i, col, item)
        keys = [r.key for r in self.rows]
        self.table.selectRow(keys.index(key) if key in keys else 0)
        self._update_buttons()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows and rows[0].row() < len(self.rows) else None

    def selected_key(self) -> str:
        s = self.selected()
        return s.key if s is not None else ""

    def select(self, key: str) -> None:
        keys = [r.key for r in self.rows]
        if key in keys:
            self.table.selectRow(keys.index(key))

    def _update_buttons(self) -> None:
        s = self.selected()
        mine = s is not None and not s.builtin
        for b in (self.rename_btn, self.delete_btn):
            b.setEnabled(mine)
            b.setToolTip("" if mine else "A built-in style cannot be renamed or deleted.")
        self.edit_btn.setEnabled(s is not None)
        self.learned_btn.setEnabled(s is not None)
        if s is None:
            self.detail.setText("")
            return
        auto = "trains automatically" if s.auto_train else "automatic training off"
        # (a style's instruction as the model sees it already ends with its voice)
        self.detail.setText(f"{s.instruction}\nTrains after {s.train_threshold} kept edits, {auto}; key “{s.key}”.")

    # -- New, Edit, Rename ---------------------------------------------------------------------
    def _open_form(self, mode: str, submit, style=None) -> StyleFormDialog | None:
        presets = [(r.key, r.label) for r in self.rows if r.builtin]
        current = None
        if style is not None:
            try:
                current = self.controller.form_of(style.key)
            except DraftwheelError as exc:
                self.detail.setText(str(exc))
                return None
        builtin = bool(style is not None and style.builtin)
        form = StyleFormDialog(self, submit, presets, self.controller.default_threshold, mode, current, builtin)
        form.accepted.connect(lambda: self._done(form))
        form.setWindowModality(Qt.WindowModality.WindowModal)
        form.open()
        self.form = form
        return form

    def _done(self, form: StyleFormDialog) -> None:
        entry = form.result_value
        key = entry.key if entry is not None else self.selected_key()
        self.reload(key)
        self.changed.emit(key)

    def new(self) -> StyleFormDialog | None:
        return self._open_form(CREATE, self.controller.create)

    def edit(self) -> StyleFormDialog | None:
        s = self.selected()
        if s is None:
            return None
        return self._open_form(EDIT, lambda form, key=s.key: self.controller.update(key, form), s)

    def rename(self) -> StyleFormDialog | None:
        s = self.selected()
        if s is None or s.builtin:
            return None
        return self._open_form(RENAME, lambda form, key=s.key: self.controller.rename(key, form.name), s)

    # -- Delete ----------------------------------------------------------------------------------
    def _box(self, icon, title: str, text: str, buttons) -> QMessageBox:
        box = QMessageBox(icon, title, text, buttons, self)
        box.setObjectName("stylesMessage")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        return box

    def delete(self) -> QMessageBox | None:
        """Ask (or say why not); the answer deletes through the controller."""
        s = self.selected()
        if s is None or s.builtin:
            return None
        in_use = self.adapter_in_use()
        try:
            name, n_edits = self.controller.check_delete(s.key, in_use)
        except DraftwheelError as exc:
            box = self._box(
                QMessageBox.Icon.Warning, "Style not deleted", window_text(exc), QMessageBox.StandardButton.Ok
            )
            box.open()
            return box
        kept = (
            f"Its {n_edits} edit{'s' * (n_edits != 1)} are kept (under its old key, no longer trained) unless you "
            "tick the box."
            if n_edits
            else "It has no edits yet."
        )
        box = self._box(
            QMessageBox.Icon.Question,
            "Delete style",
            f"Delete the style “{name}”? {kept} Its adapters, if any, are kept.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        tick = QCheckBox(f"Also delete its {n_edits} edit{'s' * (n_edits != 1)} (this cannot be undone)")
        tick.setObjectName("deleteEditsBox")
        if n_edits:
            box.setCheckBox(tick)
        self.delete_edits_box = tick
        box.finished.connect(lambda result, key=s.key: self._answered(result, key, tick.isChecked(), in_use))
        box.open()
        return box

    def _answered(self, result: int, key: str, delete_edits: bool, in_use: str) -> None:
        if result != QMessageBox.StandardButton.Yes:
            return
        try:
            out = self.controller.delete(key, delete_edits=delete_edits, adapter_in_use=in_use)
        except DraftwheelError as exc:
            self._box(
                QMessageBox.Icon.Warning, "Style not deleted", window_text(exc), QMessageBox.StandardButton.Ok
            ).open()
            return
        kept = f"{out['deleted_edits']} edits deleted" if delete_edits else f"its {out['edits']} edits kept"
        self.detail.setText(f"Deleted the style “{out['name']}”; {kept}.")
        self.reload()
        self.detail.setText(f"Deleted the style “{out['name']}”; {kept}.")
        self.changed.emit(key)

    def _learned(self) -> None:
        key = self.selected_key()
        if key:
            self.learned_requested.emit(key)
