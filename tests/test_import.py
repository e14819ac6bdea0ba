"""``draftwheel import-pairs``: JSONL and line-aligned files into the real store."""

from __future__ import annotations

import json

import pytest

from conftest import JFLEG
from draftwheel.cli.main import main
from draftwheel.config import Settings, save_settings
from draftwheel.errors import InputError
from draftwheel.flywheel.importing import parse_jsonl, parse_parallel
from draftwheel.store import count_edits, list_edits, open_store


def _count(paths, **kw):
    with open_store(paths) as store, store.session() as s:
        return count_edits(s, **kw)


def test_jfleg_dev_imports_as_754_accepted_grammar_edits(paths, capsys):
    assert main(["import-pairs", "--src", str(JFLEG / "dev.src"), "--ref", str(JFLEG / "dev.ref0")]) == 0
    assert "imported 754 examples (754 of task grammar)" in capsys.readouterr().out
    assert _count(paths, task="grammar", outcomes=["accepted"]) == 754
    assert _count(paths, outcomes=None) == 754
    with open_store(paths) as store, store.session() as s:
        first = list_edits(s, newest_first=False, limit=1)[0]
    src0 = (JFLEG / "dev.src").read_text(encoding="utf-8").splitlines()[0].strip()
    ref0 = (JFLEG / "dev.ref0").read_text(encoding="utf-8").splitlines()[0].strip()
    assert (first.input_text, first.final_text, first.origin, first.outcome) == (src0, ref0, "import", "accepted")


def test_jsonl_import_reports_bad_lines_and_imports_the_rest(paths, tmp_path, capsys):
    lines = [
        json.dumps({"input": "He go home .", "final": "He goes home."}),
        "{not json",
        json.dumps({"input": "x"}),
        json.dumps({"input": "Hey", "final": "Hello.", "task": "formal", "output": "Hi."}),
        "",
        json.dumps(["a", "b"]),
        json.dumps({"input": "yo", "final": "Good day.", "instruction": "Sound like a butler."}),
        json.dumps({"input": "a", "final": "b", "task": "sing"}),
        json.dumps({"input": 3, "final": "b"}),
    ]
    f = tmp_path / "pairs.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["import-pairs", str(f)]) == 0
    out = capsys.readouterr()
    assert "imported 3 examples" in out.out and "5 bad line(s) skipped" in out.out
    for n in (2, 3, 6, 8, 9):
        assert f"pairs.jsonl: line {n}:" in out.err
    assert "line 5" not in out.err  # blank lines are not errors
    assert "unknown task 'sing'" in out.err
    with open_store(paths) as store, store.session() as s:
        rows = {e.input_text: e for e in list_edits(s)}
    assert set(rows) == {"He go home .", "Hey", "yo"}
    assert rows["Hey"].outcome == "edited" and rows["Hey"].output_text == "Hi." and rows["Hey"].task == "formal"
    assert rows["yo"].task == "custom" and rows["yo"].instruction == "Sound like a butler."
    assert rows["He go home ."].outcome == "accepted" and rows["He go home ."].task == "grammar"


def test_non_utf8_file_is_a_clear_error_and_stores_nothing(paths, tmp_path, capsys):
    f = tmp_path / "latin1.jsonl"
    f.write_bytes(json.dumps({"input": "caf\u00e9", "final": "Caf\u00e9."}, ensure_ascii=False).encode("latin-1"))
    assert main(["import-pairs", str(f)]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    assert _count(paths, outcomes=None) == 0


def test_only_bad_lines_is_an_error(paths, tmp_path, capsys):
    f = tmp_path / "bad.jsonl"
    f.write_text("nope\n[]\n", encoding="utf-8")
    assert main(["import-pairs", str(f)]) == 2
    err = capsys.readouterr().err
    assert "line 1" in err and "line 2" in err and "no valid pairs" in err


def test_misaligned_parallel_files_are_refused(paths, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("one\ntwo\nthree\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("One.\nTwo.\n", encoding="utf-8")
    assert main(["import-pairs", "--src", str(tmp_path / "a.txt"), "--ref", str(tmp_path / "b.txt")]) == 2
    assert "3 lines but" in capsys.readouterr().err
    assert _count(paths, outcomes=None) == 0


def test_parallel_parsing_skips_half_empty_lines():
    parsed = parse_parallel("a\n\nc\n\n", "A\nB\n\n\n", task="shorter")
    assert [r["input_text"] for r in parsed.rows] == ["a"]
    assert [n for n, _ in parsed.problems] == [2, 3]
    assert parsed.rows[0]["task"] == "shorter"


def test_unknown_default_task_is_refused():
    with pytest.raises(InputError, match="Unknown task"):
        parse_jsonl("{}", default_task="sing")


def test_import_while_paused_stores_nothing(paths, tmp_path, capsys):
    save_settings(Settings(logging_paused=True), paths)
    f = tmp_path / "p.jsonl"
    f.write_text(json.dumps({"input": "a b", "final": "A b."}) + "\n", encoding="utf-8")
    assert main(["import-pairs", str(f)]) == 2
    assert "paused" in capsys.readouterr().err
    assert _count(paths, outcomes=None) == 0
