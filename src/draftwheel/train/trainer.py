"""LoRA training with torch + PEFT: ready objects in, an adapter folder out.

``train(base_dir, dataset, args, callback, out_dir)`` knows nothing about Qt or
argv. The loss is taken only at completion tokens with chunked logits
(:mod:`draftwheel.train.loss`), batches are bucketed by length
(:mod:`draftwheel.train.dataset`), and a checkpoint is written every
``args.checkpoint_every`` steps so a killed run resumes where it stopped.

Run folder (``out_dir``)::

    checkpoint/            adapter_model.safetensors  LoRA weights so far
                           trainer_state.pt           AdamW + LR schedule + torch RNG
                           state.json                 step, batch plan, data fingerprint, args, losses
    adapter/               the finished PEFT adapter (save_pretrained) + training.json
    result.json            the figures of the finished run

Every folder is written under a temporary name and renamed into place, so a
crash or a full disk never leaves a half-written checkpoint or adapter.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from draftwheel.config.atomic import atomic_write_text, fsync_dir, fsync_tree
from draftwheel.errors import Cancelled, DraftwheelError, write_error
from draftwheel.models.weights import load_trainable, read_meta
from draftwheel.train.args import TrainingArgs
from draftwheel.train.dataset import Dataset, Encoded, collate, plan_batches
from draftwheel.train.loss import completion_loss
from draftwheel.train.progress import PeakMemory, TrainCallback, TrainProgress
from draftwheel.train.runs import RESULT_FILE

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint"
ADAPTER = "adapter"
STATE_JSON = "state.json"
TRAINER_STATE = "trainer_state.pt"
LORA_WEIGHTS = "adapter_model.safetensors"
CHECKPOINT_VERSION = 1
# Settings a resumed run must share with its checkpoint (the rest may change, e.g. checkpoint_every).
_RESUME_KEYS = (
    "rank",
    "alpha",
    "dropout",
    "target_modules",
    "batch_size",
    "grad_accum",
    "seed",
    "lr",
    "weight_decay",
    "warmup_steps",
    "max_seq_len",
    "dtype",
)


@dataclass
class AdapterResult:
    adapter_dir: Path  # the PEFT adapter folder (adapter_config.json + adapter_model.safetensors)
    run_dir: Path
    steps: int
    train_loss: float  # mean completion-token loss over the last steps (up to 10)
    heldout_loss_before: float
    heldout_loss_after: float
    tokens_per_s: float  # processed (non-pad) tokens per second of training
    peak_memory_bytes: int
    seconds: float  # training time, this process only
    n_train: int
    n_heldout: int
    base_dir: Path
    base_sha256: str
    args: TrainingArgs
    resumed_from: int = 0  # the step a resumed run started at (0: a fresh run)
    device: str = "cpu"
    dtype: str = "float32"  # of the frozen weights (see TrainingArgs.dtype)
    losses: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        for key in ("adapter_dir", "run_dir", "base_dir"):
            d[key] = str(d[key])
        return d


# -- helpers ----------------------------------------------------------------


def pick_device(preference: str = "auto") -> str:
    import torch

    if preference != "auto":
        if preference == "cuda" and not torch.cuda.is_available():
            raise DraftwheelError("--device cuda: no CUDA GPU is available to PyTorch here.")
        if preference == "mps" and not torch.backends.mps.is_available():
            raise DraftwheelError("--device mps: Apple's Metal backend is not available here.")
        return preference
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


@functools.lru_cache(maxsize=1)
def cpu_has_fast_bf16() -> bool:
    """True on x86 CPUs with AVX-512 BF16 or AMX, where bfloat16 matrix products are 2-4x faster than float32."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace").split()
    except OSError:  # not Linux: no cheap, reliable probe, so stay with float32
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def pick_dtype(preference: str, device: str) -> str:
    """The torch dtype name for the frozen weights: ``preference`` unless it is ``auto``."""
    import torch

    if preference != "auto":
        return preference
    if device == "cuda":
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    if device == "cpu" and cpu_has_fast_bf16():
        return "bfloat16"
    return "float32"


