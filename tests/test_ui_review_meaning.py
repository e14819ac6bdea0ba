"""A suggestion that may change the meaning is marked in the review, and Accept all asks first (real widgets).

The panel test uses a written record (what the panel shows does not depend
on which model wrote it); the window test drives the real window, binding,
dialog and store, with the bundled model loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

import review_gui
from draftwheel.app.review import ACCEPT_ALL, REJECT, REJECTED, ReviewSession
from draftwheel.engine.meaning import REJECT, WARN, meaning_score
from draftwheel.engine.prompts import tasks
from review_gui import wait_logged

# The module's window and its services (the model loads once per module).
gui_home, services, window = review_gui.gui_home, review_gui.services, review_gui.window

pytestmark = pytest.mark.gui

SOURCE = "Please ask Julia if the 2pm slot on Wednesday still works for the team."
# A "More formal" answer that keeps the request but no longer says whom to ask.
BORDERLINE = "Could you kindly ask whether the 2pm slot on Wednesday still works for the team?"


@dataclass
class Answer:
    """The fields of ``workers.engine_worker.Suggestion`` the review reads."""

    text: str
    model: str = "gemma3-270m"
    adapter: str | None = None
    stage: str = "zero"
    latency_ms: float = 900.0
    prompt_tokens: int = 60
    output_tokens: int = 14
    tokens_per_s: float = 55.0
    finish_reason: str = "stop"
    rejected: list = field(default_factory=list)
    all_rejected: bool = False
    meaning: float = 1.0
    warned: list = field(default_factory=list)
    job: int = 0

    @property
    def cancelled(self) -> bool:
        return False


def _borderline() -> Answer:
    score = meaning_score("formal", SOURCE, BORDERLINE).score
    assert REJECT <= score < WARN, score  # offered, but in the warn band
    return Answer(BORDERLINE, meaning=score, warned=[(SOURCE, BORDERLINE, score)])


def test_the_panel_marks_a_borderline_suggestion(qtbot):
    from draftwheel.ui.review import ReviewPanel

    panel = ReviewPanel()
    qtbot.addWidget(panel)
    panel.show()
    s = ReviewSession(SOURCE, 0, len(SOURCE), tasks()["formal"])
    panel.begin(s)
    s.finish(_borderline())
    panel.finished()
    assert panel.meaning_label.isVisible()
    assert panel.meaning_label.text().startswith("May change your meaning")
    assert "meaning kept 0.75" in panel.title.text()
    assert panel.accept_btn.isEnabled()  # still offered
    assert s.confirm_question(ACCEPT_ALL) and not s.confirm_question(REJECT)
    for n in range(s.changes):  # every change rejected: Accept all would apply nothing, so it does not ask
        s.decide(REJECTED, n)
    assert not s.confirm_question(ACCEPT_ALL)
    panel.clear()
    assert not panel.meaning_label.isVisible()
    # A faithful suggestion is not marked and Accept all does not ask.
    s = ReviewSession(SOURCE, 0, len(SOURCE), tasks()["formal"])
    panel.begin(s)
    s.finish(Answer(SOURCE.replace("need to", "must"), meaning=1.0))
    panel.finished()
    assert not panel.meaning_label.isVisible() and not s.confirm_question(ACCEPT_ALL)


def _answer_dialog(qtbot, button_text: str, seen: list[str]) -> None:
    """Click ``button_text`` in the confirmation dialog once it is open (it runs its own event loop)."""
    from draftwheel.ui.qt import QApplication, QMessageBox, QTimer

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        (btn,) = [b for b in box.buttons() if b.text() == button_text]
        btn.click()

    QTimer.singleShot(0, click)


def test_accept_all_asks_before_applying_a_borderline_suggestion(qtbot, window, services):
    window.editor.setPlainText(SOURCE)
    c = window.editor.textCursor()
    c.setPosition(0)
    window.editor.setTextCursor(c)
    binding = window.review_binding
    session = binding.open_review(tasks()["formal"])
    assert session is not None
    session.finish(_borderline())  # what the engine's worker reports, for this answer
    window.review.finished()
    assert window.review.meaning_label.isVisible()

    seen: list[str] = []
    _answer_dialog(qtbot, "Go back", seen)
    window.review.accept_btn.click()  # the panel's button (the splitter gives it no width offscreen)
    assert seen and "may change your meaning" in seen[0]
    assert window.editor.toPlainText() == SOURCE  # nothing applied
    assert binding.session is session and window.review.isVisible()

    before = len(window.logged_ids)
    _answer_dialog(qtbot, "Accept all", seen)
    window.accept_act.trigger()  # Revise > Accept all (Ctrl+Return)
    assert len(seen) == 2
    assert window.editor.toPlainText() == BORDERLINE
    wait_logged(qtbot, window, before + 1)
    assert binding.session is None
