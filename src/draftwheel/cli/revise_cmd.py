"""``draftwheel revise``: revise text from a file or stdin, streaming to stdout."""

from __future__ import annotations

import argparse
import json
import sys
import time

from draftwheel.cli.common import STYLE_HELP, profile, read_input, task_from
from draftwheel.engine import load_engine
from draftwheel.engine.combine import RULE_MODES
from draftwheel.engine.prompts import tasks
from draftwheel.engine.revise import ReviseOptions
from draftwheel.engine.rules import personal_words
from draftwheel.errors import InputError
from draftwheel.flywheel import MODES, choose_adapter, revise_with_flywheel
from draftwheel.models import Catalogue, adapters
from draftwheel.store import open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "revise",
        help="revise text with the on-device model",
        description="Revise text from --file or stdin; the revision streams to stdout.",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--task", help=f"task preset: {', '.join(tasks())} (default: grammar)")
    g.add_argument("--style", metavar="NAME", help=STYLE_HELP)
    g.add_argument("--instruction", help="your own instruction instead of a preset")
    p.add_argument("--model", help="catalogue name of the model (default: from settings)")
    p.add_argument("--file", help="read the text from this file instead of stdin")
    p.add_argument("--json", action="store_true", help="print one JSON record instead of streaming")
    p.add_argument(
        "--rules",
        choices=RULE_MODES,
        default="auto",
        help="Harper's rule fixes: auto = with the model for grammar, off = the model alone, "
        "only = the rules alone, no model (default: auto)",
    )
    p.add_argument(
        "--no-guard",
        dest="guard",
        action="store_false",
        help="use the model's first answer for every sentence as-is: no output check, no retry, no fallback "
        "to your text (for measuring the raw model)",
    )
    p.add_argument("--temperature", type=float, help="sampling temperature (default: from settings)")
    p.add_argument("--seed", type=int, help="random seed (default: from settings)")
    p.add_argument("--threads", type=int, help="CPU threads (default: from settings)")
    p.add_argument(
        "--backend",
        choices=("auto", "llama", "mlx"),
        help="inference backend (default: from settings; auto = MLX on Apple silicon if installed)",
    )
    p.add_argument(
        "--mode",
        choices=MODES,
        default="auto",
        help="flywheel stage: auto (default: lora if a promoted adapter exists for the task, few-shot "
        "from your own accepted edits once there are some, else zero-shot), or force zero, few or "
        "lora. Revising stores nothing; outcomes are stored by the app or `draftwheel log`.",
    )
    p.add_argument(
        "--adapter",
        metavar="NAME",
        help="personal adapter to apply ('base' for none; default: the one chosen with "
        "`draftwheel adapters use`, else the task's promoted adapter)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths, settings = profile()
    task = task_from(args, paths)
    text, _source = read_input(args.file)
    if not text.strip():  # before loading anything: an empty file needs no model
        raise InputError("Nothing to revise: the input is empty.", "Give some text on stdin or with --file.")
    if args.threads is not None:
        settings = settings.updated(n_threads=args.threads)
    if args.temperature is not None:  # checked like the setting: finite, not negative
        settings = settings.updated(temperature=args.temperature)
    entry = Catalogue(paths).get(args.model or settings.model)
    options = ReviseOptions(
        temperature=settings.temperature,
        seed=settings.seed if args.seed is None else args.seed,
        max_new_tokens=settings.max_new_tokens,
        prompt_style=settings.prompt_style,
        guard=args.guard,
        rules=args.rules,
        rule_words=personal_words(paths.rules_file),
    )
    t0 = time.perf_counter()
    store = open_store(paths)
    try:
        adapter = choose_adapter(paths, entry, task.name, args.adapter, settings.adapter, args.mode)
        engine = load_engine(entry, settings, backend=args.backend, paths=paths)
        try:
            if adapter is not None:
                engine.use_adapter(adapters.adapter_ref(adapter))
            on_text = None if args.json else _stdout_writer()
            result, stage = revise_with_flywheel(
                engine, store, settings, text, task, mode=args.mode, on_text=on_text, options=options
            )
        finally:
            engine.close()
    finally:
        store.close()
    if args.json:
        record = {
            "revision": result.text,
            "model": entry.name,
            "task": task.name,
            "style_name": task.label,
            "instruction": task.instruction,
            "style": result.style,
            "stage": stage,
            "adapter": adapter.name if adapter is not None else None,
            "examples": result.n_examples,
            "prompt_tokens": result.n_prompt_tokens,
            "cached_prompt_tokens": result.n_cached_tokens,
            "output_tokens": result.n_generated,
            "tokens_per_s": round(result.tokens_per_s, 2),
            "time_to_first_token_s": round(result.time_to_first_token or 0.0, 4),
            "seconds": round(time.perf_counter() - t0, 3),
            "finish_reason": result.finish_reason,
            "units": result.n_units,
            # Units whose answers failed the check and kept the input's text, with the reason.
            "kept_original": [{"text": src, "attempt": att, "reason": why} for src, att, why in result.rejected_units],
            # How faithfully the revision keeps the text's meaning (0..1, engine.meaning), overall and per unit.
            "guard": args.guard,
            "meaning": result.meaning,
            "meaning_units": [
                {
                    "text": u.source,
                    "revision": u.output,
                    "meaning": u.meaning,
                    "status": "kept_original" if u.kept_original else ("may_change_meaning" if u.warn else "ok"),
                }
                for u in result.units
            ],
        }
        print(json.dumps(record, ensure_ascii=False))
    else:
        if not result.text.endswith("\n"):
            sys.stdout.write("\n")
        for src, _attempt, why in result.rejected_units:
            short = src if len(src) <= 60 else src[:57] + "..."
            print(f"draftwheel: kept as written ({why}): {short}", file=sys.stderr)
        for u in result.warned_units:
            short = u.source if len(u.source) <= 60 else u.source[:57] + "..."
            print(f"draftwheel: may change your meaning (score {u.meaning:.2f}): {short}", file=sys.stderr)
    return 0


def _stdout_writer():
    def write(s: str) -> None:
        sys.stdout.write(s)
        sys.stdout.flush()

    return write
