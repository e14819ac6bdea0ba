"""The review panel: the suggestion streams in as an inline word diff.

Deletions are red and struck through, insertions green. A click on a change
(or the change buttons) accepts or rejects it on its own; "Accept all" takes
the whole suggestion ("Accept the rest" once a change was decided: it never
overrides a rejection), "Edit" turns it into editable text first. When the
engine's output check refused every part of the answer, the panel says
"No good suggestion" and why, and shows the attempt only on request. A part
offered with a borderline meaning score (engine.meaning) is named under the
diff ("May change your meaning"), and Accept all asks before applying it. The
panel shows the :class:`~draftwheel.app.review.ReviewSession`'s state and
emits what the user decided; the window applies and logs it.
"""

from __future__ import annotations

from draftwheel.app.review import (
    ACCEPTED,
    EDITING,
    READY,
    REJECTED,
    STREAMING,
    ReviewSession,
    SuggestionDiff,
)
from draftwheel.ui.diff import diff_html
from draftwheel.ui.qt import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)

STAGE_NAMES = {"zero": "zero-shot", "few": "few-shot", "lora": "personal adapter"}


class ReviewPanel(QWidget):
    accept_all_requested = Signal()
    apply_requested = Signal()  # apply the per-change decisions (or the edited text)
    reject_requested = Signal()
    cancel_requested = Signal()
    decisions_changed = Signal()  # a change was accepted or rejected on its own

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session: ReviewSession | None = None
        self.setObjectName("reviewPanel")
        self.title = QLabel()
        self.title.setObjectName("reviewTitle")
        self.title.setWordWrap(True)
        self.diff_view = QTextBrowser()
        self.diff_view.setObjectName("diffView")
        self.diff_view.setOpenLinks(False)
        self.diff_view.anchorClicked.connect(self._on_anchor)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("suggestionEditor")
        self.editor.setPlaceholderText("Edit the suggestion, then accept it.")
        self.editor.textChanged.connect(self._on_edited)
        self.editor.hide()
        self.hint = QLabel()
        self.hint.setObjectName("reviewHint")
        self.hint.setWordWrap(True)
        self.meaning_label = QLabel()  # "may change your meaning", for a borderline suggestion
        self.meaning_label.setObjectName("meaningWarning")
        self.meaning_label.setWordWrap(True)
        self.meaning_label.setStyleSheet("color: #a35200; font-weight: bold;")
        self.meaning_label.hide()
        self.attempt_view = QPlainTextEdit()
        self.attempt_view.setObjectName("refusedAttempt")
        self.attempt_view.setReadOnly(True)
        self.attempt_view.hide()
        self.attempt_btn = QPushButton("Show the attempt")
        self.attempt_btn.setObjectName("showAttempt")
        self.attempt_btn.setToolTip("What the model wrote (not offered: it failed the output check)")
        self.attempt_btn.setCheckable(True)
        self.attempt_btn.toggled.connect(self._show_attempt)
        self.attempt_btn.hide()

        # The keys are the window's Revise menu actions (ui.window_actions.REVIEW_KEYS); the
        # buttons name them so the whole review can be done without the mouse.
        self.prev_btn = QPushButton("◀")
        self.prev_btn.setToolTip("Previous change (Alt+Up)")
        self.next_btn = QPushButton("▶")
        self.next_btn.setToolTip("Next change (Alt+Down)")
        self.keep_btn = QPushButton("Accept change (Alt+→)")
        self.keep_btn.setToolTip("Keep the highlighted change (Alt+Right)")
        self.drop_btn = QPushButton("Reject change (Alt+←)")
        self.drop_btn.setToolTip("Drop the highlighted change (Alt+Left)")
        self.prev_btn.clicked.connect(self.previous_change)
        self.next_btn.clicked.connect(self.next_change)
        self.keep_btn.clicked.connect(self.accept_change)
        self.drop_btn.clicked.connect(self.reject_change)
        change_row = QHBoxLayout()
        for b in (self.prev_btn, self.next_btn, self.keep_btn, self.drop_btn):
            change_row.addWidget(b)
        change_row.addStretch(1)

        self.accept_btn = QPushButton("Accept all")
        self.accept_btn.setToolTip("Replace the text with the whole suggestion (Ctrl+Return)")
        self.apply_btn = QPushButton("Apply")
        self.apply_btn.setToolTip("Apply the changes you kept (Ctrl+Shift+Return)")
        self.edit_btn = QPushButton("Edit…")
        self.edit_btn.setToolTip("Edit the suggestion before accepting it (Ctrl+E)")
        self.reject_btn = QPushButton("Reject")
        self.reject_btn.setToolTip("Keep your text as it was (Ctrl+Shift+Backspace, or Esc)")
        self.cancel_btn = QPushButton("Stop (Esc)")
        self.cancel_btn.setToolTip("Stop generating")
        self.accept_btn.setDefault(True)
        self.accept_btn.clicked.connect(self.accept_all_requested)
        self.apply_btn.clicked.connect(self.apply_requested)
        self.edit_btn.clicked.connect(self.start_editing)
        self.reject_btn.clicked.connect(self.reject_requested)
        self.cancel_btn.clicked.connect(self.cancel_requested)
        action_row = QHBoxLayout()
        for b in (self.accept_btn, self.apply_btn, self.edit_btn, self.reject_btn, self.cancel_btn):
            action_row.addWidget(b)
        action_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.diff_view, 3)
        layout.addWidget(self.editor, 2)
        layout.addLayout(change_row)
        layout.addWidget(self.hint)
        layout.addWidget(self.meaning_label)
        layout.addWidget(self.attempt_btn)
        layout.addWidget(self.attempt_view, 2)
        layout.addLayout(action_row)
        self._update_buttons()

    # -- driving ----------------------------------------------------------
    def begin(self, session: ReviewSession) -> None:
        self.session = session
        self.editor.hide()
        self._reset_attempt()
        self.title.setText(f"<b>{session.task.label}</b> — generating…")
        self.diff_view.setHtml(diff_html(SuggestionDiff(session.original, session.original)))
        self.hint.setText("The suggestion streams in here. Esc stops it.")
        self._update_buttons()

    def add_text(self) -> None:
        """New streamed text arrived in the session: redraw."""
        if self.session is None:
            return
        self.diff_view.setHtml(diff_html(self.session.live_diff()))
        bar = self.diff_view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def finished(self) -> None:
        s = self.session
        if s is None or s.suggestion is None:
            return
        sug = s.suggestion
        stage = STAGE_NAMES.get(sug.stage, sug.stage)
        n = s.changes
        adapter = f" · {sug.adapter}" if sug.adapter else ""
        stats = f"{stage}{adapter} · {sug.output_tokens} tokens, {sug.tokens_per_s:.0f} tokens/s"
        if s.meaning is not None and s.no_good is None:
            stats += f" · meaning kept {s.meaning:.2f}"
        if s.no_good is not None:
            self.title.setText(f"<b>{s.task.label}</b> — {stats}")
            self.hint.setText(f"No good suggestion: {s.no_good}. Your text is unchanged.")
            self.attempt_view.setPlainText(s.attempt)
            self.attempt_btn.show()
        else:
            self.title.setText(f"<b>{s.task.label}</b> — {stats} · {n} change{'s' * (n != 1)}")
            self.meaning_label.setText(s.meaning_note)
            self.meaning_label.setVisible(bool(s.meaning_note))
            hint = (
                "The model suggests no changes."
                if n == 0
                else "Alt+Down/Up go from change to change, Alt+→ keeps one and Alt+← drops it (or click it); "
                "Accept all (Ctrl+Return) takes the rest, Esc keeps your text."
            )
            if s.rejected:
                k = len(s.rejected)
                hint += (
                    f" {k} part{'s' * (k != 1)} kept as written (the model's answer failed the "
                    f"output check: {s.rejected[0].reason})."
                )
                # What the model wrote for those parts, on request (never applied).
                self.attempt_view.setPlainText(s.attempt)
                self.attempt_btn.show()
            self.hint.setText(hint)
        self.redraw()
        self._update_buttons()

    def clear(self) -> None:
        self.session = None
        self.diff_view.clear()
        self.editor.hide()
        self._reset_attempt()
        self.title.clear()
        self.hint.clear()
        self._update_buttons()

    # -- per-change decisions --------------------------------------------
    def redraw(self) -> None:
        s = self.session
        if s is None:
            return
        if s.state == EDITING:
            self.diff_view.setHtml(diff_html(SuggestionDiff(s.original, s.edited_text or "")))
        elif s.diff is not None:
            self.diff_view.setHtml(diff_html(s.diff, current=s.current if s.diff.changes else None))
        self._update_buttons()

    def _on_anchor(self, url) -> None:
        s = self.session
        text = url.toString()
        if s is None or s.state != READY or not text.startswith("change:"):
            return
        s.toggle(int(text.split(":", 1)[1]))
        self.redraw()
        self.decisions_changed.emit()

    def go_to_change(self, step: int) -> None:  # not move(): that is QWidget.move(x, y)
        s = self.session
        if s is None or not s.changes:
            return
        s.move(step)
        self.redraw()

    def next_change(self) -> None:
        self.go_to_change(1)

    def previous_change(self) -> None:
        self.go_to_change(-1)

    def accept_change(self) -> None:
        self.decide(ACCEPTED)

    def reject_change(self) -> None:
        self.decide(REJECTED)

    def decide(self, decision: str) -> None:
        s = self.session
        if s is None or s.state != READY or not s.changes:
            return
        s.decide(decision)
        self.redraw()
        self.decisions_changed.emit()

    # -- editing -----------------------------------------------------------
    def start_editing(self) -> None:
        s = self.session
        if s is None or s.state != READY or not s.offers:
            return
        text = s.start_editing()
        self.editor.blockSignals(True)
        self.editor.setPlainText(text)
        self.editor.blockSignals(False)
        self.editor.show()
        self.editor.setFocus()
        self.hint.setText("Edit the text below; the diff above follows it. Apply (or Accept all) keeps it.")
        self.redraw()
        self._update_buttons()

    def _on_edited(self) -> None:
        s = self.session
        if s is None or s.state != EDITING:
            return
        s.edited_text = self.editor.toPlainText()
        self.redraw()

    def _update_buttons(self) -> None:
        s = self.session
        streaming = s is not None and s.state == STREAMING
        offers = s is not None and s.offers
        ready = s is not None and offers and s.state == READY
        editing = s is not None and offers and s.state == EDITING
        refused = s is not None and s.state == READY and s.no_good is not None
        has_changes = s is not None and ready and bool(s.changes)
        for b in (self.prev_btn, self.next_btn, self.keep_btn, self.drop_btn):
            b.setEnabled(has_changes)
        self.accept_btn.setText(s.accept_label if s is not None else "Accept all")
        self.accept_btn.setToolTip(
            "Apply every change you did not reject (Ctrl+Return)"
            if s is not None and ready and s.decided
            else "Replace the text with the whole suggestion (Ctrl+Return)"
        )
        self.accept_btn.setEnabled(ready or editing)
        self.apply_btn.setEnabled(ready or editing)
        self.edit_btn.setEnabled(ready)
        self.reject_btn.setEnabled(ready or editing or refused)
        self.reject_btn.setText("Close" if refused else "Reject")
        self.cancel_btn.setEnabled(streaming)
        self.cancel_btn.setVisible(streaming)
        self.diff_view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def confirm(self, question: str) -> bool:
        """Ask before Accept all applies a suggestion that may change the meaning (a modal dialog)."""
        box = QMessageBox(QMessageBox.Icon.Warning, "May change your meaning", question, parent=self)
        box.setObjectName("meaningConfirm")
        accept = box.addButton("Accept all", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Go back", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(accept)
        box.exec()
        return box.clickedButton() is accept

    # -- a refused answer ---------------------------------------------------
    def _show_attempt(self, on: bool) -> None:
        self.attempt_view.setVisible(on)
        self.attempt_btn.setText("Hide the attempt" if on else "Show the attempt")

    def _reset_attempt(self) -> None:
        self.attempt_btn.blockSignals(True)
        self.attempt_btn.setChecked(False)
        self.attempt_btn.blockSignals(False)
        self.attempt_btn.setText("Show the attempt")
        self.attempt_btn.hide()
        self.attempt_view.clear()
        self.attempt_view.hide()
        self.meaning_label.clear()
        self.meaning_label.hide()
