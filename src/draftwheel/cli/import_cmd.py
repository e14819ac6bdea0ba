"""``draftwheel import-pairs``: import (input, final) pairs as accepted edits."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from draftwheel.cli.common import STYLE_HELP, profile, read_input, style_key
from draftwheel.engine.prompts import tasks
from draftwheel.errors import DraftwheelError, InputError
from draftwheel.flywheel.importing import StyleMap, parse_jsonl, parse_parallel, style_map
from draftwheel.store import add_edits, open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-pairs",
        help="import pairs from a JSONL file or two line-aligned text files",
        description="Import pairs as accepted (or edited) examples. FILE.jsonl: one JSON object per line "
        "with 'input' and 'final', optional 'output', 'task', 'instruction', 'outcome'. Or --src "
        "and --ref: line N of each forms a pair. Bad lines are reported by line number and "
        "skipped; all good lines are stored in one transaction (all or nothing).",
    )
    p.add_argument("file", nargs="?", help="JSONL file of pairs")
    p.add_argument("--src", metavar="FILE", help="source texts, one per line")
    p.add_argument("--ref", metavar="FILE", help="revised texts, line-aligned with --src")
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--task",
        help=f"task of the pairs (JSONL: for lines without one): {', '.join(tasks())} or a style's key "
        "(default: grammar)",
    )
    g.add_argument("--style", metavar="NAME", help="style of the pairs (JSONL: for lines without one); " + STYLE_HELP)
    g.add_argument("--instruction", help="with --src/--ref: a custom instruction instead of a task preset")
    p.set_defaults(func=run)


def _styles(paths) -> StyleMap:
    with open_store(paths) as store, store.session() as s, s.begin():
        return style_map(s)


def run(args: argparse.Namespace) -> int:
    paths, settings = profile()
    if args.file and (args.src or args.ref):
        raise InputError("Give either a JSONL file or --src and --ref, not both.")
    styles = _styles(paths)
    default = style_key(args, paths) or "grammar"
    if args.file:
        parsed = parse_jsonl(read_input(args.file)[0], default_task=default, styles=styles)
        source = args.file
    elif args.src and args.ref:
        task = "custom" if args.instruction else default
        parsed = parse_parallel(
            read_input(args.src)[0],
            read_input(args.ref)[0],
            task=task,
            instruction=args.instruction,
            src_name=args.src,
            ref_name=args.ref,
            styles=styles,
        )
        source = f"{args.src} + {args.ref}"
    else:
        raise InputError("Nothing to import.", "Give FILE.jsonl, or --src A.txt --ref B.txt.")
    if parsed.problems:
        print(parsed.report(Path(args.file).name if args.file else args.src), file=sys.stderr)
    if not parsed.rows:
        raise InputError(f"{source}: no valid pairs to import.")
    if settings.logging_paused:
        raise DraftwheelError("Logging is paused, so nothing was imported.", "Run `draftwheel privacy resume` first.")
    store = open_store(paths)
    try:
        with store.session() as s, s.begin():
            n = add_edits(s, parsed.rows, settings=settings)
    finally:
        store.close()
    by_task: dict[str, int] = {}
    for row in parsed.rows:
        by_task[row["task"]] = by_task.get(row["task"], 0) + 1
    what = ", ".join(f"{count} of {'task' if task in tasks() else 'style'} {task}" for task, count in by_task.items())
    skipped = f"; {len(parsed.problems)} bad line(s) skipped" if parsed.problems else ""
    print(f"imported {n} examples ({what}){skipped}")
    return 0
