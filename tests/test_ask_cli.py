"""`draftwheel ask`: indexing, listing, "not mentioned" without a model, errors, and one real answer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from draftwheel.cli.main import main

ASK = Path(__file__).resolve().parent / "data" / "ask"


@pytest.fixture
def docs(tmp_path) -> Path:
    folder = tmp_path / "writing"
    shutil.copytree(ASK / "docs", folder)
    return folder


def test_index_list_reindex_and_not_mentioned(tmp_path, monkeypatch, capsys, docs):
    monkeypatch.setenv("DRAFTWHEEL_HOME", str(tmp_path / "home"))
    assert main(["ask", "How do I fix a dripping tap?"]) != 0
    assert "No documents are indexed yet" in capsys.readouterr().err

    assert main(["ask", "--index", str(docs), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["added"]) == 22 and report["passages"] == 22 and report["issues"] == []

    (docs / "tap.md").write_text("# A dripping tap\n\n" + "Call a plumber and put the kettle on while you wait. " * 3)
    (docs / "bees.md").unlink()
    assert main(["ask", "--index", str(docs)]) == 0
    out = capsys.readouterr().out
    assert "0 new, 1 changed, 20 unchanged, 1 removed" in out

    assert main(["ask", "--folders"]) == 0
    assert f"{docs}: 21 document(s), 21 passage(s)" in capsys.readouterr().out

    # The documents never mention it: answered at once, no model is loaded (there is none in this home).
    assert main(["ask", "How should I invest my pension savings?", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["answered"] is False and record["stage"] == "none"
    assert record["answer"] == "Your documents don't mention “invest”, “pension” or “savings”."

    assert main(["ask", "--forget", str(docs)]) == 0
    assert "21 document(s) dropped" in capsys.readouterr().out
    assert main(["ask", "--folders"]) == 0 and "No folder is indexed" in capsys.readouterr().out
    assert main(["ask", "--forget", str(docs)]) != 0
    assert "is not an indexed folder" in capsys.readouterr().err

    assert main(["ask", "   "]) != 0
    assert "Ask a question first" in capsys.readouterr().err
    assert main(["ask", "--index", str(tmp_path / "nowhere")]) != 0
    assert "no such folder" in capsys.readouterr().err


@pytest.mark.slow  # one short answer from the bundled model
def test_a_real_answer_with_its_sources(home, capsys, docs):
    assert main(["ask", "Should I keep my starter in the fridge?", "--folder", str(docs), "--threads", "1"]) == 0
    out = capsys.readouterr().out
    answer, _, sources = out.partition("\nSources:\n")
    assert answer.strip() and sources.strip().startswith(f"{docs / 'sourdough.md'}:")
    assert main(["ask", "Should I keep my starter in the fridge?", "--json", "--threads", "1"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["answered"] and record["stage"] == "zero" and record["adapter"] is None
    assert record["answer"].strip() == answer.strip()  # greedy: the same answer streamed and in JSON
    src = record["sources"][0]
    text = (docs / "sourdough.md").read_text()
    assert src["document"] == str(docs / "sourdough.md") and 0 <= src["start"] < src["end"] <= len(text)
    assert "fridge" in text[src["start"] : src["end"]]
