"""The review panel's buttons and words for each state of a session (real widgets, no model needed).

The suggestions are records written by the test: what the panel shows for
an answer does not depend on which model wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from draftwheel.app.review import REJECTED, ReviewSession
from draftwheel.engine.prompts import tasks

pytestmark = pytest.mark.gui


@dataclass
class Answer:
    """The fields of ``workers.engine_worker.Suggestion`` the panel reads."""

    text: str
    model: str = "gemma3-270m"
    adapter: str | None = None
    stage: str = "few"
    latency_ms: float = 900.0
    prompt_tokens: int = 60
    output_tokens: int = 14
    tokens_per_s: float = 55.0
    rejected: list = field(default_factory=list)
    all_rejected: bool = False


@pytest.fixture
def panel(qtbot):
    from draftwheel.ui.review import ReviewPanel

    p = ReviewPanel()
    qtbot.addWidget(p)
    p.show()
    return p


def _show(panel, original: str, answer: Answer) -> ReviewSession:
    s = ReviewSession(original, 0, len(original), tasks()["grammar"])
    panel.begin(s)
    s.finish(answer)
    panel.finished()
    return s


def test_accept_reads_accept_the_rest_once_a_change_was_decided(qtbot, panel):
    from draftwheel.ui.qt import Qt

    decided = []
    panel.decisions_changed.connect(lambda: decided.append(True))
    s = _show(panel, "He go to the libary.", Answer("He went to the library."))
    assert panel.accept_btn.text() == "Accept all" and panel.accept_btn.isEnabled()
    qtbot.mouseClick(panel.drop_btn, Qt.MouseButton.LeftButton)
    assert s.diff.change(0).decision == REJECTED and decided
    assert panel.accept_btn.text() == "Accept the rest"
    assert "did not reject" in panel.accept_btn.toolTip()


def test_a_refused_answer_offers_only_close_and_the_attempt(qtbot, panel):
    from draftwheel.ui.qt import Qt

    text = "hey can u send me the numbers asap"
    attempt = "Revision: Dear Sir, Revision: Dear Sir, Revision: Dear Sir"
    _show(panel, text, Answer(text, rejected=[(text, attempt, "the answer repeats prompt labels")], all_rejected=True))
    assert panel.hint.text() == "No good suggestion: the answer repeats prompt labels. Your text is unchanged."
    assert [b.isEnabled() for b in (panel.accept_btn, panel.apply_btn, panel.edit_btn, panel.keep_btn)] == [False] * 4
    assert panel.reject_btn.isEnabled() and panel.reject_btn.text() == "Close"
    assert panel.attempt_btn.isVisible() and not panel.attempt_view.isVisible()
    assert attempt not in panel.diff_view.toPlainText()  # never drawn as a suggestion
    qtbot.mouseClick(panel.attempt_btn, Qt.MouseButton.LeftButton)
    assert panel.attempt_view.isVisible() and panel.attempt_view.toPlainText() == attempt
    assert panel.attempt_btn.text() == "Hide the attempt"
    panel.start_editing()  # Edit… cannot turn the attempt into text either
    assert not panel.editor.isVisible()
    panel.clear()
    assert not panel.attempt_btn.isVisible() and not panel.attempt_view.isVisible()


def test_a_partly_refused_answer_says_which_parts_kept_the_users_text(qtbot, panel):
    original = "He go home. Revise this too."
    _show(
        panel,
        original,
        Answer(
            "He goes home. Revise this too.", rejected=[("Revise this too.", "###", "the answer repeats prompt labels")]
        ),
    )
    assert panel.accept_btn.isEnabled()
    assert "1 part kept as written" in panel.hint.text() and "prompt labels" in panel.hint.text()
    # The refused part's attempt is one click away (issue 17), never part of the suggestion.
    assert panel.attempt_btn.isVisible() and not panel.attempt_view.isVisible()
    assert panel.attempt_view.toPlainText() == "###"
