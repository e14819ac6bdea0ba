"""The review diff as drawn: whitespace-only changes are visible marks, markup in the text is escaped."""

from __future__ import annotations

from draftwheel.app.review import SuggestionDiff
from draftwheel.ui.diff import diff_html


def test_a_deleted_space_is_drawn_as_a_visible_mark():
    # Issue 14 (1): the lost space was drawn as a sliver of red nobody could see.
    diff = SuggestionDiff("we have been working ", "we have been working")
    assert [(h.old, h.new) for h in diff.hunks if h.changed] == [(" ", "")]
    html = diff_html(diff)
    assert "\u00b7</span>" in html and "line-through" in html


def test_a_deleted_line_break_is_drawn_as_a_mark():
    html = diff_html(SuggestionDiff("One.\nTwo.", "One. Two."))
    assert "\u21b5" in html


def test_words_are_drawn_as_they_are_and_escaped():
    html = diff_html(SuggestionDiff("a <b> c", "a <i> c"), current=0)
    assert ">b</span>" in html and ">i</span>" in html and "<b>" not in html
    assert 'href="change:0"' in html and "#ffe680" in html  # the current change is highlighted
