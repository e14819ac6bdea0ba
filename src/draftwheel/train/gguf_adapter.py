"""Write a PEFT LoRA adapter as a llama.cpp LoRA GGUF.

Input: a PEFT folder (``adapter_config.json`` + ``adapter_model.safetensors``)
trained on the dequantized weights of a GGUF base model. Output: one GGUF file
that llama.cpp applies on that base (``llama_adapter_lora_init``).

The format (see DESIGN.md): ``general.type = "adapter"``, ``adapter.type =
"lora"``, ``adapter.lora.alpha`` (float32), ``general.architecture`` equal to
the base model's; tensors ``<base tensor name>.lora_a`` / ``.lora_b``. PEFT's
``lora_A.weight`` has numpy shape (r, in) and ``lora_B.weight`` (out, r); they
are written as they are, which gives ggml shapes ne = [in, r] and [r, out],
matching a base weight of ne = [in, out]. llama.cpp computes
``W x + (alpha / r) * B A x`` with one alpha for the whole file and r read from
each tensor, so any other per-module scale (rsLoRA's alpha / sqrt(r), PEFT's
``alpha_pattern`` / ``rank_pattern``) is folded into B before writing.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from draftwheel.errors import DraftwheelError, ModelFileError, write_error
from draftwheel.models.gguf_info import gguf_header

CONFIG_FILE = "adapter_config.json"
WEIGHTS_FILE = "adapter_model.safetensors"
# PEFT key: <prefix><module path>.lora_A.weight (the adapter name is dropped on save)
_KEY_RE = re.compile(r"^(?P<module>.+)\.lora_(?P<ab>[AB])(?:\.[A-Za-z0-9_]+)?\.weight$")
_PREFIXES = ("base_model.model.",)


@dataclass
class GGUFAdapterExport:
    path: Path
    architecture: str
    rank: int
    alpha: float  # the value written to adapter.lora.alpha
    target_modules: list[str]
    n_tensors: int
    size_bytes: int
    modules: list[str] = field(default_factory=list)  # base GGUF tensor names adapted


def read_peft_config(peft_dir: Path) -> dict:
    file = Path(peft_dir) / CONFIG_FILE
    try:
        cfg = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DraftwheelError(f"{peft_dir}: not a PEFT adapter folder (no {CONFIG_FILE}).") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DraftwheelError(f"{file}: the adapter config is not valid JSON ({exc}).") from None
    if not isinstance(cfg, dict) or str(cfg.get("peft_type", "")).upper() != "LORA":
        raise DraftwheelError(f"{file}: not a LoRA adapter (peft_type {cfg.get('peft_type')!r}).")
    if cfg.get("use_dora"):
        raise DraftwheelError(f"{file}: DoRA adapters cannot be run by llama.cpp.", "Train a plain LoRA.")
    if cfg.get("modules_to_save"):
        raise DraftwheelError(
            f"{file}: the adapter saves whole modules ({cfg['modules_to_save']}), which a llama.cpp LoRA cannot hold.",
            "Train without modules_to_save.",
        )
    return cfg


def _load_tensors(file: Path) -> dict[str, np.ndarray]:
    """float32 numpy arrays by key; bf16 goes through torch when it is present."""
    from safetensors import SafetensorError, safe_open

    if not file.exists():
        raise DraftwheelError(f"{file.parent}: not a PEFT adapter folder (no {file.name}).")
    out: dict[str, np.ndarray] = {}
    try:
        try:
            import torch  # noqa: F401

            with safe_open(str(file), framework="pt") as f:
                for key in f.keys():  # noqa: SIM118 - safe_open has keys() but cannot be iterated
                    out[key] = f.get_tensor(key).float().numpy()
        except ImportError:
            with safe_open(str(file), framework="numpy") as f:
                for key in f.keys():  # noqa: SIM118 - safe_open has keys() but cannot be iterated
                    out[key] = np.asarray(f.get_tensor(key), dtype=np.float32)
    except (SafetensorError, OSError, ValueError) as exc:
        raise DraftwheelError(f"{file}: the adapter weights are damaged ({exc}).") from None
    return out


def _module_scale(cfg: dict, module: str, rank: int) -> float:
    """PEFT's scale for one module: alpha / r (or alpha / sqrt(r) with rsLoRA)."""
    alpha = float(cfg.get("lora_alpha", 8))
    for pattern, value in (cfg.get("alpha_pattern") or {}).items():
        if re.fullmatch(rf"(.*\.)?{pattern}", module):
            alpha = float(value)
    return alpha / math.sqrt(rank) if cfg.get("use_rslora") else alpha / rank


