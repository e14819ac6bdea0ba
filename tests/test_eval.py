"""The evaluation harness and ``draftwheel eval`` on a few JFLEG sentences, every mode, real model."""

from __future__ import annotations

import json

import pytest

from conftest import JFLEG
from draftwheel.cli.main import main

TEST_REFS = [str(JFLEG / f"test.ref{i}") for i in range(4)]


def _check_record(record: dict, modes: list[str], n: int) -> None:
    assert record["schema"] == 1
    assert record["n_sentences"] == n and len(record["sentences"]) == n
    # Each mode is followed by the same run read as the model's raw answers and without rule fixes.
    assert list(record["modes"]) == [name for m in modes for name in (m, f"{m} raw", f"{m} model")]
    base = record["baseline_unchanged"]
    assert 0 < base["gleu"] <= 100 and base["unchanged"] == 1.0
    for mode in modes:
        res = record["modes"][mode]
        assert 0 <= res["gleu"] <= 100 and 0 <= res["chrf"] <= 100
        assert 0 <= res["unchanged"] <= 1
        assert res["mean_latency_s"] > 0
    for row in record["sentences"]:
        assert len(row["references"]) == 4
        for mode in modes:
            out = row[mode]
            assert out["output"].strip() and out["scored"].strip()
            assert "\n" not in out["output"]
            assert 0 <= out["gleu"] <= 100 and out["latency_s"] > 0


