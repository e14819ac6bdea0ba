"""Training benchmark: our trainer's step vs plain PEFT with full logits.

Same model (the trainable weights of the configured model), same LoRA
settings (r 8, q/k/v/o/gate/up/down, float32 LoRA matrices), same AdamW, same
batch size, and the very same examples (JFLEG dev source -> reference 0,
formatted with ``training_pair``): each side trains on the same
``steps * batch`` examples.

* ``plain``: float32 weights, batches in the given (shuffled) order,
  right-padded, ``model(input_ids, attention_mask, labels=labels).loss`` (full
  logits at every position), ``.backward()``. The baseline of record.
* ``plain_bf16``: the same with bfloat16 frozen weights, to show how much of
  the gain is the data type alone.
* ``ours_fp32``: our loss path in float32: the same examples batched by
  length, ``completion_loss`` (hidden states -> chunked logits at completion
  positions only, the prompt prefix the batch shares run once).
* ``ours_nogc``: our loss path with ``dtype auto`` (bfloat16 frozen weights on
  CPUs with AVX-512 BF16 or AMX, else float32), no gradient checkpointing.
* ``ours``: the trainer's defaults: ``ours_nogc`` plus gradient checkpointing
  (the shared prefix is kept: the suffix pass is checkpointed block by block).

Each side runs in its own subprocess, so peak memory (the kernel's peak RSS of
that process, reset after the model is loaded: weights + activations + loss)
is measured separately; sides alternate when there are several rounds.
Tokens/s counts processed, non-pad tokens of the measured steps (the first
step of each side is a warm-up and not timed).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from draftwheel.errors import InputError

# The repository's copy of JFLEG, relative to a checkout's root (evaluation data: never in a wheel).
CHECKOUT_DATA = Path("benchmarks") / "data" / "jfleg"
DATA_FILES = ("dev.src", "dev.ref0")
TRAIN_PACKAGES = ("torch", "transformers", "peft", "safetensors")  # the train extra
DATA_HINT = (
    "Pass --data DIR, a folder holding JFLEG's dev.src and dev.ref0 "
    "(a Draftwheel checkout has one in benchmarks/data/jfleg)."
)
# side -> (dtype of the frozen weights, our loss path?, gradient checkpointing?)
SIDE_CONFIG = {
    "plain": ("float32", False, False),
    "plain_bf16": ("bfloat16", False, False),
    "ours_fp32": ("float32", True, False),
    "ours_nogc": ("auto", True, False),
    "ours": ("auto", True, True),  # TrainingArgs' defaults
}
SIDES = tuple(SIDE_CONFIG)


def checkout_data() -> Path | None:
    """The checkout's JFLEG copy: beside this source tree (editable install) or under the working folder."""
    source_root = Path(__file__).resolve().parents[3]  # <root>/src/draftwheel/bench/train.py
    for root in (source_root, Path.cwd()):
        if all((root / CHECKOUT_DATA / name).is_file() for name in DATA_FILES):
            return root / CHECKOUT_DATA
    return None