def base_tensors(base_gguf: Path) -> tuple[str, int, dict[str, tuple[int, ...]]]:
    """(architecture, block count, {tensor name: ggml shape ne}) of a model GGUF, from its header."""
    if not Path(base_gguf).is_file():
        raise ModelFileError(f"{base_gguf}: the base model file is missing.")
    meta, shapes = gguf_header(base_gguf)
    arch = meta.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise ModelFileError(f"{base_gguf}: the GGUF header has no general.architecture.")
    if meta.get("general.type") == "adapter":
        raise ModelFileError(f"{base_gguf}: this GGUF is an adapter, not a base model.")
    return arch, int(meta.get(f"{arch}.block_count", 0) or 0), shapes


def _name_map(arch: str, n_blocks: int):
    import gguf

    for key, name in gguf.MODEL_ARCH_NAMES.items():
        if name == arch:
            return gguf.get_tensor_name_map(key, n_blocks)
    raise DraftwheelError(
        f"The gguf package does not know the {arch!r} architecture, so its LoRA cannot be exported.",
        "Update the gguf package.",
    )


def gguf_tensor_name(name_map, module: str) -> str | None:
    """HF module path (``model.layers.0.self_attn.q_proj``) -> ``blk.0.attn_q.weight``."""
    candidates = [module]
    # Multimodal wrappers nest the text model one level deeper.
    candidates.append(re.sub(r"(^|\.)language_model\.", r"\1", module))
    candidates.append(re.sub(r"^model\.language_model\.", "model.", module))
    for cand in candidates:
        name = name_map.get_name(cand)
        if name:
            return f"{name}.weight"
    return None


