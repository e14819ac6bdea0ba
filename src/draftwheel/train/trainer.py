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
import errno
import functools
import json
import logging
import math
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from draftwheel.config.atomic import atomic_write_text
from draftwheel.errors import Cancelled, DraftwheelError, write_failure
from draftwheel.train.args import TrainingArgs
from draftwheel.train.dataset import Dataset, Encoded, collate, plan_batches
from draftwheel.train.loss import completion_loss
from draftwheel.train.progress import PeakMemory, TrainCallback, TrainProgress
from draftwheel.models.weights import load_trainable, read_meta
from draftwheel.train.runs import RESULT_FILE

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint"
ADAPTER = "adapter"
STATE_JSON = "state.json"
TRAINER_STATE = "trainer_state.pt"
LORA_WEIGHTS = "adapter_model.safetensors"
CHECKPOINT_VERSION = 1
# Settings a resumed run must share with its checkpoint (the rest may change, e.g. checkpoint_every).
_RESUME_KEYS = ("rank", "alpha", "dropout", "target_modules", "batch_size", "grad_accum", "seed", "lr",
                "weight_decay", "warmup_steps", "max_seq_len", "dtype")


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


def _disk_error(exc: OSError, what: str, where: Path) -> DraftwheelError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return DraftwheelError(f"The disk is full: could not write the {what} to {where}.",
                               "Free some disk space and run the training again with --resume.")
    return DraftwheelError(f"Could not write the {what} to {where}: {exc.strerror or exc}.")


def _replace_dir(tmp: Path, final: Path) -> None:
    """Put folder ``tmp`` in place of ``final`` with no moment where neither is complete."""
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.rename(final, old)
    os.rename(tmp, final)
    shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(final.parent)


def _fsync_dir(folder: Path) -> None:
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for file in folder.iterdir():
        if file.is_file():
            with open(file, "rb") as f:
                os.fsync(f.fileno())


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
        trainer = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                   "torch_rng": torch.get_rng_state()}
        if torch.cuda.is_available():
            trainer["cuda_rng"] = torch.cuda.get_rng_state_all()
        torch.save(trainer, tmp / TRAINER_STATE)
        (tmp / STATE_JSON).write_text(json.dumps({"version": CHECKPOINT_VERSION, **state}), encoding="utf-8")
        _fsync_tree(tmp)
        _replace_dir(tmp, final)
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        failure = write_failure(exc, run_dir)
        if failure is None:
            raise
        raise _disk_error(failure, f"checkpoint of step {state.get('step')}", run_dir) from None
    return final


# -- evaluation -------------------------------------------------------------

def heldout_loss(model, examples: list[Encoded], pad_id: int, device: str, batch_size: int = 8,
                 chunk_size: int = 128, share_prefix: bool = True) -> float:
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
                batch = collate([examples[i] for i in order[start:start + batch_size]], pad_id)
                batch = {k: v.to(device) for k, v in batch.items()}
                out = completion_loss(model, batch["input_ids"], batch["attention_mask"], batch["labels"],
                                      chunk_size, share_prefix)
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
    config = LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=args.dropout,
                        target_modules=list(args.target_modules), bias="none", task_type="CAUSAL_LM")
    torch.manual_seed(args.seed)
    try:
        model = get_peft_model(model, config, autocast_adapter_dtype=True)
    except ValueError as exc:
        raise DraftwheelError(f"Cannot put LoRA on this model: {exc}",
                              "Check the target modules (e.g. q_proj, v_proj).") from None
    model.to(device)
    model.train()
    return model, tokenizer


def _check_resume(ckpt: Checkpoint, dataset: Dataset, args: TrainingArgs, folder: Path) -> None:
    state = ckpt.state
    if state.get("fingerprint") != dataset.fingerprint():
        raise DraftwheelError(
            f"The checkpoint in {folder} was made with other training data.",
            "Resume with the run's own data, or start over without --resume.")
    saved = state.get("args", {})
    changed = [k for k in _RESUME_KEYS if k in saved and saved[k] != getattr(args, k)]
    if changed:
        raise DraftwheelError(
            f"The checkpoint in {folder} was made with other settings ({', '.join(changed)}).",
            "Resume with the same settings, or start over without --resume.")


