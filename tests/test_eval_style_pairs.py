"""`draftwheel eval --style NAME --fewshot-src/--fewshot-ref`: the pairs go into a throw-away store under the
style's key, which that store has never seen (it was refused as an unknown task before)."""

from __future__ import annotations

from pathlib import Path

from draftwheel.config import AppPaths
from draftwheel.flywheel.eval_examples import import_pairs
from draftwheel.flywheel.retrieve import similar_edits
from draftwheel.prompts import Task
from draftwheel.store import open_store


def test_pairs_of_a_user_style_import_into_a_fresh_store_and_are_retrieved(tmp_path: Path):
    store = open_store(AppPaths(tmp_path).ensure())
    try:
        pairs = [("The color is gray.", "The colour is grey."), ("I'm at the center.", "I am at the centre.")]
        assert import_pairs(store, "careful-british", pairs, "Rewrite the text in my voice.") == 2
        task = Task("careful-british", "Careful British", "Rewrite the text in my voice.")
        with store.session() as s:
            found = similar_edits(s, task, "What color is the center?", limit=4)
            assert {f.input for f in found} <= {p[0] for p in pairs} and found
            assert not similar_edits(s, "grammar", "What color is the center?", limit=4)
    finally:
        store.close()
