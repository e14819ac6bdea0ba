"""The form of one style: name, instruction, voice, the preset it starts from, training settings.

Used to create a style, edit one, or only rename it. The form is handed to a ``submit`` callable
(a :class:`~draftwheel.app.styles.StylesController` method); a refusal (an empty, duplicate or
path-like name, a missing instruction) is shown inside the dialog, which stays open with
everything typed kept, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from draftwheel.app.styles import StyleForm, window_text
from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
)

CREATE, EDIT, RENAME = "create", "edit", "rename"
_TITLES = {CREATE: "New style", EDIT: "Edit style", RENAME: "Rename style"}


def _text_box(placeholder: str, lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)  # Tab leaves the box: the form stays keyboard reachable
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


class StyleFormDialog(QDialog):
    """``submit(form)`` creates or changes the style; what it returns is kept as ``result_value``."""

    def __init__(
        self,
        parent,
        submit: Callable[[StyleForm], Any],
        presets: list[tuple[str, str]],
        default_threshold: int,
        mode: str = CREATE,
        current: StyleForm | None = None,  # the style as it is, when editing or renaming
        builtin: bool = False,
    ):
        super().__init__(parent)
        self.setObjectName("styleFormDialog")
        self.setWindowTitle(_TITLES[mode])
        self.mode, self.submit, self.result_value = mode, submit, None
        self.presets = dict(presets)

        self.name = QLineEdit()
        self.name.setObjectName("styleName")
        self.name.setPlaceholderText("e.g. Work e-mail")
        self.name.setMaxLength(64)
        self.instruction = _text_box("What should the model do with your text? e.g. Rewrite as a short work e-mail.", 3)
        self.instruction.setObjectName("styleInstruction")
        self.description = _text_box("Optional: the voice, in your words, e.g. warm, plain, no jargon.", 2)
        self.description.setObjectName("styleVoice")
        self.base = QComboBox()
        self.base.setObjectName("styleBase")
        self.base.addItem("None (the instruction alone)", "")
        for key, label in presets:
            self.base.addItem(label, key)
        self.base.currentIndexChanged.connect(self._base_changed)
        self.threshold = QSpinBox()
        self.threshold.setObjectName("styleThreshold")
        self.threshold.setRange(0, 100_000)
        self.threshold.setSpecialValueText(f"Default ({default_threshold})")
        self.threshold.setSuffix(" kept edits")
        self.threshold.setToolTip("Kept (accepted or edited) suggestions of this style that start its training.")
        self.auto_train = QCheckBox("Train automatically when the threshold is reached")
        self.auto_train.setObjectName("styleAutoTrain")
        self.auto_train.setChecked(True)
        self.error = QLabel()
        self.error.setObjectName("styleFormError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #a40000;")
        self.error.hide()

        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&Instruction:", self.instruction)
        form.addRow("&Voice:", self.description)
        form.addRow("&Starts from:", self.base)
        form.addRow("&Trains after:", self.threshold)
        form.addRow("", self.auto_train)
        self.form = form
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText({CREATE: "Create", EDIT: "Save", RENAME: "Rename"}[mode])
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if builtin:
            note = QLabel("A built-in style keeps its name and instruction; its training settings are yours.")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        if current is not None:
            self._fill(current)
        if mode == RENAME:
            for row in (self.instruction, self.description, self.base, self.threshold, self.auto_train):
                form.setRowVisible(row, False)
        for fixed in (self.name, self.instruction, self.description, self.base):
            fixed.setEnabled(not builtin)
        if builtin:
            self.threshold.setFocus()
        else:
            self.name.setFocus()
            self.name.selectAll()
        self.resize(520, self.sizeHint().height())

    def _fill(self, current: StyleForm) -> None:
        self.name.setText(current.name)
        self.instruction.setPlainText(current.instruction)
        self.description.setPlainText(current.description)
        self.base.setCurrentIndex(max(0, self.base.findData(current.base_preset or "")))
        self.threshold.setValue(current.threshold or 0)
        self.auto_train.setChecked(current.auto_train)

    def _base_changed(self, _index: int) -> None:
        key = self.base.currentData() or ""
        hint = "What should the model do with your text? e.g. Rewrite as a short work e-mail."
        if key:
            hint = f"Empty: the instruction of “{self.base.currentText()}”."
        self.instruction.setPlaceholderText(hint)

    def form_value(self) -> StyleForm:
        return StyleForm(
            name=self.name.text(),
            instruction=self.instruction.toPlainText(),
            description=self.description.toPlainText(),
            base_preset=self.base.currentData() or None,
            threshold=self.threshold.value() or None,
            auto_train=self.auto_train.isChecked(),
        )

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def try_accept(self) -> None:
        """Submit; on a refusal say why inside the dialog and keep it open (nothing typed is lost)."""
        try:
            self.result_value = self.submit(self.form_value())
        except DraftwheelError as exc:
            self.show_error(window_text(exc))
            if "name" in exc.message.lower():
                self.name.setFocus()
                self.name.selectAll()
            return
        self.accept()
