"""``draftwheel ground``: turn a folder of your documents into training pairs, and review them.

    draftwheel ground DIR [--profile FILE] [--pairs N] [--endpoint [URL] --model NAME [--protocol P]]
    draftwheel ground review [--accept ID ...] [--reject ID ...] [--edit ID --final TEXT]
                             [--include ID ...] [--exclude ID ...] [--all | --state S] [--json]

One parser serves both forms (so ``--help`` shows everything): the first
argument is the folder, or the word ``review`` (a folder really named
"review" is given as ``./review``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import textwrap

from draftwheel.errors import InputError

_REVIEW_FLAGS = ("accept", "reject", "edit", "final", "include", "exclude", "all", "state", "limit", "full")
_GENERATE_FLAGS = (
    "profile",
    "pairs",
    "endpoint",
    "protocol",
    "kinds",
    "draft_profile",
    "themes",
    "min_support",
    "max_mb",
    "threads",
    "batch",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ground",
        help="make training pairs from your own documents; review them",
        description="Turn a folder of your documents (.txt, .md, .docx, .pdf) into question/answer and "
        "rewrite pairs grounded in your own passages, stored for review; or review them "
        "with `draftwheel ground review`.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent("""\
            examples:
              draftwheel ground ~/Documents/essays --pairs 40
              draftwheel ground ~/notes --endpoint http://localhost:8000/v1 --model qwen2.5-7b-instruct
              draftwheel ground ~/notes --endpoint https://api.anthropic.com --protocol anthropic --model NAME
              draftwheel ground review
              draftwheel ground review --accept 3 5 --reject 7 --edit 4 --final "My corrected answer."
              draftwheel ground review --exclude 3"""),
    )
    p.add_argument("target", metavar="DIR|review", help="folder of documents, or `review`")
    p.add_argument("--json", action="store_true", help="print one JSON record instead of text")
    p.add_argument(
        "--model",
        help="with --endpoint: the model name there (default: setting remote_model); "
        "otherwise the local catalogue model (default: setting model)",
    )
    g = p.add_argument_group("generating (DIR)")
    g.add_argument(
        "--profile",
        metavar="FILE",
        help="author profile to use (JSON or plain text); if FILE does not exist, the computed "
        "profile is written there for you to edit",
    )
    g.add_argument("--pairs", type=int, default=20, metavar="N", help="pairs to keep (default: 20)")
    g.add_argument(
        "--endpoint",
        nargs="?",
        const="",
        metavar="URL",
        help="use a remote endpoint instead of the local model; without URL, "
        "the setting remote_endpoint (API key from the OS keyring)",
    )
    g.add_argument(
        "--protocol",
        choices=("openai", "anthropic"),
        help="with --endpoint: what it speaks, openai (chat/completions) or anthropic (Messages API) "
        "(default: setting remote_protocol)",
    )
    g.add_argument("--kinds", help="comma-separated pair kinds (default: question,scenario,pushback,rewrite)")
    g.add_argument(
        "--draft-profile",
        action="store_true",
        help="let the model draft notes on your voice for a newly computed profile",
    )
    g.add_argument("--themes", type=int, metavar="K", help="number of themes (default: about sqrt(passages/2))")
    g.add_argument(
        "--min-support",
        type=float,
        metavar="F",
        help="grounding rule: share of an answer's content words found in its passage (default: 0.6)",
    )
    g.add_argument("--max-mb", type=float, default=20.0, metavar="MB", help="skip files larger than this (default: 20)")
    g.add_argument("--batch", type=int, default=8, metavar="N", help="pairs stored per transaction (default: 8)")
    g.add_argument("--threads", type=int, help="CPU threads for the local model (default: from settings)")
    r = p.add_argument_group("reviewing (review)")
    r.add_argument("--accept", type=int, nargs="+", default=[], metavar="ID", help="accept these pairs as generated")
    r.add_argument("--reject", type=int, nargs="+", default=[], metavar="ID", help="reject these pairs")
    r.add_argument("--edit", type=int, metavar="ID", help="replace this pair's answer with --final TEXT")
    r.add_argument("--final", metavar="TEXT", help="the corrected answer for --edit")
    r.add_argument("--include", type=int, nargs="+", default=[], metavar="ID", help="use these pairs in training")
    r.add_argument("--exclude", type=int, nargs="+", default=[], metavar="ID", help="leave these pairs out of training")
    r.add_argument("--all", action="store_true", help="list pairs in every state, not only pending ones")
    r.add_argument("--state", choices=("pending", "accepted", "edited", "rejected"), help="list pairs in this state")
    r.add_argument("--limit", type=int, metavar="N", help="list at most N pairs")
    r.add_argument("--full", action="store_true", help="show whole texts instead of the first lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.target == "review":
        _refuse(args, _GENERATE_FLAGS, "review")
        return run_review(args)
    _refuse(args, _REVIEW_FLAGS, "generation")
    return run_generate(args)


def _refuse(args: argparse.Namespace, names: tuple[str, ...], mode: str) -> None:
    defaults = {"pairs": 20, "max_mb": 20.0, "batch": 8}
    used = [n for n in names if getattr(args, n) not in (None, False, [], defaults.get(n, object()))]
    if used:
        flags = ", ".join("--" + n.replace("_", "-") for n in used)
        raise InputError(
            f"{flags} cannot be used for {mode}.",
            "Use `draftwheel ground DIR ...` to generate and `draftwheel ground review ...` to review.",
        )


# -- generating -------------------------------------------------------------------


def _generator(args, paths, settings):
    from draftwheel.ground.llm import LocalGenerator, endpoint_generator

    if args.protocol and args.endpoint is None:
        raise InputError("--protocol only applies to an endpoint.", "Add --endpoint [URL], or leave --protocol out.")
    if args.endpoint is not None:
        url = args.endpoint or settings.remote_endpoint
        if not url:
            raise InputError(
                "--endpoint without a URL needs the setting remote_endpoint.",
                "Pass --endpoint URL, or set remote_endpoint in settings.json.",
            )
        model = args.model or settings.remote_model
        if not model:
            raise InputError(
                "An endpoint needs a model name.", "Pass --model NAME or set remote_model in settings.json."
            )
        return endpoint_generator(url, model, protocol=args.protocol or settings.remote_protocol), None
    from draftwheel.engine import load_engine
    from draftwheel.models import Catalogue

    if args.threads is not None:
        settings = settings.updated(n_threads=args.threads)
    entry = Catalogue(paths).get(args.model or settings.model)
    engine = load_engine(entry, settings)
    return LocalGenerator(engine, seed=settings.seed), engine


def run_generate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from draftwheel.cli.common import profile as load_profile_and_settings
    from draftwheel.ground.check import CheckSettings
    from draftwheel.ground.generate import KINDS
    from draftwheel.ground.pipeline import GroundOptions, run_ground

    paths, settings = load_profile_and_settings()
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip()) if args.kinds else KINDS
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise InputError(
            f"Unknown pair kind(s): {', '.join(bad) or '(none given)'}.", f"Use some of: {', '.join(KINDS)}."
        )
    if args.pairs < 1:
        raise InputError(f"--pairs must be at least 1, got {args.pairs}.")
    if args.batch < 1:
        raise InputError(f"--batch must be at least 1, got {args.batch}.")
    if args.max_mb <= 0:
        raise InputError(f"--max-mb must be positive, got {args.max_mb}.")
    if args.themes is not None and args.themes < 1:
        raise InputError(f"--themes must be at least 1, got {args.themes}.")
    check = CheckSettings()
    if args.min_support is not None:
        if not 0.0 <= args.min_support <= 1.0:
            raise InputError(f"--min-support must be between 0 and 1, got {args.min_support}.")
        check = dataclasses.replace(check, min_support=args.min_support)
    options = GroundOptions(
        n_pairs=args.pairs,
        kinds=kinds,
        n_themes=args.themes,
        batch_size=args.batch,
        max_bytes=int(args.max_mb * 1024 * 1024),
        draft_profile=args.draft_profile,
        check=check,
    )
    generator, engine = _generator(args, paths, settings)
    bar = None

    def on_progress(p) -> None:
        nonlocal bar
        if p.stage != "generate":
            return
        if bar is None:
            bar = tqdm(total=p.total, desc="generating", unit="item", file=sys.stderr, disable=None, dynamic_ncols=True)
        bar.update(p.done - bar.n)
        bar.set_postfix(kept=p.kept)

    try:
        result = run_ground(
            args.target, paths, generator, options=options, profile_file=args.profile, on_progress=on_progress
        )
    finally:
        if bar is not None:
            bar.total = bar.n  # the plan is an upper bound: generation stops once enough pairs are kept
            bar.refresh()
            bar.close()
        if engine is not None:
            engine.close()
    if args.json:
        record = {
            "folder": str(result.imported.folder),
            "documents": [d.rel for d in result.imported.documents],
            "passages": len(result.imported.passages),
            "files_not_used": [
                {"path": i.path, "status": i.status, "reason": i.reason} for i in result.imported.issues
            ],
            "themes": [{"label": t.label, "passages": len(t.passages)} for t in result.themes],
            "profile": str(result.profile_path) if result.profile_path else None,
            "stored_ids": result.stored_ids,
            "report": result.report.to_dict(),
        }
        print(json.dumps(record, ensure_ascii=False))
    else:
        print(result.summary())
        if result.profile_computed and result.profile_path is not None and not args.profile:
            print("Edit a copy of the profile and pass it with --profile FILE to use your version.")
    return 0


# -- reviewing -----------------------------------------------------------------------


def run_review(args: argparse.Namespace) -> int:
    from draftwheel.cli.common import profile as load_profile_and_settings
    from draftwheel.ground.storage import list_pairs, pair_record, review
    from draftwheel.store import open_store

    if (args.edit is None) != (args.final is None):
        raise InputError("--edit ID and --final TEXT go together.", 'E.g. --edit 4 --final "The corrected answer."')
    if args.limit is not None and args.limit < 0:
        raise InputError(f"--limit must not be negative, got {args.limit}.")
    paths, _settings = load_profile_and_settings()
    changes = any([args.accept, args.reject, args.edit is not None, args.include, args.exclude])
    with open_store(paths) as store:
        if changes:
            done = review(
                store,
                accept_ids=args.accept,
                reject_ids=args.reject,
                edits={args.edit: args.final} if args.edit is not None else None,
                include_ids=args.include,
                exclude_ids=args.exclude,
            )
            if args.json:
                print(json.dumps(done))
            else:
                print(", ".join(f"{k} {v}" for k, v in done.items() if v) + ".")
            return 0
        states = None if args.all else ((args.state,) if args.state else ("pending",))
        with store.session() as s:
            rows = [pair_record(e) for e in list_pairs(s, states, limit=args.limit)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        what = "grounded pairs" if args.all else f"{(args.state or 'pending')} grounded pairs"
        print(f"No {what}. Make some with `draftwheel ground DIR`.")
        return 0
    for row in rows:
        print(_format_row(row, args.full))
    print(
        f"{len(rows)} pair(s). Accept/reject/edit with e.g. "
        "`draftwheel ground review --accept ID ... --reject ID ... --edit ID --final TEXT`."
    )
    return 0


def _short(text: str | None, full: bool, width: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if full or len(text) <= width else text[: width - 1] + "…"


def _format_row(row: dict, full: bool) -> str:
    used = "in training" if row["include_in_training"] else "left out of training"
    where = f"{row['source_doc']}:{row['source_start']}-{row['source_end']}"
    head = f"#{row['id']} [{row['kind']}] {row['outcome']}, {used} | theme: {row['theme']} | {where}"
    lines = [head, f"  in:  {_short(row['input'], full)}", f"  out: {_short(row['final'], full)}"]
    return "\n".join(lines)