# -- training ---------------------------------------------------------------

def train(base_dir: Path, dataset: Dataset, args: TrainingArgs, callback: TrainCallback | None = None,
          out_dir: Path | None = None, cancel=None, resume: bool = False) -> AdapterResult:
    """Train a LoRA adapter on ``dataset``; see the module docstring for the run folder.

    ``cancel``: a ``threading.Event`` (or a callable returning True) checked
    between micro-batches; when set, a checkpoint is written and
    :class:`~draftwheel.errors.Cancelled` raised. ``resume``: continue from the
    run folder's checkpoint if there is one; without it an old checkpoint is
    discarded and training starts over.
    """
    import torch
    from peft import set_peft_model_state_dict

    args = TrainingArgs.from_dict(args.to_dict()).validate()
    cb = callback or TrainCallback()
    if out_dir is None:
        raise DraftwheelError("A run folder (out_dir) is needed for checkpoints and the adapter.")
    run_dir = Path(out_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    base_dir = Path(base_dir)
    if not dataset.train:
        raise DraftwheelError("No training examples.")

    ckpt = None
    if resume:
        ckpt = read_checkpoint(run_dir)
        if ckpt is not None:
            _check_resume(ckpt, dataset, args, run_dir / CHECKPOINT)
        else:
            cb.on_message("No checkpoint to resume from; starting a new run.")
    else:
        shutil.rmtree(run_dir / CHECKPOINT, ignore_errors=True)
        shutil.rmtree(run_dir / f".{CHECKPOINT}.old", ignore_errors=True)

    device = pick_device(args.device)
    total = args.total_steps(len(dataset.train))
    if ckpt is not None:
        plan = ckpt.state["plan"]
        total = int(ckpt.state["total"])
    else:
        plan = plan_batches([len(e) for e in dataset.train], args.batch_size, total * args.grad_accum, args.seed)

    dtype = pick_dtype(args.dtype, device)
    cb.on_message(f"Loading trainable weights from {base_dir} ({device}, {dtype})...")
    model, _tokenizer = build_lora_model(base_dir, args, device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_lambda(total, args.warmup(total)))

    losses: list[float] = []
    start_step = 0
    heldout_before = None
    tokens_before = 0
    if ckpt is not None:
        try:
            result = set_peft_model_state_dict(model, {k: v.to(device) for k, v in ckpt.lora.items()})
            missing = [k for k in getattr(result, "unexpected_keys", []) if "lora_" in k]
            if missing:
                raise ValueError(f"unexpected LoRA tensors {missing[:3]}")
            optimizer.load_state_dict(ckpt.trainer["optimizer"])
            scheduler.load_state_dict(ckpt.trainer["scheduler"])
            torch.set_rng_state(ckpt.trainer["torch_rng"])
            if device == "cuda" and "cuda_rng" in ckpt.trainer:
                torch.cuda.set_rng_state_all(ckpt.trainer["cuda_rng"])
        except (RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise _damaged(run_dir / CHECKPOINT, f"it does not fit this model: {str(exc).splitlines()[0][:200]}") \
                from None
        start_step = ckpt.step
        losses = list(ckpt.state.get("losses", []))
        heldout_before = ckpt.state.get("heldout_before")
        tokens_before = int(ckpt.state.get("tokens", 0))
        cb.on_message(f"Resuming from the checkpoint at step {start_step} of {total}.")
    del ckpt

    memory = PeakMemory(device)
    memory.reset()
    if heldout_before is None:
        heldout_before = heldout_loss(model, dataset.heldout, dataset.pad_id, device, args.eval_batch_size,
                                      args.chunk_size, args.share_prefix)
    cb.on_eval("before", heldout_before)
    cb.on_start(total, start_step, len(dataset.train), len(dataset.heldout))

    def state_for(step: int) -> dict:
        return {"step": step, "total": total, "plan": plan, "fingerprint": dataset.fingerprint(),
                "args": args.to_dict(), "losses": losses, "heldout_before": heldout_before,
                "tokens": tokens_before + tokens, "base_dir": str(base_dir), "time": time.time()}

    tokens = 0  # non-pad tokens processed by this process
    train_time = 0.0
    step = start_step
    model.train()
    try:
        while step < total:
            t0 = time.perf_counter()
            micro = [[dataset.train[i] for i in idx] for idx in plan[step * args.grad_accum:(step + 1) * args.grad_accum]]
            n_target = sum(e.n_completion for batch in micro for e in batch)  # loss tokens in this step
            step_loss = 0.0
            for batch_examples in micro:
                if _is_cancelled(cancel):
                    raise Cancelled()
                batch = {k: v.to(device) for k, v in collate(batch_examples, dataset.pad_id).items()}
                out = completion_loss(model, batch["input_ids"], batch["attention_mask"], batch["labels"],
                                      args.chunk_size, args.share_prefix)
                (out.loss_sum / max(n_target, 1)).backward()
                step_loss += float(out.loss_sum.detach())
                tokens += int(batch["attention_mask"].sum())
            if args.max_grad_norm > 0:
                torch.nn.utils.clip_grad_norm_(params, args.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            losses.append(step_loss / max(n_target, 1))
            train_time += time.perf_counter() - t0
            rate = tokens / train_time if train_time else 0.0
            eta = train_time / (step - start_step) * (total - step)
            cb.on_step(TrainProgress(step, total, losses[-1], rate, memory.peak(), eta,
                                     scheduler.get_last_lr()[0]))
            if args.checkpoint_every and step % args.checkpoint_every == 0 and step < total:
                cb.on_checkpoint(step, write_checkpoint(run_dir, model, optimizer, scheduler, state_for(step)))
            if _is_cancelled(cancel):
                raise Cancelled()
    except Cancelled:
        optimizer.zero_grad(set_to_none=True)
        write_checkpoint(run_dir, model, optimizer, scheduler, state_for(step))
        cb.on_message(f"Cancelled at step {step} of {total}; a checkpoint was saved (resume with --resume).")
        cb.on_end()
        raise
    cb.on_end()

    heldout_after = heldout_loss(model, dataset.heldout, dataset.pad_id, device, args.eval_batch_size,
                                 args.chunk_size, args.share_prefix)
    cb.on_eval("after", heldout_after)
    meta = read_meta(base_dir)
    result = AdapterResult(
        adapter_dir=run_dir / ADAPTER, run_dir=run_dir, steps=step,
        train_loss=sum(losses[-10:]) / max(1, len(losses[-10:])),
        heldout_loss_before=heldout_before, heldout_loss_after=heldout_after,
        tokens_per_s=tokens / train_time if train_time else 0.0, peak_memory_bytes=memory.peak(),
        seconds=train_time, n_train=len(dataset.train), n_heldout=len(dataset.heldout),
        base_dir=base_dir, base_sha256=str(meta.get("sha256", "")), args=args, resumed_from=start_step,
        device=device, dtype=dtype, losses=losses,
    )
    save_adapter(model, result)
    shutil.rmtree(run_dir / CHECKPOINT, ignore_errors=True)
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
        _fsync_tree(tmp)
        _replace_dir(tmp, result.adapter_dir)
        atomic_write_text(run_dir / RESULT_FILE, json.dumps(result.to_dict(), indent=2) + "\n")
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        failure = write_failure(exc, run_dir)
        if failure is None:
            raise
        raise _disk_error(failure, "adapter", run_dir) from None
    return result.adapter_dir


def read_result(run_dir: Path) -> dict | None:
    try:
        return json.loads((Path(run_dir) / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
