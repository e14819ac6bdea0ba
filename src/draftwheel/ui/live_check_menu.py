"""The live checker's hover tooltip and the editor's context menu on an underlined problem."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from draftwheel.app import live_check as lc
from draftwheel.ui.qt import QAction, QEvent, QMenu, QObject, Qt, QTextCursor, QToolTip

if TYPE_CHECKING:
    from draftwheel.ui.live_check import LiveCheckBinding

MAX_SUGGESTIONS = 6


class ProblemMenu(QObject):
    """Hovering over an underline shows the message and suggestions; right-clicking one lists them
    above the usual editing entries, with Ignore, Ignore everywhere and Add to dictionary."""

    def __init__(self, binding: LiveCheckBinding):
        super().__init__(binding)
        editor = binding.w.editor
        editor.viewport().installEventFilter(self)
        editor.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        editor.customContextMenuRequested.connect(self._popup)
        self.last_menu: QMenu | None = None

    @property
    def binding(self) -> LiveCheckBinding:
        # The binding is this object's Qt parent (no attribute: no reference cycle between the two).
        return cast("LiveCheckBinding", self.parent())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() != QEvent.Type.ToolTip:
            return False
        editor = self.binding.w.editor
        at = self.binding.problem_at(editor.cursorForPosition(event.pos()))
        if at is None:
            QToolTip.hideText()
            return False
        QToolTip.showText(event.globalPos(), lc.describe(at[2]), editor.viewport())
        return True

    def menu_at(self, pos) -> QMenu:
        """The context menu for viewport position ``pos`` (the problem's entries first, when there is one)."""
        editor = self.binding.w.editor
        menu = editor.createStandardContextMenu(pos)
        cursor = editor.cursorForPosition(pos)
        at = self.binding.problem_at(cursor)
        if at is None:
            return menu
        _block, _found, issue = at
        first = menu.actions()[0]  # the standard menu is never empty
        entries: list[QAction] = []
        title = QAction(lc.describe(issue).split("\n")[0], menu)
        title.setEnabled(False)
        entries.append(title)
        for i, replacement in enumerate(issue.replacements[:MAX_SUGGESTIONS]):
            act = QAction(replacement if replacement.strip() else "(remove it)", menu)
            font = act.font()
            font.setBold(True)
            act.setFont(font)
            act.triggered.connect(lambda _=False, i=i, c=cursor: self._at(c, "accept_fix", choice=i))
            entries.append(act)
        for text, method in (("Ignore", "ignore"), ("Ignore everywhere", "ignore_everywhere")):
            act = QAction(text, menu)
            act.triggered.connect(lambda _=False, m=method, c=cursor: self._at(c, m))
            entries.append(act)
        if lc.is_spelling(issue):
            act = QAction(f"Add “{issue.problem}” to dictionary", menu)
            act.triggered.connect(lambda _=False, c=cursor: self._at(c, "add_to_dictionary"))
            entries.append(act)
        menu.insertActions(first, entries)
        menu.insertSeparator(first)
        return menu

    def _at(self, cursor: QTextCursor, method: str, **kwargs) -> None:
        self.binding.w.editor.setTextCursor(cursor)
        getattr(self.binding, method)(**kwargs)

    def _popup(self, pos) -> None:
        menu = self.menu_at(pos)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_menu = menu
        menu.popup(self.binding.w.editor.viewport().mapToGlobal(pos))


def install_menu(binding: LiveCheckBinding) -> ProblemMenu:
    return ProblemMenu(binding)
