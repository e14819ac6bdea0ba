"""``draftwheel eval --presets``: the task presets on their own hand-written sets.

    draftwheel eval --presets --threads 2 --out benchmarks/results/presets/test.json
    draftwheel eval --presets formal,friendly --split dev --limit 10 --out /tmp/p.json

Runs every preset (or the named ones) zero-shot over ``tests/data/presets/<preset>-<split>.jsonl``
(or ``--presets-data DIR``) and writes the scores and every output (``evaluate.presets``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from draftwheel.errors import InputError

# The sets live with the tests in a checkout; an installed wheel has none, so --presets-data is needed there.
DEFAULT_DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "presets"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the presets mode to ``draftwheel eval``; --src/--refs become optional (checked in :func:`presets_mode`)."""
    for action in p._actions:
        if action.dest in ("src", "refs"):
            action.required = False
    p.add_argument(
        "--presets",
        nargs="?",
        const="all",
        metavar="NAMES",
        help="score the task presets on their own sets instead of --src/--refs: all five, or a comma-separated "
        "list (results: flagged and unchanged shares, chrF raw/guarded/unchanged; GLEU for grammar)",
    )
    p.add_argument("--split", choices=("test", "dev"), default="test", help="presets mode: which split (default: test)")
    p.add_argument("--presets-data", metavar="DIR", help="presets mode: folder of <preset>-<split>.jsonl files")


def presets_mode(args: argparse.Namespace) -> bool:
    """True for ``--presets``; otherwise --src and --refs must both be given."""
    if args.presets is not None:
        return True
    if not args.src or not args.refs:
        raise InputError("--src and --refs are required.", "Give both, or use --presets to score the task presets.")
    return False


def run_presets(args: argparse.Namespace) -> int:
    from draftwheel.cli.common import profile
    from draftwheel.config.atomic import atomic_write_text
    from draftwheel.engine import load_engine
    from draftwheel.engine.prompts import resolve_task
    from draftwheel.engine.revise import ReviseOptions
    from draftwheel.evaluate.harness import check_out
    from draftwheel.evaluate.presets import PRESETS, evaluate_presets, set_path, table
    from draftwheel.models import Catalogue

    names = list(PRESETS) if args.presets == "all" else [n.strip() for n in args.presets.split(",") if n.strip()]
    tasks = [resolve_task(n) for n in names]
    folder = Path(args.presets_data).expanduser() if args.presets_data else DEFAULT_DATA
    for name in names:
        if not set_path(folder, name, args.split).is_file():
            raise InputError(f"{set_path(folder, name, args.split)}: no such file.", "Pass --presets-data DIR.")
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be at least 1; got {args.limit}.")
    if not args.out:
        raise InputError("--out is required.", "Name a results file, e.g. --out presets.json.")
    out = check_out(args.out)
    paths, settings = profile()
    if args.threads is not None:
        settings = settings.updated(n_threads=args.threads)
    entry = Catalogue(paths).get(args.model or settings.model)
    options = ReviseOptions(
        temperature=0.0, seed=0, max_new_tokens=settings.max_new_tokens, prompt_style=settings.prompt_style
    )
    engine = load_engine(entry, settings)
    t0 = time.perf_counter()
    try:
        n_threads = engine.info.n_threads
        record = evaluate_presets(engine, tasks, folder, args.split, options, args.limit, progress=not args.quiet)
    finally:
        engine.close()
    record["model"] = {"name": entry.name, "sha256": entry.sha256}
    record["settings"].update({"n_threads": n_threads, "max_new_tokens": settings.max_new_tokens})
    record["seconds"] = round(time.perf_counter() - t0, 1)
    atomic_write_text(out, json.dumps(record, indent=1, ensure_ascii=False) + "\n", mode=0o644)
    print(table(record))
    return 0
