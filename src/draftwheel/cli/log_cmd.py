"""``draftwheel log``: store one revision outcome (what the app does for every suggestion)."""

from __future__ import annotations

import argparse
import json
import sys

from draftwheel.cli.common import STYLE_HELP, profile, read_input, task_from
from draftwheel.engine.prompts import tasks
from draftwheel.errors import InputError
from draftwheel.store import OUTCOMES, STAGES, log_edit, open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "log",
        help="store one revision outcome (input, model output, final text)",
        description="Store one outcome in the data folder's store, as the app does for every suggestion. "
        "Honours the privacy settings: nothing is stored while logging is paused "
        "(`draftwheel privacy pause`), and e-mail addresses, phone numbers and URLs are "
        "replaced first when redaction is on (`draftwheel privacy redact on`).",
    )
    p.add_argument("--input", required=True, metavar="FILE", help="the text that was revised")
    p.add_argument("--output", metavar="FILE", help="the model's suggestion (optional)")
    p.add_argument("--final", required=True, metavar="FILE", help="the text the user kept")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--task", help=f"task preset: {', '.join(tasks())} (default: grammar)")
    g.add_argument("--style", metavar="NAME", help=STYLE_HELP)
    g.add_argument("--instruction", help="the custom instruction used instead of a preset")
    p.add_argument(
        "--outcome",
        required=True,
        choices=[o for o in OUTCOMES if o != "pending"],
        help="accepted (kept as suggested), edited (changed, then kept) or rejected",
    )
    p.add_argument("--stage", choices=STAGES, default="zero", help="flywheel stage that made the suggestion")
    p.add_argument("--model", default=None, help="model name (default: from settings)")
    p.add_argument("--adapter", default=None, help="adapter used, if any")
    p.add_argument("--json", action="store_true", help="print the stored record as JSON")
    p.set_defaults(func=run)


def _strip_newline(text: str) -> str:
    # Files written by editors end in a newline that is not part of the text.
    return text[:-1] if text.endswith("\n") else text


def run(args: argparse.Namespace) -> int:
    paths, settings = profile()
    task = task_from(args, paths)
    input_text = _strip_newline(read_input(args.input)[0])
    final_text = _strip_newline(read_input(args.final)[0])
    output_text = _strip_newline(read_input(args.output)[0]) if args.output else None
    if not input_text.strip() or not final_text.strip():
        raise InputError("The --input and --final files must not be empty.")
    store = open_store(paths)
    try:
        with store.session() as s, s.begin():
            edit = log_edit(
                s,
                task=task.name,
                instruction=task.instruction,
                input_text=input_text,
                output_text=output_text,
                final_text=final_text,
                outcome=args.outcome,
                stage=args.stage,
                model=args.model or settings.model,
                adapter=args.adapter,
                origin="cli",
                settings=settings,
            )
            record = (
                None
                if edit is None
                else {
                    "id": edit.id,
                    "task": edit.task,
                    "outcome": edit.outcome,
                    "stage": edit.stage,
                    "created_at": edit.created_at.isoformat(),
                }
            )
    finally:
        store.close()
    if record is None:
        print(
            "draftwheel: logging is paused, so nothing was stored (`draftwheel privacy resume` turns it on).",
            file=sys.stderr,
        )
        if args.json:
            print(json.dumps({"id": None, "paused": True}))
        return 0
    print(json.dumps(record) if args.json else f"stored example {record['id']} ({record['task']}, {record['outcome']})")
    return 0
