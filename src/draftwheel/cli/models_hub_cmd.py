"""``draftwheel models catalogue|download|token``: the curated list and hub downloads."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import sys

from draftwheel.cli.common import profile
from draftwheel.errors import Cancelled, DraftwheelError


def register_hub(msub: argparse._SubParsersAction) -> None:
    c = msub.add_parser("catalogue", help="the curated models you can download (nothing is fetched to list them)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=_catalogue)
    d = msub.add_parser("download", help="download a curated model (NAME) or any GGUF (REPO FILE) from the hub")
    d.add_argument("what", metavar="NAME|REPO", help="a name from 'models catalogue', or a hub repository owner/name")
    d.add_argument("file", nargs="?", help="the GGUF file in REPO")
    d.add_argument("--name", help="catalogue name for the model (default: the curated name, or from the file name)")
    d.add_argument("--sha256", help="the file's expected sha256 (REPO FILE downloads)")
    d.add_argument("--revision", default="main", help="branch, tag or commit on the hub (default: main)")
    d.set_defaults(func=_download)
    t = msub.add_parser("token", help="store (or --delete) a hub access token in the OS keyring, for gated models")
    t.add_argument("--delete", action="store_true")
    t.set_defaults(func=_token)


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def _catalogue(args: argparse.Namespace) -> int:
    from draftwheel.models.curated import offers, recommend, total_ram_bytes

    ram = total_ram_bytes()
    best = recommend(ram)
    if args.json:
        rows = [
            {**dataclasses.asdict(o), "trainable": o.trainable, "fits": o.fits(ram), "recommended": o is best}
            for o in offers()
        ]
        print(json.dumps({"ram_bytes": ram, "recommended": best.name if best else None, "models": rows}, indent=2))
        return 0
    print(f"This machine: {_gb(ram) if ram else 'unknown'} of memory. (fits: needs at most 70% of it)")
    print(f"  {'name':24} {'size':>8} {'RAM':>7} {'ctx':>7}  fits  train  license")
    for o in offers():
        fits = {True: "yes", False: "no", None: "?"}[o.fits(ram)]
        mark = "*" if o is best else " "
        gated = " (gated)" if o.gated else ""
        print(
            f"{mark} {o.name:24} {_gb(o.size_bytes):>8} {o.ram_gb:>4.1f} GB {o.context_length:>7}  {fits:4}  "
            f"{'yes' if o.trainable else 'no':5}  {o.license}{gated}"
        )
    if best:
        print(
            f"* recommended for this machine: {best.name} ({best.title}). Get it: draftwheel models download {best.name}"
        )
    else:
        print("None of these fits this machine's memory; the bundled model (gemma3-270m) stays the default.")
    return 0


def _source(args: argparse.Namespace):
    from draftwheel.models.curated import find_offer
    from draftwheel.models.download import Source

    if args.file is None:
        o = find_offer(args.what)
        return Source(o.repo, o.file, args.revision, o.sha256, o.size_bytes, args.name or o.name)
    sha = (args.sha256 or "").strip().lower() or None
    if sha is not None and (len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha)):
        raise DraftwheelError(f"--sha256 {args.sha256!r} is not a sha256 (64 hex digits).")
    return Source(args.what, args.file, args.revision, sha, None, args.name)


def _download(args: argparse.Namespace) -> int:
    from draftwheel.models.download import download
    from draftwheel.models.hub import hub_endpoint, refuse_if_offline, token_for

    refuse_if_offline()  # before anything else, so an offline machine opens no socket (not even the keyring's)
    paths, settings = profile()
    source = _source(args)
    endpoint = hub_endpoint(settings)
    print(f"Downloading {source.repo}/{source.file} from {endpoint} ...", file=sys.stderr)
    try:
        e = download(paths, source, endpoint, token_for(endpoint), show_bar=sys.stderr.isatty())
    except (KeyboardInterrupt, Cancelled):
        print(
            "draftwheel: download stopped; run the same command to resume it (nothing was registered).", file=sys.stderr
        )
        return 130
    print(f"added {e.name}: {e.architecture}, {e.quantization}, {e.size_bytes / 1e6:.0f} MB, sha256 {e.sha256[:12]}")
    print(f"Use it: draftwheel models use {e.name}")
    return 0


def _token(args: argparse.Namespace) -> int:
    from draftwheel.config.secrets import delete_hub_token, set_hub_token
    from draftwheel.models.hub import hub_endpoint

    _, settings = profile()
    endpoint = hub_endpoint(settings)
    if args.delete:
        delete_hub_token(endpoint)
        print(f"removed the token for {endpoint}")
        return 0
    try:
        token = getpass.getpass(f"Access token for {endpoint}: ") if sys.stdin.isatty() else sys.stdin.readline()
    except UnicodeDecodeError as exc:  # a token is ASCII; bytes that are not even UTF-8 are not one
        raise DraftwheelError("The token read from standard input is not text; nothing was stored.") from exc
    token = token.strip()
    if not token:
        raise DraftwheelError("No token given; nothing was stored.")
    set_hub_token(endpoint, token)
    print(f"stored the token for {endpoint} in the OS keyring")
    return 0
