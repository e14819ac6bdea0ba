"""``draftwheel train``: a LoRA adapter from the user's kept edits.

Builds the dataset from the store (accepted and edited outcomes marked for
training; the final text is the target), or from ``--pairs FILE``; converts
the model to trainable weights once; trains with a progress bar; records the
run in the store; then hands the PEFT adapter to
:func:`draftwheel.flywheel.promotion.finish_adapter` (GGUF export, held-out scores,
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
from typing import Any

from draftwheel.cli.common import profile
from draftwheel.config.atomic import atomic_write_text
from draftwheel.errors import Cancelled, DraftwheelError, NotFoundError
from draftwheel.train.args import TrainingArgs, help_of
from draftwheel.train.runs import PAIRS_FILE, RUN_FILE, unfinished

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a personal LoRA adapter on your kept edits")
    t = p.add_mutually_exclusive_group()
    t.add_argument("--task", help="preset (or style key) whose edits to learn (default: grammar)")
    t.add_argument("--style", metavar="NAME", help="style whose edits to learn (see `draftwheel styles list`)")
    p.add_argument("--name", help="adapter (and run folder) name (default: <task>-<UTC time>)")
    p.add_argument("--model", help="catalogue model to train on (default: the one in the settings)")
    p.add_argument(
        "--start-from",
        metavar="ADAPTER",
        help="start from this adapter's weights (default: an adapter copied to the style with "
        "`draftwheel adapters copy`, until the style has one trained of its own)",
    )
    n = p.add_mutually_exclusive_group()
    n.add_argument("--steps", type=int, help=help_of("steps"))
    n.add_argument("--epochs", type=float, help=help_of("epochs"))
    p.add_argument("--rank", type=int, help=help_of("rank") + " (default 8)")
    p.add_argument("--alpha", type=float, help=help_of("alpha") + " (default 16)")
    p.add_argument("--lr", type=float, help=help_of("lr") + " (default 2e-4)")
    p.add_argument("--max-seq-len", type=int, help=help_of("max_seq_len") + " (default 512)")
    p.add_argument("--batch-size", type=int, help=help_of("batch_size") + " (default 4)")
    p.add_argument("--grad-accum", type=int, help=help_of("grad_accum"))
    p.add_argument(
        "--gradient-checkpointing",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=help_of("gradient_checkpointing") + " (default on)",
    )
    p.add_argument("--dtype", choices=("auto", "float32", "bfloat16"), help=help_of("dtype") + " (default auto)")
    p.add_argument("--seed", type=int, help=help_of("seed"))
    p.add_argument("--checkpoint-every", type=int, help=help_of("checkpoint_every") + " (default 50)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help=help_of("device"))
    p.add_argument(
        "--pairs", metavar="FILE", help='train on these pairs (JSON Lines: {"input", "final"}) instead of the store'
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run named --name (default: the task's last unfinished run) "
        "from its checkpoint, with its own data and settings",
    )
    p.add_argument(
        "--no-export",
        action="store_true",
        help="stop after training: leave the PEFT adapter in the run folder, no GGUF/evaluation",
    )
    p.add_argument("--no-eval", action="store_true", help="register the adapter without scoring or promoting it")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--cancel", action="store_true", help="stop the training running in the background and exit")
    p.add_argument(
        "--status",
        action="store_true",
        help="show the running training and each task's kept edits until its next training, and exit",
    )
    p.add_argument("--nice", type=int, default=0, help=argparse.SUPPRESS)  # set by the background starter
    p.add_argument("--background", action="store_true", help=argparse.SUPPRESS)  # started by the app
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
        raise DraftwheelError(f"{folder / RUN_FILE} is damaged ({exc}).", "Start a new run without --resume.") from None


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
        return _status(ns, paths, settings)
    if ns.nice:
        background.lower_priority(ns.nice)
    from draftwheel.flywheel.styles import resolve_in

    # From here on the style is its key (the task of its edits, runs and adapters).
    ns.task, ns.style = resolve_in(paths, task=ns.task, style=ns.style).name, None
    run = _Run(task=ns.task)
    # Another training running is not this run's failure: said, not recorded.
    lock = background.TrainingLock(paths).acquire({"task": ns.task})
    previous = _catch_stop_signals(run.cancel)
    try:
        with lock:  # held until the outcome is recorded: whoever waits for the lock sees it
            return _train_and_record(ns, paths, settings, lock, run)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _train_and_record(ns, paths, settings, lock, run: _Run) -> int:
    try:
        return _train(ns, paths, settings, lock, run)
    except Cancelled:
        _record_end(
            ns,
            paths,
            run,
            "cancelled",
            "cancelled; resume with --resume" if run.resume or run.run_id else "cancelled before training started",
        )
        print(
            f"training cancelled; resume with: draftwheel train --resume --name {run.name}"
            if run.run_id
            else "training cancelled",
            file=sys.stderr,
        )
        return 130
    except ImportError as exc:
        from draftwheel.flywheel.availability import INSTALL_HINT

        failure = DraftwheelError(f"Training is not installed here ({exc}).", INSTALL_HINT)
        _record_end(ns, paths, run, "failed", str(failure))
        raise failure from None
    except (Exception, KeyboardInterrupt) as exc:
        _record_end(ns, paths, run, "failed", str(exc) or type(exc).__name__)
        raise


def _catch_stop_signals(cancel: threading.Event) -> dict:
    """First Ctrl-C / SIGTERM: stop at the next safe point (a checkpoint is saved once training runs);
    a second Ctrl-C interrupts at once. Returns the handlers to put back."""

    def on_signal(signum, _frame):
        cancel.set()
        if signum == signal.SIGINT:
            signal.signal(signal.SIGINT, signal.default_int_handler)

    return {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}


def _status(ns, paths, settings) -> int:
    """The running training, and each task's counter in the same words as the app."""
    from draftwheel.flywheel.policy import training_progress
    from draftwheel.flywheel.styles import label, resolve
    from draftwheel.train import background

    owner = background.running(paths)
    counters: list[dict[str, Any]] = []
    store = _store(paths)
    if store is not None:
        try:
            with store.session() as s:
                import draftwheel.store as st

                wanted = resolve(s, task=ns.task, style=ns.style).name if ns.task or ns.style else None
                names = [wanted] if wanted else sorted(t for t in st.task_counts(s) if t != st.AD_HOC_TASK)
                for name in names or ["grammar"]:
                    p = training_progress(s, name, settings.train_threshold)
                    last = st.last_run(s, name)
                    counters.append(
                        {
                            "task": name,
                            "kept": p.kept,
                            "threshold": p.threshold,
                            "remaining": p.remaining,
                            "text": p.text(label(s, name)),
                            "last_run": None
                            if last is None
                            else {"status": last.status, "name": last.adapter_name, "message": last.message},
                        }
                    )
        finally:
            store.close()
    if ns.json:
        print(
            json.dumps(
                {"running": owner, "progress": background.progress(paths) if owner else None, "counters": counters},
                indent=2,
                default=str,
            )
        )
        return 0
    if owner:
        prog = background.progress(paths) or {}
        step = f", step {prog['step']} / {prog.get('total', '?')}" if isinstance(prog.get("step"), int) else ""
        print(f"training “{owner.get('task', '?')}” is running (process {owner.get('pid')}{step})")
    else:
        print("no training is running")
    for c in counters:
        last = c["last_run"]
        tail = f" (last training {last['status']}: {last['message']})" if last and last["status"] == "failed" else ""
        print(f"{c['text']}{tail}")
    return 0


