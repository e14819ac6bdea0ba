"""Correcting an answer of "Ask my writing" stores a training edit of task `answer` (no model)."""

from __future__ import annotations

import pytest

from draftwheel.config import app_paths, update_settings
from draftwheel.errors import InputError
from draftwheel.ground.ask import Answer, Source, log_correction
from draftwheel.store import get_edit, open_store
from draftwheel.store.edits import count_kept_since


def test_a_correction_is_an_edited_answer_edit_with_provenance_even_while_logging_is_paused(tmp_path):
    paths = app_paths(tmp_path / "home")
    update_settings(paths, logging_paused=True)
    store = open_store(paths)
    try:
        src = Source("tap.md", "/docs/tap.md", "/docs", 18, 562, "A dripping tap", "Turn off the water...", -3.1)
        answer = Answer("How do I fix a dripping tap?", "I have a dripping tap.", [src], model="gemma3-270m")
        with pytest.raises(InputError, match="empty"):
            log_correction(store, answer, "  ")
        with pytest.raises(InputError, match="same"):
            log_correction(store, answer, "I have a dripping tap.")
        edit_id = log_correction(store, answer, "Turn off the water at the valve first, then change the washer.")
        with store.session() as s:
            edit = get_edit(s, edit_id)
            assert (edit.task, edit.outcome, edit.origin, edit.pair_kind) == ("answer", "edited", "app", "question")
            assert edit.input_text == "How do I fix a dripping tap?" and edit.output_text == "I have a dripping tap."
            assert edit.final_text.startswith("Turn off the water")
            assert (edit.source_doc, edit.source_start, edit.source_end) == ("/docs/tap.md", 18, 562)
            assert edit.include_in_training
            assert count_kept_since(s, "answer", None) == 1  # it counts towards training the answer task
    finally:
        store.close()
