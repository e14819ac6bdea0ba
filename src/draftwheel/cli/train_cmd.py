"""``draftwheel train``: a LoRA adapter from the user's kept edits.

Builds the dataset from the store (accepted and edited outcomes marked for
training; the final text is the target), or from ``--pairs FILE``; converts
the model to trainable weights once; trains with a progress bar; records the
run in the store; then hands the PEFT adapter to
:func:`draftwheel.train.export.finish_adapter` (GGUF export, held-out scores,
promotion, registry).

Each run has a folder ``runs/<name>/`` holding ``run.json`` (task, settings,
store run id), ``pairs.jsonl`` (its own copy of the data, so ``--resume``
trains on exactly the same examples), checkpoints and the adapter.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import signal
import sys
import threading
import time
from pathlib import Path

from draftwheel.cli.common import profile
from draftwheel.config.atomic import atomic_write_text
from draftwheel.errors import Cancelled, DraftwheelError, NotFoundError
from draftwheel.train.args import TrainingArgs, help_of
from draftwheel.train.runs import PAIRS_FILE, RUN_FILE, unfinished

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a personal LoRA adapter on your kept edits")
    p.add_argument("--task", default="grammar", help="task whose edits to learn (default: grammar)")
    p.add_argument("--name", help="adapter (and run folder) name (default: <task>-<UTC time>)")
    p.add_argument("--model", help="catalogue model to train on (default: the one in the settings)")
    n = p.add_mutually_exclusive_group()
    n.add_argument("--steps", type=int, help=help_of("steps"))
    n.add_argument("--epochs", type=float, help=help_of("epochs"))
    p.add_argument("--rank", type=int, help=help_of("rank") + " (default 8)")
    p.add_argument("--alpha", type=float, help=help_of("alpha") + " (default 16)")
    p.add_argument("--lr", type=float, help=help_of("lr") + " (default 2e-4)")
    p.add_argument("--max-seq-len", type=int, help=help_of("max_seq_len") + " (default 256)")
    p.add_argument("--batch-size", type=int, help=help_of("batch_size") + " (default 4)")
    p.add_argument("--grad-accum", type=int, help=help_of("grad_accum"))
    p.add_argument("--gradient-checkpointing", action=argparse.BooleanOptionalAction, default=None,
                   help=help_of("gradient_checkpointing") + " (default on)")
    p.add_argument("--dtype", choices=("auto", "float32", "bfloat16"), help=help_of("dtype") + " (default auto)")
    p.add_argument("--seed", type=int, help=help_of("seed"))
    p.add_argument("--checkpoint-every", type=int, help=help_of("checkpoint_every") + " (default 50)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help=help_of("device"))
    p.add_argument("--pairs", metavar="FILE",
                   help="train on these pairs (JSON Lines: {\"input\", \"final\"}) instead of the store")
    p.add_argument("--resume", action="store_true",
                   help="continue the run named --name (default: the task's last unfinished run) "
                        "from its checkpoint, with its own data and settings")
    p.add_argument("--no-export", action="store_true",
                   help="stop after training: leave the PEFT adapter in the run folder, no GGUF/evaluation")
    p.add_argument("--no-eval", action="store_true", help="register the adapter without scoring or promoting it")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--cancel", action="store_true", help="stop the training running in the background and exit")
    p.add_argument("--status", action="store_true", help="show the running training's progress and exit")
    p.add_argument("--nice", type=int, default=0, help=argparse.SUPPRESS)  # set by the background starter
    p.set_defaults(func=run)


# -- run folders ------------------------------------------------------------

def _training_args(ns: argparse.Namespace, base: TrainingArgs | None = None) -> TrainingArgs:
    args = base or TrainingArgs()
    overrides = {}
    for f in dataclasses.fields(TrainingArgs):
        value = getattr(ns, f.name, None)
        if value is not None:
            overrides[f.name] = value
    if "epochs" in overrides and "steps" not in overrides:
        overrides["steps"] = 0
    return dataclasses.replace(args, **overrides).validate()


def _find_resumable(runs_dir: Path, task: str) -> Path | None:
    candidates = []
    for run_json in runs_dir.glob(f"*/{RUN_FILE}"):
        folder = run_json.parent
        try:
            info = json.loads(run_json.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if info.get("task") == task and unfinished(folder):
            candidates.append((info.get("created", 0), folder))
    return max(candidates)[1] if candidates else None


def _read_run(folder: Path) -> dict:
    try:
        return json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFoundError(f"{folder} is not a training run (no {RUN_FILE}).") from None
    except (OSError, ValueError) as exc:
        raise DraftwheelError(f"{folder / RUN_FILE} is damaged ({exc}).",
                              "Start a new run without --resume.") from None


# -- the store (optional) ---------------------------------------------------

def _store(paths):
    try:
        from draftwheel.store import open_store
    except ImportError:
        return None
    return open_store(paths)


def _store_pairs(paths, task: str):
    from draftwheel.train.dataset import pairs_from_store

    store = _store(paths)
    if store is None:
        raise DraftwheelError("No edit store is available to train from.", "Pass --pairs FILE.")
    try:
        with store.session() as s:
            return pairs_from_store(s, task)
    finally:
        store.close()


def _store_call(paths, fn_name: str, *a, **kw):
    """Call a store function in its own transaction; None (and a warning) where there is no store."""
    store = _store(paths)
    if store is None:
        return None
    import draftwheel.store as st

    try:
        with store.session() as s, s.begin():
            out = getattr(st, fn_name)(s, *a, **kw)
            return getattr(out, "id", out)
    finally:
        store.close()


# -- the command ------------------------------------------------------------

def run(ns: argparse.Namespace) -> int:
    from draftwheel.train import background

    paths, settings = profile()
    if ns.cancel:
        stopped = background.cancel_background(paths)
        print("no training is running" if stopped else "asked the training to stop; it has not stopped yet")
        return 0 if stopped else 1
    if ns.status:
        owner = background.running(paths)
        if not owner:
            print("no training is running")
            return 0
        print(json.dumps({"owner": owner, "progress": background.progress(paths)}, indent=2))
        return 0
    if ns.nice:
        background.lower_priority(ns.nice)
    with background.TrainingLock(paths).acquire({"task": ns.task}) as lock:
        return _train(ns, paths, settings, lock)


def _train(ns, paths, settings, lock) -> int:
    from transformers import AutoTokenizer

    from draftwheel.engine.prompts import resolve_task
    from draftwheel.models import Catalogue
    from draftwheel.train.dataset import build_dataset, load_pairs, require_examples, save_pairs
    from draftwheel.train.progress import MultiCallback, ProgressFileCallback, TqdmCallback
    from draftwheel.train.trainer import train
    from draftwheel.models.weights import trainable_weights

    task = resolve_task(ns.task)
    runs = paths.runs_dir
    if ns.name and not _NAME_RE.match(ns.name):
        raise DraftwheelError(f"{ns.name!r} is not a usable name (letters, digits, . _ -, at most 64).")

    if ns.resume:
        folder = runs / ns.name if ns.name else _find_resumable(runs, task.name)
        if folder is None or not (folder / RUN_FILE).exists():
            what = f"named {ns.name!r}" if ns.name else f"for task {task.name!r}"
            raise NotFoundError(f"No unfinished training run {what} to resume.", "Start one without --resume.")
        info = _read_run(folder)
        if not unfinished(folder):
            raise DraftwheelError(f"The run {folder.name!r} already finished.", "Start a new one without --resume.")
        args = TrainingArgs.from_dict(info["args"])
        pairs = load_pairs(folder / PAIRS_FILE)
        model_name = info["model"]
        name = info["name"]
    else:
        name = ns.name or f"{task.name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
        folder = runs / name
        if folder.exists() and (folder / RUN_FILE).exists():
            raise DraftwheelError(f"A training run named {name!r} exists already.",
                                  "Choose another --name, or continue it with --resume.")
        args = _training_args(ns)
        pairs = load_pairs(Path(ns.pairs).expanduser()) if ns.pairs else _store_pairs(paths, task.name)
        model_name = ns.model or settings.model
        info = {"name": name, "task": task.name, "model": model_name, "created": time.time(),
                "source": ns.pairs or "store"}

    require_examples(pairs, what=f"task {task.name!r}")
    cb = MultiCallback(TqdmCallback(), ProgressFileCallback(folder / "progress.json"))
    entry = Catalogue(paths).get(model_name)
    base_dir = trainable_weights(paths, entry, progress=cb.on_message)
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
    dataset = build_dataset(pairs, tokenizer, args.max_seq_len, args.heldout_fraction, what=f"task {task.name!r}")
    cb.on_message(f"Task {task.name!r}: {dataset.summary()}.")

    folder.mkdir(parents=True, exist_ok=True)
    if not ns.resume:
        save_pairs(folder / PAIRS_FILE, pairs)
        info["run_id"] = _store_call(paths, "start_run", task.name, steps_total=args.total_steps(len(dataset.train)),
                                     n_train=len(dataset.train), n_heldout=len(dataset.heldout), adapter_name=name)
    info["args"] = args.to_dict()
    atomic_write_text(folder / RUN_FILE, json.dumps(info, indent=2) + "\n")
    lock.update({"task": task.name, "name": name, "run_dir": str(folder)})
    run_id = info.get("run_id")
    if ns.resume and run_id:
        _store_call(paths, "update_run", run_id, status="running", message="resumed")

    cancel = threading.Event()

    def on_signal(signum, _frame):
        # First Ctrl-C / SIGTERM: stop after the current micro-batch and save a checkpoint;
        # a second Ctrl-C interrupts at once.
        cancel.set()
        if signum == signal.SIGINT:
            signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        result = train(base_dir, dataset, args, cb, folder, cancel=cancel, resume=ns.resume)
    except Cancelled:
        if run_id:
            _store_call(paths, "finish_run", run_id, "cancelled", message="cancelled; resume with --resume")
        print(f"training cancelled; resume with: draftwheel train --resume --name {name}", file=sys.stderr)
        return 130
    except BaseException as exc:
        if run_id:
            _store_call(paths, "finish_run", run_id, "failed", message=str(exc)[:500] or type(exc).__name__)
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    exported = None
    if not ns.no_export:
        try:
            from draftwheel.train.export import finish_adapter
        except ImportError:
            finish_adapter = None
            cb.on_message("GGUF export is not available; the PEFT adapter stays in the run folder.")
        if finish_adapter is not None:
            try:
                exported = finish_adapter(paths, result.adapter_dir, entry, name, task, result,
                                          dataset.heldout_pairs, callback=cb, run_id=run_id,
                                          evaluate=not ns.no_eval)
            except BaseException as exc:
                if run_id:
                    _store_call(paths, "finish_run", run_id, "failed", final_loss=result.train_loss,
                                steps_done=result.steps,
                                message=f"trained, but the adapter was not registered: {exc}"[:500])
                raise
    if run_id:
        _store_call(paths, "finish_run", run_id, "done", final_loss=result.train_loss, steps_done=result.steps,
                    adapter_name=name if exported is not None else None,
                    message=f"held-out loss {result.heldout_loss_before:.4f} -> {result.heldout_loss_after:.4f}")

    summary = result.to_dict()
    summary.pop("losses")
    if exported is not None:
        summary["adapter"] = {"name": exported.name, "promoted": getattr(exported, "promoted", False),
                              "scores": getattr(exported, "scores", {})}
    if ns.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"trained {result.steps} steps on {result.n_train} examples in {result.seconds:.0f} s "
              f"({result.tokens_per_s:.0f} tokens/s, peak {result.peak_memory_bytes / 2**30:.2f} GiB)")
        print(f"held-out loss {result.heldout_loss_before:.4f} -> {result.heldout_loss_after:.4f}")
        if exported is not None:
            state = "promoted" if getattr(exported, "promoted", False) else "not promoted"
            print(f"adapter {exported.name!r}: {state}")
        else:
            print(f"PEFT adapter: {result.adapter_dir}")
    return 0
