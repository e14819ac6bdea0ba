"""From a trained PEFT folder to a registered, evaluated (maybe promoted) adapter.

Called by ``draftwheel train`` (and the background trainer) once training ends::

    from draftwheel.train.export import finish_adapter

    info = finish_adapter(
        paths,               # AppPaths of the profile
        peft_dir,            # PEFT folder: adapter_config.json + adapter_model.safetensors
        base_entry,          # models.ModelEntry the LoRA was trained on (its GGUF is the base)
        name,                # adapter name, or None for "<task>-<UTC time>"
        task,                # task name ("grammar") or an engine.prompts.Task
        training_figures,    # trainer.AdapterResult or a dict: steps, n_train, n_heldout, losses, tokens/s ...
        heldout_pairs,       # [(input, final)] or [dataset.Pair]: the held-out split, never trained on
        engine=None,         # a loaded LlamaEngine on base_entry (reused, adapter restored); None loads one
        callback=None,       # TrainCallback (on_message) or a callable(str) for status lines
        *, run_id=None,      # store TrainingRun id: its scores and adapter_name are filled in
        examples_for=None,   # few-shot source for the baseline (default: the store, held-out inputs excluded)
        evaluate=True,       # False: register only (no held-out scoring, never promoted)
    ) -> models.adapters.AdapterInfo   # .promoted, .scores = {"baseline": {...}, "adapter": {...}, ...}

Steps: write the llama.cpp LoRA GGUF (``train.gguf_adapter``) and
``adapter.json`` into a temporary folder renamed into place with the PEFT
folder kept as ``peft/`` (``models.adapters``); then score the held-out split
at the current stage and with the adapter and promote it only if it scores
higher (``train.promote``); both scores go into ``adapter.json``, the store's
``adapters`` row and the training run's row. Failures before the rename leave
nothing behind (a full disk included); a failing evaluation leaves the adapter
registered but not promoted, and is raised.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any, Sequence

from draftwheel.config import AppPaths, load_settings
from draftwheel.engine.prompts import Task, resolve_task
from draftwheel.errors import DraftwheelError
from draftwheel.models.adapters import AdapterInfo, create_adapter, promote, update_adapter
from draftwheel.models.catalogue import ModelEntry
from draftwheel.train import promote as promotion
from draftwheel.train.gguf_adapter import export_gguf_adapter, read_peft_config

log = logging.getLogger(__name__)

# Figures from the trainer kept in adapter.json under "training".
_FIGURES = ("train_loss", "heldout_loss_before", "heldout_loss_after", "tokens_per_s", "peak_memory_bytes",
            "seconds", "device", "resumed_from")


def _figures(training_figures: Any) -> dict[str, Any]:
    if training_figures is None:
        return {}
    if hasattr(training_figures, "to_dict"):
        return training_figures.to_dict()
    if dataclasses.is_dataclass(training_figures):
        return dataclasses.asdict(training_figures)
    return dict(training_figures)


def _pairs(heldout_pairs: Sequence[Any]) -> list[tuple[str, str]]:
    out = []
    for p in heldout_pairs or ():
        if isinstance(p, (tuple, list)) and len(p) >= 2:
            out.append((str(p[0]), str(p[1])))
        elif hasattr(p, "input") and hasattr(p, "final"):
            out.append((p.input, p.final))
        elif hasattr(p, "input_text") and hasattr(p, "final_text"):
            out.append((p.input_text, p.final_text))
        else:
            raise TypeError(f"held-out pair of unknown shape: {p!r}")
    return out


def _say(callback, text: str) -> None:
    promotion._say(callback, text)


def finish_adapter(paths: AppPaths, peft_dir: str | Path, base_entry: ModelEntry, name: str | None,
                   task: str | Task, training_figures: Any, heldout_pairs: Sequence[Any], engine=None,
                   callback=None, *, run_id: int | None = None, examples_for=None,
                   evaluate: bool = True) -> AdapterInfo:
    """Export, register, evaluate and maybe promote the adapter in ``peft_dir`` (see the module docstring)."""
    task_obj = resolve_task(task) if isinstance(task, str) else task
    figures = _figures(training_figures)
    heldout = _pairs(heldout_pairs)
    cfg = read_peft_config(Path(peft_dir))
    name = name or f"{task_obj.name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
    info = AdapterInfo(
        name=name, task=task_obj.name, base_model=base_entry.name, base_sha256=base_entry.sha256,
        architecture=base_entry.architecture, rank=int(cfg.get("r", 8)), alpha=float(cfg.get("lora_alpha", 8)),
        target_modules=sorted(cfg.get("target_modules") or []),
        n_train=int(figures.get("n_train", 0) or 0), n_heldout=int(figures.get("n_heldout", len(heldout)) or 0),
        steps=int(figures.get("steps", 0) or 0),
        training={k: figures[k] for k in _FIGURES if k in figures},
    )
    if cfg.get("use_rslora"):
        info.training["use_rslora"] = True
    _say(callback, f"Writing adapter {name!r} as a llama.cpp GGUF...")
    info = create_adapter(paths, info, lambda out: export_gguf_adapter(peft_dir, base_entry.path, out, name=name),
                          peft_dir=peft_dir)
    if not evaluate or not heldout:
        if not heldout and evaluate:
            _say(callback, "No held-out edits: the adapter is kept but not promoted.")
        _record_run(paths, run_id, info, {})
        return info

    own_engine = engine is None
    if own_engine:
        from draftwheel.engine.llama import LlamaEngine

        settings = load_settings(paths)
        engine = LlamaEngine(base_entry, n_ctx=settings.n_ctx, n_threads=settings.n_threads, seed=settings.seed)
    elif getattr(engine.info.model, "sha256", base_entry.sha256) != base_entry.sha256:
        raise DraftwheelError(f"The engine runs {engine.info.model.name}, but the adapter was trained on {base_entry.name}.")
    try:
        settings = load_settings(paths)
        baseline, candidate = promotion.evaluate(
            paths, engine, info, task_obj, heldout, examples_for=examples_for, fewshot_k=settings.fewshot_k,
            token_budget=settings.fewshot_token_budget, callback=callback)
    finally:
        if own_engine:
            engine.close()
    promoted = promotion.should_promote(baseline, candidate)
    scores = {"baseline": baseline.to_dict(), "adapter": candidate.to_dict(), "n_heldout": len(heldout),
              "promoted": promoted, "rule": "mean of GLEU and chrF higher than the current stage's"}
    info = update_adapter(paths, info.name, scores=scores, n_heldout=len(heldout))
    if promoted:
        info = promote(paths, info.name)
    verdict = "promoted" if promoted else f"kept, not promoted (current stage {baseline.stage} stays)"
    _say(callback, f"Held-out GLEU / chrF: current stage {baseline.gleu:.2f} / {baseline.chrf:.2f}, "
                   f"adapter {candidate.gleu:.2f} / {candidate.chrf:.2f}: {verdict}.")
    _record_run(paths, run_id, info, scores)
    return info


def _record_run(paths: AppPaths, run_id: int | None, info: AdapterInfo, scores: dict) -> None:
    if run_id is None:
        return
    try:
        from draftwheel.store import open_store, update_run
    except ImportError:
        return
    try:
        store = open_store(paths)
        try:
            with store.session() as s, s.begin():
                update_run(s, run_id, scores=dict(scores), adapter_name=info.name)
        finally:
            store.close()
    except DraftwheelError as exc:
        log.warning("training run %s: scores not recorded (%s)", run_id, exc)
