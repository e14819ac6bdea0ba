"""``draftwheel styles list|add|edit|rename|delete|learned``: named styles, each with its own edits and adapters.

The five presets are built-in styles; a style of your own has a name, an
instruction, an optional voice description, the preset it starts from, and
training settings of its own. Every command that takes ``--task`` also takes
``--style NAME``.
"""

from __future__ import annotations

import argparse
import json
import sys

from draftwheel.cli.common import profile
from draftwheel.errors import DraftwheelError, InputError
from draftwheel.store import open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("styles", help="list, add, edit, rename or delete your styles")
    ssub = p.add_subparsers(dest="styles_cmd", metavar="ACTION", required=True)

    ls = ssub.add_parser("list", help="the styles, with their kept edits, stage and edits until training")
    ls.add_argument("--json", action="store_true", help="one JSON array")
    ls.set_defaults(func=_list)

    add = ssub.add_parser("add", help="a new style of your own")
    add.add_argument("name")
    add.add_argument("--instruction", help="what the model should do with your text (default: the --from preset's)")
    add.add_argument("--from", dest="base", metavar="PRESET", help="the preset it starts from")
    add.add_argument("--description", default="", help="the voice, in your words (added to the instruction)")
    add.add_argument("--threshold", type=int, help="kept edits that start its training (default: the setting)")
    add.add_argument("--no-auto-train", action="store_true", help="train it only when asked")
    add.set_defaults(func=_add)

    ed = ssub.add_parser("edit", help="change a style's instruction, voice or training settings")
    ed.add_argument("name")
    ed.add_argument("--instruction")
    ed.add_argument("--description")
    th = ed.add_mutually_exclusive_group()
    th.add_argument("--threshold", type=int, help="kept edits that start its training")
    th.add_argument("--default-threshold", action="store_true", help="use the setting's threshold again")
    ed.add_argument("--auto-train", action=argparse.BooleanOptionalAction, default=None, help="train it automatically")
    ed.set_defaults(func=_edit)

    rn = ssub.add_parser("rename", help="rename a style (its edits and adapters stay with it)")
    rn.add_argument("old")
    rn.add_argument("new")
    rn.set_defaults(func=_rename)

    rm = ssub.add_parser("delete", help="delete a style of your own (its edits are kept unless --delete-edits)")
    rm.add_argument("name")
    rm.add_argument("--delete-edits", action="store_true", help="also delete its edits (really removed)")
    rm.add_argument("--yes", action="store_true", help="do not ask (required when not on a terminal)")
    rm.set_defaults(func=_delete)

    le = ssub.add_parser(
        "learned",
        help="what a style has learned: your recurring changes, its held-out scores, the examples it would use",
    )
    le.add_argument("name")
    le.add_argument("--min", type=int, default=2, help="show changes made in at least this many edits (default 2)")
    le.add_argument("--limit", type=int, default=20, help="at most this many changes (default 20)")
    le.add_argument("--for", dest="text", metavar="TEXT", help="also show the examples it would use for this text")
    le.add_argument("--json", action="store_true")
    le.set_defaults(func=_learned)


def _session(paths):
    """A store and one transaction: ``with _session(paths) as s: ...``."""
    from contextlib import contextmanager

    @contextmanager
    def cm():
        with open_store(paths) as store, store.session() as s, s.begin():
            yield s

    return cm()


def _list(args: argparse.Namespace) -> int:
    from draftwheel.flywheel.styles import summaries

    paths, settings = profile()
    with _session(paths) as s:
        rows = summaries(s, settings.train_threshold)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], indent=2, ensure_ascii=False))
        return 0
    for r in rows:
        kind = "built-in" if r.builtin else (f"from {r.base_preset}" if r.base_preset else "yours")
        auto = "" if r.auto_train else ", automatic training off"
        due = "training is due" if r.until_training == 0 else f"{r.until_training} edits until training"
        print(
            f"{r.shortcut:7} {r.name:24} {r.key:24} {kind:14} {r.stage:4} · {r.kept} kept edits · {due}"
            f" (threshold {r.train_threshold}{auto})"
        )
        if not r.builtin:
            print(f"{'':8}{r.instruction}")
    return 0


