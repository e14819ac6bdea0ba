"""The Styles dialog and "What it has learned", offscreen with real widgets and a real store (no
model): bad names are refused inside the form with everything typed kept, built-in styles are not
renamed or deleted, deleting asks and keeps the edits unless ticked, a style whose adapter is in use
or that is training is refused with a message, and the learned view shows the recurring changes,
the held-out scores and the examples for a paragraph. Then the same through the window's menu: the
toolbar's style actions follow create, rename and delete."""

from __future__ import annotations

import pytest

from draftwheel.app.styles import StylesController
from draftwheel.store import count_edits, finish_run, log_edit, open_store, start_run, update_run

pytestmark = pytest.mark.gui


@pytest.fixture
def controller(paths):
    return StylesController(paths, default_threshold=10)


@pytest.fixture
def dialog(qtbot, controller):
    from draftwheel.ui.styles_dialog import StylesDialog

    in_use = {"adapter": ""}
    dlg = StylesDialog(None, controller, lambda: in_use["adapter"])
    dlg.in_use = in_use  # the test's switch for "the adapter chosen now"
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def _fill(form, name: str, instruction: str = "", voice: str = "") -> None:
    form.name.setText(name)
    form.instruction.setPlainText(instruction)
    form.description.setPlainText(voice)


def _keys(dlg) -> list[str]:
    return [r.key for r in dlg.rows]


def _row(dlg, key: str):
    return next(r for r in dlg.rows if r.key == key)


def test_create_refuses_bad_names_inside_the_form_and_keeps_what_was_typed(qtbot, dialog):
    changed = []
    dialog.changed.connect(changed.append)
    form = dialog.new()
    assert form.isVisible() and form.windowTitle() == "New style"
    instruction = "Rewrite as a short, friendly work e-mail."
    for name, said in (
        ("", "A style needs a name"),
        ("  ", "A style needs a name"),
        ("mail/../etc", "path character"),
        ("Fix grammar", "exists already"),  # a built-in style's name
    ):
        _fill(form, name, instruction, "plain, warm")
        form.ok_button.click()
        assert form.isVisible(), name
        assert said in form.error.text() and form.error.isVisible() and "draftwheel" not in form.error.text()
        assert form.instruction.toPlainText() == instruction and form.description.toPlainText() == "plain, warm"
    assert changed == [] and "work-e-mail" not in _keys(dialog)
    # no instruction and no preset to start from
    _fill(form, "Work e-mail")
    form.ok_button.click()
    assert form.isVisible() and "needs an instruction" in form.error.text()

    _fill(form, "Work e-mail", instruction, "plain, warm")
    form.threshold.setValue(3)
    form.auto_train.setChecked(False)
    form.ok_button.click()
    assert not form.isVisible() and changed == ["work-e-mail"]
    row = _row(dialog, "work-e-mail")
    assert (row.label, row.builtin, row.train_threshold, row.auto_train, row.shortcut) == (
        "Work e-mail",
        False,
        3,
        False,
        "Ctrl+7",  # after the six built-in toolbar styles (In my voice is Ctrl+6)
    )
    assert dialog.selected_key() == "work-e-mail"
    assert dialog.detail.text() == (
        "Rewrite as a short, friendly work e-mail. Voice: plain, warm\n"
        "Trains after 3 kept edits, automatic training off; key “work-e-mail”."
    )

    # the same name again, in other case: refused, the first one untouched
    form = dialog.new()
    _fill(form, "WORK E-MAIL", "Something else.")
    form.ok_button.click()
    assert form.isVisible() and "exists already" in form.error.text()
    form.reject()
    # starting from a preset: its instruction is the default
    form = dialog.new()
    _fill(form, "Formal letters")
    form.base.setCurrentIndex(form.base.findData("formal"))
    form.ok_button.click()
    assert not form.isVisible() and _row(dialog, "formal-letters").base_preset == "formal"
    assert changed == ["work-e-mail", "formal-letters"]


def test_builtin_styles_keep_name_and_instruction_and_cannot_be_deleted(qtbot, dialog):
    dialog.select("grammar")
    assert not dialog.rename_btn.isEnabled() and not dialog.delete_btn.isEnabled()
    assert dialog.delete() is None and dialog.rename() is None
    form = dialog.edit()
    assert not form.name.isEnabled() and not form.instruction.isEnabled() and form.threshold.isEnabled()
    assert form.name.text() == "Fix grammar"
    form.threshold.setValue(7)
    form.ok_button.click()
    assert not form.isVisible()
    assert _row(dialog, "grammar").train_threshold == 7 and _row(dialog, "grammar").label == "Fix grammar"


