"""The main window's actions, menus and toolbar, built from tables.

Each action is set on the window as an attribute (``window.save_act``...) and triggers one of
the window's public methods, looked up by name when the action is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from draftwheel.ui.help_menu import build_help_menu
from draftwheel.ui.qt import QAction, QComboBox, QKeySequence, QLabel, QLineEdit, Qt, QToolBar
from draftwheel.workers.adapters import BASE

if TYPE_CHECKING:
    from draftwheel.app.styles import ToolbarStyle
    from draftwheel.ui.main_window import MainWindow

_S = QKeySequence.StandardKey

# attribute on the window, text, the window's method it triggers, shortcut, status tip
ACTIONS = (
    ("new_act", "&New", "new_document", _S.New, ""),
    ("open_act", "&Open…", "open_dialog", _S.Open, ""),
    ("save_act", "&Save", "save", _S.Save, ""),
    ("save_as_act", "Save &As…", "save_as", _S.SaveAs, ""),
    ("quit_act", "&Quit", "close", _S.Quit, ""),
    ("undo_act", "&Undo", "undo", _S.Undo, ""),
    ("redo_act", "&Redo", "redo", _S.Redo, ""),
    ("custom_act", "Custom instruction…", "focus_custom", "Ctrl+I", "Type your own instruction"),
    (
        "new_style_act",
        "New style from instruction…",
        "new_style",
        None,
        "Make the custom instruction a style: its own examples, training and adapters",
    ),
    ("styles_act", "St&yles…", "open_styles", "Ctrl+Alt+S", "Create, edit, rename and delete your styles"),
    (
        "learned_act",
        "What it has &learned…",
        "open_learned",
        "Ctrl+Shift+L",
        "The current style's recurring changes, held-out scores and examples",
    ),
    ("accept_act", "Accept all", "accept_all", "Ctrl+Return", ""),
    ("apply_act", "Apply the changes kept", "apply", "Ctrl+Shift+Return", "Apply the changes you did not reject"),
    ("reject_act", "Reject", "reject", "Ctrl+Shift+Backspace", ""),
    ("cancel_act", "Stop generating / close the suggestion", "cancel_generation", Qt.Key.Key_Escape, ""),
    ("settings_act", "&Settings…", "open_settings", _S.Preferences, ""),
    ("models_act", "&Models…", "open_models", None, "Installed models, models to download, and switching"),
    ("pause_act", "Pause logging", "set_logging_paused", None, ""),
    ("train_now_act", "Train now", "train_now", None, ""),
    (
        "ask_act",
        "&Ask my writing…",
        "open_ask",
        "Ctrl+Shift+A",
        "Ask a question and get an answer in your voice, drawn from your own documents",
    ),
)

# menu title, then the window's action attributes ("-" a separator, "tasks" every task's action)
MENUS = (
    ("&File", ("new_act", "open_act", "recent", "-", "save_act", "save_as_act", "-", "quit_act")),
    ("&Edit", ("undo_act", "redo_act", "-", "editing", "-", "checking")),
    (
        "&Revise",
        (
            "tasks",
            "custom_act",
            "new_style_act",
            "styles_act",
            "learned_act",
            "-",
            "accept_act",
            "reject_act",
            "cancel_act",
            "review",
        ),
    ),
    ("&View", ()),
    ("&Tools", ("settings_act", "models_act", "pause_act", "train_now_act", "ground", "-", "ask_act")),
)

# The review, keyboard only: text, the review panel's method, shortcut. Alt+arrows are free in a
# text editor (words move with Ctrl+arrows) and in no menu's mnemonic.
REVIEW_KEYS = (
    ("&Next change", "next_change", "Alt+Down"),
    ("&Previous change", "previous_change", "Alt+Up"),
    ("Accept this change", "accept_change", "Alt+Right"),
    ("Reject this change", "reject_change", "Alt+Left"),
    ("&Edit the suggestion", "start_editing", "Ctrl+E"),
)

# text, the editor's method, shortcut
EDITING = (
    ("Cu&t", "cut", _S.Cut),
    ("&Copy", "copy", _S.Copy),
    ("&Paste", "paste", _S.Paste),
    ("Select &All", "selectAll", _S.SelectAll),
)


def make_action(window: MainWindow, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    act = QAction(text, window)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    if tip:
        act.setStatusTip(tip)
        act.setToolTip(tip)
    act.triggered.connect(slot)
    return act


def build_actions(window: MainWindow) -> None:
    for attr, text, method, shortcut, tip in ACTIONS:
        setattr(window, attr, make_action(window, text, getattr(window, method), shortcut, tip))
    window.undo_act.setEnabled(False)
    window.redo_act.setEnabled(False)
    # The styles: the presets (built-in), then the user's; the first nine have Ctrl+1 … Ctrl+9.
    window.task_acts = {entry.key: style_action(window, entry) for entry in window.styles.toolbar()}
    window.cancel_act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    window.pause_act.setCheckable(True)
    window.pause_act.setChecked(window.services.settings.logging_paused)


def style_action(window: MainWindow, entry: ToolbarStyle) -> QAction:
    task = entry.task
    return make_action(
        window, task.label, lambda _=False, t=task: window.revise(t), entry.shortcut or None, task.instruction
    )


def add_style_action(window: MainWindow, entry: ToolbarStyle) -> QAction:
    """A style made while the window is open: its action in the Revise menu and the toolbar."""
    act = style_action(window, entry)
    window.task_acts[entry.key] = act
    window.revise_menu.insertAction(window.custom_act, act)
    window.revise_toolbar.insertAction(window.instruction_action, act)
    return act


def rebuild_style_actions(window: MainWindow) -> list[ToolbarStyle]:
    """After a style was created, renamed or deleted: the style actions again, from the store
    (names, order and Ctrl+1…9 as a new window would have them). Returns the entries."""
    for act in window.task_acts.values():
        window.revise_menu.removeAction(act)
        window.revise_toolbar.removeAction(act)
        window.removeAction(act)
        act.deleteLater()
    entries = window.styles.toolbar()
    window.task_acts = {}
    for entry in entries:
        add_style_action(window, entry)
    return entries


def build_menus(window: MainWindow) -> None:
    for title, entries in MENUS:
        menu = window.menuBar().addMenu(title)
        if title == "&View":
            window.view_menu = menu
        if title == "&Revise":
            window.revise_menu = menu
        for entry in entries:
            _add_entry(window, menu, entry)
    window.help_menu = build_help_menu(window)


def _add_entry(window: MainWindow, menu, entry: str) -> None:
    if entry == "-":
        menu.addSeparator()
    elif entry == "recent":
        window.recent_menu = menu.addMenu("Open &Recent")
        window.recent_menu.aboutToShow.connect(window.document_binding.fill_recent)
    elif entry == "editing":
        for text, method, key in EDITING:
            menu.addAction(make_action(window, text, getattr(window.editor, method), key))
    elif entry == "checking":
        sub = menu.addMenu("Spelling and &grammar")
        sub.addAction(window.live_check.toggle_act)
        sub.addSeparator()
        sub.addActions(list(window.live_check.actions.values()))
        window.addActions(list(window.live_check.actions.values()))  # their shortcuts work with the menu closed
    elif entry == "review":
        sub = menu.addMenu("Review &changes")
        sub.addAction(window.apply_act)
        for text, method, review_key in REVIEW_KEYS:  # not `key`: the EDITING loop typed it as StandardKey
            # The review panel is built after the menus: look the method up when the key is pressed.
            act = make_action(window, text, lambda _=False, m=method: getattr(window.review, m)(), review_key)
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            sub.addAction(act)
            window.addAction(act)  # works with the menu closed
    elif entry == "tasks":
        menu.addActions(list(window.task_acts.values()))
    elif entry == "ground":
        window.ground_act = menu.addAction("Training pairs from my documents…", window.open_ground_wizard)
    else:
        menu.addAction(getattr(window, entry))


def build_toolbar(window: MainWindow) -> None:
    tb = QToolBar("Revise")
    tb.setObjectName("reviseToolbar")
    tb.setMovable(False)
    window.addToolBar(tb)
    window.revise_toolbar = tb
    for act in window.task_acts.values():
        tb.addAction(act)
    window.instruction = _instruction_edit(window)
    window.instruction_action = tb.addWidget(window.instruction)
    tb.addSeparator()
    tb.addWidget(QLabel(" Adapter: "))
    window.adapter_box = _adapter_box()
    tb.addWidget(window.adapter_box)


def _instruction_edit(window: MainWindow) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName("customInstruction")
    edit.setPlaceholderText("Custom instruction, then Enter")
    edit.setClearButtonEnabled(True)
    edit.setMinimumWidth(220)
    edit.returnPressed.connect(window.revise_custom)
    return edit


def _adapter_box() -> QComboBox:
    box = QComboBox()
    box.setObjectName("adapterSwitcher")
    box.setMinimumWidth(160)
    # Adapter names are the user's own ("grant writing 2026"): the box grows to show them whole.
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    box.setToolTip("Base model or one of your personal adapters")
    box.addItem("Automatic", "")
    box.addItem("Base model", BASE)
    return box
