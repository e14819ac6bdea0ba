"""Helpers for the adapter tests: PEFT LoRA folders for the bundled model without loading torch.

A PEFT folder is just ``adapter_config.json`` + ``adapter_model.safetensors``;
writing one with numpy gives the exporter exactly what PEFT's
``save_pretrained`` writes (same keys, shapes and config fields), in a
fraction of a second.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

# Gemma 3 270M: hidden 640, 4 query heads x 256, 1 KV head x 256, MLP 2048, 18 blocks.
SHAPES = {  # module -> (out, in)
    "self_attn.q_proj": (1024, 640),
    "self_attn.k_proj": (256, 640),
    "self_attn.v_proj": (256, 640),
    "self_attn.o_proj": (640, 1024),
    "mlp.gate_proj": (2048, 640),
    "mlp.up_proj": (2048, 640),
    "mlp.down_proj": (640, 2048),
}
N_BLOCKS = 18


def write_peft(
    folder: Path,
    rank: int = 4,
    alpha: float = 8.0,
    std: float = 0.03,
    seed: int = 0,
    modules: tuple[str, ...] = tuple(SHAPES),
    blocks: range = range(N_BLOCKS),
    extra_config: dict | None = None,
    zero_b: bool = False,
) -> Path:
    """A PEFT LoRA folder with random A and B (std ``std``); ``zero_b`` gives a no-op adapter."""
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    tensors = {}
    for i in blocks:
        for mod in modules:
            out, inp = SHAPES[mod]
            key = f"base_model.model.model.layers.{i}.{mod}"
            tensors[f"{key}.lora_A.weight"] = rng.normal(0, std, (rank, inp)).astype(np.float32)
            b = np.zeros((out, rank), np.float32) if zero_b else rng.normal(0, std, (out, rank)).astype(np.float32)
            tensors[f"{key}.lora_B.weight"] = b
    folder.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(folder / "adapter_model.safetensors"))
    config = {
        "peft_type": "LORA",
        "r": rank,
        "lora_alpha": alpha,
        "lora_dropout": 0.0,
        "bias": "none",
        "target_modules": sorted({m.rsplit(".", 1)[-1] for m in modules}),
        "use_rslora": False,
        "use_dora": False,
        "modules_to_save": None,
        "alpha_pattern": {},
        "rank_pattern": {},
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": "gemma3-270m",
    }
    config.update(extra_config or {})
    (folder / "adapter_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def write_adapter_gguf(
    path: Path,
    arch: str = "gemma3",
    rank: int = 4,
    alpha: float = 8.0,
    shapes: dict[str, tuple[int, int]] | None = None,
    seed: int = 0,
) -> Path:
    """A llama.cpp LoRA GGUF written directly with gguf (e.g. for another architecture)."""
    import gguf

    rng = np.random.default_rng(seed)
    shapes = shapes or {"blk.0.attn_q.weight": (1024, 640)}
    w = gguf.GGUFWriter(path, arch)
    w.add_type(gguf.GGUFType.ADAPTER)
    w.add_string(gguf.Keys.Adapter.TYPE, "lora")
    w.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
    for name, (out, inp) in shapes.items():
        w.add_tensor(f"{name}.lora_a", rng.normal(0, 0.01, (rank, inp)).astype(np.float32))
        w.add_tensor(f"{name}.lora_b", rng.normal(0, 0.01, (out, rank)).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def bundled_entry(paths):
    """The bundled model's catalogue entry without re-reading its 250 MB GGUF (its file is in ``paths``)."""
    from draftwheel.models import Catalogue

    entry = next(e for e in Catalogue(paths).list() if e.bundled)
    assert entry.file.exists()
    return entry