def _is_cancelled(cancel) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


def _write_error(exc: BaseException, what: str, run_dir: Path) -> DraftwheelError | None:
    return write_error(
        exc, run_dir, f"write the {what} to {run_dir}", "Free some disk space and run the training again with --resume."
    )


def _replace_dir(tmp: Path, final: Path) -> None:
    """Put folder ``tmp`` in place of ``final`` with no moment where neither is complete."""
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.rename(final, old)
    os.rename(tmp, final)
    shutil.rmtree(old, ignore_errors=True)
    fsync_dir(final.parent)


def _lr_lambda(total: int, warmup: int) -> Callable[[int], float]:
    """Linear warm-up, then cosine decay to 10% of the peak."""

    def f(step: int) -> float:
        if warmup and step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return f


# -- checkpoints ------------------------------------------------------------


@dataclass
class Checkpoint:
    step: int
    state: dict  # state.json
    lora: dict  # LoRA tensors
    trainer: dict  # optimizer, scheduler, rng


def _damaged(folder: Path, why: str) -> DraftwheelError:
    return DraftwheelError(
        f"The checkpoint in {folder} is damaged ({why}).",
        "Run the training again without --resume to start over (the damaged checkpoint is replaced).",
    )


def recover_checkpoint(run_dir: Path) -> Path | None:
    """The checkpoint folder of a run, repairing a swap that a crash interrupted; None if there is none."""
    final = run_dir / CHECKPOINT
    old = run_dir / f".{CHECKPOINT}.old"
    shutil.rmtree(run_dir / f".{CHECKPOINT}.tmp", ignore_errors=True)
    if not final.exists() and old.exists():
        os.rename(old, final)  # killed between the two renames of _replace_dir
    return final if final.exists() else None


def read_checkpoint(run_dir: Path) -> Checkpoint | None:
    """Load and check a run's checkpoint fully (before any model is built); None when there is none."""
    import torch
    from safetensors.torch import load_file

    folder = recover_checkpoint(Path(run_dir))
    if folder is None:
        return None
    try:
        state = json.loads((folder / STATE_JSON).read_text(encoding="utf-8"))
        if not isinstance(state, dict) or state.get("version") != CHECKPOINT_VERSION:
            raise _damaged(folder, "unknown checkpoint version")
        step = int(state["step"])
        plan = state["plan"]
        if not isinstance(plan, list) or step < 0:
            raise ValueError("bad plan or step")
    except FileNotFoundError:
        raise _damaged(folder, f"{STATE_JSON} is missing") from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise _damaged(folder, f"{STATE_JSON} is unreadable: {exc}") from None
    try:
        lora = load_file(str(folder / LORA_WEIGHTS))
    except FileNotFoundError:
        raise _damaged(folder, f"{LORA_WEIGHTS} is missing") from None
    except Exception as exc:  # safetensors raises its own error types for bad headers
        raise _damaged(folder, f"{LORA_WEIGHTS} is unreadable: {exc}") from None
    try:
        trainer = torch.load(folder / TRAINER_STATE, map_location="cpu", weights_only=True)
        if not isinstance(trainer, dict) or "optimizer" not in trainer:
            raise ValueError("no optimizer state")
    except FileNotFoundError:
        raise _damaged(folder, f"{TRAINER_STATE} is missing") from None
    except Exception as exc:  # torch.load: pickle, zip and ValueError variants
        raise _damaged(folder, f"{TRAINER_STATE} is unreadable: {str(exc).splitlines()[0][:200]}") from None
    return Checkpoint(step, state, lora, trainer)


