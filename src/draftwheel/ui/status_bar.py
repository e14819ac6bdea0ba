"""A status bar whose text is never cut off.

Qt's own status bar paints a message in whatever room the permanent widgets
leave and clips the rest. Here every message and every permanent field is a
:class:`FittedLabel`: it wraps onto a second line when one is not enough and
only then shortens with "…", keeping the whole text in its tooltip.
"""

from __future__ import annotations

from draftwheel.ui.qt import QLabel, QStatusBar, Qt, QtCore, QTimer

MAX_LINES = 2  # a taller status bar would push the editor around


class FittedLabel(QLabel):
    """A label that shows all of its text in at most MAX_LINES lines, else shortens it (full text in the tooltip)."""

    def __init__(self, text: str = "", parent=None, wrap: bool = True):
        super().__init__(parent)
        self.full_text = ""
        self.wrap = wrap
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setContentsMargins(6, 0, 6, 0)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        self.full_text = text or ""
        self._fit()

    # Callers written for QLabel keep working.
    def setText(self, text: str) -> None:  # noqa: N802 (Qt name)
        self.set_text(text)

    def text(self) -> str:
        return self.full_text

    def shown_text(self) -> str:
        """What is painted (may be shortened)."""
        return super().text()

    def lines(self) -> int:
        return max(1, super().text().count("\n") + 1) if super().text() else 1

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
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
            lines_before = self.lines()
            QLabel.setText(self, shown)
            if self.lines() != lines_before:
                self.updateGeometry()  # one line more or less: the bar's height follows
        self.setToolTip(text if shown != text else "")

    def minimumSizeHint(self):  # noqa: N802 (Qt name)
        # Let the layout squeeze the label (it wraps or shortens) instead of growing the window.
        hint = super().minimumSizeHint()
        hint.setWidth(min(hint.width(), self.fontMetrics().horizontalAdvance("M" * 6)))
        return hint

    def sizeHint(self):  # noqa: N802 (Qt name)
        hint = super().sizeHint()
        fm = self.fontMetrics()
        m = self.contentsMargins()
        hint.setWidth(fm.horizontalAdvance(self.full_text) + m.left() + m.right() + 2)
        hint.setHeight(fm.lineSpacing() * self.lines() + m.top() + m.bottom())
        return hint


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
    lines = lines[:max_lines]
    lines[-1] = fm.elidedText(lines[-1], Qt.TextElideMode.ElideRight, width)
    return "\n".join(lines)


class StatusBar(QStatusBar):
    """``showMessage``/``clearMessage`` as in Qt, shown in a :class:`FittedLabel` that takes the free width.

    Menus' status tips reach the main window as ``QEvent.StatusTip``; an event
    filter routes them here too (Qt would paint them itself, clipped).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.message = FittedLabel()
        self.message.setObjectName("statusMessage")
        self.addWidget(self.message, 1)
        self._clear_timer = QTimer(self)
        self._clear_timer.setSingleShot(True)
        self._clear_timer.timeout.connect(self.clearMessage)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 (Qt name)
        self.message.set_text(text)
        if timeout > 0:
            self._clear_timer.start(timeout)
        else:
            self._clear_timer.stop()
        self.messageChanged.emit(text)

    def clearMessage(self) -> None:  # noqa: N802 (Qt name)
        self._clear_timer.stop()
        if self.message.full_text:
            self.message.set_text("")
            self.messageChanged.emit("")

    def currentMessage(self) -> str:  # noqa: N802 (Qt name)
        return self.message.full_text

    def watch_status_tips(self, window) -> None:
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QtCore.QEvent.Type.StatusTip:
            self.showMessage(event.tip())
            return True
        return super().eventFilter(obj, event)

    def labels(self) -> list[FittedLabel]:
        """Every text field of the bar (the message first), for tests and screenshots."""
        return [w for w in self.findChildren(FittedLabel)]
