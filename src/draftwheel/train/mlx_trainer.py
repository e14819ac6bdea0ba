"""LoRA training with mlx-lm, called as a library (the Apple silicon path).

The loop is mlx-lm's own (:func:`mlx_lm.tuner.trainer.train`), given ready
objects: the model from the trainable safetensors copy with LoRA layers, an
optimizer, our prompt/completion pairs (exactly the text used at inference,
:func:`draftwheel.prompts.training_pair`), a batch iterator and a loss
that only scores completion tokens, and a callback that reports progress and
stops the run when cancelled. Nothing here reads argv or knows about Qt.

Two departures from mlx-lm's defaults, both for the 262k-entry vocabulary of
the default model, where the logits tensor dominates time and memory:

* batches are length-bucketed and carry a (B, K) index of the completion
  positions, so the loss computes logits only there (K ~ completion length,
  not the padded sequence length);
* padding is to a multiple of 8 tokens, not 32 (fewer wasted positions; the
  compiled step is re-traced for each new shape, which is cheap).

The result is an adapter folder whose ``mlx/`` subfolder is in mlx-lm's layout
(see :mod:`draftwheel.models.mlx_adapter`), loaded by
:class:`draftwheel.engine.mlx.MlxEngine`; with ``base_gguf`` it is also
exported as a PEFT folder (``peft/``) and a llama.cpp LoRA (``adapter.gguf``).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from draftwheel.config.atomic import atomic_write_text
from draftwheel.errors import Cancelled, DraftwheelError
from draftwheel.models.mlx_adapter import MLX_CONFIG, MLX_SUBDIR, MLX_WEIGHTS
from draftwheel.train import mlx_convert
from draftwheel.train.progress import TrainCallback, TrainProgress

# Projections adapted in every block (relative to a block). Embeddings and the
# tied lm_head are left alone: llama.cpp cannot apply a LoRA to them.
DEFAULT_KEYS = (
    "self_attn.q_proj",
    "self_attn.k_proj",
    "self_attn.v_proj",
    "self_attn.o_proj",
    "mlp.gate_proj",
    "mlp.up_proj",
    "mlp.down_proj",
)
# Architectures whose mlx-lm Model is ``head(self.model(inputs))`` with no logit
# post-processing, so logits can be computed on the completion positions only.
_HIDDEN_THEN_HEAD = {"gemma3_text", "llama", "mistral", "qwen2", "qwen3"}
PAD_MULTIPLE = 8  # tokens; batch shapes are rounded up to this


def _opt(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass
class MlxLoraArgs:
    rank: int = _opt(8, "LoRA rank r.")
    alpha: float = _opt(16.0, "LoRA alpha; the update is scaled by alpha / rank (PEFT's convention).")
    dropout: float = _opt(0.0, "Dropout on the LoRA input during training.")
    learning_rate: float = _opt(2e-4, "Adam learning rate.")
    iters: int = _opt(200, "Optimizer steps.")
    batch_size: int = _opt(4, "Examples per step (lowered to the number of examples if fewer).")
    max_seq_length: int = _opt(1024, "Longer examples (prompt + completion, in tokens) are left out.")
    num_layers: int = _opt(0, "Adapt only the last N blocks; 0 adapts all.")
    keys: tuple[str, ...] = _opt(DEFAULT_KEYS, "Linear layers adapted in each block.")
    seed: int = _opt(0, "Seed for LoRA initialisation and batch order.")
    grad_checkpoint: bool = _opt(False, "Recompute activations in backward to save memory.")

    @property
    def scale(self) -> float:
        return self.alpha / self.rank


@dataclass
class MlxTrainResult:
    folder: Path  # the adapter folder
    mlx_dir: Path  # folder / "mlx"
    steps: int
    losses: list[float]
    seconds: float
    n_examples: int
    n_skipped: int  # examples longer than max_seq_length
    gguf: Path | None = None  # folder / "adapter.gguf" when exported
    peft_dir: Path | None = None

    @property
    def final_loss(self) -> float:
        return self.losses[-1] if self.losses else float("nan")


def tokenize_pairs(
    tokenizer, pairs: Sequence[tuple[str, str]], max_len: int
) -> tuple[list[tuple[list[int], int]], int]:
    """[(tokens, n_prompt_tokens)], n_skipped: prompt with BOS, then the completion.

    Prompt and completion are tokenized separately, as at inference, where the
    prompt is encoded alone and the model continues it token by token.
    """
    out, skipped = [], 0
    for prompt, completion in pairs:
        p = list(tokenizer.encode(prompt, add_special_tokens=True))
        c = list(tokenizer.encode(completion, add_special_tokens=False))
        if not c:
            continue
        if len(p) + len(c) > max_len:
            skipped += 1
            continue
        out.append((p + c, len(p)))
    return out, skipped


def completion_batches(dataset, batch_size, max_seq_length, loop=False, seed=None, comm_group=None):
    """Yield (tokens (B, T), idx (B, K), weights (B, K)) for mlx-lm's train loop.

    ``dataset``: [(tokens, n_prompt)]. Examples are sorted by length and cut
    into fixed batches (length bucketing), visited in random order. Target
    position t predicts token t + 1, so the completion targets of an example
    are t = n_prompt - 1 ... len - 2; ``idx`` lists them (padded with the
    last one at weight 0).
    """
    import mlx.core as mx

    if len(dataset) < batch_size:
        raise ValueError(f"need at least {batch_size} examples, have {len(dataset)}")
    rng = np.random.default_rng(seed)
    order = sorted(range(len(dataset)), key=lambda i: len(dataset[i][0]))
    groups = [order[i : i + batch_size] for i in range(0, len(order) - batch_size + 1, batch_size)]
    while True:
        for g in rng.permutation(len(groups)):
            items = [dataset[j] for j in groups[g]]
            width = min(max_seq_length, max(len(t) for t, _ in items))
            width = PAD_MULTIPLE * math.ceil(width / PAD_MULTIPLE) + 1  # +1: inputs/targets are shifted by one
            k = max(len(t) - n for t, n in items)
            k = PAD_MULTIPLE * math.ceil(k / PAD_MULTIPLE)
            tokens = np.zeros((len(items), width), np.int32)
            idx = np.zeros((len(items), k), np.int32)
            weights = np.zeros((len(items), k), np.float32)
            for row, (toks, n_prompt) in enumerate(items):
                tokens[row, : len(toks)] = toks
                pos = np.arange(n_prompt - 1, len(toks) - 1)
                idx[row, : len(pos)] = pos
                idx[row, len(pos) :] = pos[-1]
                weights[row, : len(pos)] = 1.0
            yield mx.array(tokens), mx.array(idx), mx.array(weights)
        if not loop:
            break


def _hidden_and_head(model):
    """(hidden-state function, output head) when logits can be taken at chosen positions only."""
    if getattr(model, "model_type", None) not in _HIDDEN_THEN_HEAD or not hasattr(model, "model"):
        return None
    if "lm_head" in model:
        return model.model, model.lm_head
    return model.model, model.model.embed_tokens.as_linear


def completion_loss(model, tokens, idx, weights):
    """Mean cross-entropy over completion tokens; returns (loss, n_tokens) as mlx-lm expects."""
    import mlx.core as mx
    import mlx.nn as nn

    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    split = _hidden_and_head(model)
    if split is not None:
        hidden_fn, head = split
        hidden = hidden_fn(inputs)  # (B, T, D)
        picked = mx.take_along_axis(hidden, idx[..., None], axis=1)  # (B, K, D)
        logits = head(picked)  # (B, K, V): only where the loss is taken
    else:
        logits = mx.take_along_axis(model(inputs), idx[..., None], axis=1)
    wanted = mx.take_along_axis(targets, idx, axis=1)  # (B, K)
    ce = nn.losses.cross_entropy(logits.astype(mx.float32), wanted) * weights
    n = weights.sum()
    return ce.sum() / n, n


def _callback(total: int, callback: TrainCallback | None, cancel, losses: list[float]):
    """mlx-lm's TrainingCallback, reporting every step to our :class:`TrainCallback`."""
    from mlx_lm.tuner.callbacks import TrainingCallback

    class _Report(TrainingCallback):
        def __init__(self):
            self.t0 = time.perf_counter()
            self.tokens = 0

        def on_train_loss_report(self, info: dict) -> None:
            step = int(info["iteration"])
            losses.append(float(info["train_loss"]))
            self.tokens = int(info["trained_tokens"])
            elapsed = time.perf_counter() - self.t0
            if callback is not None:
                callback.on_step(
                    TrainProgress(
                        step=step,
                        total=total,
                        loss=float(info["train_loss"]),
                        tokens_per_s=self.tokens / elapsed if elapsed > 0 else 0.0,  # completion tokens
                        peak_memory_bytes=int(float(info["peak_memory"]) * 1e9),  # mlx-lm reports GB
                        eta_s=elapsed / step * (total - step),
                        lr=float(info["learning_rate"]),
                    )
                )
            if cancel is not None and cancel.cancelled:
                raise Cancelled()

    return _Report()


