"""``draftwheel adapters list|use|rename|delete|copy|export|import``: personal LoRA adapters.

An adapter belongs to a style (its ``task`` is the style's key) and a base model.
"""

from __future__ import annotations

import argparse
import json

from draftwheel.cli.common import profile, style_key
from draftwheel.config import update_settings
from draftwheel.flywheel import adapters as mirrored
from draftwheel.models import Catalogue
from draftwheel.models import adapters as reg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("adapters", help="list, switch, rename, delete, export or import personal adapters")
    asub = p.add_subparsers(dest="adapters_cmd", metavar="ACTION", required=True)
    ls = asub.add_parser("list", help="list the adapters (* = in use, P = promoted for its task)")
    lt = ls.add_mutually_exclusive_group()
    lt.add_argument("--task", help="only this task's adapters")
    lt.add_argument("--style", metavar="NAME", help="only this style's adapters")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    u = asub.add_parser("use", help="use an adapter for revisions ('base' for none)")
    u.add_argument("name")
    u.set_defaults(func=_use)
    r = asub.add_parser("rename", help="rename an adapter")
    r.add_argument("old")
    r.add_argument("new")
    r.set_defaults(func=_rename)
    d = asub.add_parser("delete", help="delete an adapter")
    d.add_argument("name")
    d.set_defaults(func=_delete)
    c = asub.add_parser("copy", help="copy an adapter to another style, as that style's starting point")
    c.add_argument("name")
    c.add_argument("--to-style", required=True, metavar="STYLE", help="the style the copy belongs to")
    c.add_argument("--as", dest="new_name", metavar="NAME", help="name of the copy (default: NAME-<style key>)")
    c.set_defaults(func=_copy)
    e = asub.add_parser(
        "export", help="write an adapter, with its style's definition, to one .zip (or .tar/.tar.gz) file"
    )
    e.add_argument("name")
    e.add_argument("file")
    e.set_defaults(func=_export)
    i = asub.add_parser("import", help="add an adapter from an export or a llama.cpp LoRA .gguf")
    i.add_argument("file")
    i.add_argument("--name", help="name for it (default: from the file)")
    it = i.add_mutually_exclusive_group()
    it.add_argument("--task", help="its task (default: from the export; grammar for a bare .gguf)")
    it.add_argument(
        "--style",
        metavar="NAME",
        help="the style it joins (default: the style in the export, made here if you have none of that name)",
    )
    i.set_defaults(func=_import)


def _score(a: reg.AdapterInfo) -> str:
    s = a.scores.get("adapter") if isinstance(a.scores, dict) else None
    if not isinstance(s, dict):
        return "-"
    base = a.scores.get("baseline") or {}
    txt = f"GLEU {s.get('gleu', '?')} chrF {s.get('chrf', '?')}"
    if base:
        txt += f" (vs {base.get('stage', '?')} {base.get('gleu', '?')}/{base.get('chrf', '?')})"
    return txt


def _list(args: argparse.Namespace) -> int:
    paths, settings = profile()
    adapters = reg.list_adapters(paths, style_key(args, paths))
    if args.json:
        rows = [{**a.to_json(), "path": str(a.folder), "in_use": a.name == settings.adapter} for a in adapters]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not adapters:
        print("No adapters yet. Train one with 'draftwheel train' or add one with 'draftwheel adapters import FILE'.")
        return 0
    for a in adapters:
        mark = ("*" if a.name == settings.adapter else " ") + ("P" if a.promoted else " ")
        print(
            f"{mark} {a.name:24} {a.task:10} {a.base_model:16} r={a.rank:<3} steps {a.steps:<5} "
            f"{a.created_at[:16]:16} {_score(a)}"
        )
    return 0


def _use(args: argparse.Namespace) -> int:
    paths, settings = profile()
    if args.name.lower() == reg.BASE_NAME:
        update_settings(paths, adapter="")
        print("using the base model (no adapter)")
        return 0
    info = reg.get_adapter(paths, args.name)
    reg.check_base(info, Catalogue(paths).get(settings.model))
    update_settings(paths, adapter=info.name)
    print(f"using adapter {info.name} ({info.task}) for revisions")
    return 0


def _rename(args: argparse.Namespace) -> int:
    paths, _ = profile()
    info = mirrored.rename(paths, args.old, args.new)
    print(f"renamed {args.old} to {info.name}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    paths, _ = profile()
    mirrored.delete(paths, args.name)
    print(f"deleted {args.name}")
    return 0


def _export(args: argparse.Namespace) -> int:
    paths, _ = profile()
    out = mirrored.export_adapter(paths, args.name, args.file)
    print(f"exported {args.name} to {out}")
    return 0


def _import(args: argparse.Namespace) -> int:
    paths, _ = profile()
    info = mirrored.import_adapter(paths, args.file, name=args.name, task=args.task, style=args.style)
    print(f"imported {info.name} ({info.task}, for {info.base_model})")
    return 0


def _copy(args: argparse.Namespace) -> int:
    paths, _ = profile()
    info = mirrored.copy_to_style(paths, args.name, args.to_style, args.new_name)
    print(f"copied {args.name} to {info.name} (style {info.task}); use it with `draftwheel adapters use {info.name}`")
    return 0
