"""Paragraph-level evaluation: sentences joined, revised as one paragraph, split back, scored."""

from __future__ import annotations

import json

from conftest import JFLEG
from draftwheel.evaluate import paragraphs


def test_split_back_follows_the_sentences():
    sents = [
        "New and new technology has been introduced to the society .",
        "Disadvantage is parking their car is very difficult .",
        "It wa",
        "The end .",
    ]
    text, starts = paragraphs.join(sents)
    assert [text[s : s + 3] for s in starts] == ["New", "Dis", "It ", "The"]
    out = (
        "New technology has been introduced to society. The disadvantage is that parking their car is very "
        "difficult. It was. The end."
    )
    assert paragraphs.split_back(text, starts, out) == [
        "New technology has been introduced to society.",
        "The disadvantage is that parking their car is very difficult.",
        "It was.",
        "The end.",
    ]
    assert paragraphs.split_back(text, starts, text) == sents
    # A revision that lost everything after the first sentence leaves the rest empty: "missing".
    assert paragraphs.split_back(text, starts, "New technology has been introduced to society.")[1:] == ["", "", ""]


def test_eval_paragraphs_cli(home, tmp_path, capsys):
    from draftwheel.cli.main import main

    out = tmp_path / "r.json"
    refs = [str(JFLEG / f"test.ref{i}") for i in range(4)]
    code = main(
        [
            "eval",
            "--src",
            str(JFLEG / "test.src"),
            "--refs",
            *refs,
            "--modes",
            "zero",
            "--limit",
            "10",
            "--paragraphs",
            "1,5",
            "--tokenize",
            "ptb",
            "--quiet",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    record = json.loads(out.read_text())
    assert set(record["modes"]) == {f"{m}{v}" for m in ("zero", "zero@p5") for v in ("", " raw", " model")}
    para = record["modes"]["zero@p5"]
    assert para["missing_sentences"] == 0 and para["paragraph"] == 5
    assert abs(para["gleu"] - record["modes"]["zero"]["gleu"]) < 5
    assert all(row["zero@p5"]["output"] for row in record["sentences"])
    assert "zero@p5" in capsys.readouterr().out


def test_eval_paragraphs_refuses_bad_sizes(home, tmp_path, capsys):
    from draftwheel.cli.main import main

    code = main(
        [
            "eval",
            "--src",
            str(JFLEG / "test.src"),
            "--refs",
            str(JFLEG / "test.ref0"),
            "--limit",
            "2",
            "--paragraphs",
            "1,x",
            "--out",
            str(tmp_path / "r.json"),
        ]
    )
    assert code != 0
    assert "--paragraphs" in capsys.readouterr().err
