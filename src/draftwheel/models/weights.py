"""Trainable weights for a GGUF model: a one-time conversion, cached.

transformers can load a GGUF (``from_pretrained(dir, gguf_file=name)``) and
dequantize it, but that takes about 70 s for the bundled 270M model. We do it
once per model file and keep the result in ``AppPaths.weights_cache /
<sha256[:16]>/`` in the standard Hugging Face layout (config.json,
model.safetensors, tokenizer.json, tokenizer_config.json), which loads in a few
seconds and is also what the MLX backend reads.

The folder is written under a temporary name and renamed into place, so a
conversion that is killed or runs out of disk leaves nothing that looks
finished. ``draftwheel-weights.json`` (written last) records the source.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from draftwheel.config.atomic import atomic_write_text, sweep_stale_temps
from draftwheel.config.paths import AppPaths, private_dir
from draftwheel.errors import DraftwheelError, write_error
from draftwheel.models.catalogue import ModelEntry

log = logging.getLogger(__name__)

META_FILE = "draftwheel-weights.json"
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", META_FILE)
# The dequantized weights are stored in float32: Q4_K_M values are exact in
# float32, so the trainer sees the same numbers llama.cpp uses at inference.
STORE_DTYPE = "float32"

Progress = Callable[[str], None]


def cache_dir(paths: AppPaths, entry: ModelEntry) -> Path:
    return paths.weights_cache / entry.sha256[:16]


def is_complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in REQUIRED_FILES)


def read_meta(folder: Path) -> dict:
    try:
        return json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def remove_stale_conversions(root: Path, key: str) -> None:
    """Delete half-written conversions (``.<key>.<pid>.tmp``) left by processes that no longer run."""
    sweep_stale_temps(root, re.compile(rf"^\.{re.escape(key)}\.(\d+)\.tmp$"))


def _disk_error(exc: BaseException, where: Path) -> DraftwheelError | None:
    return write_error(
        exc,
        where,
        f"write the trainable weights to {where}",
        "They need about 1.2 GB for the bundled model; free some disk space and try again.",
    )


def convert(gguf: Path, out: Path, progress: Progress | None = None) -> None:
    """Dequantize ``gguf`` with transformers and save it to ``out`` (which must not exist)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    say = progress or (lambda _msg: None)
    say(f"Reading {gguf.name} (a one-time conversion, about a minute)...")
    t0 = time.perf_counter()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, dtype=getattr(torch, STORE_DTYPE)
        )
    except (ValueError, KeyError, RuntimeError) as exc:
        raise DraftwheelError(
            f"{gguf.name}: transformers cannot turn this model into trainable weights ({exc}).",
            "Training needs a model architecture that transformers can read from GGUF.",
        ) from None
    # A GGUF-loaded model carries a quantizer marker; save_pretrained refuses
    # such a model, but the weights are already plain dequantized tensors.
    model.hf_quantizer = None  # type: ignore[assignment]  # nn.Module.__setattr__ is typed for tensors and modules
    for holder in (model.config, getattr(model, "generation_config", None)):
        if holder is not None and hasattr(holder, "quantization_config"):
            try:
                delattr(holder, "quantization_config")
            except AttributeError:
                pass
    say(f"Saving trainable weights ({time.perf_counter() - t0:.0f} s to read)...")
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))


def trainable_weights(paths: AppPaths, model_entry: ModelEntry, progress: Progress | None = None) -> Path:
    """The cached trainable copy of ``model_entry``, converting it first if needed."""
    target = cache_dir(paths, model_entry)
    if is_complete(target):
        return target
    root = private_dir(paths.weights_cache)
    key = target.name
    remove_stale_conversions(root, key)
    if target.exists():
        # An incomplete folder under the final name (e.g. deleted files by hand).
        shutil.rmtree(target, ignore_errors=True)
    tmp = root / f".{key}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        convert(model_entry.file, tmp, progress)
        meta = {
            "source": str(model_entry.file),
            "model": model_entry.name,
            "sha256": model_entry.sha256,
            "architecture": model_entry.architecture,
            "quantization": model_entry.quantization,
            "dtype": STORE_DTYPE,
            "created": time.time(),
        }
        atomic_write_text(tmp / META_FILE, json.dumps(meta, indent=2) + "\n")
        try:
            os.rename(tmp, target)
        except OSError:
            if is_complete(target):  # another process finished the same conversion first
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                raise
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        error = _disk_error(exc, root)
        if error is None:
            raise
        raise error from None
    if progress:
        progress(f"Trainable weights ready in {target}.")
    return target


def load_trainable(path: Path, dtype=None):
    """(model, tokenizer) from a trainable-weights folder; ``dtype`` a torch dtype (default float32)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(path)
    if not is_complete(path):
        missing = [n for n in REQUIRED_FILES if not (path / n).is_file()]
        raise DraftwheelError(
            f"{path} is not a complete trainable-weights folder (missing {', '.join(missing)}).",
            "Delete it; it is converted again from the GGUF on the next training.",
        )
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype or torch.float32)
    except (OSError, ValueError, RuntimeError) as exc:
        raise DraftwheelError(
            f"{path}: the trainable weights cannot be loaded ({exc}).",
            "Delete the folder; it is converted again from the GGUF on the next training.",
        ) from None
    return model, tokenizer
