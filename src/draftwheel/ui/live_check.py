"""Live spelling and grammar checking in the editor: wavy underlines from Harper, checked off the GUI thread.

:class:`RuleHighlighter` (a ``QSyntaxHighlighter``: the underlines are layout formats, never part
of the text, its undo stack or its modified flag) draws what :class:`~draftwheel.app.live_check.LiveCheck`
knows for each paragraph and queues the paragraphs it does not know yet. :class:`LiveCheckBinding`
sends the queue to the rules thread in batches ~400 ms after the last keystroke, one batch at a
time, and carries out the actions (next problem, accept, ignore, dictionary). The decisions are
in ``app/live_check.py``; the tooltip and the context menu in ``ui/live_check_menu.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from draftwheel.app import live_check as lc
from draftwheel.config import Settings
from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import (
    QAction,
    QColor,
    QKeySequence,
    QObject,
    QSyntaxHighlighter,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTimer,
    Signal,
)
from draftwheel.ui.status_bar import FittedLabel

if TYPE_CHECKING:
    from draftwheel.ui.main_window import MainWindow

DEBOUNCE_MS = 400  # after the last keystroke, the changed paragraphs are checked
SPELLING_COLOUR = "#d32f2f"
GRAMMAR_COLOUR = "#1565c0"

# attribute on the binding, text, method, shortcut, status tip
ACTIONS = (
    ("next_act", "&Next problem", "next_problem", "F8", "Go to the next spelling or grammar problem"),
    ("previous_act", "&Previous problem", "previous_problem", "Shift+F8", "Go to the previous problem"),
    ("accept_act", "&Accept suggestion", "accept_fix", "Alt+Return", "Replace the problem at the cursor"),
    ("ignore_act", "&Ignore problem", "ignore", "Ctrl+F8", "Stop underlining this problem here"),
    ("ignore_all_act", "Ignore &everywhere", "ignore_everywhere", "Ctrl+Shift+F8", "Never underline it again"),
    ("add_word_act", "Add to &dictionary", "add_to_dictionary", None, "Accept this spelling from now on"),
)


def _underline(colour: str) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
    fmt.setUnderlineColor(QColor(colour))
    return fmt


class RuleHighlighter(QSyntaxHighlighter):
    """Underlines the known problems of each paragraph; queues the paragraphs not checked yet."""

    needed = Signal()  # a paragraph waits for its check

    def __init__(self, document):
        super().__init__(document)
        self.live = lc.LiveCheck()
        self.enabled = True
        self.too_long = False
        self.blocks: dict[str, list[QTextBlock]] = {}  # queued text -> the blocks showing it
        self.shown: dict[int, lc.ParagraphCheck] = {}  # block number -> what it shows now
        self.formats = {True: _underline(SPELLING_COLOUR), False: _underline(GRAMMAR_COLOUR)}

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt name)
        block = self.currentBlock()
        number = block.blockNumber()
        if not self.enabled or not text.strip():
            self.shown.pop(number, None)
            return
        self.too_long = self.document().characterCount() > lc.MAX_DOCUMENT_CHARS
        if self.too_long:
            return
        found = self.live.lookup(text)
        if found is None:
            self.blocks.setdefault(text, []).append(QTextBlock(block))
            self.live.want(text)
            self.needed.emit()
            old = self.shown.get(number)
            found = lc.carry_over(old, text) if old is not None else None
        if found is None:
            self.shown.pop(number, None)
            return
        self.shown[number] = found
        qt = lc.utf16_offsets(text)
        for issue in found.issues:
            start = qt(issue.start)
            self.setFormat(start, qt(issue.end) - start, self.formats[lc.is_spelling(issue)])

    def wanted(self, text: str) -> bool:
        """Some paragraph of the document still shows ``text`` (else its answer is stale)."""
        blocks = [b for b in self.blocks.get(text, ()) if b.isValid() and b.text() == text]
        if blocks:
            self.blocks[text] = blocks
        else:
            self.blocks.pop(text, None)
        return bool(blocks)

    def refresh(self, texts, scan: bool = False) -> None:
        """Underline again the queued paragraphs showing ``texts`` (their answers arrived); with
        ``scan``, every paragraph of the document showing one of them (an ignore changed them)."""
        texts = set(texts)
        for text in texts:
            for block in self.blocks.pop(text, ()):
                if block.isValid() and block.text() == text:
                    self.rehighlightBlock(block)
        if scan and texts:
            block = self.document().firstBlock()
            while block.isValid():
                if block.text() in texts:
                    self.rehighlightBlock(block)
                block = block.next()

    def check_at(self, block: QTextBlock) -> lc.ParagraphCheck | None:
        return self.live.cache.get(block.text()) if self.enabled else None


class LiveCheckBinding(QObject):
    def __init__(self, window: MainWindow):
        super().__init__(window)
        from draftwheel.ui.live_check_menu import install_menu

        services = window.services
        self.memory = lc.RulesMemory(services.paths.rules_file)
        self.rules = services.rules
        self.highlighter = RuleHighlighter(window.editor.document())
        self.highlighter.enabled = bool(services.settings.live_check)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.flush)
        self.highlighter.needed.connect(self.timer.start)  # restarted by every keystroke: a pause checks
        self.in_flight = 0
        self.label = FittedLabel("")
        self.label.setObjectName("checkLabel")
        self.actions: dict[str, QAction] = {}
        for attr, text, method, shortcut, tip in ACTIONS:
            act = QAction(text, window)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.setStatusTip(tip)
            act.triggered.connect(getattr(self, method))
            self.actions[attr] = act
        self.toggle_act = QAction("Check spelling and grammar as I &type", window)
        self.toggle_act.setCheckable(True)
        self.toggle_act.setChecked(self.highlighter.enabled)
        self.toggle_act.toggled.connect(self.set_enabled)
        self.rules.add_words(self.memory.words)
        self.rules.warm_up()
        services.watch.changed.connect(self.follow_settings)
        self.menu = install_menu(self)
        if self.memory.problem:
            note = self.memory.problem
            QTimer.singleShot(0, lambda: self._message(note, 15000))

    @property
    def w(self) -> MainWindow:
        return cast("MainWindow", self.parent())

    def _message(self, text: str, ms: int = 4000) -> None:
        self.w.statusBar().showMessage(text, ms)

    # -- checking ------------------------------------------------------------------
    def flush(self) -> None:
        """Send the next batch of queued paragraphs (one batch in flight at a time: typing goes first)."""
        if self.in_flight or not self.highlighter.enabled:
            return
        h = self.highlighter
        batch = h.live.next_batch(h.wanted, first=self.w.editor.textCursor().block().text())
        if not batch:
            self._update_label()
            return
        self.in_flight += 1
        generation = h.live.generation

        def done(results: list[lc.ParagraphCheck]) -> None:
            self._on_checked(results, generation)

        self.rules.check(batch, self.memory.snapshot(), on_done=done, on_error=self._on_failed)
        self.label.setText("Checking…")

    def _on_checked(self, results: list[lc.ParagraphCheck], generation: int) -> None:
        h = self.highlighter
        # The window may have closed while the batch was checked: then the document and its blocks are
        # gone, and this Qt call raises "already deleted" (the worker's callback stops there) before
        # any QTextBlock of the freed document is touched.
        h.document()
        self.in_flight -= 1
        h.refresh(h.live.receive(results, generation, h.wanted))
        self.flush()

    def _on_failed(self, message: str) -> None:
        self.highlighter.document()  # raises when the window is gone (see _on_checked)
        self.in_flight -= 1
        self.label.setText("Not checked")
        self.label.setToolTip(message)
        self._message(f"Spelling and grammar could not be checked: {message}", 15000)

    def _update_label(self) -> None:
        h = self.highlighter
        if not h.enabled:
            self.label.setText("")
            return
        texts = self._texts()
        if h.too_long:
            note: str | None = lc.TOO_LONG_NOTE
        else:
            note = lc.document_note(texts, h.live)
        if note:
            if self.label.toolTip() != note:
                self._message(note, 10000)
            self.label.setText("Not checked")
            self.label.setToolTip(note)
            return
        count = sum(len(f.issues) for f in map(h.live.cache.get, texts) if f is not None)
        self.label.setText(f"{count} problem{'s' if count != 1 else ''}" if count else "No problems")
        self.label.setToolTip("Spelling and grammar, checked as you type. F8: next problem, Alt+Return: fix it.")

    def _texts(self) -> list[str]:
        out = []
        block = self.w.editor.document().firstBlock()
        while block.isValid():
            out.append(block.text())
            block = block.next()
        return out

    # -- settings ------------------------------------------------------------------
    def set_enabled(self, on: bool) -> None:
        on = bool(on)
        services = self.w.services
        if services.settings.live_check != on:
            try:
                services.update_settings(live_check=on)
            except (OSError, DraftwheelError) as exc:
                self.w.show_error("The setting could not be saved", str(exc))
        self.toggle_act.blockSignals(True)
        self.toggle_act.setChecked(on)
        self.toggle_act.blockSignals(False)
        for act in self.actions.values():
            act.setEnabled(on)
        if on != self.highlighter.enabled:
            self.highlighter.enabled = on
            self.highlighter.rehighlight()
        self._update_label()

    def follow_settings(self, settings: Settings) -> None:
        if bool(settings.live_check) != self.highlighter.enabled:
            self.set_enabled(settings.live_check)

    # -- the problem at the cursor -------------------------------------------------
    def problem_at(
        self, cursor: QTextCursor | None = None
    ) -> tuple[QTextBlock, lc.ParagraphCheck, lc.RuleIssue] | None:
        cursor = cursor or self.w.editor.textCursor()
        pos = cursor.selectionStart()
        block = self.w.editor.document().findBlock(pos)
        found = self.highlighter.check_at(block)
        if found is None:
            return None
        issue = found.at(lc.from_utf16(block.text(), pos - block.position()))
        return (block, found, issue) if issue is not None else None

    def _select(self, block: QTextBlock, issue: lc.RuleIssue) -> None:
        text = block.text()
        c = QTextCursor(block)
        c.setPosition(block.position() + lc.to_utf16(text, issue.start))
        c.setPosition(block.position() + lc.to_utf16(text, issue.end), QTextCursor.MoveMode.KeepAnchor)
        self.w.editor.setTextCursor(c)
        self.w.editor.ensureCursorVisible()
        self._message(lc.describe(issue).replace("\n", " — "), 8000)

    def next_problem(self, _checked: bool = False, backwards: bool = False) -> bool:
        """Select the next (or previous) underlined problem, wrapping around the document."""
        editor = self.w.editor
        cursor = editor.textCursor()
        pos = cursor.selectionStart() if backwards else cursor.selectionEnd()
        doc = editor.document()
        start = doc.findBlock(pos)
        block = start
        for lap in range(doc.blockCount() + 1):
            found = self.highlighter.check_at(block)
            if found is not None and found.issues:
                text = block.text()
                here = lc.from_utf16(text, pos - block.position()) if lap == 0 else None
                issues = list(reversed(found.issues)) if backwards else list(found.issues)
                for issue in issues:
                    if here is None or (issue.end <= here if backwards else issue.start >= here):
                        self._select(block, issue)
                        return True
            block = block.previous() if backwards else block.next()
            if not block.isValid():
                block = doc.lastBlock() if backwards else doc.firstBlock()
            pos = -1 if not backwards else 1 << 30
        self._message("No spelling or grammar problems found.", 4000)
        return False

    def previous_problem(self, _checked: bool = False) -> bool:
        return self.next_problem(backwards=True)

    # -- acting on it (logged to the store) ----------------------------------------
    def _refused(self) -> bool:
        if self.w.editor.isReadOnly():
            self._message("Finish the review first.", 4000)
            return True
        return False

    def accept_fix(self, _checked: bool = False, choice: int = 0) -> bool:
        """Replace the problem at the cursor by its ``choice``-th suggestion (one undo step, logged)."""
        at = self.problem_at()
        if at is None or self._refused():
            if at is None:
                self._message("No problem at the cursor (F8 goes to the next one).", 4000)
            return False
        block, _found, issue = at
        if not issue.replacements:
            self._message("This problem has no suggestion: edit it yourself, or ignore it.", 4000)
            return False
        text, base = block.text(), block.position()
        fx = lc.fix(text, issue, choice)
        new = text[: fx.start] + fx.replacement + text[fx.end :]
        c = QTextCursor(block)
        c.beginEditBlock()  # one undo step
        c.setPosition(base + lc.to_utf16(text, fx.start))
        c.setPosition(base + lc.to_utf16(text, fx.end), QTextCursor.MoveMode.KeepAnchor)
        c.insertText(fx.replacement)
        c.endEditBlock()
        self.w.editor.setTextCursor(c)
        self.w.services.store.log_outcome(fx.record)
        history = self.w.review_binding.history
        history.applied(fx.record, base + lc.to_utf16(new, fx.sentence_start), base + lc.to_utf16(new, fx.sentence_end))
        self._message(f"Fixed: “{issue.problem}” → “{fx.replacement}”.", 4000)
        return True

    def ignore(self, _checked: bool = False, everywhere: bool = False) -> bool:
        at = self.problem_at()
        if at is None:
            self._message("No problem at the cursor (F8 goes to the next one).", 4000)
            return False
        block, _found, issue = at
        text = block.text()
        self.memory.ignore(text, issue, everywhere)
        one = lc.Ignores.single(text, issue, everywhere)
        self._remember(text, issue, lambda t, i: not one.covers(t, i))
        self._message("Ignored everywhere." if everywhere else "Ignored.", 4000)
        return True

    def ignore_everywhere(self, _checked: bool = False) -> bool:
        return self.ignore(everywhere=True)

    def add_to_dictionary(self, _checked: bool = False) -> bool:
        at = self.problem_at()
        if at is None or not lc.is_spelling(at[2]):
            self._message("No misspelled word at the cursor.", 4000)
            return False
        block, _found, issue = at
        word = issue.problem
        if self.memory.add_word(word):
            self.rules.add_words([word])
        self._remember(block.text(), issue, lambda _t, i: not (lc.is_spelling(i) and i.problem == word))
        self._message(f"“{word}” added to your dictionary.", 4000)
        return True

    def _on_save_failed(self, message: str) -> None:
        self.w.show_error("Your dictionary could not be saved", message)

    def _remember(self, text: str, issue: lc.RuleIssue, keep) -> None:
        """Save the memory (on the rules thread), log the rejection, and take the underlines away."""
        self.rules.save_memory(self.memory.path, self.memory.payload(), on_error=self._on_save_failed)
        self.w.services.store.log_outcome(lc.ignore_record(text, issue))
        self.w.review_binding.history.sent()
        self.highlighter.refresh(self.highlighter.live.forget(keep), scan=True)
        self.flush()
        self._update_label()
