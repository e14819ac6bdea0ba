"""Help menu: About, Keyboard shortcuts (read from the window's own actions) and where the data lives."""

from __future__ import annotations

from draftwheel.ui.qt import (
    QAction,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QtCore,
    QtGui,
    QVBoxLayout,
)


def _plain(text: str) -> str:
    """A menu text without its mnemonic marker and trailing ellipsis: "&Open…" -> "Open"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").rstrip(".").strip()


def shortcut_rows(window) -> list[tuple[str, str, str]]:
    """(menu, command, shortcut) for every action of ``window``'s menus that has a shortcut, in menu order.

    Read from the live QActions, so the list is what the keys really do.
    """
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def walk(menu: QMenu, where: str) -> None:
        for act in menu.actions():
            sub = act.menu()  # typed QObject; a QMenu in QtWidgets
            if sub is not None:
                if isinstance(sub, QMenu):
                    walk(sub, f"{where} › {_plain(act.text())}")
                continue
            if act.isSeparator() or id(act) in seen:
                continue
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts() if not k.isEmpty()]
            if keys:
                seen.add(id(act))
                rows.append((where, _plain(act.text()), ", ".join(keys)))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), _plain(top.text()))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcutsDialog")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Menu", "Command", "Shortcut"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(520, min(640, 80 + 30 * len(rows)))


class DataFolderDialog(QDialog):
    """The data folder's path (selectable, copyable) and a button that opens it in the file manager."""

    def __init__(self, paths, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Where my data lives")
        self.setObjectName("dataFolderDialog")
        self.home = str(paths.home)
        intro = QLabel(
            "Everything Draftwheel keeps is in one folder on this computer: your settings, the "
            "examples it learned from (draftwheel.db), your personal adapters, training runs and "
            "autosaved drafts. Nothing is sent anywhere unless you set a remote endpoint."
        )
        intro.setWordWrap(True)
        self.path_edit = QLineEdit(self.home)
        self.path_edit.setReadOnly(True)
        self.path_edit.setObjectName("dataFolderPath")
        copy = QPushButton("Copy path")
        copy.clicked.connect(lambda: QApplication.clipboard().setText(self.home))
        self.open_btn = QPushButton("Open folder")
        self.open_btn.clicked.connect(self.open_folder)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(copy)
        row.addWidget(self.open_btn)
        hint = QLabel(
            "To keep a separate profile, start Draftwheel with --home pointing at another folder "
            "(or set DRAFTWHEEL_HOME)."
        )
        hint.setWordWrap(True)
        self.open_result = QLabel("")
        self.open_result.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(hint)
        layout.addWidget(self.open_result)
        layout.addWidget(buttons)
        self.resize(620, self.sizeHint().height())

    def open_folder(self) -> bool:
        ok = QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(self.home))
        self.open_result.setText("" if ok else "No file manager could be started here; copy the path instead.")
        return ok


def about_text() -> str:
    from draftwheel import __version__

    return (
        f"<b>Draftwheel {__version__}</b><p>A private writing assistant: it revises your drafts with a "
        "language model on this computer, remembers which suggestions you keep, and learns your style "
        "from them.</p>"
    )


def build_help_menu(window) -> QMenu:
    """Add Help to ``window``'s menu bar; the dialogs are kept on the window (``help_dialog``) for tests."""
    menu = window.menuBar().addMenu("&Help")
    window.shortcuts_act = QAction("&Keyboard shortcuts", window)
    window.shortcuts_act.setShortcut(QKeySequence("Ctrl+/"))
    window.shortcuts_act.triggered.connect(lambda: _show(window, ShortcutsDialog(window)))
    window.data_folder_act = QAction("&Where my data lives…", window)
    window.data_folder_act.triggered.connect(lambda: _show(window, DataFolderDialog(window.paths, window)))
    window.about_act = QAction("&About Draftwheel", window)
    window.about_act.triggered.connect(lambda: _show(window, _about_box(window)))
    menu.addActions([window.shortcuts_act, window.data_folder_act])
    menu.addSeparator()
    menu.addAction(window.about_act)
    return menu


def _about_box(window) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.Information, "About Draftwheel", about_text(), QMessageBox.StandardButton.Ok, window
    )
    box.setObjectName("aboutDialog")
    box.setTextFormat(Qt.TextFormat.RichText)
    return box


def _show(window, dialog: QDialog) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.open()  # not exec(): the event loop (and a running suggestion) keeps going
    window.help_dialog = dialog
