"""Run each flywheel stage over a held-out set and score it.

A *mode* is one stage of the flywheel, run exactly as the app runs it:

* ``zero`` — the task prompt alone (with its built-in demonstration);
* ``few``  — the prompt carries ``k`` retrieved past edits as examples;
* ``lora`` — the zero-shot prompt (the text LoRA training uses) with a
  personal adapter applied to the loaded model.

Every sentence goes through :func:`draftwheel.engine.revise.revise_text`, the
same call the editor and ``draftwheel revise`` make, greedy and seeded so a
rerun gives the same outputs. Scores: corpus GLEU and chrF (0-100), the share
of sentences returned unchanged (0-1) and the mean wall time per sentence
(seconds, prompt evaluation included).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from draftwheel.config.atomic import atomic_write_text
from draftwheel.engine.base import AdapterRef, Engine
from draftwheel.engine.prompts import Example, Task
from draftwheel.engine.revise import ReviseOptions, revise_text
from draftwheel.errors import InputError
from draftwheel.evaluate import paragraphs
from draftwheel.evaluate.data import EvalSet
from draftwheel.train.metrics import chrf, gleu, sentence_gleu, unchanged_share

MODES = ("zero", "few", "lora")
VARIANTS = ("raw", "model")  # scored beside each mode from the same run (ModeRun.variants)
SCHEMA = 1  # version of the results file layout

ExamplesFor = Callable[[Task, str], list[Example]]
Normalize = Callable[[str], str]  # applied to outputs before scoring (e.g. Treebank tokenization)


@dataclass
class ModeRun:
    """Outputs of one mode over the set, with what it took."""

    mode: str
    outputs: list[str]
    latencies: list[float]  # seconds per sentence
    n_examples: list[int]  # few-shot examples in each prompt
    generated_tokens: list[int]
    adapter: str | None = None
    k: int = 0
    extra: dict = field(default_factory=dict)
    # The same run read differently (RevisionResult.variant): "raw" = the model's first
    # answers unchecked, "model" = the checked answers without rule fixes.
    variants: dict[str, list[str]] = field(default_factory=dict)

    def variant_runs(self) -> list[ModeRun]:
        """One run per variant, named "<mode> <variant>", sharing this run's timings."""
        return [
            ModeRun(
                f"{self.mode} {name}",
                outs,
                self.latencies,
                self.n_examples,
                self.generated_tokens,
                self.adapter,
                self.k,
                {**self.extra, "variant": name},
            )
            for name, outs in self.variants.items()
        ]


def parse_modes(text: str) -> list[str]:
    """``"zero,few"`` -> ["zero", "few"], checked, order kept, duplicates dropped."""
    modes: list[str] = []
    for part in text.split(","):
        mode = part.strip().lower()
        if not mode:
            continue
        if mode not in MODES:
            raise InputError(f"Unknown mode {mode!r}.", f"Use a comma-separated list of {', '.join(MODES)}.")
        if mode not in modes:
            modes.append(mode)
    if not modes:
        raise InputError("No modes given.", f"Use a comma-separated list of {', '.join(MODES)}.")
    return modes


