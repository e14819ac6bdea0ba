""" "Ask my writing" in the window: real widgets (offscreen), a real store, the bundled model.

Index the test set from the panel, ask something the documents never mention (no model runs),
ask a real question (streamed by the model), read and open a source, and correct the answer:
the correction is stored as an edit of task ``answer``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import review_gui
from review_gui import _wait

gui_home, window = review_gui.gui_home, review_gui.window

pytestmark = [pytest.mark.gui, pytest.mark.slow]  # one short answer from the bundled model

ASK = Path(__file__).resolve().parent / "data" / "ask"


@pytest.fixture(scope="module")
def services(qapp, gui_home):
    """review_gui's services with one inference thread (the machines running the tests are shared)."""
    from draftwheel.config import Settings, app_paths
    from draftwheel.ui.services import Services

    svc = Services(app_paths(gui_home), Settings(n_threads=1, n_ctx=2048, auto_train=False))
    svc.start()
    assert _wait(qapp, lambda: svc.engine.ready, 300_000), "the model did not load"
    yield svc
    svc.shutdown()
    from shiboken6 import delete

    delete(svc.watch)  # on the GUI thread (see review_gui.services)


def test_ask_panel_indexes_answers_with_sources_and_logs_a_correction(qapp, window, tmp_path):
    from draftwheel.store import list_edits, open_store

    assert window.ask_act.shortcut().toString() == "Ctrl+Shift+A"
    assert window.ask_act in window.menuBar().actions()[-2].menu().actions()  # Tools (Help is last)
    window.ask_act.trigger()
    binding = window.ask_binding
    panel, dock = binding.panel, binding.dock
    assert panel is not None and dock is not None and dock.isVisible()
    assert _wait(qapp, lambda: "No folder is indexed" in panel.folders_label.text(), 30_000)

    docs = tmp_path / "writing"
    shutil.copytree(ASK / "docs", docs)
    (docs / "old-letter.txt").write_bytes("Cher ami, the caf\xe9 on the corner is closed now. ".encode("latin-1") * 3)
    binding.index_folder(str(docs))
    assert _wait(qapp, lambda: panel.status.text().startswith("Indexed"), 60_000), panel.status.text()
    assert "22 new" in panel.status.text() and "old-letter.txt: unreadable: not UTF-8" in panel.status.text()
    assert _wait(qapp, lambda: "22 document(s) in 1 folder(s)" in panel.folders_label.text(), 30_000)

    panel.question.setText("What do you think about quantum computing?")
    panel.ask_btn.click()
    assert _wait(qapp, lambda: binding.controller.answer is not None), panel.status.text()
    assert panel.answer.toPlainText() == "Your documents don't mention “quantum” or “computing”."
    assert panel.status.text().startswith("Not in your documents") and not panel.correct_btn.isEnabled()

    pieces: list[str] = []
    binding.worker.chunk.connect(pieces.append)
    panel.question.setText("How do I fix a dripping tap?")
    panel.question.returnPressed.emit()
    assert panel.stop_btn.isEnabled()
    assert _wait(qapp, lambda: binding.controller.answer is not None), panel.status.text()
    answer = binding.controller.answer
    assert answer.answered and answer.text and panel.answer.toPlainText() == answer.text
    assert len(pieces) > 1 and "".join(pieces).strip() == answer.text  # it was streamed
    assert panel.status.text().startswith("Answered from") and "base model" in panel.status.text()
    assert panel.sources.count() >= 1 and panel.sources.item(0).text().startswith("tap.md — A dripping tap")

    panel.sources.setCurrentRow(0)  # a click shows the passage
    src = answer.sources[0]
    assert panel.passage.toPlainText() == src.text and panel.open_btn.isEnabled()
    panel.open_btn.click()  # opens the document in the editor, the passage selected
    assert window.path == str(docs / "tap.md")
    assert window.editor.textCursor().selectedText() == src.text.replace("\n", "\u2029")

    panel.correct_btn.click()
    assert panel.correction.isVisible() and panel.correction.toPlainText() == answer.text
    corrected = "Turn off the water at the valve under the sink, then change the washer. Firm is not fierce."
    panel.correction.setPlainText(corrected)
    panel.save_btn.click()
    assert _wait(qapp, lambda: panel.status.text().startswith("Correction saved"), 30_000), panel.status.text()
    store = open_store(window.paths)
    try:
        with store.session() as s:
            rows = list_edits(s, task="answer")
        assert [(r.input_text, r.final_text, r.outcome) for r in rows] == [
            ("How do I fix a dripping tap?", corrected, "edited")
        ]
        assert rows[0].source_doc == str(docs / "tap.md")
    finally:
        store.close()