@dataclasses.dataclass
class _Run:
    """What one training run is, filled in step by step (so a failure can be recorded at any step)."""

    task: str
    name: str = ""
    folder: Path | None = None
    args: TrainingArgs | None = None
    pairs: list = dataclasses.field(default_factory=list)
    model_name: str = ""
    info: dict = dataclasses.field(default_factory=dict)
    resume: bool = False
    run_id: int | None = None
    finished: bool = False  # the store already records how it ended
    cancel: threading.Event = dataclasses.field(default_factory=threading.Event)  # set by SIGTERM / Ctrl-C


def _train(ns, paths, settings, lock, run: _Run) -> int:
    from draftwheel.flywheel.styles import resolve_in

    task = resolve_in(paths, task=ns.task)
    run.task = task.name
    _plan(ns, paths, settings, run)
    if not run.resume:
        run.pairs = _pairs_for(task, run.pairs)
    elif run.info.get("task") and run.info["task"] != task.name:  # `--resume --name X`: the run's own style
        task = resolve_in(paths, task=run.info["task"])
        run.task = task.name
    _check_can_train(paths, None)  # the training packages first: nothing else matters without them
    from draftwheel.train.dataset import require_examples

    require_examples(run.pairs, what=f"task {task.name!r}")
    entry = _check_can_train(paths, run.model_name)
    start = run.info.get("start_from") or {}
    if start and entry is not None and start.get("base_sha256") not in ("", None, entry.sha256):
        raise DraftwheelError(
            f"The adapter {start.get('name')!r} to start from was trained on another base model than {entry.name}.",
            "Start without it (another --start-from, or none), or train on its base model with --model.",
        )
    # The folder and the lock's pointer to it exist from here on, so the app sees the
    # progress messages of the slow steps before training (weights conversion, tokenizing).
    assert run.folder is not None
    run.folder.mkdir(parents=True, exist_ok=True)
    lock.update({"task": run.task, "name": run.name, "run_dir": str(run.folder)})
    if run.cancel.is_set():
        raise Cancelled()
    cb, base_dir, dataset = _prepare(paths, entry, run)
    _record_start(paths, run, dataset)
    result = _fit(paths, base_dir, dataset, cb, run)
    exported = None if ns.no_export else _export(ns, paths, entry, task, result, dataset, cb, run)
    if run.run_id:
        _store_call(
            paths,
            "finish_run",
            run.run_id,
            "done",
            final_loss=result.train_loss,
            steps_done=result.steps,
            adapter_name=run.name if exported is not None else None,
            message=f"held-out loss {result.heldout_loss_before:.4f} -> {result.heldout_loss_after:.4f}",
        )
    run.finished = True
    _report(ns, result, exported)
    return 0