def test_edit_and_rename_a_style_of_ones_own(qtbot, dialog, controller, paths):
    from draftwheel.app.styles import StyleForm

    controller.create(StyleForm("Fiction", "Make it vivid."))
    controller.create(StyleForm("Grant writing", "Make it persuasive."))
    dialog.reload("fiction")
    form = dialog.rename()
    assert form.windowTitle() == "Rename style" and form.name.text() == "Fiction"
    assert form.instruction.isHidden()
    for name, said in (("", "needs a name"), ("a\\b", "path character"), ("grant WRITING", "exists already")):
        form.name.setText(name)
        form.ok_button.click()
        assert form.isVisible() and said in form.error.text()
    form.name.setText("Short stories")
    form.ok_button.click()
    assert not form.isVisible()
    row = _row(dialog, "fiction")  # the key stays; only the name changed
    assert row.label == "Short stories" and row.instruction == "Make it vivid."

    form = dialog.edit()
    assert form.instruction.toPlainText() == "Make it vivid." and form.threshold.value() == 0  # the default
    form.instruction.setPlainText("")
    form.ok_button.click()
    assert form.isVisible() and "needs an instruction" in form.error.text()
    form.instruction.setPlainText("Make it vivid and short.")
    form.description.setPlainText("dry humour")
    form.ok_button.click()
    assert not form.isVisible()
    assert _row(dialog, "fiction").instruction == "Make it vivid and short. Voice: dry humour"
    assert controller.form_of("fiction").threshold is None  # still follows the setting


def _log(paths, key: str, n: int) -> None:
    with open_store(paths) as store, store.session() as s, s.begin():
        for i in range(n):
            log_edit(s, task=key, input_text=f"We don't know {i}.", final_text=f"We do not know {i}.", outcome="edited")


def _kept(paths, key: str) -> int:
    with open_store(paths) as store, store.session() as s:
        return count_edits(s, key, outcomes=None)


def test_delete_asks_and_keeps_the_edits_unless_ticked(qtbot, dialog, controller, paths):
    from draftwheel.app.styles import StyleForm
    from draftwheel.ui.qt import QMessageBox

    for name in ("Fiction", "Poems"):
        controller.create(StyleForm(name, "Make it vivid."))
    _log(paths, "fiction", 2)
    _log(paths, "poems", 3)
    dialog.reload("fiction")
    changed = []
    dialog.changed.connect(changed.append)

    box = dialog.delete()
    assert "Delete the style “Fiction”? Its 2 edits" in box.text()
    assert not dialog.delete_edits_box.isChecked()
    box.button(QMessageBox.StandardButton.No).click()
    assert "fiction" in _keys(dialog) and changed == []

    box = dialog.delete()
    box.button(QMessageBox.StandardButton.Yes).click()
    assert "fiction" not in _keys(dialog) and changed == ["fiction"]
    assert _kept(paths, "fiction") == 2  # kept, under the old key
    assert "its 2 edits kept" in dialog.detail.text()

    dialog.select("poems")
    box = dialog.delete()
    dialog.delete_edits_box.setChecked(True)
    box.button(QMessageBox.StandardButton.Yes).click()
    assert "poems" not in _keys(dialog) and _kept(paths, "poems") == 0
    assert "3 edits deleted" in dialog.detail.text()


def test_delete_is_refused_while_its_adapter_is_in_use_or_it_trains(
    qtbot, dialog, controller, paths, make_tiny_adapter, monkeypatch
):
    from draftwheel.app.styles import StyleForm
    from draftwheel.flywheel import styles as flywheel_styles

    controller.create(StyleForm("Fiction", "Make it vivid."))
    make_tiny_adapter(paths, "fiction-ad", "fiction")
    dialog.reload("fiction")
    dialog.in_use["adapter"] = "fiction-ad"
    box = dialog.delete()
    assert box.windowTitle() == "Style not deleted" and "has the adapter in use ('fiction-ad')" in box.text()
    assert "in the toolbar's Adapter box" in box.text() and "draftwheel" not in box.text()
    assert "fiction" in _keys(dialog)

    dialog.in_use["adapter"] = ""
    monkeypatch.setattr(flywheel_styles, "training_of", lambda _paths, key: {"task": key, "pid": 1})
    box = dialog.delete()
    assert "is training now; nothing was deleted" in box.text() and "Training panel" in box.text()
    assert "fiction" in _keys(dialog)


