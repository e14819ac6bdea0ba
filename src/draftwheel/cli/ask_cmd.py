"""``draftwheel ask``: answer a question from your own documents, in your voice, with its sources.

``draftwheel ask --index DIR`` indexes (or re-indexes) a folder;
``draftwheel ask "QUESTION" [--folder DIR]`` answers from every indexed folder
(indexing DIR first), streaming the answer and then listing the passages it
drew on; ``--json`` prints one record instead.
"""

from __future__ import annotations

import argparse
import json
import sys

from draftwheel.cli.common import profile
from draftwheel.errors import InputError
from draftwheel.ground.passage_search import DEFAULT_K


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ask",
        help="ask your own writing a question",
        description="Answer a question from the documents of your indexed folders, in your voice, "
        "and show which passages it drew on. Index a folder first with --index DIR (or --folder DIR).",
    )
    p.add_argument("question", nargs="?", help="the question (quote it)")
    p.add_argument("--index", metavar="DIR", help="index (or re-index) this folder and stop")
    p.add_argument("--folder", metavar="DIR", help="index (or re-index) this folder before answering")
    p.add_argument("--folders", action="store_true", help="list the indexed folders and stop")
    p.add_argument("--forget", metavar="DIR", help="drop this folder from the index (its files are not touched)")
    p.add_argument("--k", type=int, default=DEFAULT_K, help=f"passages to answer from (default: {DEFAULT_K})")
    p.add_argument("--json", action="store_true", help="print one JSON record instead of streaming")
    p.add_argument("--model", help="catalogue name of the model (default: from settings)")
    p.add_argument(
        "--adapter",
        metavar="NAME",
        help="adapter to apply ('base' for none; default: the promoted adapter of the 'answer' task, if any)",
    )
    p.add_argument("--threads", type=int, help="CPU threads (default: from settings)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from draftwheel.ground.passage_index import index_folder
    from draftwheel.store import open_store

    if not (args.index or args.folders or args.forget or args.question):
        raise InputError(
            "Nothing to do: give a question, --index DIR, --folders or --forget DIR.", 'draftwheel ask "QUESTION"'
        )
    if args.question is not None and not args.question.strip():
        raise InputError("Ask a question first.", 'For example: draftwheel ask "What do I say about compost?"')
    if args.k < 1:
        raise InputError("--k must be at least 1.")
    paths, settings = profile()
    store = open_store(paths)
    try:
        if args.forget:
            _forget(store, args.forget)
            return 0
        for folder in (args.index, args.folder):
            if folder:
                report = index_folder(store, folder)
                if args.json and args.index:
                    print(json.dumps(report.as_dict(), ensure_ascii=False))
                else:
                    print(report.summary(), file=sys.stdout if args.index else sys.stderr)
        if args.folders:
            _print_folders(store, args.json)
        if args.index or args.folders or not args.question:
            return 0
        return _answer(args, paths, settings, store)
    finally:
        store.close()


def _forget(store, folder: str) -> None:
    from pathlib import Path

    from draftwheel.store.passages import forget_folder

    key = str(Path(folder).expanduser().resolve())
    with store.session() as s, s.begin():
        n = forget_folder(s, key)
    if not n:
        raise InputError(f"{key} is not an indexed folder.", "See draftwheel ask --folders.")
    print(f"Forgot {key}: {n} document(s) dropped from the index.")


def _print_folders(store, as_json: bool) -> None:
    from draftwheel.store.passages import indexed_folders

    with store.session() as s:
        rows = indexed_folders(s)
    if as_json:
        print(json.dumps([r.__dict__ for r in rows], ensure_ascii=False))
        return
    if not rows:
        print("No folder is indexed yet: draftwheel ask --index DIR")
    for r in rows:
        print(f"{r.folder}: {r.documents} document(s), {r.passages} passage(s)")


def _answer(args, paths, settings, store) -> int:
    from draftwheel.engine import load_engine
    from draftwheel.ground.ask import answer_adapter, answer_question, find_passages, not_mentioned
    from draftwheel.models import Catalogue, adapters
    from draftwheel.store.passages import count_passages

    with store.session() as s:
        if count_passages(s) == 0:
            raise InputError(
                "No documents are indexed yet, so there is nothing to answer from.",
                "Index a folder first: draftwheel ask --index DIR (or add --folder DIR).",
            )
    found = find_passages(store, args.question, args.k)
    if args.threads is not None:
        settings = settings.updated(n_threads=args.threads)
    entry = Catalogue(paths).get(args.model or settings.model)
    on_text = None if args.json else _stdout_writer()
    if not found.answerable:  # "your documents don't mention it" needs no model
        answer = not_mentioned(found, entry.name, on_text)
    else:
        adapter = answer_adapter(paths, entry, args.adapter)
        engine = load_engine(entry, settings, paths=paths)
        try:
            if adapter is not None:
                engine.use_adapter(adapters.adapter_ref(adapter))
            answer = answer_question(
                engine,
                found,
                prompt_style=settings.prompt_style,
                temperature=settings.temperature,
                seed=settings.seed,
                on_text=on_text,
            )
        finally:
            engine.close()
    if args.json:
        print(json.dumps(answer.as_dict(), ensure_ascii=False))
        return 0
    sys.stdout.write("\n")
    if answer.fallback:  # the stream showed the model's text; say why the passage's own words replace it
        print(f"\n({answer.fallback}; in your own words from the passage instead:)\n{answer.text}")
    if answer.sources:
        print("\nSources:" if answer.answered else "\nClosest passages (they do not answer it):")
        for src in answer.sources:
            heading = f" ({src.heading})" if src.heading else ""
            print(f"  {src.path}:{src.start}-{src.end}{heading}")
    return 0


def _stdout_writer():
    def write(s: str) -> None:
        sys.stdout.write(s)
        sys.stdout.flush()

    return write
