"""``draftwheel models add|list|remove|use`` (catalogue, download and token: ``models_hub_cmd``)."""

from __future__ import annotations

import argparse
import json

from draftwheel.cli.common import profile
from draftwheel.models import Catalogue


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, add or remove GGUF models")
    msub = p.add_subparsers(dest="models_cmd", metavar="ACTION", required=True)
    a = msub.add_parser("add", help="add a GGUF model file to the catalogue")
    a.add_argument("path")
    a.add_argument("--name", help="catalogue name (default: from the file name)")
    a.set_defaults(func=_add)
    ls = msub.add_parser("list", help="list the models")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    r = msub.add_parser("remove", help="remove a model from the catalogue (the file is kept)")
    r.add_argument("name")
    r.set_defaults(func=_remove)
    u = msub.add_parser("use", help="use a model for revisions")
    u.add_argument("name")
    u.set_defaults(func=_use)
    from draftwheel.cli.models_hub_cmd import register_hub

    register_hub(msub)


def _add(args: argparse.Namespace) -> int:
    paths, _ = profile()
    e = Catalogue(paths).add(args.path, args.name)
    print(
        f"added {e.name}: {e.architecture}, {e.quantization}, {e.size_bytes / 1e6:.0f} MB, "
        f"context {e.context_length}, sha256 {e.sha256[:12]}"
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    paths, settings = profile()
    entries = Catalogue(paths).list()
    if args.json:
        import dataclasses

        print(json.dumps([dataclasses.asdict(e) for e in entries], indent=2))
        return 0
    for e in entries:
        mark = "*" if e.name == settings.model else " "
        size = f"{e.size_bytes / 1e6:.0f} MB" if e.size_bytes else "not assembled yet"
        kind = "bundled" if e.bundled else e.path
        print(f"{mark} {e.name:24} {e.architecture:10} {e.quantization:8} {size:>18}  ctx {e.context_length:<6} {kind}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    paths, _ = profile()
    Catalogue(paths).remove(args.name)
    print(f"removed {args.name} (its file was left where it is)")
    return 0


def _use(args: argparse.Namespace) -> int:
    from draftwheel.config import update_settings

    paths, _ = profile()
    e = Catalogue(paths).get(args.name)  # an unknown name or a missing file fails here, not at the next revision
    update_settings(paths, model=e.name)
    print(f"using {e.name}")
    return 0
