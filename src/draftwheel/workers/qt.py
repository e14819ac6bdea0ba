"""The one place Draftwheel imports Qt (workers use it directly; ui through ui.qt).

Widgets and workers import Qt names from here, so the binding (PySide6) is
chosen once and a missing install gives one clear message instead of an
ImportError deep in a widget module.
"""

from __future__ import annotations

try:
    from PySide6 import QtCharts, QtCore, QtGui, QtWidgets
except ImportError as exc:  # pragma: no cover - depends on the install
    from draftwheel.errors import DraftwheelError

    raise DraftwheelError(
        f"The desktop app needs PySide6, which could not be imported ({exc}).",
        "Install it with 'pip install pyside6-essentials pyside6-addons'.",
    ) from None

from PySide6.QtCore import (
    QObject,
    QSignalBlocker,
    QSize,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QColor,
    QFont,
    QFontDatabase,
    QKeySequence,
    QPainter,
    QPen,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStatusBar,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

# Listed, not computed from dir(), so linters and type checkers see these imports as re-exports.
__all__ = [
    "QAbstractItemView",
    "QAction",
    "QActionGroup",
    "QApplication",
    "QCheckBox",
    "QCloseEvent",
    "QColor",
    "QComboBox",
    "QDialog",
    "QDialogButtonBox",
    "QDockWidget",
    "QDoubleSpinBox",
    "QFileDialog",
    "QFont",
    "QFontDatabase",
    "QFormLayout",
    "QGroupBox",
    "QHBoxLayout",
    "QHeaderView",
    "QKeySequence",
    "QLabel",
    "QLineEdit",
    "QMainWindow",
    "QMenu",
    "QMessageBox",
    "QObject",
    "QPainter",
    "QPen",
    "QPlainTextEdit",
    "QProgressBar",
    "QPushButton",
    "QSignalBlocker",
    "QSize",
    "QSpinBox",
    "QSplitter",
    "QStatusBar",
    "QTabWidget",
    "QTableWidget",
    "QTableWidgetItem",
    "QTextBrowser",
    "QTextCharFormat",
    "QTextCursor",
    "QTextDocument",
    "QThread",
    "QTimer",
    "QToolBar",
    "QVBoxLayout",
    "QWidget",
    "Qt",
    "QtCharts",
    "QtCore",
    "QtGui",
    "QtWidgets",
    "Signal",
    "Slot",
]
