"""MLX <-> PEFT <-> llama.cpp GGUF adapter conversion, on the bundled model's tensor layout (no model run)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from draftwheel.errors import DraftwheelError

pytest.importorskip("safetensors")

# Gemma 3 270M: hidden 640, 4 query heads x 256, 1 KV head x 256, MLP 2048.
SHAPES = {
    "self_attn.q_proj": (640, 1024),
    "self_attn.k_proj": (640, 256),
    "self_attn.v_proj": (640, 256),
    "self_attn.o_proj": (1024, 640),
    "mlp.gate_proj": (640, 2048),
    "mlp.up_proj": (640, 2048),
    "mlp.down_proj": (2048, 640),
}  # (in, out)
RANK, SCALE = 4, 2.5


def synthetic(blocks=(0, 5, 17), seed=0):
    from draftwheel.train.mlx_convert import LoraWeights

    rng = np.random.default_rng(seed)
    modules = {}
    for i in blocks:
        for key, (din, dout) in SHAPES.items():
            modules[f"model.layers.{i}.{key}"] = (
                rng.standard_normal((din, RANK)).astype(np.float32),
                rng.standard_normal((RANK, dout)).astype(np.float32),
            )
    config = {
        "fine_tune_type": "lora",
        "num_layers": 18,
        "lora_parameters": {"rank": RANK, "scale": SCALE, "dropout": 0.0, "keys": list(SHAPES)},
    }
    return LoraWeights(modules, SCALE, RANK, config)


def test_mlx_to_peft_transposes_and_sets_alpha(tmp_path):
    from safetensors.numpy import load_file

    from draftwheel.train.mlx_convert import mlx_to_peft, read_mlx_adapter, write_mlx_adapter

    lora = synthetic()
    write_mlx_adapter(lora, tmp_path / "mlx")
    back = read_mlx_adapter(tmp_path / "mlx")
    assert back.scale == SCALE and back.rank == RANK and set(back.modules) == set(lora.modules)
    peft = mlx_to_peft(tmp_path / "mlx", tmp_path / "peft")
    cfg = json.loads((peft / "adapter_config.json").read_text())
    assert cfg["peft_type"] == "LORA" and cfg["r"] == RANK
    assert cfg["lora_alpha"] == pytest.approx(SCALE * RANK)  # PEFT scales by alpha / r
    assert sorted(cfg["target_modules"]) == sorted(k.rsplit(".", 1)[-1] for k in SHAPES)
    tensors = load_file(str(peft / "adapter_model.safetensors"))
    a, b = lora.modules["model.layers.5.self_attn.q_proj"]
    pa = tensors["base_model.model.model.layers.5.self_attn.q_proj.lora_A.weight"]
    pb = tensors["base_model.model.model.layers.5.self_attn.q_proj.lora_B.weight"]
    assert pa.shape == (RANK, 640) and pb.shape == (1024, RANK)
    np.testing.assert_array_equal(pa, a.T)
    np.testing.assert_array_equal(pb, b.T)
    # The same update: MLX x @ a @ b * scale == PEFT (B @ A @ x) * alpha / r.
    x = np.random.default_rng(1).standard_normal(640)
    a64, b64, pa64, pb64 = (m.astype(np.float64) for m in (a, b, pa, pb))
    np.testing.assert_allclose(SCALE * (x @ a64 @ b64), cfg["lora_alpha"] / cfg["r"] * (pb64 @ (pa64 @ x)), rtol=1e-9)


def test_gguf_export_round_trips_to_mlx(tmp_path, bundled_gguf):
    """MLX -> GGUF for the bundled base -> back to MLX gives the same matrices and scale."""
    from gguf import GGUFReader

    from draftwheel.train.mlx_convert import export_mlx_to_gguf, gguf_to_mlx, write_mlx_adapter

    lora = synthetic()
    write_mlx_adapter(lora, tmp_path / "mlx")
    export = export_mlx_to_gguf(tmp_path / "mlx", bundled_gguf, tmp_path / "adapter.gguf", name="synthetic")
    assert export.architecture == "gemma3" and export.n_tensors == 2 * len(lora.modules)
    assert export.alpha == pytest.approx(SCALE * RANK)
    reader = GGUFReader(tmp_path / "adapter.gguf")
    names = {t.name: [int(d) for d in t.shape] for t in reader.tensors}
    # ggml ne order: lora_a [in, r], lora_b [r, out], beside the base's attn_q [in, out].
    assert names["blk.5.attn_q.weight.lora_a"] == [640, RANK]
    assert names["blk.5.attn_q.weight.lora_b"] == [RANK, 1024]
    assert names["blk.17.ffn_down.weight.lora_b"] == [RANK, 640]
    modules = [f"model.layers.{i}.{k}" for i in range(18) for k in SHAPES]
    back = gguf_to_mlx(tmp_path / "adapter.gguf", modules, n_blocks=18)
    assert back.scale == pytest.approx(SCALE) and back.rank == RANK
    assert set(back.modules) == set(lora.modules)
    for module, (a, b) in lora.modules.items():
        np.testing.assert_array_equal(back.modules[module][0], a)
        np.testing.assert_array_equal(back.modules[module][1], b)


def test_bad_mlx_adapters_are_refused(tmp_path):
    from draftwheel.train.mlx_convert import read_mlx_adapter, write_mlx_adapter

    with pytest.raises(DraftwheelError, match="not an MLX adapter folder"):
        read_mlx_adapter(tmp_path)
    lora = synthetic(blocks=(0,))
    write_mlx_adapter(lora, tmp_path / "mlx")
    cfg = json.loads((tmp_path / "mlx" / "adapter_config.json").read_text())
    cfg["fine_tune_type"] = "dora"
    (tmp_path / "mlx" / "adapter_config.json").write_text(json.dumps(cfg))
    with pytest.raises(DraftwheelError, match="only plain LoRA"):
        read_mlx_adapter(tmp_path / "mlx")
    (tmp_path / "mlx" / "adapter_config.json").write_text("{not json")
    with pytest.raises(DraftwheelError, match="not a valid mlx-lm adapter config"):
        read_mlx_adapter(tmp_path / "mlx")
    (tmp_path / "mlx" / "adapter_config.json").write_text(json.dumps({"lora_parameters": {"scale": 1.0}}))
    (tmp_path / "mlx" / "adapters.safetensors").write_bytes(b"garbage")
    with pytest.raises(DraftwheelError, match="damaged"):
        read_mlx_adapter(tmp_path / "mlx")


def test_backend_choice(monkeypatch):
    from draftwheel.engine import select

    assert select.choose_backend("llama") == "llama"
    with pytest.raises(DraftwheelError, match="Unknown backend 'cuda'"):
        select.choose_backend("cuda")
    monkeypatch.setattr(select, "is_apple_silicon", lambda: False)
    assert select.choose_backend("auto") == "llama"
    monkeypatch.setattr(select, "is_apple_silicon", lambda: True)
    monkeypatch.setattr(select, "mlx_available", lambda: True)
    assert select.choose_backend("auto") == "mlx"
    assert select.choose_backend(None) == "mlx"
    monkeypatch.setattr(select, "mlx_available", lambda: False)
    assert select.choose_backend("auto") == "llama"  # Apple silicon without mlx-lm: llama.cpp
    with pytest.raises(DraftwheelError, match="MLX backend is not installed"):
        select.choose_backend("mlx")