def run_mode(
    engine: Engine,
    data: EvalSet,
    task: Task,
    mode: str,
    options: ReviseOptions,
    examples_for: ExamplesFor | None = None,
    adapter: AdapterRef | None = None,
    progress: bool = True,
    paragraph: int = 1,
    prepare: Normalize | None = None,
) -> ModeRun:
    """Revise every source sentence in ``mode``; the adapter is removed again afterwards.

    ``paragraph`` > 1 joins that many consecutive sentences into one
    paragraph, revises it in one call and splits the result back
    (:mod:`draftwheel.evaluate.paragraphs`); the run is then named
    ``<mode>@p<paragraph>`` and counts the sentences that came back empty.
    ``prepare`` rewrites each source before it is revised (e.g. detokenizing
    a Treebank-tokenized corpus); scoring still uses the published source.
    """
    from tqdm import tqdm

    if mode not in MODES:
        raise InputError(f"Unknown mode {mode!r}.", f"Use one of {', '.join(MODES)}.")
    if mode == "lora" and adapter is None:
        raise InputError("lora mode needs an adapter.", "Pass --adapter NAME (see `draftwheel adapters list`).")

    run = ModeRun(mode, [], [], [], [], adapter=adapter.name if adapter and mode == "lora" else None)
    engine.use_adapter(adapter if mode == "lora" else None)
    if paragraph > 1:
        try:
            _run_paragraphs(engine, data, task, mode, options, examples_for, run, paragraph, progress, prepare)
        finally:
            engine.use_adapter(None)
        return run
    try:
        bar = tqdm(
            data.sources, desc=f"{mode:>4}", unit="sent", file=sys.stderr, disable=not progress, dynamic_ncols=True
        )
        for text in bar:
            t0 = time.perf_counter()
            text = prepare(text) if prepare else text
            result = revise_text(engine, text, task, options, examples_for=examples_for if mode == "few" else None)
            run.latencies.append(time.perf_counter() - t0)
            # One line in, one line out: a model that wraps keeps the file line-aligned.
            run.outputs.append(" ".join(result.text.split()))
            for name in VARIANTS if options.rules != "only" else ():  # no model answers to read
                run.variants.setdefault(name, []).append(" ".join(result.variant(name).split()))
            run.n_examples.append(result.n_examples if mode == "few" else 0)
            run.generated_tokens.append(result.n_generated)
    finally:
        engine.use_adapter(None)
    return run