def _check_tsv(path, modes: list[str], n: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == n + 1
    head = lines[0].split("\t")
    assert head[:2] == ["i", "source"] and all(m in head for m in modes)
    assert all(len(line.split("\t")) == len(head) for line in lines[1:])


@pytest.fixture
def tiny_adapter(paths, bundled_gguf, tmp_path):
    """A real llama.cpp LoRA adapter in the registry: random rank-4 weights on two attention
    projections, exported by the project's own PEFT -> GGUF export."""
    np = pytest.importorskip("numpy")
    pytest.importorskip("safetensors")
    from safetensors.numpy import save_file

    from draftwheel.flywheel.adapters import create_adapter
    from draftwheel.models import Catalogue
    from draftwheel.models.adapters import AdapterInfo
    from draftwheel.train.gguf_adapter import base_tensors, export_gguf_adapter

    arch, _n, shapes = base_tensors(bundled_gguf)
    rng = np.random.default_rng(0)
    r, weights = 4, {}
    for layer in (0, 1):
        n_in, n_out = shapes[f"blk.{layer}.attn_q.weight"][:2]
        key = f"base_model.model.model.layers.{layer}.self_attn.q_proj"
        weights[f"{key}.lora_A.weight"] = rng.normal(0, 0.02, (r, n_in)).astype(np.float32)
        weights[f"{key}.lora_B.weight"] = rng.normal(0, 0.02, (n_out, r)).astype(np.float32)
    peft = tmp_path / "peft"
    peft.mkdir()
    (peft / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": r, "lora_alpha": 8}))
    save_file(weights, str(peft / "adapter_model.safetensors"))
    entry = Catalogue(paths).ensure_bundled()
    info = AdapterInfo(
        name="eval-tiny",
        task="grammar",
        base_model=entry.name,
        base_sha256=entry.sha256,
        architecture=arch,
        rank=r,
        alpha=8.0,
        target_modules=["q_proj"],
    )
    create_adapter(paths, info, lambda path: export_gguf_adapter(peft, bundled_gguf, path, name="eval-tiny"))
    return "eval-tiny"


def test_harness_runs_every_mode_and_writes_results(engine, paths, tiny_adapter, tmp_path):
    from draftwheel.config import Settings
    from draftwheel.engine.prompts import resolve_task
    from draftwheel.engine.revise import ReviseOptions
    from draftwheel.evaluate import evaluate_modes, load_eval_set, load_pairs
    from draftwheel.evaluate.harness import results_record, write_results
    from draftwheel.evaluate.lora import find_adapter
    from draftwheel.evaluate.tokenize import ptb
    from draftwheel.flywheel.eval_examples import pair_examples

    data = load_eval_set(JFLEG / "test.src", TEST_REFS, limit=3)
    pairs = load_pairs(JFLEG / "dev.src", JFLEG / "dev.ref0", limit=60)
    adapter = find_adapter(paths, tiny_adapter, engine.info.model)
    modes = ["zero", "few", "lora"]
    with pair_examples(pairs, "grammar", Settings(), 2, engine) as examples_for:
        runs = evaluate_modes(
            engine,
            data,
            resolve_task("grammar"),
            modes,
            ReviseOptions(max_new_tokens=96),
            examples_for=examples_for,
            adapter=adapter,
            k=2,
            progress=False,
        )
    assert engine.adapter is None  # the harness takes its adapter off again
    by_mode = {run.mode: run for run in runs}
    assert by_mode["zero"].n_examples == [0, 0, 0]
    assert by_mode["few"].n_examples == [2, 2, 2]
    assert by_mode["lora"].adapter == tiny_adapter

    record = results_record(data, runs, {"task": "grammar"}, ptb, "ptb")
    out, tsv = write_results(record, tmp_path / "results.json")
    assert tsv == tmp_path / "results.tsv"
    _check_record(json.loads(out.read_text(encoding="utf-8")), modes, 3)
    _check_tsv(tsv, modes, 3)
    # Scored text is Treebank-tokenized like the references, the raw output is kept as written.
    for row in record["sentences"]:
        assert row["zero"]["scored"] == ptb(row["zero"]["output"])


@pytest.mark.slow
def test_eval_command_end_to_end(home, tiny_adapter, tmp_path, capsys):
    out = tmp_path / "r.json"
    modes = ["zero", "few", "lora"]
    rc = main(
        [
            "eval",
            "--src",
            str(JFLEG / "test.src"),
            "--refs",
            *TEST_REFS,
            "--modes",
            ",".join(modes),
            "--fewshot-src",
            str(JFLEG / "dev.src"),
            "--fewshot-ref",
            str(JFLEG / "dev.ref0"),
            "--k",
            "2",
            "--adapter",
            tiny_adapter,
            "--limit",
            "2",
            "--tokenize",
            "ptb",
            "--threads",
            "1",
            "--quiet",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    record = json.loads(out.read_text(encoding="utf-8"))
    _check_record(record, modes, 2)
    _check_tsv(out.with_suffix(".tsv"), modes, 2)
    assert record["k"] == 2 and record["tokenize"] == "ptb" and record["limit"] == 2
    assert record["modes"]["few"]["mean_examples"] == 2
    assert record["modes"]["lora"]["adapter"] == tiny_adapter and record["modes"]["zero"]["adapter"] is None
    printed = capsys.readouterr().out
    assert "unchanged source" in printed and "few" in printed


def _eval(tmp_path, *extra: str) -> list[str]:
    return ["eval", "--src", str(JFLEG / "test.src"), "--refs", *TEST_REFS, "--out", str(tmp_path / "r.json"), *extra]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--modes", "zero,best"], "Unknown mode 'best'"),
        (["--modes", "lora"], "lora mode needs an adapter"),
        (["--modes", "zero", "--adapter", "x"], "--adapter is only used in lora mode"),
        (["--modes", "few", "--fewshot-src", "a.txt"], "go together"),
        (["--limit", "0"], "--limit must be at least 1"),
        (["--tokenize", "ptb", "--k", "0", "--modes", "few"], "--k must be at least 1"),
    ],
)
def test_eval_rejects_bad_arguments(home, tmp_path, capsys, extra, message):
    assert main(_eval(tmp_path, *extra)) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_eval_rejects_bad_files(home, tmp_path, capsys):
    short = tmp_path / "short.ref"
    short.write_text("one line\n", encoding="utf-8")
    assert (
        main(["eval", "--src", str(JFLEG / "test.src"), "--refs", str(short), "--out", str(tmp_path / "r.json")]) == 2
    )
    assert "1 lines, but" in capsys.readouterr().err
    assert (
        main(["eval", "--src", str(tmp_path / "missing.src"), "--refs", *TEST_REFS, "--out", str(tmp_path / "r.json")])
        == 2
    )
    assert "no such file" in capsys.readouterr().err
    assert main(_eval(tmp_path, "--out", str(tmp_path / "nowhere" / "r.json"))) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(_eval(tmp_path, "--modes", "lora", "--adapter", "nobody")) == 2
    assert "No adapter named 'nobody'" in capsys.readouterr().err


def test_ptb_tokenizer_matches_jfleg_and_is_idempotent():
    from draftwheel.evaluate.tokenize import ptb

    assert ptb("I don't know, it's fine.") == "I do n't know , it 's fine ."
    assert ptb("You cannot park there.") == "You cannot park there ."
    # JFLEG test lines are already tokenized: tokenizing again changes none of them.
    for name in ("test.src", *[f"test.ref{i}" for i in range(4)]):
        for line in (JFLEG / name).read_text(encoding="utf-8").split("\n")[:-1]:
            assert ptb(line) == " ".join(line.split())
