"""Adapters on the loaded llama.cpp engine: hot-swap, bad adapter files, the CLI, evaluation and promotion."""

from __future__ import annotations

import json

import pytest

from adapter_helpers import bundled_entry, write_adapter_gguf, write_peft
from draftwheel.engine.base import AdapterRef, GenerationRequest
from draftwheel.errors import DraftwheelError, ModelFileError

PROMPT = "Instruction: Correct grammar, spelling and punctuation. Change nothing else.\n\nText: She go to school every days .\nRevision:"


@pytest.fixture(scope="module")
def strong_gguf(bundled_gguf, tmp_path_factory):
    """A random LoRA large enough to change greedy output visibly."""
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    folder = tmp_path_factory.mktemp("strong")
    peft = write_peft(folder / "peft", rank=8, alpha=16.0, std=0.05, seed=7)
    return export_gguf_adapter(peft, bundled_gguf, folder / "strong.gguf").path


@pytest.fixture(scope="module")
def mild_gguf(bundled_gguf, tmp_path_factory):
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    folder = tmp_path_factory.mktemp("mild")
    peft = write_peft(folder / "peft", rank=4, alpha=8.0, std=0.04, seed=3)
    return export_gguf_adapter(peft, bundled_gguf, folder / "mild.gguf").path


def _greedy(engine, prompt=PROMPT, n=24) -> str:
    return engine.generate(GenerationRequest(prompt=prompt, max_tokens=n, temperature=0.0)).text


def test_hot_swap_changes_output_and_back_restores_base(fresh_engine, strong_gguf, mild_gguf):
    engine = fresh_engine
    llm_before = engine.llama
    base = _greedy(engine)
    engine.use_adapter(AdapterRef("strong", strong_gguf))
    assert engine.info.adapter == "strong"
    with_strong = _greedy(engine)
    assert with_strong != base
    engine.use_adapter(AdapterRef("mild", mild_gguf))  # A -> B without going through the base
    with_mild = _greedy(engine)
    assert with_mild not in (base, with_strong)
    engine.use_adapter(None)
    assert engine.info.adapter is None
    assert _greedy(engine) == base  # exactly the base output again: no stale KV cache, no leftover adapter
    engine.use_adapter(AdapterRef("strong", strong_gguf))
    assert _greedy(engine) == with_strong  # and the adapter reproduces itself
    assert engine.llama is llm_before  # switched on the loaded model, never reloaded


def test_cached_prefix_is_not_reused_across_a_swap(fresh_engine, strong_gguf):
    engine = fresh_engine
    first = next(iter(engine.stream(GenerationRequest(prompt=PROMPT, max_tokens=1))))
    again = next(iter(engine.stream(GenerationRequest(prompt=PROMPT, max_tokens=1))))
    assert again.n_cached_tokens > 0 and first.n_prompt_tokens == again.n_prompt_tokens
    engine.use_adapter(AdapterRef("strong", strong_gguf))
    after = next(iter(engine.stream(GenerationRequest(prompt=PROMPT, max_tokens=1))))
    assert after.n_cached_tokens == 0


def test_engine_refuses_bad_adapter_files(fresh_engine, bundled_gguf, strong_gguf, tmp_path):
    engine = fresh_engine
    base = _greedy(engine, n=8)
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(strong_gguf.read_bytes()[:4096])
    with pytest.raises(ModelFileError, match="truncated"):
        engine.use_adapter(AdapterRef("t", truncated))
    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(b"PK\x03\x04 not a gguf")
    with pytest.raises(ModelFileError, match="not a GGUF"):
        engine.use_adapter(AdapterRef("g", garbage))
    with pytest.raises(ModelFileError, match="is a model, not a LoRA adapter"):
        engine.use_adapter(AdapterRef("m", bundled_gguf))
    llama_arch = write_adapter_gguf(tmp_path / "llama.gguf", arch="llama")
    with pytest.raises(DraftwheelError, match="made for a llama model"):
        engine.use_adapter(AdapterRef("l", llama_arch))
    wrong_size = write_adapter_gguf(tmp_path / "big.gguf", shapes={"blk.0.attn_q.weight": (1024, 1152)})
    with pytest.raises(ModelFileError, match="wrong tensor shapes"):
        engine.use_adapter(AdapterRef("w", wrong_size))
    assert engine.adapter is None
    assert _greedy(engine, n=8) == base  # a refused adapter changes nothing