def _run_paragraphs(
    engine: Engine,
    data: EvalSet,
    task: Task,
    mode: str,
    options: ReviseOptions,
    examples_for: ExamplesFor | None,
    run: ModeRun,
    size: int,
    progress: bool,
    prepare: Normalize | None = None,
) -> None:
    from tqdm import tqdm

    sources = [prepare(s) for s in data.sources] if prepare else list(data.sources)
    groups = [sources[i : i + size] for i in range(0, len(sources), size)]
    missing = 0
    for group in tqdm(
        groups, desc=f"{mode:>4} p{size}", unit="para", file=sys.stderr, disable=not progress, dynamic_ncols=True
    ):
        text, starts = paragraphs.join(group)
        t0 = time.perf_counter()
        result = revise_text(engine, text, task, options, examples_for=examples_for if mode == "few" else None)
        seconds = time.perf_counter() - t0
        pieces = paragraphs.split_back(text, starts, result.text)
        missing += sum(1 for p in pieces if not p)
        run.outputs.extend(pieces)
        for name in VARIANTS if options.rules != "only" else ():
            run.variants.setdefault(name, []).extend(paragraphs.split_back(text, starts, result.variant(name)))
        run.latencies.extend([seconds / len(group)] * len(group))
        run.n_examples.extend([result.n_examples if mode == "few" else 0] * len(group))
        run.generated_tokens.extend([result.n_generated // len(group)] * len(group))
    run.mode = f"{mode}@p{size}"
    run.extra.update({"stage": mode, "paragraph": size, "missing_sentences": missing})


def score(data: EvalSet, outputs: list[str]) -> dict:
    """GLEU, chrF (0-100) and unchanged share (0-1) of ``outputs`` against the set."""
    return {
        "gleu": round(gleu(data.sources, outputs, data.references), 2),
        "chrf": round(chrf(outputs, data.references), 2),
        "unchanged": round(unchanged_share(data.sources, outputs), 4),
    }


def scored_outputs(run: ModeRun, normalize: Normalize | None) -> list[str]:
    """The outputs as scored: tokenized like the references when ``normalize`` is given."""
    return [normalize(o) for o in run.outputs] if normalize else list(run.outputs)


def summarize(data: EvalSet, run: ModeRun, normalize: Normalize | None = None) -> dict:
    out = score(data, scored_outputs(run, normalize))
    out.update(
        {
            "mean_latency_s": round(statistics.fmean(run.latencies), 3),
            "total_s": round(sum(run.latencies), 1),
            "mean_generated_tokens": round(statistics.fmean(run.generated_tokens), 1),
            "mean_examples": round(statistics.fmean(run.n_examples), 2),
            "adapter": run.adapter,
        }
    )
    out.update(run.extra)
    return out


def results_record(
    data: EvalSet, runs: list[ModeRun], meta: dict, normalize: Normalize | None = None, tokenize: str = "none"
) -> dict:
    """The results file: settings, the unchanged-source baseline, scores per mode, outputs per sentence.

    Per sentence: the model's ``output`` as written, ``scored`` (what the
    metrics saw, after ``normalize``), sentence GLEU, seconds, examples used.
    """
    scored = {run.mode: scored_outputs(run, normalize) for run in runs}
    sentences = []
    for i, src in enumerate(data.sources):
        row: dict = {"i": i, "source": src, "references": data.refs_for(i)}
        for run in runs:
            row[run.mode] = {
                "output": run.outputs[i],
                "scored": scored[run.mode][i],
                "latency_s": round(run.latencies[i], 4),
                "gleu": round(sentence_gleu(src, scored[run.mode][i], data.refs_for(i)), 2),
                "examples": run.n_examples[i],
            }
        sentences.append(row)
    return {
        "schema": SCHEMA,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **meta,
        "src": data.src_file,
        "refs": list(data.ref_files),
        "n_sentences": len(data),
        "tokenize": tokenize,
        "baseline_unchanged": score(data, list(data.sources)),
        "modes": {run.mode: summarize(data, run, normalize) for run in runs},
        "sentences": sentences,
    }


def tsv_text(record: dict) -> str:
    """Per-sentence outputs as TSV: index, source, then output and sentence GLEU per mode."""
    modes = list(record["modes"])
    head = ["i", "source"] + [f"{m}{suffix}" for m in modes for suffix in ("", "_gleu", "_latency_s")]
    lines = ["\t".join(head)]
    for row in record["sentences"]:
        cells = [str(row["i"]), row["source"]]
        for m in modes:
            cells += [row[m]["output"], f"{row[m]['gleu']:.2f}", f"{row[m]['latency_s']:.3f}"]
        lines.append("\t".join(c.replace("\t", " ") for c in cells))
    return "\n".join(lines) + "\n"


def check_out(out: str | Path) -> Path:
    """Refuse an unusable results path before any (long) run starts."""
    path = Path(out).expanduser()
    if path.is_dir():
        raise InputError(f"{path}: is a folder.", "Give a file name for --out, e.g. results.json.")
    if not path.parent.is_dir():
        raise InputError(f"{path.parent}: no such folder.", "Create it first or choose another --out.")
    if path.suffix.lower() == ".tsv":
        raise InputError(f"{path}: the outputs TSV is written beside the JSON.", "Name --out *.json.")
    return path


def write_results(record: dict, out: str | Path) -> tuple[Path, Path]:
    """Write ``out`` (JSON) and the per-sentence TSV beside it, atomically; returns both paths."""
    path = check_out(out)
    tsv = path.with_suffix(".tsv")
    atomic_write_text(path, json.dumps(record, indent=1, ensure_ascii=False) + "\n", mode=0o644)
    atomic_write_text(tsv, tsv_text(record), mode=0o644)
    return path, tsv


def table(record: dict) -> str:
    """A small plain-text table of the scores (for the terminal)."""
    rows = [("unchanged source", record["baseline_unchanged"], None)]
    rows += [(mode, res, res) for mode, res in record["modes"].items()]
    lines = [f"{'mode':18} {'GLEU':>7} {'chrF':>7} {'unchanged':>10} {'s/sent':>8}"]
    for name, res, timing in rows:
        lat = f"{timing['mean_latency_s']:8.3f}" if timing else f"{'':8}"
        lines.append(f"{name:18} {res['gleu']:7.2f} {res['chrf']:7.2f} {res['unchanged']:10.1%} {lat}")
    return "\n".join(lines)