def test_learned_dialog_shows_changes_scores_and_examples(qtbot, controller, paths):
    from draftwheel.app.styles import StyleForm
    from draftwheel.ui.learned_dialog import LearnedDialog

    controller.create(StyleForm("British", "Write British English, no contractions."))
    controller.create(StyleForm("Fiction", "Make it vivid."))
    rows = [
        ("I don't like the color.", "I do not like the colour."),
        ("We don't want this color.", "We do not want this colour."),
        ("Don't organize it.", "Do not organise it."),
    ]
    with open_store(paths) as store, store.session() as s, s.begin():
        for before, after in rows:
            log_edit(s, task="british", input_text=before, final_text=after, outcome="edited")
        run = start_run(s, "british")
        update_run(
            s,
            run.id,
            scores={
                "baseline": {"stage": "few", "gleu": 40.0, "chrf": 60.0},
                "adapter": {"stage": "adapter:british-1", "gleu": 45.5, "chrf": 64.0},
                "promoted": True,
                "n_heldout": 4,
            },
        )
        finish_run(s, run.id, "done")
    styles = [(e.key, e.task.label) for e in controller.toolbar()]
    dlg = LearnedDialog(None, controller, styles, "british", "I don't like this color.")
    qtbot.addWidget(dlg)
    dlg.show()
    changes = dlg.changes_view.toPlainText()
    assert "don't → do not, 3 times" in changes and "color → colour, 2 times" in changes
    assert "“British”: 3 kept edits · few-shot" in dlg.summary.text()
    cells = [[dlg.history.item(r, c).text() for c in range(4)] for r in range(dlg.history.rowCount())]
    assert [c[1:] for c in cells] == [["few-shot", "40.00", "60.00"], ["adapter british-1", "45.50", "64.00"]]
    assert dlg.history.item(1, 4).text() == "promoted, 4 held out"
    assert "I don't like the color." in dlg.examples_view.toPlainText()
    assert "→ I do not like the colour." in dlg.examples_view.toPlainText()

    dlg.style_box.setCurrentIndex(dlg.style_box.findData("fiction"))  # another style: nothing yet
    assert "No kept edits yet" in dlg.changes_view.toPlainText() and dlg.history.rowCount() == 0
    assert "None yet" in dlg.examples_view.toPlainText()


@pytest.fixture
def window(qtbot, qapp, paths):
    from draftwheel.config import Settings
    from draftwheel.ui.main_window import MainWindow
    from draftwheel.ui.services import Services

    svc = Services(paths, Settings(auto_train=False, n_threads=1, train_threshold=10))  # the model is not loaded
    w = MainWindow(svc, offer_restore=False)
    w.show()
    yield w
    w.editor.document().setModified(False)
    w.close()
    w.deleteLater()
    svc.shutdown()


def test_the_window_s_styles_follow_create_rename_and_delete(qtbot, window, paths):
    from draftwheel.ui.qt import QMessageBox

    assert window.styles_act.shortcut().toString() == "Ctrl+Alt+S"
    assert window.learned_act.shortcut().toString() == "Ctrl+Shift+L"
    assert {window.styles_act, window.learned_act} <= set(window.revise_menu.actions())
    window.styles_act.trigger()
    dlg = window.styles_binding.dialog
    assert dlg is not None and dlg.isVisible()
    form = dlg.new()
    _fill(form, "Work e-mail", "Rewrite as a short work e-mail.")
    form.ok_button.click()
    act = window.task_acts["work-e-mail"]
    assert act.text() == "Work e-mail" and act.shortcut().toString() == "Ctrl+7"
    assert act in window.revise_toolbar.actions() and act in window.revise_menu.actions()

    window.last_task = next(e.task for e in window.styles.toolbar() if e.key == "work-e-mail")  # as after revising
    form = dlg.rename()
    form.name.setText("Office mail")
    form.ok_button.click()
    act = window.task_acts["work-e-mail"]
    assert act.text() == "Office mail" and window.last_task.label == "Office mail"
    assert [a.text() for a in window.revise_toolbar.actions()].count("Office mail") == 1
    qtbot.waitUntil(lambda: window.style_label.text().startswith("Office mail · zero-shot · 10 edits"), timeout=10_000)

    box = dlg.delete()
    box.button(QMessageBox.StandardButton.Yes).click()
    assert "work-e-mail" not in window.task_acts and window.last_task.name == "grammar"
    assert "Office mail" not in [a.text() for a in window.revise_toolbar.actions()]
    qtbot.waitUntil(lambda: window.style_label.text().startswith("Fix grammar · zero-shot"), timeout=10_000)

    dlg.accept()  # closed (and deleted): the window forgets it
    assert window.styles_binding.dialog is None
    window.learned_act.trigger()
    learned = window.styles_binding.learned_dialog
    assert learned is not None and learned.isVisible() and learned.style_box.currentData() == "grammar"
    learned.accept()
    assert window.styles_binding.learned_dialog is None
