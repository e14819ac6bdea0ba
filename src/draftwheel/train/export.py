"""A trained PEFT folder as a registry entry: its description and its llama.cpp GGUF writer.

Registering, scoring and promoting it is the flywheel's job
(:func:`draftwheel.flywheel.promotion.finish_adapter`); nothing here runs the engine.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from draftwheel.models.adapter_info import AdapterInfo
from draftwheel.models.catalogue import ModelEntry
from draftwheel.train.gguf_adapter import export_gguf_adapter, read_peft_config

# Figures from the trainer kept in adapter.json under "training".
_FIGURES = (
    "train_loss",
    "heldout_loss_before",
    "heldout_loss_after",
    "tokens_per_s",
    "peak_memory_bytes",
    "seconds",
    "device",
    "resumed_from",
)


def _figures(training_figures: Any) -> dict[str, Any]:
    if training_figures is None:
        return {}
    if hasattr(training_figures, "to_dict"):
        return training_figures.to_dict()
    if dataclasses.is_dataclass(training_figures) and not isinstance(training_figures, type):
        return dataclasses.asdict(training_figures)
    return dict(training_figures)


def describe_adapter(
    peft_dir: str | Path, base_entry: ModelEntry, name: str | None, task: str, training_figures: Any, n_heldout: int = 0
) -> AdapterInfo:
    """The ``adapter.json`` of the PEFT adapter in ``peft_dir``; ``name`` None: ``<task>-<UTC time>``."""
    figures = _figures(training_figures)
    cfg = read_peft_config(Path(peft_dir))
    info = AdapterInfo(
        name=name or f"{task}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}",
        task=task,
        base_model=base_entry.name,
        base_sha256=base_entry.sha256,
        architecture=base_entry.architecture,
        rank=int(cfg.get("r", 8)),
        alpha=float(cfg.get("lora_alpha", 8)),
        target_modules=sorted(cfg.get("target_modules") or []),
        n_train=int(figures.get("n_train", 0) or 0),
        n_heldout=int(figures.get("n_heldout", n_heldout) or 0),
        steps=int(figures.get("steps", 0) or 0),
        training={k: figures[k] for k in _FIGURES if k in figures},
    )
    if cfg.get("use_rslora"):
        info.training["use_rslora"] = True
    return info


def gguf_writer(peft_dir: str | Path, base_entry: ModelEntry, name: str) -> Callable[[Path], None]:
    """``write(path)``: the PEFT adapter as a llama.cpp LoRA GGUF for ``base_entry`` at ``path``."""

    def write(out: Path) -> None:
        export_gguf_adapter(peft_dir, base_entry.path, out, name=name)

    return write
