"""The mlx-lm LoRA trainer (called as a library) on the bundled model, two steps, on Linux CPU."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conftest import JFLEG

pytest.importorskip("mlx_lm")
pytestmark = pytest.mark.slow

RANK, ALPHA = 4, 8.0


def _pairs(n: int = 4):
    from draftwheel.engine.prompts import resolve_task, training_pair

    task = resolve_task("grammar")
    src = (JFLEG / "dev.src").read_text(encoding="utf-8").splitlines()
    ref = (JFLEG / "dev.ref0").read_text(encoding="utf-8").splitlines()
    # short sentences keep the two steps quick on a CPU
    chosen = [(s.strip(), r.strip()) for s, r in zip(src, ref, strict=True) if len(s.split()) <= 14][:n]
    return [training_pair(task, s, r) for s, r in chosen]


class Recorder:
    """A TrainCallback that keeps what it hears."""

    def __init__(self):
        self.started, self.steps, self.ended = None, [], False

    def on_start(self, total, start_step, n_train, n_heldout):
        self.started = (total, start_step, n_train)

    def on_step(self, progress):
        self.steps.append(progress)

    def on_end(self):
        self.ended = True


@pytest.fixture(scope="module")
def trained(trainable_dir, bundled_gguf, tmp_path_factory):
    from draftwheel.train.mlx_trainer import MlxLoraArgs, train

    out = tmp_path_factory.mktemp("mlx-train") / "two-steps"
    rec = Recorder()
    args = MlxLoraArgs(rank=RANK, alpha=ALPHA, iters=2, batch_size=2, learning_rate=1e-3, seed=3)
    result = train(trainable_dir, _pairs(), out, args, callback=rec, base_gguf=bundled_gguf, name="two-steps")
    return result, rec, args


def test_two_steps_write_an_adapter(trained):
    from safetensors.numpy import load_file

    result, rec, _args = trained
    assert result.steps == 2 and len(result.losses) == 2
    assert all(math.isfinite(x) and x > 0 for x in result.losses)
    assert rec.started == (2, 0, 4) and rec.ended
    assert [p.step for p in rec.steps] == [1, 2] and rec.steps[-1].eta_s == 0
    assert rec.steps[0].tokens_per_s > 0 and rec.steps[0].peak_memory_bytes > 0
    cfg = json.loads((result.mlx_dir / "adapter_config.json").read_text())
    assert cfg["fine_tune_type"] == "lora" and cfg["num_layers"] == 18
    assert cfg["lora_parameters"]["rank"] == RANK and cfg["lora_parameters"]["scale"] == ALPHA / RANK
    weights = load_file(str(result.mlx_dir / "adapters.safetensors"))
    assert len(weights) == 2 * 7 * 18
    a = weights["model.layers.0.self_attn.q_proj.lora_a"]
    b = weights["model.layers.0.self_attn.q_proj.lora_b"]
    assert a.shape == (640, RANK) and b.shape == (RANK, 1024)
    assert np.abs(b).max() > 0  # B starts at zero: non-zero means the steps updated it
    assert not list(result.folder.glob(".*.tmp"))  # no leftovers
    # Exported for llama.cpp too, with PEFT's alpha = scale * r.
    from gguf import GGUFReader

    reader = GGUFReader(result.gguf)
    assert float(reader.get_field("adapter.lora.alpha").contents()) == pytest.approx(ALPHA)
    peft_cfg = json.loads((result.peft_dir / "adapter_config.json").read_text())
    assert peft_cfg["r"] == RANK and peft_cfg["lora_alpha"] == pytest.approx(ALPHA)


def test_engines_load_the_trained_adapter(trained, mlx_engine, engine):
    from mlx_lm.tuner.lora import LoRALinear
    from safetensors.numpy import load_file

    from draftwheel.engine.base import AdapterRef, GenerationRequest

    result, _rec, _args = trained
    ref = AdapterRef("two-steps", result.gguf)
    try:
        mlx_engine.use_adapter(ref)
        layer = dict(mlx_engine.model.named_modules())["model.layers.3.mlp.down_proj"]
        assert isinstance(layer, LoRALinear) and layer.scale == pytest.approx(ALPHA / RANK)
        saved = load_file(str(result.mlx_dir / "adapters.safetensors"))
        np.testing.assert_array_equal(np.array(layer.lora_b), saved["model.layers.3.mlp.down_proj.lora_b"])
        gen = mlx_engine.generate(GenerationRequest(_pairs(1)[0][0], max_tokens=3))
        assert gen.n_generated == 3 and mlx_engine.info.adapter == "two-steps"
        engine.use_adapter(ref)  # llama.cpp accepts the exported GGUF for the Q4_K_M base
        assert engine.generate(GenerationRequest(_pairs(1)[0][0], max_tokens=3)).n_generated >= 1
    finally:
        mlx_engine.use_adapter(None)
        engine.use_adapter(None)


def test_register_puts_mlx_weights_in_the_adapter_folder(trained, paths, engine):
    from draftwheel.flywheel.adapters import register_copy
    from draftwheel.models import Catalogue
    from draftwheel.models.adapters import adapter_ref, get_adapter
    from draftwheel.train.mlx_trainer import adapter_info

    result, _rec, args = trained
    entry = Catalogue(paths).ensure_bundled()
    described = adapter_info(result, "mlx style", "grammar", entry, args)
    info = register_copy(paths, described, result.gguf, result.peft_dir, {"mlx": result.mlx_dir})
    again = get_adapter(paths, "mlx style")
    assert again.rank == RANK and again.alpha == pytest.approx(ALPHA) and again.steps == 2
    assert (again.folder / "mlx" / "adapters.safetensors").is_file()
    assert (again.folder / "peft" / "adapter_config.json").is_file()
    assert adapter_ref(info).path == again.folder / "adapter.gguf"


def test_completion_loss_equals_full_logits_loss(mlx_engine):
    """Logits at the completion positions only give the loss of the full logits with a mask."""
    import mlx.core as mx
    import mlx.nn as nn

    from draftwheel.train.mlx_trainer import completion_batches, completion_loss, tokenize_pairs

    mlx_engine.use_adapter(None)
    data, skipped = tokenize_pairs(mlx_engine.tokenizer, _pairs(2), 1024)
    assert skipped == 0 and len(data) == 2
    tokens, idx, weights = next(completion_batches(data, 2, 1024, seed=0))
    fast, n = completion_loss(mlx_engine.model, tokens, idx, weights)
    logits = mlx_engine.model(tokens[:, :-1]).astype(mx.float32)
    targets = tokens[:, 1:]
    mask = np.zeros(targets.shape, np.float32)
    for row in range(tokens.shape[0]):
        toks = np.array(tokens[row]).tolist()
        # which example is this row: the one whose tokens it starts with
        full, n_prompt = next((t, p) for t, p in data if toks[: len(t)] == t)
        mask[row, n_prompt - 1 : len(full) - 1] = 1.0  # positions predicting completion tokens
    ce = nn.losses.cross_entropy(logits, targets) * mx.array(mask)
    full_loss = ce.sum() / mask.sum()
    assert int(n.item()) == int(mask.sum())
    assert fast.item() == pytest.approx(full_loss.item(), rel=1e-4)


def test_cancel_stops_and_leaves_nothing(trainable_dir, tmp_path):
    from draftwheel.engine.base import CancelToken
    from draftwheel.errors import Cancelled
    from draftwheel.train.mlx_trainer import MlxLoraArgs, train

    cancel = CancelToken()

    class CancelAfterFirst(Recorder):
        def on_step(self, progress):
            super().on_step(progress)
            cancel.cancel()

    rec = CancelAfterFirst()
    with pytest.raises(Cancelled):
        train(
            trainable_dir,
            _pairs(2),
            tmp_path / "cancelled",
            MlxLoraArgs(rank=2, iters=50, batch_size=1),
            callback=rec,
            cancel=cancel,
        )
    assert len(rec.steps) == 1
    assert not (tmp_path / "cancelled" / "mlx").exists()
    assert not list((tmp_path / "cancelled").glob(".*"))