def test_replaced_adapter_file_is_loaded_again(fresh_engine, bundled_gguf, tmp_path):
    """Same path, new contents (an adapter deleted and re-created under its name) must not reuse the old handle."""
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    engine = fresh_engine
    path = tmp_path / "same.gguf"
    export_gguf_adapter(write_peft(tmp_path / "p1", rank=8, alpha=16, std=0.05, seed=11), bundled_gguf, path)
    engine.use_adapter(AdapterRef("same", path))
    first = _greedy(engine)
    export_gguf_adapter(write_peft(tmp_path / "p2", rank=8, alpha=16, std=0.05, seed=12), bundled_gguf, path)
    engine.use_adapter(AdapterRef("same", path))
    second = _greedy(engine)
    assert first != second


# -- CLI ------------------------------------------------------------------------


def _cli(capsys, *argv):
    from draftwheel.cli.main import main

    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture
def registered(paths, bundled_gguf, tmp_path):
    from draftwheel.flywheel.adapters import create_adapter
    from draftwheel.models.adapters import AdapterInfo
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    base = bundled_entry(paths)
    peft = write_peft(tmp_path / "peft", rank=8, alpha=16.0, std=0.05, seed=7)
    info = AdapterInfo(
        name="strong",
        task="grammar",
        base_model=base.name,
        base_sha256=base.sha256,
        architecture=base.architecture,
        rank=8,
        alpha=16.0,
    )
    return create_adapter(paths, info, lambda p: export_gguf_adapter(peft, bundled_gguf, p))


def test_cli_adapters_list_use_rename_export_import_delete(registered, paths, capsys, tmp_path):
    from draftwheel.config import load_settings

    rc, out, _ = _cli(capsys, "adapters", "list")
    assert rc == 0 and "strong" in out
    assert _cli(capsys, "adapters", "use", "strong")[0] == 0
    assert load_settings(paths).adapter == "strong"
    rc, out, _ = _cli(capsys, "adapters", "list", "--json")
    assert json.loads(out)[0]["in_use"] is True
    assert _cli(capsys, "adapters", "rename", "strong", "bold")[0] == 0
    assert load_settings(paths).adapter == "bold"  # the choice follows the rename
    rc, out, _ = _cli(capsys, "adapters", "export", "bold", str(tmp_path / "bold.zip"))
    assert rc == 0 and (tmp_path / "bold.zip").is_file()
    rc, out, err = _cli(capsys, "adapters", "import", str(tmp_path / "bold.zip"))
    assert rc == 2 and "already exists" in err
    assert _cli(capsys, "adapters", "import", str(tmp_path / "bold.zip"), "--name", "bold2")[0] == 0
    assert _cli(capsys, "adapters", "use", "base")[0] == 0
    assert load_settings(paths).adapter == ""
    assert _cli(capsys, "adapters", "delete", "bold")[0] == 0
    rc, out, _ = _cli(capsys, "adapters", "list", "--json")
    assert [a["name"] for a in json.loads(out)] == ["bold2"]
    rc, _, err = _cli(capsys, "adapters", "use", "nope")
    assert rc == 2 and "No adapter named 'nope'" in err
    rc, _, err = _cli(capsys, "adapters", "import", str(tmp_path / "missing.zip"))
    assert rc == 2 and "no such file" in err