def _pairs(peft_dir: Path, tensors: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """{HF module path: {"A": lora_A (r, in), "B": lora_B (out, r)}} from PEFT's saved tensors."""
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, value in tensors.items():
        if "lora_magnitude_vector" in key:
            raise DraftwheelError(f"{peft_dir}: DoRA adapters cannot be run by llama.cpp.", "Train a plain LoRA.")
        if "lora_embedding" in key:
            raise DraftwheelError(
                f"{peft_dir}: LoRA on embeddings ({key}) is not supported by the export.",
                "Target the attention and MLP projections only.",
            )
        m = _KEY_RE.match(key)
        if not m:
            raise DraftwheelError(f"{peft_dir}: unexpected tensor {key!r} in the adapter weights.")
        module = m["module"]
        for prefix in _PREFIXES:
            module = module.removeprefix(prefix)
        pairs.setdefault(module, {})[m["ab"]] = value
    if not pairs:
        raise DraftwheelError(f"{peft_dir}: the adapter holds no LoRA weights.")
    return pairs


def file_alpha(cfg: dict) -> float:
    """The one alpha of the file; with rsLoRA llama.cpp's alpha / r must equal alpha / sqrt(r)."""
    rank = int(cfg.get("r", 8))
    return float(cfg.get("lora_alpha", 8)) * (math.sqrt(rank) if cfg.get("use_rslora") else 1.0)


def _plan(
    peft_dir: Path,
    cfg: dict,
    pairs: dict[str, dict[str, np.ndarray]],
    name_map,
    shapes: dict[str, tuple[int, ...]],
    base_name: str,
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """[(base GGUF tensor name, A, B with any extra scale folded in)], each checked against the base's shape."""
    alpha = file_alpha(cfg)
    missing: list[str] = []
    planned: list[tuple[str, np.ndarray, np.ndarray]] = []
    for module, ab in sorted(pairs.items()):
        if set(ab) != {"A", "B"}:
            raise DraftwheelError(f"{peft_dir}: module {module} has lora_A or lora_B but not both.")
        a, b = ab["A"], ab["B"]
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[1]:
            raise DraftwheelError(
                f"{peft_dir}: module {module} has LoRA shapes {a.shape} and {b.shape}, which do not fit."
            )
        target = gguf_tensor_name(name_map, module)
        if target is None or target not in shapes:
            missing.append(f"{module} -> {target or '?'}")
            continue
        ne = shapes[target]  # ggml order: ne[0] = in features, ne[1] = out features
        if len(ne) != 2 or ne[0] != a.shape[1] or ne[1] != b.shape[0]:
            raise DraftwheelError(
                f"{peft_dir}: LoRA for {module} expects a {b.shape[0]}x{a.shape[1]} weight, "
                f"but the base model's {target} is {ne[1] if len(ne) > 1 else '?'}x{ne[0]}.",
                "This adapter was trained for another base model.",
            )
        r = a.shape[0]
        factor = _module_scale(cfg, module, r) / (alpha / r)  # what llama.cpp's alpha / r misses
        if not math.isclose(factor, 1.0, rel_tol=1e-6):
            b = b * np.float32(factor)
        planned.append((target, a, b))
    if missing:
        shown = ", ".join(missing[:4]) + (f" (+{len(missing) - 4} more)" if len(missing) > 4 else "")
        raise DraftwheelError(
            f"{peft_dir}: {len(missing)} adapted module(s) have no matching tensor in the base model {base_name}: {shown}.",
            "The adapter was trained for another model, or targets modules llama.cpp cannot adapt (lm_head, embeddings).",
        )
    return planned


def _write(
    out_path: Path,
    arch: str,
    alpha: float,
    name: str | None,
    planned: list[tuple[str, np.ndarray, np.ndarray]],
    np_dtype,
) -> None:
    """Write the GGUF beside ``out_path`` under a temporary name, fsync, rename into place."""
    import gguf

    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        writer = gguf.GGUFWriter(tmp, arch)
        writer.add_type(gguf.GGUFType.ADAPTER)
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
        if name:
            writer.add_name(name)
        for target, a, b in planned:
            writer.add_tensor(f"{target}.lora_a", np.ascontiguousarray(a, dtype=np_dtype))
            writer.add_tensor(f"{target}.lora_b", np.ascontiguousarray(b, dtype=np_dtype))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out_path)
    except OSError as exc:
        raise write_error(
            exc,
            out_path.parent,
            f"write the adapter to {out_path.parent}",
            "Free some disk space and export again; nothing was added.",
        ) from None
    finally:
        if tmp.exists():
            tmp.unlink()


def export_gguf_adapter(
    peft_dir: str | Path, base_gguf: str | Path, out_path: str | Path, name: str | None = None, dtype: str = "f32"
) -> GGUFAdapterExport:
    """Write the PEFT LoRA in ``peft_dir`` as a llama.cpp adapter GGUF for ``base_gguf``.

    The file is written beside ``out_path`` under a temporary name and renamed
    into place only when complete. ``dtype``: ``f32`` (exact) or ``f16`` (half the size).
    """
    peft_dir, out_path = Path(peft_dir), Path(out_path)
    np_dtype = {"f32": np.float32, "f16": np.float16}.get(dtype)
    if np_dtype is None:
        raise DraftwheelError(f"Unknown adapter dtype {dtype!r}; use f32 or f16.")
    cfg = read_peft_config(peft_dir)
    pairs = _pairs(peft_dir, _load_tensors(peft_dir / WEIGHTS_FILE))
    arch, n_blocks, shapes = base_tensors(Path(base_gguf))
    planned = _plan(peft_dir, cfg, pairs, _name_map(arch, n_blocks), shapes, Path(base_gguf).name)
    alpha = file_alpha(cfg)
    _write(out_path, arch, alpha, name, planned, np_dtype)
    return GGUFAdapterExport(
        path=out_path,
        architecture=arch,
        rank=int(cfg.get("r", 8)),
        alpha=alpha,
        target_modules=sorted({m.rsplit(".", 1)[-1] for m in pairs}),
        n_tensors=2 * len(planned),
        size_bytes=out_path.stat().st_size,
        modules=[t for t, _, _ in planned],
    )
