"""The review controller without widgets: spans, whitespace, per-change decisions, outcomes, undo history.

The suggestions here are written by the test (the model's words are not the
point: what the controller does with any answer is), so the properties can
be checked over thousands of random documents and selections.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from draftwheel.app.review import (
    ACCEPT_ALL,
    ACCEPTED,
    APPLY,
    CLOSED,
    READY,
    REJECT,
    REJECTED,
    Applied,
    AppliedHistory,
    ReviewSession,
    StoreUpdate,
    edges,
)
from draftwheel.engine.prompts import tasks


@dataclass
class FakeSuggestion:
    """The fields of ``workers.engine_worker.Suggestion`` the controller reads (a plain record, not a mock)."""

    text: str
    model: str = "gemma3-270m"
    adapter: str | None = None
    stage: str = "zero"
    latency_ms: float = 12.0
    prompt_tokens: int = 40
    output_tokens: int = 12
    rejected: list = field(default_factory=list)
    all_rejected: bool = False


GRAMMAR = tasks()["grammar"]


def _session(doc: str, start: int, end: int, answer: str, **kw) -> ReviewSession:
    s = ReviewSession(doc[start:end], start, end, GRAMMAR)
    s.finish(FakeSuggestion(answer, **kw))
    return s


def _apply(doc: str, res) -> str:
    return doc[: res.start] + res.text + doc[res.end :]


# -- whitespace at the edges belongs to the user ------------------------------------------------


def test_trailing_space_of_a_selection_is_kept():
    # Issue 14 (1): "…we has been working " selected with its space, the model answers without it.
    doc = "Over the past two weeks we has been working on the new onboarding flow."
    sel = "Over the past two weeks we has been working "
    s = _session(doc, 0, len(sel), "Over the past two weeks we have been working")
    assert s.request_text == "Over the past two weeks we has been working"  # only the words go to the model
    res = s.resolve(ACCEPT_ALL)
    assert _apply(doc, res) == "Over the past two weeks we have been working on the new onboarding flow."
    assert res.cursor == len("Over the past two weeks we have been working ")


def test_edges_split_and_join():
    assert edges("  two words\n") == ("  ", "two words", "\n")
    assert edges("   ") == ("   ", "", "")
    assert "".join(edges(" a b ")) == " a b "


# Words, punctuation and every kind of whitespace the editor holds, in random mixtures.
_TEXT = st.lists(
    st.sampled_from(["a", "b", "cd", "é", "’s", " ", "  ", ",", ".", "\n", "\t", "\n\n"]), max_size=30
).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    doc=_TEXT,
    a=st.integers(0, 60),
    b=st.integers(0, 60),
    lead=st.sampled_from(["", " ", "\n", "  \t"]),
    trail=st.sampled_from(["", " ", "\n", " \n "]),
)
def test_accepting_an_answer_that_changes_no_word_gives_the_document_back(doc, a, b, lead, trail):
    start, end = sorted((min(a, len(doc)), min(b, len(doc))))
    if not doc[start:end].strip():
        return  # the window does not revise a blank span
    # The model repeats the words, with whatever whitespace of its own at the ends.
    s = _session(doc, start, end, lead + doc[start:end].strip() + trail)
    res = s.resolve(ACCEPT_ALL)
    assert _apply(doc, res) == doc  # byte for byte
    assert res.outcome == "accepted" and not res.changed


@settings(max_examples=400, deadline=None)
@given(doc=_TEXT, a=st.integers(0, 60), b=st.integers(0, 60), answer=_TEXT, pick=st.integers(0, 100))
def test_every_accepted_change_touches_only_its_own_span(doc, a, b, answer, pick):
    start, end = sorted((min(a, len(doc)), min(b, len(doc))))
    if not doc[start:end].strip() or not answer.strip():
        return
    s = _session(doc, start, end, answer)
    lead, _core, trail = edges(doc[start:end])
    if not s.changes:
        assert _apply(doc, s.resolve(ACCEPT_ALL)) == doc
        return
    n = pick % s.changes
    for i in range(s.changes):  # keep only change n
        s.decide(ACCEPTED if i == n else REJECTED, i)
    hunk = s.diff.change(n)
    res = s.resolve(APPLY)
    new_doc = _apply(doc, res)
    at = start + hunk.start
    assert new_doc == doc[:at] + hunk.new + doc[at + len(hunk.old) :]
    # The user's edge whitespace is never part of a change.
    assert hunk.start >= len(lead) and hunk.end <= len(doc[start:end]) - len(trail)


# -- decisions --------------------------------------------------------------------------------


def test_accept_all_after_a_reject_keeps_the_rejection_and_logs_what_was_applied():
    doc = "He go to the libary yesterday."
    s = _session(doc, 0, len(doc), "He went to the library yesterday.")
    assert s.changes == 2 and s.accept_label == "Accept all"
    s.decide(REJECTED)  # the first change: "go" -> "went"
    assert s.accept_label == "Accept the rest"
    res = s.resolve(ACCEPT_ALL)
    assert res.text == "He go to the library yesterday."
    assert res.outcome == "edited"
    assert res.record["final_text"] == res.text == _apply(doc, res)
    assert res.record["output_text"] == "He went to the library yesterday."
    assert s.state == CLOSED


def test_accept_all_with_nothing_decided_takes_the_whole_suggestion():
    s = _session("He go home.", 0, 11, "He goes home.")
    res = s.resolve(ACCEPT_ALL)
    assert (res.text, res.outcome) == ("He goes home.", "accepted")


def test_toggle_and_move_select_changes():
    s = _session("a b c d", 0, 7, "x b y d")
    assert s.changes == 2
    s.move(1)
    assert s.current == 1
    s.move(1)
    assert s.current == 0
    s.toggle(1)
    assert s.diff.change(1).decision == REJECTED and s.decided
    assert s.resolve(APPLY).text == "x b c d"


def test_rejecting_an_answer_that_changed_nothing_is_logged_as_rejected():
    # Issue 13/14: the old rule (final == suggestion -> accepted) logged this as accepted.
    s = _session("All good here.", 0, 14, "All good here.")
    assert s.changes == 0
    res = s.resolve(REJECT)
    assert res.outcome == "rejected" and res.record["outcome"] == "rejected"
    assert not res.changed


def test_rejecting_every_change_then_applying_is_a_rejection():
    s = _session("He go home.", 0, 11, "He goes home.")
    s.decide(REJECTED)
    assert s.resolve(APPLY).outcome == "rejected"


def test_edited_text_is_what_is_applied():
    s = _session("He go home.", 0, 11, "He goes home.")
    s.start_editing()
    s.edited_text = "He went home."
    res = s.resolve(ACCEPT_ALL)
    assert (res.text, res.outcome) == ("He went home.", "edited")


# -- answers the engine's output check refused -------------------------------------------------


def test_every_part_refused_is_no_suggestion():
    source = "Fix spelling mistakes only in this sentance."
    attempt = "Update: 1.0.0.0\nUpdate: 1.0.0.0\nUpdate: 1.0.0.0"
    s = _session(source, 0, len(source), source, rejected=[(source, attempt, "it repeats itself")], all_rejected=True)
    assert s.no_good == "it repeats itself"
    assert s.attempt == attempt
    assert not s.offers and s.changes == 0
    for answer in (ACCEPT_ALL, APPLY):  # nothing can be accepted
        s2 = _session(
            source, 0, len(source), source, rejected=[(source, attempt, "it repeats itself")], all_rejected=True
        )
        res = s2.resolve(answer)
        assert res.text == source and res.record is None  # no user judgement to learn from
    res = s.resolve(REJECT)
    assert res.text == source and not res.changed and res.record is None


def test_some_parts_refused_offers_the_rest():
    doc = "He go home. Revision: Revision: Revision:"
    s = _session(
        doc,
        0,
        len(doc),
        "He goes home. Revision: Revision: Revision:",
        rejected=[("Revision: Revision: Revision:", "###", "prompt labels")],
        all_rejected=False,
    )
    assert s.no_good is None and s.offers and len(s.rejected) == 1
    assert s.resolve(ACCEPT_ALL).text == "He goes home. Revision: Revision: Revision:"


def test_session_states():
    s = ReviewSession("a b", 3, 6, GRAMMAR)
    s.add(" a")
    assert s.text == "a"  # the model's own leading space is not the user's
    assert s.live_diff().changes == []
    s.finish(FakeSuggestion("a c"))
    assert s.state == READY
    with pytest.raises(AssertionError):
        ReviewSession("x", 0, 1, GRAMMAR).resolve(ACCEPT_ALL)  # nothing to answer yet


# -- after the review: undo, redo, corrections --------------------------------------------------


def _record(final="B") -> dict:
    return {"final_text": final, "input_text": "A", "output_text": "B"}


def test_undo_and_redo_of_an_applied_suggestion_mark_and_clear_undone():
    h = AppliedHistory()
    item = Applied(_record(), step=3)
    h.sent(item)
    assert h.logged(41) == []
    assert h.sync(3, 0) == []  # still applied
    assert h.sync(2, 1) == [StoreUpdate(41, undone=True)]  # Undo took its step back
    assert h.sync(2, 1) == []  # reported once
    assert h.sync(3, 0) == [StoreUpdate(41, undone=False)]  # Redo
    assert h.sync(5, 0) == []  # more edits after it


def test_undo_before_the_store_answered_is_sent_with_the_id():
    h = AppliedHistory()
    h.sent(None)  # a rejection logged earlier
    item = Applied(_record(), step=1)
    h.sent(item)
    assert h.sync(0, 1) == []  # no id yet
    assert h.logged(7) == []  # the rejection's answer
    assert h.logged(8) == [StoreUpdate(8, undone=True)]


def test_new_text_after_undo_makes_the_undo_final():
    h = AppliedHistory()
    h.sent(Applied(_record(), step=2))
    h.logged(5)
    assert h.sync(1, 1) == [StoreUpdate(5, undone=True)]
    h.command_added()  # the user typed: the redo stack is gone
    assert h.sync(2, 0) == []  # a new step 2 is not the suggestion
    assert h.items == []


def test_a_cleared_history_forgets_without_marking():
    h = AppliedHistory()
    h.sent(Applied(_record(), step=2))
    h.logged(5)
    assert h.sync(0, 0) == []  # new document: nothing was undone
    assert h.items == []


def test_paused_logging_is_not_followed():
    h = AppliedHistory()
    h.sent(Applied(_record(), step=1))
    assert h.logged(None) == []
    assert h.items == []


def test_a_correction_after_accepting_updates_the_final_text():
    h = AppliedHistory()
    item = Applied(_record("We have been working "), step=1)
    h.sent(item)
    assert h.corrected(item, "We have been working hard ") == []  # no id yet: sent with it
    assert h.logged(3) == [StoreUpdate(3, final_text="We have been working hard ")]
    assert h.corrected(item, "We have been working hard ") == []  # unchanged
    assert h.corrected(item, "We had been working hard ") == [StoreUpdate(3, final_text="We had been working hard ")]


def test_write_update_marks_undone_and_retrieval_and_training_leave_it_out(paths):
    from draftwheel.app.review import write_update
    from draftwheel.flywheel.retrieve import similar_edits
    from draftwheel.store import (
        KEPT_OUTCOMES,
        count_edits,
        get_edit,
        list_edits,
        log_edit,
        open_store,
    )

    with open_store(paths) as store:
        with store.session() as s, s.begin():
            kept = log_edit(
                s,
                task="grammar",
                input_text="She go to school daily.",
                final_text="She goes to school daily.",
                outcome="accepted",
                output_text="She goes to school daily.",
            )
            other = log_edit(
                s,
                task="grammar",
                input_text="They goes to school.",
                final_text="They go to school.",
                outcome="accepted",
                output_text="They go to school.",
            )
            kept_id, other_id = kept.id, other.id

        def state():
            with store.session() as s:
                ids = {e.id for e in list_edits(s, task="grammar", outcomes=KEPT_OUTCOMES, training_only=True)}
                similar = {e.id for e in similar_edits(s, "grammar", "school go", limit=5)}
                return ids, similar, count_edits(s, "grammar")

        assert state() == ({kept_id, other_id}, {kept_id, other_id}, 2)
        write_update(store, StoreUpdate(kept_id, undone=True))
        assert state() == ({other_id}, {other_id}, 1)
        with store.session() as s:
            assert kept_id in {e.id for e in list_edits(s)}  # still listed for the user to see
        write_update(store, StoreUpdate(kept_id, undone=False))  # Redo
        assert state() == ({kept_id, other_id}, {kept_id, other_id}, 2)
        write_update(store, StoreUpdate(kept_id, final_text="She goes to school every day."))
        with store.session() as s:
            e = get_edit(s, kept_id)
            assert (e.final_text, e.outcome) == ("She goes to school every day.", "edited")