def _add(args: argparse.Namespace) -> int:
    from draftwheel.flywheel.styles import create

    paths, _ = profile()
    if not args.base and not (args.instruction or "").strip():
        raise InputError(
            "A style needs an instruction: what should the model do with your text?",
            'Pass --instruction "…", or --from PRESET to start from a preset\'s.',
        )
    with _session(paths) as s:
        style, adopted = create(
            s,
            name=args.name,
            instruction=args.instruction,
            description=args.description,
            base_preset=args.base,
            train_threshold=args.threshold,
            auto_train=not args.no_auto_train,
        )
        name, key = style.name, style.key
    more = f"; {adopted} earlier edits with this instruction joined it" if adopted else ""
    print(f"added style “{name}” (key {key}){more}. Revise with it: draftwheel revise --style {key!r}")
    return 0


def _edit(args: argparse.Namespace) -> int:
    from draftwheel.store import update_style

    changes: dict = {}
    if args.instruction is not None:
        changes["instruction"] = args.instruction
    if args.description is not None:
        changes["description"] = args.description
    if args.threshold is not None:
        changes["train_threshold"] = args.threshold
    if args.default_threshold:
        changes["train_threshold"] = None
    if args.auto_train is not None:
        changes["auto_train"] = args.auto_train
    if not changes:
        raise InputError(
            "Nothing to change.", "Give --instruction, --description, --threshold or --auto-train/--no-auto-train."
        )
    paths, _ = profile()
    with _session(paths) as s:
        style = update_style(s, args.name, **changes)
        name = style.name
    print(f"changed style “{name}”: {', '.join(changes)}")
    return 0


def _rename(args: argparse.Namespace) -> int:
    from draftwheel.flywheel.styles import rename

    paths, _ = profile()
    with _session(paths) as s:
        style = rename(s, args.old, args.new)
        key, name = style.key, style.name
    print(f"renamed style {args.old!r} to “{name}” (key {key}, unchanged)")
    return 0


def _confirm(question: str) -> bool:
    if sys.stdin is None or not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def _delete(args: argparse.Namespace) -> int:
    from draftwheel.flywheel import styles
    from draftwheel.store import count_edits, get_style

    paths, settings = profile()
    with _session(paths) as s:
        style = get_style(s, args.name)
        styles.check_deletable(paths, s, style, settings.adapter)  # before asking
        name, key, n = style.name, style.key, count_edits(s, style.key, outcomes=None)
    if not args.yes:
        what = f"and its {n} edits (this cannot be undone)" if args.delete_edits else f"(its {n} edits are kept)"
        if not _confirm(f"Delete the style “{name}” {what}?"):
            raise DraftwheelError(
                f"The style “{name}” was not deleted.", "Confirm on a terminal, or pass --yes to delete it."
            )
    with _session(paths) as s:
        out = styles.delete(paths, s, key, delete_edits=args.delete_edits, adapter_in_use=settings.adapter)
    if args.delete_edits:
        kept = f"its {out['deleted_edits']} edits deleted"
    else:
        kept = f"its {out['edits']} edits kept under {key!r} (draftwheel examples list --task {key})"
    adapters = f", its {out['adapters']} adapters kept" if out["adapters"] else ""
    print(f"deleted style “{name}”; {kept}{adapters}")
    return 0


def _learned(args: argparse.Namespace) -> int:
    from draftwheel.flywheel.learned import learned_changes, stage_history
    from draftwheel.flywheel.retrieve import retrieve_examples
    from draftwheel.flywheel.styles import resolve
    from draftwheel.store import count_edits

    paths, settings = profile()
    with _session(paths) as s:
        task = resolve(s, style=args.name)
        changes = learned_changes(s, task.name, args.min, args.limit)
        history = stage_history(s, task.name)
        kept = count_edits(s, task.name)
        examples = (
            retrieve_examples(s, task, args.text, k=settings.fewshot_k, token_budget=settings.fewshot_token_budget)
            if args.text
            else []
        )
    if args.json:
        record = {
            "style": task.label,
            "key": task.name,
            "kept_edits": kept,
            "changes": [c.to_json() for c in changes],
            "history": [{**h.__dict__, "text": h.text()} for h in history],
            "examples": [{"input": e.input, "output": e.output} for e in examples],
        }
        print(json.dumps(record, indent=2, ensure_ascii=False))
        return 0
    print(f"“{task.label}”: {kept} kept edits")
    if changes:
        print("Changes you make again and again:")
        for c in changes:
            print(f"  {c.text()}")
    else:
        print(f"No change recurs in {max(1, args.min)} or more edits yet.")
    if history:
        print("Held-out scores (each training: the stage it was measured against, then its adapter):")
        for h in history:
            print(f"  {h.text()}")
    if args.text:
        print("Examples it would use for that text (most similar last):" if examples else "No examples for that text.")
        for e in examples:
            print(f"  {e.input}  ->  {e.output}")
    return 0
