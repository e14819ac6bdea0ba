"""LoRA adapters in mlx-lm's layout, and llama.cpp LoRA GGUFs read in that orientation.

An adapter folder keeps the MLX weights in its ``mlx/`` subfolder in mlx-lm's
own layout, so ``mlx_lm.load(..., adapter_path=folder / "mlx")`` reads it too:

* ``adapter_config.json`` — ``{"fine_tune_type": "lora", "num_layers": N,
  "lora_parameters": {"rank": r, "scale": s, "dropout": p, "keys": [...]}}``
* ``adapters.safetensors`` — ``<module>.lora_a`` with shape (in, r) and
  ``<module>.lora_b`` with shape (r, out), e.g.
  ``model.layers.0.self_attn.q_proj.lora_a``; mlx-lm computes
  ``W x + scale * (x @ lora_a) @ lora_b``.

:func:`gguf_to_mlx` lets the MLX engine run an adapter that only exists as a
GGUF (for example one trained with PEFT on another machine). Writing PEFT and
GGUF from MLX weights is training's job (:mod:`draftwheel.train.mlx_convert`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from draftwheel.config.atomic import atomic_write_text
from draftwheel.errors import DraftwheelError, ModelFileError
from draftwheel.models.gguf_info import read_gguf

MLX_SUBDIR = "mlx"
MLX_CONFIG = "adapter_config.json"
MLX_WEIGHTS = "adapters.safetensors"


@dataclass
class LoraWeights:
    """One adapter in MLX orientation: module -> (lora_a (in, r), lora_b (r, out)), float32."""

    modules: dict[str, tuple[np.ndarray, np.ndarray]]
    scale: float  # the factor on (x @ a) @ b; PEFT's alpha / r
    rank: int
    config: dict  # the mlx-lm adapter_config.json this came from (or an equivalent)

    @property
    def alpha(self) -> float:
        """PEFT / llama.cpp ``lora_alpha`` giving the same scale: alpha / r = scale."""
        return self.scale * self.rank


def _read_safetensors(file: Path) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        raw = load_file(str(file))
    except (SafetensorError, OSError, ValueError, TypeError) as exc:
        if "bf16" in str(exc).lower() or "bfloat16" in str(exc).lower():
            # numpy has no bfloat16; mlx reads it (only needed for bf16-trained adapters).
            import mlx.core as mx

            loaded = mx.load(str(file))
            assert isinstance(loaded, dict)  # a .safetensors file loads as {name: array}
            return {k: np.array(v.astype(mx.float32)) for k, v in loaded.items()}
        raise DraftwheelError(f"{file}: the adapter weights are damaged ({exc}).") from None
    return {k: np.asarray(v, dtype=np.float32) for k, v in raw.items()}


def _matched(
    pairs: dict[str, dict[str, np.ndarray]], file: Path, transpose: bool = False
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{module: (lora_a (in, r), lora_b (r, out))}, each module's two matrices checked to fit."""
    modules: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for module, ab in sorted(pairs.items()):
        if set(ab) != {"lora_a", "lora_b"}:
            raise DraftwheelError(f"{file}: {module} has lora_a or lora_b but not both.")
        a, b = (ab["lora_a"].T, ab["lora_b"].T) if transpose else (ab["lora_a"], ab["lora_b"])
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
            raise DraftwheelError(f"{file}: {module} has LoRA shapes {a.shape} and {b.shape}, which do not fit.")
        modules[module] = (np.ascontiguousarray(a), np.ascontiguousarray(b))
    if not modules:
        raise DraftwheelError(f"{file}: the adapter holds no LoRA weights.")
    return modules


def read_mlx_adapter(mlx_dir: str | Path) -> LoraWeights:
    """Read an mlx-lm LoRA adapter folder (``adapter_config.json`` + ``adapters.safetensors``)."""
    mlx_dir = Path(mlx_dir)
    cfg_file, weights_file = mlx_dir / MLX_CONFIG, mlx_dir / MLX_WEIGHTS
    if not cfg_file.is_file() or not weights_file.is_file():
        raise DraftwheelError(f"{mlx_dir}: not an MLX adapter folder (needs {MLX_CONFIG} and {MLX_WEIGHTS}).")
    try:
        cfg = json.loads(cfg_file.read_text(encoding="utf-8"))
        params = cfg.get("lora_parameters", {})
        scale = float(params["scale"])
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise DraftwheelError(f"{cfg_file}: not a valid mlx-lm adapter config ({exc!r}).") from None
    kind = cfg.get("fine_tune_type", "lora")
    if kind != "lora":
        raise DraftwheelError(
            f"{cfg_file}: a {kind!r} adapter cannot be used here; only plain LoRA can.",
            "Train with fine_tune_type 'lora'.",
        )
    tensors = _read_safetensors(weights_file)
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, value in tensors.items():
        module, _, leaf = key.rpartition(".")
        if leaf not in ("lora_a", "lora_b"):
            raise DraftwheelError(f"{weights_file}: unexpected tensor {key!r} (only lora_a / lora_b are supported).")
        pairs.setdefault(module, {})[leaf] = value
    modules = _matched(pairs, weights_file)
    ranks = {a.shape[1] for a, _b in modules.values()}
    rank = int(params.get("rank") or max(ranks))
    if len(ranks) > 1:
        raise DraftwheelError(f"{weights_file}: modules have different ranks {sorted(ranks)}; mlx-lm uses one.")
    return LoraWeights(modules, scale, rank, cfg)


