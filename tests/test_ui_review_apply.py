"""Property tests of applying a review in the real editor: random documents (emoji, tabs, blank lines)
and random selections or cursor positions.

The review is opened by the window exactly as for a suggestion, and the
answer is a record written by the test: whether the window puts an answer in
the right place does not depend on which model wrote it, and only a written
answer can be "the same words" on demand. Qt counts positions in UTF-16
units (an emoji is two), which a test in Python strings alone cannot catch.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import review_gui
from draftwheel.app.review import ACCEPTED, REJECTED
from draftwheel.engine.prompts import tasks

pytestmark = pytest.mark.gui

gui_home, services, window = review_gui.gui_home, review_gui.services, review_gui.window


@dataclass
class Answer:
    text: str
    model: str = "gemma3-270m"
    adapter: str | None = None
    stage: str = "zero"
    latency_ms: float = 10.0
    prompt_tokens: int = 20
    output_tokens: int = 8
    tokens_per_s: float = 50.0


_PIECES = ["a", "bc", "é", "\U0001f382", "’s", " ", "  ", ",", ".", "\n", "\t", "\n\n"]
_DOC = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=30).map("".join)
_HYP = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _qt(text: str, i: int) -> int:
    """Qt's position of Python index ``i`` (UTF-16 units)."""
    return len(text[:i].encode("utf-16-le")) // 2


def _open(window, doc: str, a: int, b: int, answer_for):
    """Put ``doc`` in the editor, select [a, b) (Python indices; a == b: cursor only), open the review and
    finish it with ``answer_for(original)``. None when the window declines (nothing to revise)."""
    window.editor.setPlainText(doc)
    review_gui.select(window, _qt(doc, a), _qt(doc, b))
    session = window.open_review(tasks()["grammar"])
    if session is None:
        return None
    session.finish(Answer(answer_for(session)))
    window.review.finished()
    return session


@_HYP
@given(doc=_DOC, a=st.integers(0, 40), b=st.integers(0, 40), pad=st.sampled_from(["", " ", "\n", " \n"]))
def test_accepting_an_answer_with_the_same_words_gives_the_document_back(qtbot, window, doc, a, b, pad):
    a, b = sorted((min(a, len(doc)), min(b, len(doc))))
    session = _open(window, doc, a, b, lambda s: pad + s.request_text + pad)  # the model's own edge whitespace
    if session is None:
        return
    window.accept_all()
    assert window.editor.toPlainText() == doc  # byte for byte
    cursor = window.editor.textCursor()
    assert not cursor.hasSelection()
    assert cursor.position() == session.end  # right after the span


@_HYP
@given(doc=_DOC, a=st.integers(0, 40), b=st.integers(0, 40), words=_DOC, pick=st.integers(0, 50))
def test_each_accepted_change_touches_only_its_own_span(qtbot, window, doc, a, b, words, pick):
    a, b = sorted((min(a, len(doc)), min(b, len(doc))))
    session = _open(window, doc, a, b, lambda s: words)
    if session is None or not session.changes:
        window.reject()
        return
    n = pick % session.changes
    for i in range(session.changes):
        session.decide(ACCEPTED if i == n else REJECTED, i)
    hunk = session.diff.change(n)
    original = session.original
    window.apply()
    at = a if a != b else _paragraph_start(doc, a, original)  # a cursor revises the paragraph around it
    expected = doc[: at + hunk.start] + hunk.new + doc[at + hunk.end :]
    assert window.editor.toPlainText() == expected


def _paragraph_start(doc: str, i: int, paragraph: str) -> int:
    """Where the paragraph the window revised for a cursor at ``i`` starts (the occurrence around ``i``)."""
    start = doc.rfind(paragraph, 0, i + len(paragraph))
    while start > i:
        start = doc.rfind(paragraph, 0, start)
    assert start >= 0 and start <= i <= start + len(paragraph)
    return start