def check_ready(data: str | Path | None) -> Path:
    """Everything the benchmark needs before it loads anything: a given ``--data`` folder, the
    train extra's packages, then the data (see :func:`check_data`). Raises InputError, one line."""
    if data is not None:
        check_data(data)
    missing = [name for name in TRAIN_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise InputError(
            f"The train benchmark needs {', '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed.",
            "Install the train extra: pip install torch==2.13.0 && pip install 'draftwheel[train]'.",
        )
    return check_data(data)


def check_data(data: str | Path | None) -> Path:
    """The folder of JFLEG files to train on: ``--data DIR`` if given, else the checkout's copy.

    Raises InputError (one line: what is missing, what to pass) when there is none.
    """
    if data is None:
        found = checkout_data()
        if found is None:
            raise InputError(
                "The train benchmark needs JFLEG evaluation data, which a plain install does not include.", DATA_HINT
            )
        return found
    folder = Path(data).expanduser()
    if not folder.is_dir():
        raise InputError(f"--data {data}: no such folder.", DATA_HINT)
    missing = [name for name in DATA_FILES if not (folder / name).is_file()]
    if missing:
        raise InputError(f"--data {data}: {' and '.join(missing)} not found there.", DATA_HINT)
    return folder.resolve()


def _examples(tokenizer, n: int, max_seq_len: int, seed: int, data: Path):
    from draftwheel.train.dataset import build_dataset, jfleg_pairs

    ds = build_dataset(jfleg_pairs(data), tokenizer, max_seq_len, heldout_fraction=0.01)
    pool = list(ds.train)
    random.Random(seed).shuffle(pool)
    return pool[:n], ds.pad_id


def worker(
    side: str,
    base_dir: str,
    steps: int,
    batch_size: int,
    max_seq_len: int,
    seed: int = 0,
    data: str | Path | None = None,
) -> dict:
    """One side, in this process: warm-up step + ``steps`` timed steps on ``data`` (see
    :func:`check_data`). Returns figures."""
    folder = check_data(data)
    import torch

    from draftwheel.train.args import TrainingArgs
    from draftwheel.train.dataset import collate
    from draftwheel.train.loss import completion_loss
    from draftwheel.train.progress import (
        current_rss_bytes,
        peak_rss_bytes,
        reset_peak_rss,
    )
    from draftwheel.train.trainer import build_lora_model, pick_dtype

    dtype, ours, checkpointing = SIDE_CONFIG[side]
    args = TrainingArgs(
        steps=steps,
        batch_size=batch_size,
        max_seq_len=max_seq_len,
        dtype=dtype,
        gradient_checkpointing=checkpointing,
        seed=seed,
    )
    model, tokenizer = build_lora_model(Path(base_dir), args, "cpu")
    examples, pad_id = _examples(tokenizer, (steps + 1) * batch_size, max_seq_len, seed, folder)
    if not ours:
        batches = [examples[i : i + batch_size] for i in range(0, len(examples), batch_size)]
    else:  # the same examples, sorted by length into batches, batch order shuffled
        by_len = sorted(examples, key=len)
        batches = [by_len[i : i + batch_size] for i in range(0, len(by_len), batch_size)]
        random.Random(seed).shuffle(batches)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    rss_loaded = current_rss_bytes()
    reset_peak_rss()
    timed_tokens, timed_s, padded = 0, 0.0, 0
    losses = []
    for i, ex in enumerate(batches):
        b = collate(ex, pad_id)
        t0 = time.perf_counter()
        if not ours:
            loss = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"], labels=b["labels"]).loss
        else:
            out = completion_loss(
                model, b["input_ids"], b["attention_mask"], b["labels"], args.chunk_size, share_prefix=args.share_prefix
            )
            loss = out.loss_sum / max(out.n_tokens, 1)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        dt = time.perf_counter() - t0
        losses.append(float(loss.detach()))
        if i > 0:  # step 0 is a warm-up
            timed_tokens += int(b["attention_mask"].sum())
            padded += int(b["input_ids"].numel())
            timed_s += dt
    return {
        "side": side,
        "tokens_per_s": timed_tokens / timed_s if timed_s else 0.0,
        "peak_rss_bytes": peak_rss_bytes(),
        "rss_after_load_bytes": rss_loaded,
        "timed_steps": len(batches) - 1,
        "timed_tokens": timed_tokens,
        "padded_positions": padded,
        "seconds": timed_s,
        "first_loss": losses[0],
        "last_loss": losses[-1],
        "torch_threads": torch.get_num_threads(),
        "dtype": pick_dtype(dtype, "cpu"),
    }


def _run_side(side: str, base_dir: Path, steps: int, batch_size: int, max_seq_len: int, data: Path) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "draftwheel.bench.train",
        "--side",
        side,
        "--base",
        str(base_dir),
        "--steps",
        str(steps),
        "--batch-size",
        str(batch_size),
        "--max-seq-len",
        str(max_seq_len),
        "--data",
        str(data),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"bench side {side} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(quick: bool = False, data: str | Path | None = None) -> dict:
    folder = check_ready(data)  # before loading anything: a missing package or folder is a one-line error
    from draftwheel.config import app_paths, load_settings
    from draftwheel.models import Catalogue
    from draftwheel.models.weights import trainable_weights

    paths = app_paths()
    entry = Catalogue(paths).get(load_settings(paths).model)
    base_dir = trainable_weights(paths, entry, progress=lambda m: print(m, file=sys.stderr))
    batch_size, max_seq_len = 8, 128
    steps, rounds = (3, 1) if quick else (8, 2)
    sides = SIDES
    res: dict[str, list[dict]] = {s: [] for s in sides}
    for r in range(rounds):
        for side in sides if r % 2 == 0 else tuple(reversed(sides)):
            res[side].append(_run_side(side, base_dir, steps, batch_size, max_seq_len, folder))
            print(f"  {side}: {json.dumps(res[side][-1])}", file=sys.stderr, flush=True)

    def med(side: str, key: str) -> float:
        return statistics.median(x[key] for x in res[side])

    metrics: dict[str, float] = {}
    for side in sides:
        metrics[f"{side}_tokens_per_s"] = round(med(side, "tokens_per_s"), 2)
        metrics[f"{side}_peak_gib"] = round(med(side, "peak_rss_bytes") / 2**30, 3)
    metrics["rss_after_load_gib"] = round(med("plain", "rss_after_load_bytes") / 2**30, 3)
    for side in sides[1:]:
        metrics[f"{side}_speedup"] = round(metrics[f"{side}_tokens_per_s"] / metrics["plain_tokens_per_s"], 2)
        metrics[f"{side}_memory_ratio"] = round(metrics[f"{side}_peak_gib"] / metrics["plain_peak_gib"], 3)
    # Against plain PEFT given the same data type: the loss path's own share of the gain.
    metrics["ours_vs_plain_bf16_speedup"] = round(metrics["ours_tokens_per_s"] / metrics["plain_bf16_tokens_per_s"], 2)
    metrics["ours_vs_plain_bf16_memory_ratio"] = round(metrics["ours_peak_gib"] / metrics["plain_bf16_peak_gib"], 3)
    # bfloat16 weights vs float32 on the very same first batch: the data type's effect on the loss.
    metrics["ours_first_loss"] = round(med("ours", "first_loss"), 4)
    metrics["ours_fp32_first_loss"] = round(med("ours_fp32", "first_loss"), 4)
    metrics["plain_padded_share"] = round(1 - res["plain"][0]["timed_tokens"] / res["plain"][0]["padded_positions"], 3)
    metrics["ours_padded_share"] = round(1 - res["ours"][0]["timed_tokens"] / res["ours"][0]["padded_positions"], 3)
    return {
        "name": "train",
        "metrics": metrics,
        "targets": {"ours_speedup": ">= 4", "ours_memory_ratio": "<= 0.333"},
        "notes": (
            f"batch {batch_size}, max {max_seq_len} tokens, JFLEG dev pairs, {steps} timed steps after 1 "
            f"warm-up, {rounds} round(s), each side in its own process, CPU, ours in "
            f"{res['ours'][0]['dtype']} (dtype auto), "
            f"{res['plain'][0]['torch_threads']} torch threads; peak = process peak RSS after model load"
        ),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="one side of the training benchmark (internal)")
    p.add_argument("--side", choices=SIDES, required=True)
    p.add_argument("--base", required=True)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-seq-len", type=int, default=128)
    p.add_argument("--data", help="folder with JFLEG's dev.src and dev.ref0")
    a = p.parse_args(argv)
    print(json.dumps(worker(a.side, a.base, a.steps, a.batch_size, a.max_seq_len, data=a.data)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
