"""Write an MLX LoRA adapter for PEFT and llama.cpp.

PEFT stores ``lora_A.weight`` (r, in) and ``lora_B.weight`` (out, r) and scales
by ``lora_alpha / r``; llama.cpp reads the same two matrices and one alpha per
file. So MLX -> PEFT is a transpose of both matrices with ``lora_alpha =
scale * r`` (the MLX layout: :mod:`draftwheel.models.mlx_adapter`); the PEFT
folder is then written as a llama.cpp LoRA GGUF by
:func:`draftwheel.train.gguf_adapter.export_gguf_adapter`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from draftwheel.models.mlx_adapter import (  # noqa: F401  (re-exported for old importers)
    MLX_CONFIG,
    MLX_SUBDIR,
    MLX_WEIGHTS,
    LoraWeights,
    gguf_to_mlx,
    read_mlx_adapter,
    write_mlx_adapter,
)

PEFT_SUBDIR = "peft"
PEFT_PREFIX = "base_model.model."  # what PEFT puts before the module path when saving


def mlx_to_peft(mlx_dir: str | Path, peft_dir: str | Path, base_model: str = "") -> Path:
    """Write the MLX adapter in ``mlx_dir`` as a PEFT LoRA folder (transposed, ``lora_alpha = scale * r``)."""
    from safetensors.numpy import save_file

    lora = read_mlx_adapter(mlx_dir)
    peft_dir = Path(peft_dir)
    tensors: dict[str, np.ndarray] = {}
    for module, (a, b) in lora.modules.items():
        tensors[f"{PEFT_PREFIX}{module}.lora_A.weight"] = np.ascontiguousarray(a.T)  # (r, in)
        tensors[f"{PEFT_PREFIX}{module}.lora_B.weight"] = np.ascontiguousarray(b.T)  # (out, r)
    params = lora.config.get("lora_parameters", {})
    config = {
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": base_model,
        "r": lora.rank,
        "lora_alpha": lora.alpha,
        "lora_dropout": float(params.get("dropout", 0.0)),
        "target_modules": sorted({m.rsplit(".", 1)[-1] for m in lora.modules}),
        "bias": "none",
        "use_rslora": False,
        "use_dora": False,
        "fan_in_fan_out": False,
        "inference_mode": True,
    }
    # Build beside the target and rename, so a half-written folder never looks finished.
    peft_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{peft_dir.name}.", dir=peft_dir.parent))
    try:
        save_file(tensors, str(tmp / "adapter_model.safetensors"))
        (tmp / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        if peft_dir.exists():
            shutil.rmtree(peft_dir)
        os.replace(tmp, peft_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return peft_dir


def export_mlx_to_gguf(
    mlx_dir: str | Path,
    base_gguf: str | Path,
    out_gguf: str | Path,
    peft_dir: str | Path | None = None,
    name: str | None = None,
):
    """MLX adapter -> llama.cpp LoRA GGUF for ``base_gguf`` (through PEFT's layout).

    ``peft_dir``: where to keep the PEFT copy (e.g. the adapter folder's
    ``peft/``); ``None`` writes it to a temporary folder that is removed.
    Returns the :class:`~draftwheel.train.gguf_adapter.GGUFAdapterExport`.
    """
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    if peft_dir is not None:
        folder = mlx_to_peft(mlx_dir, peft_dir)
        return export_gguf_adapter(folder, base_gguf, out_gguf, name=name)
    with tempfile.TemporaryDirectory(prefix="draftwheel-peft-") as tmp:
        folder = mlx_to_peft(mlx_dir, Path(tmp) / PEFT_SUBDIR)
        return export_gguf_adapter(folder, base_gguf, out_gguf, name=name)
