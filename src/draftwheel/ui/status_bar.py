"""A status bar whose text is never cut off.

Qt's own status bar paints a message in whatever room the permanent widgets
leave and clips the rest. Here the message and every permanent field is a
:class:`FittedLabel` placed by :class:`StatusPanel` so that its whole text
fits: the message moves to a row of its own when the window is narrow and
wraps onto a second line; only what still does not fit is shortened with "…",
the whole text then in the label's tooltip.
"""

from __future__ import annotations

from collections.abc import Callable

from draftwheel.ui.qt import QLabel, QStatusBar, Qt, QtCore, QTimer, QWidget

MAX_LINES = 2  # a taller status bar would push the editor around


class FittedLabel(QLabel):
    """A label that shows all of its text in at most MAX_LINES lines, else shortens it (full text in the tooltip)."""

    def __init__(self, text: str = "", parent=None, wrap: bool = True):
        super().__init__(parent)
        self.full_text = ""
        self.wrap = wrap
        self.on_change: Callable[[], None] | None = None  # called when the text changes (the panel lays out again)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setContentsMargins(6, 0, 6, 0)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        if (text or "") == self.full_text and super().text():
            return
        self.full_text = text or ""
        self._fit()
        if self.on_change is not None:
            self.on_change()

    # Callers written for QLabel keep working.
    def setText(self, text: str) -> None:
        self.set_text(text)

    def text(self) -> str:
        return self.full_text

    def shown_text(self) -> str:
        """What is painted (may be shortened)."""
        return super().text()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = self.contentsRect().width()
        fm = self.fontMetrics()
        text = self.full_text
        shown = text
        if width > 0 and fm.horizontalAdvance(text) > width:
            shown = _wrap(text, fm, width, MAX_LINES if self.wrap else 1)
        if shown != super().text():
            QLabel.setText(self, shown)
        self.setToolTip(text if shown != text else "")

    def natural_width(self) -> int:
        """Pixels the whole text needs on one line, margins included."""
        m = self.contentsMargins()
        return self.fontMetrics().horizontalAdvance(self.full_text) + m.left() + m.right() + 2

    def line_height(self) -> int:
        m = self.contentsMargins()
        return self.fontMetrics().lineSpacing() + m.top() + m.bottom() + 4

    def height_for(self, width: int) -> int:
        """Height the text needs at ``width`` (wrapped onto at most MAX_LINES lines)."""
        m = self.contentsMargins()
        inner = width - m.left() - m.right()
        shown = (
            _wrap(self.full_text, self.fontMetrics(), inner, MAX_LINES if self.wrap else 1)
            if self.fontMetrics().horizontalAdvance(self.full_text) > inner
            else self.full_text
        )
        lines = shown.count("\n") + 1
        return self.fontMetrics().lineSpacing() * lines + m.top() + m.bottom() + 4


def _wrap(text: str, fm, width: int, max_lines: int) -> str:
    """``text`` broken at spaces into lines of at most ``width`` pixels; the last line shortened with "…"."""
    words = text.split(" ")
    lines: list[str] = []
    current = ""
    for i, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if fm.horizontalAdvance(candidate) <= width or not current:
            current = candidate
            continue
        lines.append(current)
        current = word
        if len(lines) == max_lines - 1:
            current = " ".join(words[i:])
            break
    lines.append(current)
    # A single word wider than the line, or what did not fit in max_lines, is shortened.
    return "\n".join(fm.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines[:max_lines])


class StatusPanel(QWidget):
    """The message and the permanent fields, laid out so that every text is shown whole.

    Wide window: one row, the message on the left and the fields on the right.
    Narrow window: the message gets a row of its own above the fields (kept
    even while no message shows, so the editor does not jump), and fields that
    do not fit side by side flow onto another row. A field is shortened only
    when it alone is wider than the window.
    """

    GAP = 10  # px between fields
    MESSAGE_SHARE = 0.35  # below this share of the width beside the fields, the message gets its own row

    def __init__(self, parent=None):
        super().__init__(parent)
        self.message = FittedLabel(parent=self)
        self.message.setObjectName("statusMessage")
        self.message.on_change = self.relayout
        self.fields: list[FittedLabel] = []

    def add_field(self, label: FittedLabel) -> None:
        label.setParent(self)
        label.on_change = self.relayout
        label.installEventFilter(self)  # shown or hidden: lay out again
        self.fields.append(label)
        self.relayout()

    def eventFilter(self, obj, event) -> bool:
        if event.type() in (QtCore.QEvent.Type.Show, QtCore.QEvent.Type.Hide):
            self.relayout()
        return False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.relayout()

    def relayout(self) -> None:
        width = max(self.width(), 1)
        row_h = self.message.line_height()
        shown = [f for f in self.fields if not f.isHidden()]
        rows: list[list[tuple[FittedLabel, int]]] = []
        used = 0
        for f in shown:
            w = min(width, f.natural_width())
            if rows and used + self.GAP + w <= width:
                rows[-1].append((f, w))
                used += self.GAP + w
            else:
                rows.append([(f, w)])
                used = w
        first_used = sum(w for _f, w in rows[0]) + self.GAP * (len(rows[0]) - 1) if rows else 0
        beside = width - first_used - (self.GAP if rows else 0)
        own_row = beside < width * self.MESSAGE_SHARE or self.message.natural_width() > beside
        y = 0
        if own_row:
            h = self.message.height_for(width)
            self.message.setGeometry(0, 0, width, h)
            y = h
        for i, row in enumerate(rows):
            row_w = sum(w for _f, w in row) + self.GAP * (len(row) - 1)
            x = width - row_w
            if i == 0 and not own_row:
                h = max(row_h, self.message.height_for(beside))
                self.message.setGeometry(0, y, beside, h)
            else:
                h = row_h
            for f, w in row:
                f.setGeometry(x, y, w, row_h)
                x += w + self.GAP
            y += h
        if not rows and not own_row:
            self.message.setGeometry(0, 0, width, self.message.height_for(width))
            y = self.message.height()
        if self.minimumHeight() != max(y, row_h):
            self.setFixedHeight(max(y, row_h))


class StatusBar(QStatusBar):
    """``showMessage``/``clearMessage`` as in Qt, shown in a :class:`StatusPanel` that never clips text.

    Menus' status tips reach the main window as ``QEvent.StatusTip``; an event
    filter routes them here too (Qt would paint them itself, clipped).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.panel = StatusPanel()
        self.message = self.panel.message
        self.addWidget(self.panel, 1)
        self._clear_timer = QTimer(self)
        self._clear_timer.setSingleShot(True)
        self._clear_timer.timeout.connect(self.clearMessage)

    def add_field(self, label: FittedLabel) -> None:
        self.panel.add_field(label)

    def showMessage(self, text: str, timeout: int | None = 0) -> None:  # None as in QStatusBar: no timeout
        self.message.set_text(text)
        if timeout is not None and timeout > 0:
            self._clear_timer.start(timeout)
        else:
            self._clear_timer.stop()
        self.messageChanged.emit(text)

    def clearMessage(self) -> None:
        self._clear_timer.stop()
        if self.message.full_text:
            self.message.set_text("")
            self.messageChanged.emit("")

    def currentMessage(self) -> str:
        return self.message.full_text

    def watch_status_tips(self, window) -> None:
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Type.StatusTip:
            self.showMessage(event.tip())
            return True
        return super().eventFilter(obj, event)

    def labels(self) -> list[FittedLabel]:
        """Every text of the bar (the message first), for tests and screenshots."""
        return [self.message, *self.panel.fields]
