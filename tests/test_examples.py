"""``draftwheel examples``, ``log`` and ``privacy`` on a real store; exports load with mlx-lm."""

from __future__ import annotations

import json
import types

import pytest

from draftwheel.cli.main import main
from draftwheel.config import load_settings
from draftwheel.engine.prompts import resolve_task, training_pair
from draftwheel.store import add_edits, count_edits, open_store

PAIRS = [
    ("He go to school .", "He goes to school.", "accepted", "grammar"),
    ("She have two cat .", "She has two cats.", "edited", "grammar"),
    ("This is bad bad .", "This is bad.", "rejected", "grammar"),
    ("hey send it", "Could you please send it?", "accepted", "formal"),
]


@pytest.fixture
def filled(paths):
    with open_store(paths) as store, store.session() as s, s.begin():
        add_edits(
            s,
            [
                dict(task=t, input_text=a, final_text=b, outcome=o, output_text=b if o == "accepted" else a)
                for a, b, o, t in PAIRS
            ],
        )
    return paths


def _read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_list_show_delete(filled, capsys):
    assert main(["examples", "list", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["input"] for r in rows] == [p[0] for p in reversed(PAIRS)]  # newest first
    assert main(["examples", "list", "--task", "grammar", "--outcome", "edited"]) == 0
    out = capsys.readouterr()
    assert "She have two cat" in out.out and "He go" not in out.out and "1 shown of 1" in out.err
    some_id = rows[-1]["id"]
    assert main(["examples", "show", str(some_id)]) == 0
    shown = capsys.readouterr().out
    assert "He go to school ." in shown and "He goes to school." in shown and "accepted" in shown
    assert main(["examples", "delete", str(some_id)]) == 0
    assert main(["examples", "show", str(some_id)]) == 2
    assert f"No example with id {some_id}" in capsys.readouterr().err
    assert main(["examples", "delete"]) == 2  # neither ID nor --all


def test_delete_all_removes_every_row(filled, capsys):
    assert main(["examples", "delete", "--all", "--task", "formal"]) == 0
    assert "deleted 1 examples of task formal" in capsys.readouterr().out
    assert main(["examples", "delete", "--all"]) == 0
    assert "deleted 3 examples" in capsys.readouterr().out
    with open_store(filled) as store, store.session() as s:
        assert count_edits(s, outcomes=None) == 0
    data = filled.database.read_bytes()
    assert b"She have two cat" not in data and b"Could you please" not in data


def test_exports_parse_and_match_the_inference_text(filled, tmp_path, capsys):
    out = {}
    for fmt in ("chat", "completions", "openai", "text"):
        out[fmt] = tmp_path / fmt / "train.jsonl"
        out[fmt].parent.mkdir()
        assert main(["examples", "export", "--format", fmt, "--out", str(out[fmt]), "--task", "grammar"]) == 0
        assert "wrote 2 examples" in capsys.readouterr().out  # accepted + edited; rejected left out
    task = resolve_task("grammar")
    prompt, completion = training_pair(task, "He go to school .", "He goes to school.")
    comp = _read_jsonl(out["completions"])
    assert comp[0] == {"prompt": prompt, "completion": completion}
    assert _read_jsonl(out["text"])[0] == {"text": prompt + completion}
    chat = _read_jsonl(out["chat"])
    assert chat[1]["messages"][-1] == {"role": "assistant", "content": "She has two cats."}
    assert "She have two cat ." in chat[1]["messages"][-2]["content"]
    assert all(m["role"] in ("user", "assistant") for r in chat for m in r["messages"])
    oa = _read_jsonl(out["openai"])
    assert [m["role"] for m in oa[0]["messages"]] == ["system", "user", "assistant"]
    assert oa[0]["messages"][0]["content"] == task.instruction
    assert oa[0]["messages"][1:] == [
        {"role": "user", "content": "He go to school ."},
        {"role": "assistant", "content": "He goes to school."},
    ]


def test_export_errors(filled, tmp_path, capsys):
    assert (
        main(["examples", "export", "--format", "chat", "--out", str(tmp_path / "x.jsonl"), "--task", "shorter"]) == 2
    )
    assert "no accepted or edited examples of task 'shorter'" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()
    assert main(["examples", "export", "--format", "chat", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_exports_load_with_mlx_lm_dataset_loader(filled, tmp_path):
    datasets = pytest.importorskip("mlx_lm.tuner.datasets")
    expected = {
        "chat": datasets.ChatDataset,
        "completions": datasets.CompletionsDataset,
        "text": datasets.TextDataset,
        "openai": datasets.ChatDataset,
    }
    for fmt, cls in expected.items():
        folder = tmp_path / fmt
        assert main(["examples", "export", "--format", fmt, "--out", str(folder / "train.jsonl")]) == 0
        train, valid, test = datasets.load_local_dataset(folder, None, types.SimpleNamespace(mask_prompt=False))
        assert isinstance(train, cls) and len(train) == 3 and valid == [] and test == []


@pytest.mark.slow
def test_text_export_tokenizes_with_mlx_lm_and_the_bundled_tokenizer(filled, tmp_path, bundled_gguf):
    datasets = pytest.importorskip("mlx_lm.tuner.datasets")
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(bundled_gguf.parent, gguf_file=bundled_gguf.name)
    assert main(["examples", "export", "--format", "text", "--out", str(tmp_path / "train.jsonl")]) == 0
    train, _, _ = datasets.load_local_dataset(tmp_path, tokenizer, types.SimpleNamespace(mask_prompt=False))
    tokens, offset = datasets.CacheDataset(train)[0]
    assert offset == 0 and tokens[-1] == tokenizer.eos_token_id
    assert "He goes to school." in tokenizer.decode(tokens)


def test_log_command_and_privacy_switch(paths, tmp_path, capsys):
    (tmp_path / "in.txt").write_text("Call me at +44 20 7946 0958 or mail jo@example.org\n", encoding="utf-8")
    (tmp_path / "out.txt").write_text("Call me.\n", encoding="utf-8")
    (tmp_path / "final.txt").write_text("Please call me.\n", encoding="utf-8")
    args = [
        "log",
        "--input",
        str(tmp_path / "in.txt"),
        "--output",
        str(tmp_path / "out.txt"),
        "--final",
        str(tmp_path / "final.txt"),
        "--task",
        "formal",
        "--outcome",
        "edited",
        "--json",
    ]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["outcome"] == "edited" and first["task"] == "formal"

    assert main(["privacy", "pause"]) == 0
    assert load_settings(paths).logging_paused is True
    assert main(args) == 0
    out = capsys.readouterr()
    assert "paused" in out.err and json.loads(out.out.splitlines()[-1])["id"] is None

    assert main(["privacy", "resume"]) == 0
    assert main(["privacy", "redact", "on"]) == 0
    assert main(["privacy", "status"]) == 0
    assert "logging: on; redaction: on" in capsys.readouterr().out.splitlines()[-1]
    assert main(args) == 0
    third = json.loads(capsys.readouterr().out)
    with open_store(paths) as store, store.session() as s:
        from draftwheel.store import get_edit

        assert count_edits(s, outcomes=None) == 2
        plain, redacted = get_edit(s, first["id"]), get_edit(s, third["id"])
        assert plain.input_text == "Call me at +44 20 7946 0958 or mail jo@example.org"
        assert plain.output_text == "Call me." and plain.final_text == "Please call me." and plain.origin == "cli"
        assert redacted.input_text == "Call me at [phone] or mail [email]"

    assert (
        main(
            ["log", "--input", str(tmp_path / "in.txt"), "--final", str(tmp_path / "nope.txt"), "--outcome", "accepted"]
        )
        == 2
    )
    assert "no such file" in capsys.readouterr().err
