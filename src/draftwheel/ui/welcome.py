"""The first-run panel: one small strip above the editor, shown until the user closes it (not modal)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from draftwheel.app.window_text import welcome_html
from draftwheel.engine.prompts import tasks
from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import QFrame, QHBoxLayout, QLabel, QPushButton, Qt, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from draftwheel.ui.main_window import MainWindow


class WelcomePanel(QFrame):
    def __init__(self, window: MainWindow):
        super().__init__()
        self.setObjectName("welcomePanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#welcomePanel { background: #eef4fb; border: 1px solid #b7cde6; border-radius: 4px; }")
        self.text = QLabel(welcome_html(tasks().values()))
        self.text.setObjectName("welcomeText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.close_btn = QPushButton("Got it")
        self.close_btn.setObjectName("welcomeClose")
        self.close_btn.setToolTip("Close this panel; it is not shown again")
        self.close_btn.clicked.connect(lambda: self.dismiss(window))
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(self.text, 1)
        row.addWidget(self.close_btn, 0, Qt.AlignmentFlag.AlignTop)

    def dismiss(self, window: MainWindow) -> None:
        """Hide the panel and remember it (settings.json), so it never comes back."""
        self.hide()
        try:
            window.services.update_settings(welcome_dismissed=True)
        except (OSError, DraftwheelError) as exc:
            window.statusBar().showMessage(f"The setting could not be saved: {exc}", 8000)
        window.editor.setFocus()


def add_welcome(window: MainWindow) -> WelcomePanel | None:
    """On a first run (the panel never closed), put the panel above the editor."""
    if window.services.settings.welcome_dismissed:
        return None
    panel = WelcomePanel(window)
    column = QWidget()
    window.splitter.insertWidget(0, column)  # the splitter owns it; the editor moves into it
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    layout.addWidget(panel)
    layout.addWidget(window.editor, 1)
    window.splitter.setStretchFactor(0, 3)
    return panel