def write_checkpoint(run_dir: Path, model, optimizer, scheduler, state: dict) -> Path:
    """Write a complete checkpoint beside the current one, then swap it in."""
    import torch
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    tmp = run_dir / f".{CHECKPOINT}.tmp"
    final = run_dir / CHECKPOINT
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        lora = {k: v.detach().to("cpu").contiguous() for k, v in get_peft_model_state_dict(model).items()}
        save_file(lora, str(tmp / LORA_WEIGHTS))
        trainer = {
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "torch_rng": torch.get_rng_state(),
        }
        if torch.cuda.is_available():
            trainer["cuda_rng"] = torch.cuda.get_rng_state_all()
        torch.save(trainer, tmp / TRAINER_STATE)
        (tmp / STATE_JSON).write_text(json.dumps({"version": CHECKPOINT_VERSION, **state}), encoding="utf-8")
        fsync_tree(tmp)
        _replace_dir(tmp, final)
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        error = _write_error(exc, f"checkpoint of step {state.get('step')}", run_dir)
        if error is None:
            raise
        raise error from None
    return final


# -- evaluation -------------------------------------------------------------


def heldout_loss(
    model,
    examples: list[Encoded],
    pad_id: int,
    device: str,
    batch_size: int = 8,
    chunk_size: int = 128,
    share_prefix: bool = True,
) -> float:
    """Mean completion-token loss over ``examples`` (no gradients)."""
    import torch

    if not examples:
        return float("nan")
    order = sorted(range(len(examples)), key=lambda i: len(examples[i]))
    total, tokens = 0.0, 0
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for start in range(0, len(order), batch_size):
                batch = collate([examples[i] for i in order[start : start + batch_size]], pad_id)
                batch = {k: v.to(device) for k, v in batch.items()}
                out = completion_loss(
                    model, batch["input_ids"], batch["attention_mask"], batch["labels"], chunk_size, share_prefix
                )
                total += float(out.loss_sum)
                tokens += out.n_tokens
    finally:
        model.train(was_training)
    return total / max(tokens, 1)


# -- the model --------------------------------------------------------------


def enable_checkpointing(model) -> None:
    """Recompute each block's activations in backward (non-reentrant; the newer transformers name first)."""
    kwargs = {"use_reentrant": False}
    if hasattr(model, "activation_checkpointing_enable"):
        model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)


