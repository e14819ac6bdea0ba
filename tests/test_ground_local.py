"""Grounded generation with the bundled local model (a small base model: a few pairs only)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from draftwheel.ground.check import LEGACY, check_pair
from draftwheel.ground.generate import answer_prompt, input_prompt
from draftwheel.ground.llm import LocalGenerator
from draftwheel.ground.pipeline import GroundOptions, run_ground
from draftwheel.ground.profile import AuthorProfile
from test_ground_documents import BREAD, REMOTE


@pytest.mark.slow
def test_local_model_generates_checked_pairs_with_provenance(tmp_path, paths, fresh_engine):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "essay.md").write_text(
        "# Remote work\n\n" + "\n\n".join(REMOTE) + "\n\n# Baking\n\n" + "\n\n".join(BREAD) + "\n", encoding="utf-8"
    )
    generator = LocalGenerator(fresh_engine)
    progress = []
    # The old, lenient check (LEGACY): this test is about the local pipeline and provenance; the shipped
    # check rejects all three of the 270M model's greedy candidates here (a copied paraphrase, answers
    # from nowhere), as it should (docs/evaluation.md, "Grounding check").
    options = GroundOptions(n_pairs=2, kinds=("rewrite", "question"), max_attempts=3, draft_profile=True, check=LEGACY)
    result = run_ground(folder, paths, generator, options=options, on_progress=progress.append)
    report = result.report
    assert report.generator.startswith("local:")
    assert 1 <= report.attempted <= 3 and report.failures == []
    assert report.generated == report.attempted
    assert report.grounded + len(report.rejections) == report.generated
    assert [p.done for p in progress if p.stage == "generate"] == list(range(1, report.attempted + 1))
    # The model drafted a note on the author's voice into the saved, editable profile.
    saved = json.loads(result.profile_path.read_text(encoding="utf-8"))
    assert saved["notes"] == result.profile.notes and result.profile.notes.strip()
    # Greedy decoding of this model gives at least one candidate the lenient check keeps.
    assert report.kept >= 1 and len(result.stored_ids) == report.kept

    from draftwheel.store import list_edits, open_store

    doc = result.imported.documents[0]
    with open_store(paths) as store, store.session() as s:
        rows = list_edits(s, origin="grounded", newest_first=False)
    assert [r.id for r in rows] == result.stored_ids
    for row in rows:
        assert row.outcome == "pending" and row.model == generator.name
        assert Path(row.source_doc) == doc.path
        passage = doc.text[row.source_start : row.source_end]
        assert check_pair(row.pair_kind, row.input_text, row.final_text, passage, LEGACY).ok
        if row.pair_kind == "rewrite":
            assert row.final_text == passage and row.input_text != passage


def test_completion_prompts_end_where_the_base_model_continues():
    from draftwheel.ground.documents import Passage

    p = Passage("a.md", 0, len(REMOTE[0]), REMOTE[0])
    profile = AuthorProfile(voice="Direct.", vocabulary=["decision", "team"])
    q = input_prompt("question", p, profile)
    assert q.completion.endswith("\nQuestion:") and q.stops == ("\n",) and REMOTE[0] in q.completion
    a = answer_prompt("question", p, profile, "Why write decisions down?")
    assert a.completion.endswith("Question: Why write decisions down?\nAnswer:")
    assert "Answer only from the passage" in a.completion and "Voice: Direct." in a.completion
    assert "\n###" in a.stops
    assert "NOT IN PASSAGE" in a.messages[-1]["content"] and REMOTE[0] in a.messages[-1]["content"]