def test_cli_revise_with_adapter(registered, paths, capsys, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("She go to school every days .\n")
    # --rules off: Harper would fix "go" and "days" in both, hiding the adapter's difference
    rc, out, _ = _cli(capsys, "revise", "--file", str(src), "--json", "--rules", "off", "--adapter", "base")
    assert rc == 0
    base = json.loads(out)
    rc, out, _ = _cli(capsys, "revise", "--file", str(src), "--json", "--rules", "off", "--adapter", "strong")
    assert rc == 0
    adapted = json.loads(out)
    assert adapted["adapter"] == "strong" and adapted["stage"] == "lora" and base["adapter"] is None
    assert adapted["revision"] != base["revision"]


def test_cli_refuses_adapter_for_another_base(registered, paths, capsys, tmp_path):
    meta_file = registered.folder / "adapter.json"
    meta = json.loads(meta_file.read_text())
    meta.update(base_sha256="ab" * 32, base_model="gemma3-1b")
    meta_file.write_text(json.dumps(meta))
    src = tmp_path / "in.txt"
    src.write_text("She go to school .\n")
    rc, _, err = _cli(capsys, "revise", "--file", str(src), "--adapter", "strong")
    assert rc == 2 and "needs the base model gemma3-1b" in err and "Traceback" not in err
    rc, _, err = _cli(capsys, "adapters", "use", "strong")
    assert rc == 2 and "needs the base model gemma3-1b" in err


# -- evaluation and promotion --------------------------------------------------


def _heldout(n=4, max_words=None):
    """The first ``n`` JFLEG dev pairs (of at most ``max_words`` words: short ones keep generation short)."""
    from conftest import JFLEG

    src = (JFLEG / "dev.src").read_text(encoding="utf-8").splitlines()
    ref = (JFLEG / "dev.ref0").read_text(encoding="utf-8").splitlines()
    pairs = [(a, b) for a, b in zip(src, ref, strict=True) if max_words is None or len(a.split()) <= max_words]
    return pairs[:n]


@pytest.mark.slow
def test_finish_adapter_scores_and_promotes_only_when_better(paths, bundled_gguf, engine, tmp_path):
    """A damaging adapter is promoted by hand; a no-op LoRA (= the base model) must beat it and take over;
    another damaging one must then not be promoted."""
    from draftwheel.flywheel import adapters as fly
    from draftwheel.flywheel.promotion import finish_adapter
    from draftwheel.models import adapters as reg
    from draftwheel.store import get_adapter as row_of
    from draftwheel.store import open_store, start_run

    base = bundled_entry(paths)
    heldout = _heldout(3, max_words=12)
    bad = finish_adapter(
        paths,
        write_peft(tmp_path / "bad", rank=8, alpha=16, std=0.08, seed=5),
        base,
        "bad",
        "grammar",
        {"steps": 3, "n_train": 20},
        heldout,
        engine=engine,
        evaluate=False,
    )
    assert bad.scores == {} and not bad.promoted
    fly.promote(paths, "bad")

    store = open_store(paths)
    try:
        with store.session() as s, s.begin():
            run_id = start_run(s, "grammar", steps_total=3).id
        messages = []
        good = finish_adapter(
            paths,
            write_peft(tmp_path / "noop", zero_b=True),
            base,
            "noop",
            "grammar",
            {"steps": 3, "n_train": 20, "train_loss": 1.5},
            heldout,
            engine=engine,
            callback=messages.append,
            run_id=run_id,
        )
        assert good.scores["baseline"]["stage"] == "adapter:bad"
        assert good.scores["adapter"]["combined"] > good.scores["baseline"]["combined"]
        assert good.promoted and not reg.get_adapter(paths, "bad").promoted
        assert json.loads((good.folder / "adapter.json").read_text())["scores"]["promoted"] is True
        assert good.training["train_loss"] == 1.5 and good.steps == 3 and good.n_heldout == 3
        assert any("promoted" in m for m in messages)
        with store.session() as s:
            assert row_of(s, "noop").promoted and not row_of(s, "bad").promoted
            assert row_of(s, "noop").scores["adapter"] == good.scores["adapter"]
            from draftwheel.store import get_run

            run = get_run(s, run_id)
            assert run.adapter_name == "noop" and run.scores["baseline"]["stage"] == "adapter:bad"

        worse = finish_adapter(
            paths,
            write_peft(tmp_path / "bad2", rank=8, alpha=16, std=0.08, seed=6),
            base,
            None,
            "grammar",
            {"steps": 3},
            heldout,
            engine=engine,
        )
        assert worse.name.startswith("grammar-")
        assert worse.scores["baseline"]["stage"] == "adapter:noop" and not worse.promoted
        assert reg.promoted_for(paths, "grammar", base.sha256).name == "noop"
    finally:
        store.close()
    assert engine.adapter is None  # the shared engine is left as it was


def test_fewshot_baseline_never_shows_an_edit_as_its_own_example(paths):
    from draftwheel.engine.prompts import resolve_task
    from draftwheel.flywheel.promotion import current_stage, store_examples
    from draftwheel.store import add_edits, open_store

    pairs = _heldout(6)
    assert current_stage(paths, "grammar", "x" * 64, "new") == ("zero", None)
    store = open_store(paths)
    try:
        with store.session() as s, s.begin():
            add_edits(
                s,
                [
                    {"task": "grammar", "input_text": a, "final_text": b, "outcome": "accepted", "origin": "import"}
                    for a, b in pairs
                ],
            )
    finally:
        store.close()
    assert current_stage(paths, "grammar", "x" * 64, "new") == ("few", None)
    examples_for = store_examples(paths, k=3, token_budget=2000)
    try:
        task = resolve_task("grammar")
        n_shown = 0
        for text, _final in pairs:
            shown = examples_for(task, text)  # BM25 may find fewer than k related edits
            assert len(shown) <= 3
            assert all(ex.input.strip() != text.strip() for ex in shown)
            n_shown += len(shown)
        assert n_shown >= len(pairs)
    finally:
        examples_for.store.close()
