"""The review panel: the suggestion streams in as an inline word diff.

Deletions are red and struck through, insertions green. A click on a change
(or the change buttons) accepts or rejects it on its own; "Accept all" takes
the whole suggestion, "Edit" turns it into editable text first. The panel only
shows state and emits what the user decided; the window applies and logs it.
"""

from __future__ import annotations

from draftwheel.ui.diff import ACCEPTED, REJECTED, SuggestionDiff
from draftwheel.ui.qt import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)
from draftwheel.ui.review_session import EDITING, READY, STREAMING, ReviewSession

STAGE_NAMES = {"zero": "zero-shot", "few": "few-shot", "lora": "personal adapter"}


class ReviewPanel(QWidget):
    accept_all_requested = Signal()
    apply_requested = Signal()  # apply the per-change decisions (or the edited text)
    reject_requested = Signal()
    cancel_requested = Signal()

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

        self.prev_btn = QPushButton("◀")
        self.prev_btn.setToolTip("Previous change")
        self.next_btn = QPushButton("▶")
        self.next_btn.setToolTip("Next change")
        self.keep_btn = QPushButton("Accept change")
        self.drop_btn = QPushButton("Reject change")
        self.prev_btn.clicked.connect(lambda: self.move(-1))
        self.next_btn.clicked.connect(lambda: self.move(1))
        self.keep_btn.clicked.connect(lambda: self.decide(ACCEPTED))
        self.drop_btn.clicked.connect(lambda: self.decide(REJECTED))
        change_row = QHBoxLayout()
        for b in (self.prev_btn, self.next_btn, self.keep_btn, self.drop_btn):
            change_row.addWidget(b)
        change_row.addStretch(1)

        self.accept_btn = QPushButton("Accept all")
        self.accept_btn.setToolTip("Replace the text with the whole suggestion (Ctrl+Return)")
        self.apply_btn = QPushButton("Apply")
        self.apply_btn.setToolTip("Apply the changes you kept")
        self.edit_btn = QPushButton("Edit…")
        self.edit_btn.setToolTip("Edit the suggestion before accepting it")
        self.reject_btn = QPushButton("Reject")
        self.reject_btn.setToolTip("Keep your text as it was")
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
        layout.addLayout(action_row)
        self._update_buttons()

    # -- driving ----------------------------------------------------------
    def begin(self, session: ReviewSession) -> None:
        self.session = session
        self.editor.hide()
        self.title.setText(f"<b>{session.task.label}</b> — generating…")
        self.diff_view.setHtml(SuggestionDiff(session.original, session.original).to_html())
        self.hint.setText("The suggestion streams in here. Esc stops it.")
        self._update_buttons()

    def add_text(self) -> None:
        """New streamed text arrived in the session: redraw."""
        if self.session is None:
            return
        self.diff_view.setHtml(self.session.live_diff().to_html())
        bar = self.diff_view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def finished(self) -> None:
        s = self.session
        if s is None or s.suggestion is None:
            return
        sug = s.suggestion
        stage = STAGE_NAMES.get(sug.stage, sug.stage)
        n = len(s.diff.changes) if s.diff else 0
        adapter = f" · {sug.adapter}" if sug.adapter else ""
        self.title.setText(f"<b>{s.task.label}</b> — {stage}{adapter} · {n} change{'s' * (n != 1)} · "
                           f"{sug.output_tokens} tokens, {sug.tokens_per_s:.0f} tokens/s")
        if n == 0:
            self.hint.setText("The model suggests no changes.")
        else:
            self.hint.setText("Click a change to keep or drop it; Accept all (Ctrl+Return) takes everything.")
        s.current = 0
        self.redraw()
        self._update_buttons()

    def clear(self) -> None:
        self.session = None
        self.diff_view.clear()
        self.editor.hide()
        self.title.clear()
        self.hint.clear()
        self._update_buttons()

    # -- per-change decisions --------------------------------------------
    def redraw(self) -> None:
        s = self.session
        if s is None:
            return
        if s.state == EDITING:
            self.diff_view.setHtml(SuggestionDiff(s.original, s.edited_text or "").to_html())
        elif s.diff is not None:
            self.diff_view.setHtml(s.diff.to_html(current=s.current if s.diff.changes else None))

    def _on_anchor(self, url) -> None:
        s = self.session
        text = url.toString()
        if s is None or s.state != READY or s.diff is None or not text.startswith("change:"):
            return
        n = int(text.split(":", 1)[1])
        s.current = n
        s.diff.toggle(n)
        self.redraw()

    def move(self, step: int) -> None:
        s = self.session
        if s is None or s.diff is None or not s.diff.changes:
            return
        s.current = (s.current + step) % len(s.diff.changes)
        self.redraw()

    def decide(self, decision: str) -> None:
        s = self.session
        if s is None or s.state != READY or s.diff is None or not s.diff.changes:
            return
        s.diff.set_decision(s.current, decision)
        if s.current < len(s.diff.changes) - 1:
            s.current += 1
        self.redraw()

    # -- editing -----------------------------------------------------------
    def start_editing(self) -> None:
        s = self.session
        if s is None or s.state != READY:
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
        ready = s is not None and s.state == READY
        editing = s is not None and s.state == EDITING
        has_changes = ready and s.diff is not None and bool(s.diff.changes)
        for b in (self.prev_btn, self.next_btn, self.keep_btn, self.drop_btn):
            b.setEnabled(has_changes)
        self.accept_btn.setEnabled(ready or editing)
        self.apply_btn.setEnabled(ready or editing)
        self.edit_btn.setEnabled(ready)
        self.reject_btn.setEnabled(ready or editing)
        self.cancel_btn.setEnabled(streaming)
        self.cancel_btn.setVisible(streaming)
        self.diff_view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