def write_mlx_adapter(weights: LoraWeights, mlx_dir: str | Path) -> Path:
    """Write ``weights`` in mlx-lm's layout (used by the GGUF -> MLX import and by tests)."""
    from safetensors.numpy import save_file

    mlx_dir = Path(mlx_dir)
    mlx_dir.mkdir(parents=True, exist_ok=True)
    flat: dict[str, np.ndarray] = {}
    for module, (a, b) in weights.modules.items():
        flat[f"{module}.lora_a"] = np.ascontiguousarray(a, dtype=np.float32)
        flat[f"{module}.lora_b"] = np.ascontiguousarray(b, dtype=np.float32)
    tmp = mlx_dir / f".{MLX_WEIGHTS}.{os.getpid()}.tmp"
    save_file(flat, str(tmp))
    os.replace(tmp, mlx_dir / MLX_WEIGHTS)
    atomic_write_text(mlx_dir / MLX_CONFIG, json.dumps(weights.config, indent=2) + "\n")
    return mlx_dir


def gguf_to_mlx(adapter_gguf: str | Path, modules: list[str], n_blocks: int) -> LoraWeights:
    """Read a llama.cpp LoRA GGUF as MLX weights for the given HF/mlx module paths.

    ``modules``: the model's linear module paths (``model.layers.0.self_attn.q_proj``, ...);
    each GGUF tensor ``<name>.lora_a`` / ``.lora_b`` is matched to one of them
    through the gguf package's tensor name map.
    """
    import gguf

    adapter_gguf = Path(adapter_gguf)
    info = read_gguf(adapter_gguf, what="adapter")
    if info.file_type != "adapter":
        raise ModelFileError(f"{adapter_gguf}: this GGUF is a model, not a LoRA adapter.")
    arch_key = next((k for k, v in gguf.MODEL_ARCH_NAMES.items() if v == info.architecture), None)
    if arch_key is None:
        raise DraftwheelError(f"{adapter_gguf}: the gguf package does not know the {info.architecture!r} architecture.")
    name_map = gguf.get_tensor_name_map(arch_key, n_blocks)
    by_gguf = {}
    for module in modules:
        gguf_name = name_map.get_name(module)
        if gguf_name:
            by_gguf[f"{gguf_name}.weight"] = module
    reader = gguf.GGUFReader(adapter_gguf, "r")
    alpha_field = reader.get_field(gguf.Keys.Adapter.LORA_ALPHA)
    if alpha_field is None:
        raise ModelFileError(f"{adapter_gguf}: the adapter has no {gguf.Keys.Adapter.LORA_ALPHA}.")
    alpha = float(alpha_field.contents())
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for t in reader.tensors:
        base, _, leaf = t.name.rpartition(".")
        if leaf not in ("lora_a", "lora_b"):
            continue
        target = by_gguf.get(base)
        if target is None:
            raise DraftwheelError(
                f"{adapter_gguf}: tensor {t.name} matches no module of the loaded model.",
                "The adapter was made for another model.",
            )
        # numpy shape is ggml's ne reversed: lora_a (r, in), lora_b (out, r) as PEFT wrote them.
        data = np.asarray(t.data, dtype=np.float32).reshape([int(d) for d in reversed(t.shape)])
        pairs.setdefault(target, {})[leaf] = data
    modules_out = _matched(pairs, adapter_gguf, transpose=True)  # PEFT's (r, in), (out, r) -> (in, r), (r, out)
    ranks = {a.shape[1] for a, _b in modules_out.values()}
    if len(ranks) > 1:
        # llama.cpp scales each tensor by alpha / its own r; fold that into b so one scale fits.
        rank = max(ranks)
        for module, (a, b) in modules_out.items():
            modules_out[module] = (a, b * np.float32(rank / a.shape[1]))
    else:
        rank = ranks.pop()
    scale = alpha / rank
    keys = sorted({m.split(".layers.", 1)[-1].split(".", 1)[-1] for m in modules_out})
    config = {
        "fine_tune_type": "lora",
        "num_layers": n_blocks,
        "lora_parameters": {"rank": rank, "scale": scale, "dropout": 0.0, "keys": keys},
    }
    return LoraWeights(modules_out, scale, rank, config)