def _pairs_for(task, pairs: list) -> list:
    """A user style's pairs carry its current instruction (what revising with the style sends), so the
    adapter learns the prompt it will see; preset pairs stay as they are."""
    from draftwheel.engine.prompts import tasks

    if task.name in tasks():
        return pairs
    return [dataclasses.replace(p, task=task.name, instruction=task.instruction) for p in pairs]


def _plan(ns, paths, settings, run: _Run) -> None:
    """Which run: a new one (its name, settings and data) or the unfinished one ``--resume`` continues."""
    runs = paths.runs_dir
    if ns.name and not _NAME_RE.match(ns.name):
        raise DraftwheelError(f"{ns.name!r} is not a usable name (letters, digits, . _ -, at most 64).")
    from draftwheel.train.dataset import load_pairs

    if ns.resume:
        folder = runs / ns.name if ns.name else _find_resumable(runs, run.task)
        if folder is None or not (folder / RUN_FILE).exists():
            what = f"named {ns.name!r}" if ns.name else f"for task {run.task!r}"
            raise NotFoundError(f"No unfinished training run {what} to resume.", "Start one without --resume.")
        info = _read_run(folder)
        if not unfinished(folder):
            raise DraftwheelError(f"The run {folder.name!r} already finished.", "Start a new one without --resume.")
        run.args = TrainingArgs.from_dict(info["args"])
        run.pairs = load_pairs(folder / PAIRS_FILE)
        run.model_name, run.name, run.info, run.folder, run.resume = info["model"], info["name"], info, folder, True
        run.run_id = info.get("run_id")
        return
    name = ns.name or f"{run.task}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
    folder = runs / name
    if folder.exists() and (folder / RUN_FILE).exists():
        raise DraftwheelError(
            f"A training run named {name!r} exists already.", "Choose another --name, or continue it with --resume."
        )
    run.name, run.folder = name, folder
    run.args = _training_args(ns)
    run.pairs = load_pairs(Path(ns.pairs).expanduser()) if ns.pairs else _store_pairs(paths, run.task)
    run.model_name = ns.model or settings.model
    start = _starting_adapter(paths, ns, run.task)
    if start is not None:
        run.args = _start_args(run.args, start)
    run.info = {
        "name": name,
        "task": run.task,
        "model": run.model_name,
        "created": time.time(),
        "source": ns.pairs or "store",
    }
    if start is not None:
        run.info["start_from"] = {"name": start.name, "base_sha256": start.base_sha256}


