"""Issue 18's "done when", end to end with real widgets, a real store, the bundled model and a short
real training: create "Work e-mail" (and "Fiction") in the Styles dialog, revise with it, accept one
suggestion and edit another, see them counted toward that style's training in the status bar, let
the threshold train it in the background, open "What it has learned" and see the change, and switch
between it and the other personal style from the toolbar."""

from __future__ import annotations

import os
import shutil

import pytest

from review_gui import _wait, row, select, wait_logged, wait_ready

pytestmark = [pytest.mark.gui, pytest.mark.slow]  # generates with the model and trains an adapter

THRESHOLD = 8  # flywheel.policy.MIN_EXAMPLES: the smallest training set the trainer takes
TRAIN_TIMEOUT_MS = 1_500_000  # 2 shared CPU cores, niceness 10: a limit, never a timing assertion
INSTRUCTION = "Rewrite as a clear work e-mail. Write “do not” instead of “don't”."
# The user's earlier work e-mails, kept: they always write "do not".
SEEDED = [
    ("I don't have the report yet.", "I do not have the report yet."),
    ("We don't need a meeting for this.", "We do not need a meeting for this."),
    ("Please don't forward this message.", "Please do not forward this message."),
    ("They don't agree with the budget.", "They do not agree with the budget."),
    ("I don't think Friday works for me.", "I do not think Friday works for me."),
    ("You don't have to reply today.", "You do not have to reply today."),
]
# Revised in the window: one suggestion accepted as it comes (the first the guard offers without
# asking; the bundled 270M model often returns a user style's text unchanged, which the user may
# still accept), one edited to the user's own words (the first the guard offers).
TO_ACCEPT = [
    "We don't know the date of the launch yet.",
    "I don't have the slides for the meeting.",
    "Please don't call the supplier today.",
]
TO_EDIT = [
    ("I don't want to delay the launch again.", "I do not want to delay the launch again."),
    ("We don't have the numbers for March.", "We do not have the numbers for March."),
]


@pytest.fixture
def services(qapp, paths, trainable_dir):
    from draftwheel.config import Settings
    from draftwheel.ui.services import Services

    shutil.copytree(trainable_dir, paths.weights_cache / trainable_dir.name, copy_function=os.link)
    svc = Services(paths, Settings(n_threads=2, n_ctx=2048, auto_train=True, train_threshold=100))
    svc.start()
    assert _wait(qapp, lambda: svc.engine.ready, 300_000), "the model did not load"
    yield svc
    for launch in svc.training.ops.launches:
        if launch.poll() is None:
            launch.proc.kill()
            launch.proc.wait()
    svc.shutdown()


@pytest.fixture
def window(qtbot, services):
    from draftwheel.ui.main_window import MainWindow

    w = MainWindow(services, offer_restore=False)
    w.show()
    w.activateWindow()
    yield w
    w.editor.document().setModified(False)
    w.close()
    w.deleteLater()


def _create(dialog, name: str, instruction: str, threshold: int) -> None:
    form = dialog.new()
    form.name.setText(name)
    form.instruction.setPlainText(instruction)
    form.threshold.setValue(threshold)
    assert form.auto_train.isChecked()
    form.ok_button.click()
    assert not form.isVisible(), form.error.text()


def _revise(qtbot, window, key: str, text: str):
    window.editor.setPlainText(text)
    select(window, 0, len(text))
    window.task_acts[key].trigger()  # the toolbar's style button
    session = window.session
    assert session is not None and session.task.name == key
    wait_ready(qtbot, session)
    return session


def _runs(services, key: str):
    from draftwheel.store import list_runs

    with services.store.ops.store.session() as s:
        return [(r.status, r.adapter_name, r.message or "") for r in list_runs(s, key)]


