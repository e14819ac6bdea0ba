"""``draftwheel examples list|show|delete|export``: the stored examples (logged outcomes)."""

from __future__ import annotations

import argparse
import json
import sys

from draftwheel.cli.common import profile, style_key
from draftwheel.errors import DraftwheelError
from draftwheel.flywheel.export import FORMATS, export_examples
from draftwheel.store import OUTCOMES, Edit, count_edits, delete_all, delete_edit, get_edit, list_edits, open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("examples", help="list, show, delete or export the stored examples")
    esub = p.add_subparsers(dest="examples_cmd", metavar="ACTION", required=True)

    ls = esub.add_parser("list", help="list examples, newest first")
    lt = ls.add_mutually_exclusive_group()
    lt.add_argument("--task", help="only this task (a preset or a style's key)")
    lt.add_argument("--style", metavar="NAME", help="only this style")
    ls.add_argument("--outcome", choices=OUTCOMES, help="only this outcome")
    ls.add_argument("--search", help="only examples whose input or final text contains this")
    ls.add_argument("--limit", type=int, default=50, help="at most this many (default 50; 0 = all)")
    ls.add_argument("--json", action="store_true", help="JSON Lines, one record per example")
    ls.set_defaults(func=_list)

    show = esub.add_parser("show", help="show one example in full")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_show)

    rm = esub.add_parser("delete", help="delete one example, or all of them (really removed: the file is VACUUMed)")
    rm.add_argument("id", type=int, nargs="?")
    rm.add_argument("--all", action="store_true", help="delete every example (of --task, if given)")
    rt = rm.add_mutually_exclusive_group()
    rt.add_argument("--task", help="with --all: only this task")
    rt.add_argument("--style", metavar="NAME", help="with --all: only this style")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation on a terminal")
    rm.set_defaults(func=_delete)

    ex = esub.add_parser(
        "export",
        help="export accepted/edited examples as fine-tuning JSONL",
        description="chat: {'messages': [...]} as chat-style inference builds them, plus the kept text as the "
        "assistant turn. completions: {'prompt', 'completion'} exactly as a base model sees them. "
        "openai: OpenAI chat fine-tuning format (system, user, assistant). text: {'text': prompt + "
        "completion}. All load with mlx-lm's dataset loader (name the file train.jsonl).",
    )
    ex.add_argument("--format", required=True, choices=FORMATS)
    ex.add_argument("--out", required=True, metavar="FILE")
    et = ex.add_mutually_exclusive_group()
    et.add_argument("--task", help="only this task")
    et.add_argument("--style", metavar="NAME", help="only this style")
    ex.set_defaults(func=_export)


def as_dict(e: Edit) -> dict:
    return {
        "id": e.id,
        "created_at": e.created_at.isoformat(),
        "task": e.task,
        "instruction": e.instruction,
        "input": e.input_text,
        "output": e.output_text,
        "final": e.final_text,
        "outcome": e.outcome,
        "model": e.model,
        "adapter": e.adapter,
        "stage": e.stage,
        "latency_ms": e.latency_ms,
        "prompt_tokens": e.prompt_tokens,
        "output_tokens": e.output_tokens,
        "origin": e.origin,
        "include_in_training": e.include_in_training,
        "source_doc": e.source_doc,
        "source_start": e.source_start,
        "source_end": e.source_end,
        "pair_kind": e.pair_kind,
        "theme": e.theme,
    }


def _short(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _list(args: argparse.Namespace) -> int:
    paths, _ = profile()
    args.task = style_key(args, paths)
    with open_store(paths) as store, store.session() as s:
        outcomes = [args.outcome] if args.outcome else None
        rows = list_edits(s, task=args.task, outcomes=outcomes, search=args.search, limit=args.limit or None)
        total = count_edits(s, args.task, outcomes)
        for e in rows:
            if args.json:
                print(json.dumps(as_dict(e), ensure_ascii=False))
            else:
                print(
                    f"{e.id:>7}  {e.created_at:%Y-%m-%d %H:%M}  {e.task:10} {e.outcome:9} {e.stage:5} "
                    f"{_short(e.input_text, 40):40}  ->  {_short(e.final_text, 40)}"
                )
    if not args.json:
        note = "" if not args.search else " (before --search)"
        print(f"{len(rows)} shown of {total}{note}", file=sys.stderr)
    return 0


def _show(args: argparse.Namespace) -> int:
    paths, _ = profile()
    with open_store(paths) as store, store.session() as s:
        d = as_dict(get_edit(s, args.id))
    if args.json:
        print(json.dumps(d, ensure_ascii=False, indent=2))
        return 0
    for key in (
        "id",
        "created_at",
        "task",
        "instruction",
        "outcome",
        "stage",
        "model",
        "adapter",
        "origin",
        "latency_ms",
        "prompt_tokens",
        "output_tokens",
        "include_in_training",
    ):
        print(f"{key + ':':21}{d[key]}")
    if d["source_doc"]:
        print(
            f"{'source:':21}{d['source_doc']} [{d['source_start']}:{d['source_end']}] "
            f"({d['pair_kind'] or ''}{', ' + d['theme'] if d['theme'] else ''})"
        )
    for key in ("input", "output", "final"):
        print(f"\n--- {key}\n{d[key] if d[key] is not None else '(none)'}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    if args.all == (args.id is not None):
        raise DraftwheelError("Give an example ID, or --all.", "e.g. `draftwheel examples delete 12`.")
    if (args.task or args.style) and not args.all:
        raise DraftwheelError("--task and --style only go with --all.")
    paths, _ = profile()
    args.task = style_key(args, paths)
    with open_store(paths) as store:
        if args.id is not None:
            with store.session() as s, s.begin():
                delete_edit(s, args.id)
            print(f"deleted example {args.id}")
            return 0
        with store.session() as s:
            n = count_edits(s, args.task, outcomes=None)
        if n and sys.stdin is not None and sys.stdin.isatty() and not args.yes:
            what = f"all {n} examples" + (f" of task {args.task}" if args.task else "")
            if input(f"Delete {what}? This cannot be undone. [y/N] ").strip().lower() not in ("y", "yes"):
                print("nothing deleted")
                return 1
        with store.session() as s, s.begin():
            n = delete_all(s, args.task)
    print(f"deleted {n} examples" + (f" of task {args.task}" if args.task else ""))
    return 0


def _export(args: argparse.Namespace) -> int:
    paths, _ = profile()
    args.task = style_key(args, paths)
    with open_store(paths) as store, store.session() as s:
        n = export_examples(s, args.format, args.out, task=args.task)
    print(f"wrote {n} examples to {args.out} ({args.format})")
    return 0