def load_for_training(weights_dir: str | Path, args: MlxLoraArgs):
    """(model with frozen base and fresh LoRA layers, tokenizer, number of adapted blocks)."""
    from draftwheel.models.mlx_runtime import import_mx

    mx = import_mx()
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load

    try:
        loaded = load(str(weights_dir))  # (model, tokenizer) without return_config
        model, tokenizer = loaded[0], loaded[1]
    except (ValueError, KeyError, OSError) as exc:
        raise DraftwheelError(
            f"{weights_dir}: mlx-lm could not load the trainable weights ({exc}).",
            "Delete the folder; it is converted again from the GGUF.",
        ) from None
    mx.random.seed(args.seed)  # LoRA A is initialised randomly
    model.freeze()
    n_blocks = len(model.layers)
    num_layers = n_blocks if args.num_layers <= 0 else min(args.num_layers, n_blocks)
    linear_to_lora_layers(
        model, num_layers, {"rank": args.rank, "scale": args.scale, "dropout": args.dropout, "keys": list(args.keys)}
    )
    return model, tokenizer, num_layers


def train(
    weights_dir: str | Path,
    pairs: Sequence[tuple[str, str]],
    out_dir: str | Path,
    args: MlxLoraArgs | None = None,
    callback: TrainCallback | None = None,
    cancel=None,
    base_gguf: str | Path | None = None,
    name: str | None = None,
) -> MlxTrainResult:
    """Train a LoRA on ``pairs`` ((prompt, completion) texts) and write it to ``out_dir``.

    ``weights_dir``: the trainable safetensors copy of the base model
    (:func:`draftwheel.models.weights.trainable_weights`). ``base_gguf``: the
    GGUF that copy came from; when given, the adapter is also written as
    ``out_dir/peft/`` and ``out_dir/adapter.gguf`` for the llama.cpp engine.
    ``callback``: gets ``on_start``, ``on_step`` (every step) and ``on_end``.
    ``cancel``: a :class:`~draftwheel.engine.base.CancelToken`, checked after
    every step; cancelling raises :class:`~draftwheel.errors.Cancelled` and
    leaves no ``mlx/`` folder behind.
    """
    args = args or MlxLoraArgs()
    if args.rank < 1 or args.iters < 1 or args.batch_size < 1 or args.learning_rate <= 0:
        raise DraftwheelError("Training needs rank, iters and batch size of at least 1 and a positive learning rate.")
    out_dir = Path(out_dir)
    t0 = time.perf_counter()
    model, tokenizer, num_layers = load_for_training(weights_dir, args)
    dataset, skipped = tokenize_pairs(tokenizer, pairs, args.max_seq_length)
    if not dataset:
        raise DraftwheelError(
            f"No training examples left ({len(pairs)} given, {skipped} longer than {args.max_seq_length} tokens).",
            "Collect more accepted edits, or raise max_seq_length.",
        )
    if callback is not None:
        callback.on_start(args.iters, 0, len(dataset), 0)
    out_dir.mkdir(parents=True, exist_ok=True)
    mlx_dir = out_dir / MLX_SUBDIR
    work = out_dir / f".{MLX_SUBDIR}.{os.getpid()}.tmp"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    losses: list[float] = []
    try:
        _run_mlx_lm(model, dataset, args, work / MLX_WEIGHTS, _callback(args.iters, callback, cancel, losses))
        config = _adapter_config(args, num_layers, losses, len(dataset), weights_dir)
        atomic_write_text(work / MLX_CONFIG, json.dumps(config, indent=2) + "\n")
        if mlx_dir.exists():
            shutil.rmtree(mlx_dir)
        os.replace(work, mlx_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = MlxTrainResult(out_dir, mlx_dir, args.iters, losses, 0.0, len(dataset), skipped)
    if base_gguf is not None:
        export = mlx_convert.export_mlx_to_gguf(
            mlx_dir, base_gguf, out_dir / "adapter.gguf", peft_dir=out_dir / mlx_convert.PEFT_SUBDIR, name=name
        )
        result.gguf, result.peft_dir = export.path, out_dir / mlx_convert.PEFT_SUBDIR
    result.seconds = time.perf_counter() - t0
    if callback is not None:
        callback.on_end()
    return result


def _run_mlx_lm(model, dataset: list, args: MlxLoraArgs, weights_file: Path, report) -> None:
    """mlx-lm's own training loop on our batches and completion-only loss; the weights end in ``weights_file``."""
    from draftwheel.models.mlx_runtime import prefer_system_blas

    prefer_system_blas()
    import mlx.optimizers as optim
    from mlx_lm.tuner.trainer import TrainingArgs
    from mlx_lm.tuner.trainer import train as mlx_train

    targs = TrainingArgs(
        batch_size=min(args.batch_size, len(dataset)),
        iters=args.iters,
        val_batches=0,
        steps_per_report=1,
        steps_per_eval=args.iters + 1,
        steps_per_save=args.iters + 1,  # no checkpoints: we save once at the end
        max_seq_length=args.max_seq_length,
        adapter_file=str(weights_file),
        grad_checkpoint=args.grad_checkpoint,
    )
    # mlx-lm's progress display prints to stdout; a library keeps quiet.
    with contextlib.redirect_stdout(io.StringIO()):
        mlx_train(
            model,
            optim.Adam(learning_rate=args.learning_rate),
            dataset,
            None,
            targs,
            loss=completion_loss,
            iterate_batches=_seeded(completion_batches, args.seed),
            training_callback=report,
        )


def _adapter_config(args: MlxLoraArgs, num_layers: int, losses: list[float], n_examples: int, weights_dir) -> dict:
    """mlx-lm's ``adapter_config.json`` for the trained LoRA, plus how it was made."""
    return {
        "fine_tune_type": "lora",
        "num_layers": num_layers,
        "lora_parameters": {"rank": args.rank, "scale": args.scale, "dropout": args.dropout, "keys": list(args.keys)},
        # Extra keys are ignored by mlx-lm; they describe how the adapter was made.
        "draftwheel": {
            "args": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(args).items()},
            "steps": args.iters,
            "losses": losses,
            "n_examples": n_examples,
            "base_weights": str(weights_dir),
        },
    }


