"""``draftwheel bench rules``: its data, its paragraphs, and one quick run end to end (real Harper,
the real editor in the typing probe's own process)."""

from __future__ import annotations

import pytest

from conftest import JFLEG
from draftwheel.bench import rules
from draftwheel.cli.main import main


def test_data_is_found_or_explained(tmp_path, capsys):
    assert rules.check_ready(None) == JFLEG.resolve()
    assert main(["bench", "rules", "--data", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err
    (tmp_path / "dev.src").write_text("One .\n", encoding="utf-8")
    assert main(["bench", "rules", "--data", str(tmp_path)]) == 2
    assert "test.src not found there" in capsys.readouterr().err


def test_jfleg_is_detokenized_into_paragraphs():
    assert rules.detokenize("it 's a test , is n't it ?") == "it's a test, isn't it?"
    paras = rules.paragraphs(JFLEG)
    assert len(paras) > 250 and all(" ." not in p for p in paras[:50])
    assert len(rules.document(paras).split()) >= rules.DOCUMENT_WORDS


@pytest.mark.gui
@pytest.mark.slow
def test_a_quick_run_reports_every_figure(tmp_path):
    lines = (JFLEG / "dev.src").read_text(encoding="utf-8").splitlines()[:60]
    (tmp_path / "dev.src").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "test.src").write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    res = rules.run(quick=True, data=tmp_path)
    m = res["metrics"]
    assert m["paragraphs"] >= 3 and m["problems_found"] > 0
    assert m["paragraph_p50_ms"] > 0 and m["edited_paragraph_p99_ms"] > 0
    assert m["typing_keys"] == 120
    assert m["typing_worst_stall_ms_on"] >= 0 and m["underline_after_pause_p50_ms"] is not None