def build_lora_model(base_dir: Path, args: TrainingArgs, device: str):
    """(PEFT model on ``device``, tokenizer) with fresh LoRA matrices seeded by ``args.seed``."""
    import torch
    from peft import LoraConfig, get_peft_model

    # Frozen weights in ``dtype``; PEFT keeps the LoRA matrices float32 (autocast_adapter_dtype).
    model, tokenizer = load_trainable(base_dir, getattr(torch, pick_dtype(args.dtype, device)))
    model.config.use_cache = False
    if args.gradient_checkpointing:
        enable_checkpointing(model)
    config = LoraConfig(
        r=args.rank,
        lora_alpha=args.alpha,  # type: ignore[arg-type]  # peft annotates int; it scales by alpha / r
        lora_dropout=args.dropout,
        target_modules=list(args.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )
    torch.manual_seed(args.seed)
    try:
        model = get_peft_model(model, config, autocast_adapter_dtype=True)
    except ValueError as exc:
        raise DraftwheelError(
            f"Cannot put LoRA on this model: {exc}", "Check the target modules (e.g. q_proj, v_proj)."
        ) from None
    model.to(device)
    model.train()
    return model, tokenizer


def load_initial_lora(model, folder: Path, device: str) -> None:
    """Put the LoRA weights of the PEFT folder ``folder`` into ``model`` (a run that starts from another
    style's adapter); a clear error when they do not fit."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    try:
        lora = load_file(str(folder / LORA_WEIGHTS))
    except Exception as exc:  # safetensors raises its own error types for bad headers
        raise DraftwheelError(f"{folder}: the starting adapter's weights cannot be read ({exc}).") from None
    try:
        loaded = set_peft_model_state_dict(model, {k: v.to(device) for k, v in lora.items()})
        missing = [k for k in getattr(loaded, "unexpected_keys", []) if "lora_" in k]
        if missing:
            raise ValueError(f"unexpected LoRA tensors {missing[:3]}")
    except (RuntimeError, ValueError) as exc:
        raise DraftwheelError(
            f"The starting adapter in {folder} does not fit this model: {str(exc).splitlines()[0][:200]}",
            "Start without it, or from an adapter of this base model.",
        ) from None


def _check_resume(ckpt: Checkpoint, dataset: Dataset, args: TrainingArgs, folder: Path) -> None:
    state = ckpt.state
    if state.get("fingerprint") != dataset.fingerprint():
        raise DraftwheelError(
            f"The checkpoint in {folder} was made with other training data.",
            "Resume with the run's own data, or start over without --resume.",
        )
    saved = state.get("args", {})
    changed = [k for k in _RESUME_KEYS if k in saved and saved[k] != getattr(args, k)]
    if changed:
        raise DraftwheelError(
            f"The checkpoint in {folder} was made with other settings ({', '.join(changed)}).",
            "Resume with the same settings, or start over without --resume.",
        )


# -- training ---------------------------------------------------------------


def train(
    base_dir: Path,
    dataset: Dataset,
    args: TrainingArgs,
    callback: TrainCallback | None = None,
    out_dir: Path | None = None,
    cancel=None,
    resume: bool = False,
) -> AdapterResult:
    """Train a LoRA adapter on ``dataset``; see the module docstring for the run folder.

    ``cancel``: a ``threading.Event`` (or a callable returning True) checked
    between micro-batches; when set, a checkpoint is written and
    :class:`~draftwheel.errors.Cancelled` raised. ``resume``: continue from the
    run folder's checkpoint if there is one; without it an old checkpoint is
    discarded and training starts over.
    """
    args = TrainingArgs.from_dict(args.to_dict()).validate()
    cb = callback or TrainCallback()
    if out_dir is None:
        raise DraftwheelError("A run folder (out_dir) is needed for checkpoints and the adapter.")
    run_dir = Path(out_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if not dataset.train:
        raise DraftwheelError("No training examples.")
    run = _Run.start(
        Path(base_dir), dataset, args, run_dir, _checkpoint_to_resume(run_dir, dataset, args, resume, cb), cb
    )
    try:
        while run.step < run.total:
            run.train_step(cancel)
            cb.on_step(run.progress())
            run.checkpoint_if_due()
            if _is_cancelled(cancel):
                raise Cancelled()
    except Cancelled:
        run.save_cancelled()
        raise
    cb.on_end()
    return run.finish()


def _checkpoint_to_resume(
    run_dir: Path, dataset: Dataset, args: TrainingArgs, resume: bool, cb: TrainCallback
) -> Checkpoint | None:
    """The run's checkpoint when resuming (checked against this data and settings); else none, and any old one goes."""
    if not resume:
        shutil.rmtree(run_dir / CHECKPOINT, ignore_errors=True)
        shutil.rmtree(run_dir / f".{CHECKPOINT}.old", ignore_errors=True)
        return None
    ckpt = read_checkpoint(run_dir)
    if ckpt is None:
        cb.on_message("No checkpoint to resume from; starting a new run.")
    else:
        _check_resume(ckpt, dataset, args, run_dir / CHECKPOINT)
    return ckpt


@dataclass
class _Run:
    """One training run in progress: the model, its optimizer, the batch plan and the figures so far."""

    base_dir: Path
    dataset: Dataset
    args: TrainingArgs
    run_dir: Path
    cb: TrainCallback
    device: str
    dtype: str
    model: Any
    params: list
    optimizer: Any
    scheduler: Any
    plan: list  # micro-batches of example indices, grad_accum per step
    total: int  # optimizer steps
    memory: PeakMemory
    start_step: int = 0
    step: int = 0
    losses: list[float] = field(default_factory=list)  # mean completion-token loss per step
    heldout_before: float = float("nan")
    tokens_before: int = 0  # non-pad tokens processed before a resume
    tokens: int = 0  # non-pad tokens processed by this process
    train_time: float = 0.0  # seconds, this process only

    @classmethod
    def start(
        cls,
        base_dir: Path,
        dataset: Dataset,
        args: TrainingArgs,
        run_dir: Path,
        ckpt: Checkpoint | None,
        cb: TrainCallback,
    ) -> _Run:
        """Build the model and optimizer (restored from ``ckpt`` when resuming) and score the held-out split."""
        import torch

        device = pick_device(args.device)
        if ckpt is not None:
            plan, total = ckpt.state["plan"], int(ckpt.state["total"])
        else:
            total = args.total_steps(len(dataset.train))
            plan = plan_batches([len(e) for e in dataset.train], args.batch_size, total * args.grad_accum, args.seed)
        dtype = pick_dtype(args.dtype, device)
        cb.on_message(f"Loading trainable weights from {base_dir} ({device}, {dtype})...")
        model, _tokenizer = build_lora_model(base_dir, args, device)
        if ckpt is None and args.init_from:
            cb.on_message(f"Starting from the LoRA weights in {args.init_from}...")
            load_initial_lora(model, Path(args.init_from), device)
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_lambda(total, args.warmup(total)))
        run = cls(
            base_dir,
            dataset,
            args,
            run_dir,
            cb,
            device,
            dtype,
            model,
            params,
            optimizer,
            scheduler,
            plan,
            total,
            PeakMemory(device),
        )
        if ckpt is not None:
            run._restore(ckpt)
        run.memory.reset()
        if ckpt is None or ckpt.state.get("heldout_before") is None:
            run.heldout_before = run.heldout()
        cb.on_eval("before", run.heldout_before)
        cb.on_start(total, run.start_step, len(dataset.train), len(dataset.heldout))
        run.model.train()
        return run

    def _restore(self, ckpt: Checkpoint) -> None:
        """Put the checkpoint's LoRA weights, optimizer, schedule, RNG and figures back."""
        import torch
        from peft import set_peft_model_state_dict

        try:
            loaded = set_peft_model_state_dict(self.model, {k: v.to(self.device) for k, v in ckpt.lora.items()})
            unexpected = [k for k in getattr(loaded, "unexpected_keys", []) if "lora_" in k]
            if unexpected:
                raise ValueError(f"unexpected LoRA tensors {unexpected[:3]}")
            self.optimizer.load_state_dict(ckpt.trainer["optimizer"])
            self.scheduler.load_state_dict(ckpt.trainer["scheduler"])
            torch.set_rng_state(ckpt.trainer["torch_rng"])
            if self.device == "cuda" and "cuda_rng" in ckpt.trainer:
                torch.cuda.set_rng_state_all(ckpt.trainer["cuda_rng"])
        except (RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise _damaged(
                self.run_dir / CHECKPOINT, f"it does not fit this model: {str(exc).splitlines()[0][:200]}"
            ) from None
        self.start_step = self.step = ckpt.step
        self.losses = list(ckpt.state.get("losses", []))
        if ckpt.state.get("heldout_before") is not None:
            self.heldout_before = ckpt.state["heldout_before"]
        self.tokens_before = int(ckpt.state.get("tokens", 0))
        self.cb.on_message(f"Resuming from the checkpoint at step {self.step} of {self.total}.")

    def heldout(self) -> float:
        a = self.args
        return heldout_loss(
            self.model,
            self.dataset.heldout,
            self.dataset.pad_id,
            self.device,
            a.eval_batch_size,
            a.chunk_size,
            a.share_prefix,
        )

    def train_step(self, cancel) -> None:
        """One optimizer step over ``grad_accum`` micro-batches; the loss is the mean over completion tokens."""
        import torch

        t0 = time.perf_counter()
        a, step = self.args, self.step
        micro = [
            [self.dataset.train[i] for i in idx] for idx in self.plan[step * a.grad_accum : (step + 1) * a.grad_accum]
        ]
        n_target = sum(e.n_completion for batch in micro for e in batch)  # loss tokens in this step
        step_loss = 0.0
        for batch_examples in micro:
            if _is_cancelled(cancel):
                raise Cancelled()
            batch = {k: v.to(self.device) for k, v in collate(batch_examples, self.dataset.pad_id).items()}
            out = completion_loss(
                self.model, batch["input_ids"], batch["attention_mask"], batch["labels"], a.chunk_size, a.share_prefix
            )
            (out.loss_sum / max(n_target, 1)).backward()
            step_loss += float(out.loss_sum.detach())
            self.tokens += int(batch["attention_mask"].sum())
        if a.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.params, a.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        self.losses.append(step_loss / max(n_target, 1))
        self.train_time += time.perf_counter() - t0

    def progress(self) -> TrainProgress:
        rate = self.tokens / self.train_time if self.train_time else 0.0
        eta = self.train_time / (self.step - self.start_step) * (self.total - self.step)
        return TrainProgress(
            self.step, self.total, self.losses[-1], rate, self.memory.peak(), eta, self.scheduler.get_last_lr()[0]
        )

    def state(self) -> dict:
        """The checkpoint's ``state.json``: enough to resume the same run exactly."""
        return {
            "step": self.step,
            "total": self.total,
            "plan": self.plan,
            "fingerprint": self.dataset.fingerprint(),
            "args": self.args.to_dict(),
            "losses": self.losses,
            "heldout_before": self.heldout_before,
            "tokens": self.tokens_before + self.tokens,
            "base_dir": str(self.base_dir),
            "time": time.time(),
        }

    def checkpoint_if_due(self) -> None:
        every = self.args.checkpoint_every
        if every and self.step % every == 0 and self.step < self.total:
            self.cb.on_checkpoint(
                self.step, write_checkpoint(self.run_dir, self.model, self.optimizer, self.scheduler, self.state())
            )

    def save_cancelled(self) -> None:
        """Checkpoint where the run stopped (the half-done step's gradients are dropped)."""
        self.optimizer.zero_grad(set_to_none=True)
        write_checkpoint(self.run_dir, self.model, self.optimizer, self.scheduler, self.state())
        self.cb.on_message(
            f"Cancelled at step {self.step} of {self.total}; a checkpoint was saved (resume with --resume)."
        )
        self.cb.on_end()

    def finish(self) -> AdapterResult:
        """Score the held-out split again, save the adapter and the result, drop the checkpoint."""
        heldout_after = self.heldout()
        self.cb.on_eval("after", heldout_after)
        last = self.losses[-10:]
        result = AdapterResult(
            adapter_dir=self.run_dir / ADAPTER,
            run_dir=self.run_dir,
            steps=self.step,
            train_loss=sum(last) / max(1, len(last)),
            heldout_loss_before=self.heldout_before,
            heldout_loss_after=heldout_after,
            tokens_per_s=self.tokens / self.train_time if self.train_time else 0.0,
            peak_memory_bytes=self.memory.peak(),
            seconds=self.train_time,
            n_train=len(self.dataset.train),
            n_heldout=len(self.dataset.heldout),
            base_dir=self.base_dir,
            base_sha256=str(read_meta(self.base_dir).get("sha256", "")),
            args=self.args,
            resumed_from=self.start_step,
            device=self.device,
            dtype=self.dtype,
            losses=self.losses,
        )
        save_adapter(self.model, result)
        shutil.rmtree(self.run_dir / CHECKPOINT, ignore_errors=True)
        return result


def save_adapter(model, result: AdapterResult) -> Path:
    """save_pretrained into a temporary folder, add training.json, rename into place; then result.json."""
    run_dir = result.run_dir
    tmp = run_dir / f".{ADAPTER}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    info = result.to_dict()
    info.pop("losses")
    info["base_model_sha256"] = info.pop("base_sha256")
    try:
        model.save_pretrained(str(tmp))
        (tmp / "training.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        fsync_tree(tmp)
        _replace_dir(tmp, result.adapter_dir)
        atomic_write_text(run_dir / RESULT_FILE, json.dumps(result.to_dict(), indent=2) + "\n")
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        error = _write_error(exc, "adapter", run_dir)
        if error is None:
            raise
        raise error from None
    return result.adapter_dir