def _starting_adapter(paths, ns, task: str):
    """The adapter a new run starts from: ``--start-from NAME``, else the newest adapter copied to this
    style (``adapters copy``) while the style has none trained of its own; None: fresh LoRA weights."""
    from draftwheel.models.adapter_registry import get_adapter, list_adapters

    if ns.start_from:
        info = get_adapter(paths, ns.start_from)
        if info.peft_dir is None:
            raise DraftwheelError(
                f"The adapter {info.name!r} has no trainable weights to start from (an import carries only its GGUF).",
                "Start without --start-from, or from an adapter trained here.",
            )
        return info
    mine = list_adapters(paths, task)
    if any(a.source == "trained" for a in mine):
        return None
    copies = [a for a in mine if a.source == "copied" and a.peft_dir is not None]
    return max(copies, key=lambda a: a.created_at) if copies else None


def _start_args(args: TrainingArgs, start) -> TrainingArgs:
    """The run's settings for starting from ``start``: its rank, alpha and target modules."""
    try:
        cfg = json.loads((start.peft_dir / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DraftwheelError(f"The adapter {start.name!r} has a damaged PEFT config ({exc}).") from None
    return dataclasses.replace(
        args,
        init_from=str(start.peft_dir),
        rank=int(cfg.get("r", args.rank)),
        alpha=float(cfg.get("lora_alpha", args.alpha)),
        target_modules=list(cfg.get("target_modules") or args.target_modules),
    ).validate()


def _check_can_train(paths, model_name: str | None):
    """The catalogue model to train on (None: check the packages only), once training is known to be
    able to run here; else one clear line saying why not."""
    from draftwheel.flywheel.availability import training_availability
    from draftwheel.models import Catalogue

    entry = Catalogue(paths).get(model_name) if model_name else None
    avail = training_availability(paths, entry)
    if not avail.ok:
        raise DraftwheelError(avail.reason, avail.fix)
    return entry


def _prepare(paths, entry, run: _Run):
    """(progress callback, trainable weights folder, tokenized dataset)."""
    from transformers import AutoTokenizer

    from draftwheel.models.weights import trainable_weights
    from draftwheel.train.dataset import build_dataset
    from draftwheel.train.progress import (
        MultiCallback,
        ProgressFileCallback,
        TqdmCallback,
    )

    assert run.folder is not None and run.args is not None
    cb = MultiCallback(TqdmCallback(), ProgressFileCallback(run.folder / "progress.json"))
    base_dir = trainable_weights(paths, entry, progress=cb.on_message)
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
    dataset = build_dataset(
        run.pairs, tokenizer, run.args.max_seq_len, run.args.heldout_fraction, what=f"task {run.task!r}"
    )
    cb.on_message(f"Task {run.task!r}: {dataset.summary()}.")
    return cb, base_dir, dataset


def _record_start(paths, run: _Run, dataset) -> None:
    """The run folder's data and settings, and the store's record of the run."""
    from draftwheel.train.dataset import save_pairs

    assert run.folder is not None and run.args is not None
    if not run.resume:
        save_pairs(run.folder / PAIRS_FILE, run.pairs)
        run.run_id = _store_call(
            paths,
            "start_run",
            run.task,
            steps_total=run.args.total_steps(len(dataset.train)),
            n_train=len(dataset.train),
            n_heldout=len(dataset.heldout),
            adapter_name=run.name,
        )
        run.info["run_id"] = run.run_id
    run.info["args"] = run.args.to_dict()
    atomic_write_text(run.folder / RUN_FILE, json.dumps(run.info, indent=2) + "\n")
    if run.resume and run.run_id:
        _store_call(paths, "update_run", run.run_id, status="running", message="resumed")


def _fit(paths, base_dir, dataset, cb, run: _Run):
    """Train (raises Cancelled once a stop signal came: the trainer has saved a checkpoint)."""
    from draftwheel.train.trainer import train

    if run.cancel.is_set():
        raise Cancelled()
    assert run.args is not None  # set before the model is loaded
    return train(base_dir, dataset, run.args, cb, run.folder, cancel=run.cancel, resume=run.resume)


def _export(ns, paths, entry, task, result, dataset, cb, run: _Run):
    """GGUF export, held-out scores, promotion and registry; None where export is not installed."""
    try:
        from draftwheel.flywheel.promotion import finish_adapter
    except ImportError:
        cb.on_message("GGUF export is not available; the PEFT adapter stays in the run folder.")
        return None
    try:
        return finish_adapter(
            paths,
            result.adapter_dir,
            entry,
            run.name,
            task,
            result,
            dataset.heldout_pairs,
            callback=cb,
            run_id=run.run_id,
            evaluate=not ns.no_eval,
        )
    except BaseException as exc:
        if run.run_id:
            _store_call(
                paths,
                "finish_run",
                run.run_id,
                "failed",
                final_loss=result.train_loss,
                steps_done=result.steps,
                message=f"trained, but the adapter was not registered: {exc}"[:500],
            )
            run.finished = True
        raise


def _record_end(ns, paths, run: _Run, status: str, message: str) -> None:
    """Say in the store how the run ended (failed or cancelled): always once it has a record; for a
    background run, also before.

    A background run (started by the app) that ends before it has a record
    gets one anyway, so the app can show it and the counter does not start
    the same doomed (or unwanted) run again on the next kept edit.
    """
    if run.finished:
        return
    try:
        if run.run_id is None and getattr(ns, "background", False):
            run.run_id = _store_call(paths, "start_run", run.task, adapter_name=run.name or None)
        if run.run_id:
            _store_call(paths, "finish_run", run.run_id, status, message=message[:500])
    except Exception as inner:
        print(f"draftwheel: the outcome could not be recorded in the store: {inner}", file=sys.stderr)


def _report(ns, result, exported) -> None:
    summary = result.to_dict()
    summary.pop("losses")
    if exported is not None:
        summary["adapter"] = {
            "name": exported.name,
            "promoted": getattr(exported, "promoted", False),
            "scores": getattr(exported, "scores", {}),
        }
    if ns.json:
        print(json.dumps(summary, indent=2))
        return
    print(
        f"trained {result.steps} steps on {result.n_train} examples in {result.seconds:.0f} s "
        f"({result.tokens_per_s:.0f} tokens/s, peak {result.peak_memory_bytes / 2**30:.2f} GiB)"
    )
    print(f"held-out loss {result.heldout_loss_before:.4f} -> {result.heldout_loss_after:.4f}")
    if exported is not None:
        state = "promoted" if getattr(exported, "promoted", False) else "not promoted"
        print(f"adapter {exported.name!r}: {state}")
    else:
        print(f"PEFT adapter: {result.adapter_dir}")