def test_work_e_mail_from_the_dialog_to_a_trained_adapter_and_back(qtbot, window, services):
    from draftwheel.app.review import ACCEPT_ALL
    from draftwheel.store import log_edit

    # Revise › Styles…: two styles of the user's own
    window.styles_act.trigger()
    dialog = window.styles_binding.dialog
    _create(dialog, "Work e-mail", INSTRUCTION, THRESHOLD)
    _create(dialog, "Fiction", "Make it vivid, in the past tense.", 100)
    dialog.accept()
    work, fiction = window.task_acts["work-e-mail"], window.task_acts["fiction"]
    assert (work.text(), work.shortcut().toString()) == ("Work e-mail", "Ctrl+7")
    assert (fiction.text(), fiction.shortcut().toString()) == ("Fiction", "Ctrl+8")
    assert {work, fiction} <= set(window.revise_toolbar.actions())

    with services.store.ops.store.session() as s, s.begin():  # the user's earlier e-mails, kept
        for before, after in SEEDED:
            log_edit(s, task="work-e-mail", input_text=before, output_text=before, final_text=after, outcome="edited")

    # Revise with it: accept one suggestion, edit another; each counts toward its training
    def counted(remaining: int) -> None:
        words = f"{remaining} edit{'s' * (remaining != 1)} until training"
        qtbot.waitUntil(lambda: window.style_label.text() == f"Work e-mail · few-shot · {words}", timeout=30_000)

    for text in TO_ACCEPT:
        session = _revise(qtbot, window, "work-e-mail", text)
        counted(THRESHOLD - len(SEEDED))
        if session.offers and not session.confirm_question(ACCEPT_ALL):
            before = len(window.logged_ids)
            window.accept_all()
            wait_logged(qtbot, window, before + 1)
            assert row(services, window.logged_ids[-1])["outcome"] == "accepted"
            break
        window.reject()
    else:
        pytest.fail("no suggestion to accept was offered")
    counted(1)

    for text, mine in TO_EDIT:
        session = _revise(qtbot, window, "work-e-mail", text)
        if session.offers:
            window.review.start_editing()
            window.review.editor.setPlainText(mine)
            before = len(window.logged_ids)
            window.apply()
            wait_logged(qtbot, window, before + 1)
            assert window.editor.toPlainText() == mine
            assert row(services, window.logged_ids[-1])["outcome"] == "edited"
            break
        window.reject()
    else:
        pytest.fail("every suggestion to edit was refused")

    # The threshold is reached: the style trains in the background, by itself
    qtbot.waitUntil(lambda: bool(_runs(services, "work-e-mail")), timeout=60_000)
    qtbot.waitUntil(lambda: _runs(services, "work-e-mail")[0][0] != "running", timeout=TRAIN_TIMEOUT_MS)
    status, adapter, message = _runs(services, "work-e-mail")[0]
    assert status == "done", message
    window.training_binding.refresh_progress()
    qtbot.waitUntil(lambda: window.style_label.text().endswith(f"· {THRESHOLD} edits until training"), timeout=30_000)

    # What it has learned: the user's change, the held-out scores of the stage and of the new adapter
    window.learned_act.trigger()
    learned = window.styles_binding.learned_dialog
    assert learned is not None and learned.style_box.currentData() == "work-e-mail"
    assert "don't → do not" in learned.changes_view.toPlainText()
    stages = [learned.history.item(r, 1).text() for r in range(learned.history.rowCount())]
    assert f"adapter {adapter}" in stages and len(stages) == 2, stages
    assert mine in learned.examples_view.toPlainText()  # the user's edit, for the paragraph at the cursor
    learned.accept()

    # Switch between the two personal styles from the toolbar: each its own adapters and counter
    window.refresh_adapters()
    box = window.adapter_box
    qtbot.waitUntil(lambda: box.findData(adapter) >= 0, timeout=30_000)
    session = _revise(qtbot, window, "fiction", "The rain falls on the old town.")
    assert box.findData(adapter) < 0
    qtbot.waitUntil(lambda: window.style_label.text().startswith("Fiction · zero-shot · 100 edits"), timeout=30_000)
    window.reject()
    session = _revise(qtbot, window, "work-e-mail", "We don't need the slides.")
    assert box.findData(adapter) >= 0
    qtbot.waitUntil(lambda: window.style_label.text().startswith("Work e-mail · "), timeout=30_000)
    assert session.task.label == "Work e-mail"
    window.reject()