def _seeded(fn, seed: int):
    """mlx-lm calls iterate_batches without a seed; fix the batch order for reproducible runs."""

    def batches(dataset, batch_size, max_seq_length, loop=False, seed_=None, comm_group=None, **_):
        return fn(dataset, batch_size, max_seq_length, loop=loop, seed=seed, comm_group=comm_group)

    return batches


def adapter_info(result: MlxTrainResult, name: str, task: str, model, args: MlxLoraArgs | None = None):
    """The registry description of a trained and exported MLX adapter (``model``: the base's catalogue entry).

    Register it with :func:`draftwheel.flywheel.adapters.register_copy`
    (``result.gguf``, ``result.peft_dir``, ``{"mlx": result.mlx_dir}``).
    """
    from draftwheel.models.adapter_info import AdapterInfo

    if result.gguf is None:
        raise DraftwheelError("This MLX adapter has no GGUF export yet.", "Train it with base_gguf set.")
    args = args or MlxLoraArgs()
    return AdapterInfo(
        name=name,
        task=task,
        base_model=model.name,
        base_sha256=model.sha256,
        architecture=model.architecture,
        rank=args.rank,
        alpha=args.alpha,
        target_modules=sorted({k.rsplit(".", 1)[-1] for k in args.keys}),
        n_train=result.n_examples,
        steps=result.steps,
        training={"backend": "mlx", "loss": result.final_loss, "seconds": round(result.seconds, 1)},
    )
