"""Training settings: one typed dataclass, each field with its help text.

The CLI builds its options from these fields (``help`` in the field metadata),
and checkpoints store them as JSON so a resumed run continues with the same
settings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from draftwheel.errors import DraftwheelError

# Attention and MLP projections of Llama/Gemma-style blocks. Never lm_head
# (tied to the embeddings in Gemma) or the embeddings: llama.cpp applies LoRA
# to the block matrices, and the 262k x 640 embedding would dominate the size.
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
FORBIDDEN_TARGETS = ("lm_head", "embed_tokens", "embed", "wte", "tok_embeddings")


def _f(default: Any, help: str, **kw) -> Any:
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help, **kw})
    return field(default=default, metadata={"help": help, **kw})


@dataclass
class TrainingArgs:
    steps: int = _f(0, "optimizer steps to run (0: use --epochs)")
    epochs: float = _f(3.0, "passes over the training examples when --steps is 0")
    rank: int = _f(8, "LoRA rank r")
    alpha: float = _f(16.0, "LoRA alpha (the update is scaled by alpha / r)")
    dropout: float = _f(0.0, "LoRA dropout")
    lr: float = _f(2e-4, "peak learning rate (AdamW)")
    weight_decay: float = _f(0.0, "AdamW weight decay")
    warmup_steps: int = _f(-1, "linear warm-up steps (-1: 5 percent of the steps, at most 20)")
    max_seq_len: int = _f(512, "longest example in tokens; longer prompts are cut from the left")
    batch_size: int = _f(4, "examples per micro-batch")
    grad_accum: int = _f(1, "micro-batches per optimizer step")
    target_modules: list[str] = _f(list(DEFAULT_TARGETS), "module names that get LoRA matrices")  # noqa: RUF009 - _f gives lists a default_factory
    gradient_checkpointing: bool = _f(
        True,
        "recompute block activations in backward: about 0.6x the peak memory "
        "at 75-100 percent of the speed (docs/performance.md)",
    )
    dtype: str = _f(
        "auto",
        "frozen weights and activations: float32, bfloat16 (half the memory; 2-4x faster "
        "matrix products on CPUs with AVX-512 BF16 or AMX), or auto (bfloat16 where it is "
        "fast, else float32); the LoRA matrices and the loss stay float32",
    )
    share_prefix: bool = _f(True, "run the prompt prefix a batch shares (instruction, demo) once per batch")
    chunk_size: int = _f(
        128, "positions per logits chunk in the loss (peak extra memory: about 2 x chunk x vocabulary x 4 bytes)"
    )
    seed: int = _f(0, "random seed (data order, LoRA init)")
    heldout_fraction: float = _f(0.1, "share of examples held out for evaluation")
    checkpoint_every: int = _f(50, "write a resumable checkpoint every N steps (0: only at the end)")
    eval_batch_size: int = _f(8, "examples per batch when scoring the held-out slice")
    max_grad_norm: float = _f(1.0, "clip the gradient norm to this (0: no clipping)")
    device: str = _f("auto", "auto, cpu, cuda or mps")
    init_from: str = _f(
        "", "a PEFT adapter folder whose LoRA weights the run starts from (same rank and target modules)"
    )

    def validate(self) -> TrainingArgs:
        checks = [
            (self.steps >= 0, "--steps must be 0 or more"),
            (self.steps > 0 or self.epochs > 0, "give --steps N or --epochs E greater than 0"),
            (self.rank >= 1, "--rank must be at least 1"),
            (self.alpha > 0, "--alpha must be positive"),
            (0.0 <= self.dropout < 1.0, "--dropout must be in [0, 1)"),
            (self.lr > 0, "--lr must be positive"),
            (self.max_seq_len >= 32, "--max-seq-len must be at least 32"),
            (self.batch_size >= 1, "--batch-size must be at least 1"),
            (self.grad_accum >= 1, "--grad-accum must be at least 1"),
            (self.chunk_size >= 1, "--chunk-size must be at least 1"),
            (0.0 < self.heldout_fraction < 1.0, "the held-out fraction must be between 0 and 1"),
            (self.checkpoint_every >= 0, "--checkpoint-every must be 0 or more"),
            (bool(self.target_modules), "at least one target module is needed"),
            (self.dtype in ("auto", "float32", "bfloat16"), "--dtype must be auto, float32 or bfloat16"),
            (self.device in ("auto", "cpu", "cuda", "mps"), "--device must be auto, cpu, cuda or mps"),
        ]
        for ok, message in checks:
            if not ok:
                raise DraftwheelError(f"Bad training setting: {message}.")
        bad = [m for m in self.target_modules if m in FORBIDDEN_TARGETS]
        if bad:
            raise DraftwheelError(
                f"Bad training setting: LoRA on {', '.join(bad)} is not supported.",
                "Target the attention and MLP projections (q/k/v/o/gate/up/down_proj).",
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TrainingArgs:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in names})

    def total_steps(self, n_train: int) -> int:
        if self.steps:
            return self.steps
        per_epoch = -(-n_train // self.batch_size)  # micro-batches
        return max(1, round(self.epochs * per_epoch / self.grad_accum))

    def warmup(self, total: int) -> int:
        if self.warmup_steps >= 0:
            return min(self.warmup_steps, total)
        return min(20, max(0, total // 20))


def help_of(name: str) -> str:
    for f in dataclasses.fields(TrainingArgs):
        if f.name == name:
            return f.metadata.get("help", "")
    raise KeyError(name)
