"""``draftwheel eval``: score the flywheel's stages on a held-out set.

    draftwheel eval --src test.src --refs test.ref0 test.ref1 test.ref2 test.ref3 \\
        --modes zero,few --fewshot-src dev.src --fewshot-ref dev.ref0 --limit 100 --out results.json

Writes the scores and every output to ``--out`` (JSON) and a TSV beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time

from draftwheel.cli import eval_presets
from draftwheel.cli.common import STYLE_HELP, profile, task_from
from draftwheel.engine.combine import RULE_MODES
from draftwheel.engine.prompts import tasks
from draftwheel.errors import InputError
from draftwheel.evaluate.tokenize import TOKENIZERS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="score zero-shot, few-shot and LoRA revisions on a held-out set (GLEU, chrF)",
        description="Revise every line of --src in each mode and score the outputs against --refs: "
        "corpus GLEU and chrF (0-100), share left unchanged, mean seconds per sentence.",
    )
    p.add_argument("--src", help="source sentences, one per line (required unless --meaning)")
    p.add_argument("--refs", nargs="+", metavar="F", help="reference file(s), line-aligned with --src")
    p.add_argument(
        "--meaning",
        metavar="PAIRS",
        help="instead: score the meaning guard on a labelled set (tests/data/meaning/pairs.jsonl): "
        "threshold chosen on a dev half, precision and recall for meaning-changed on the other (no model)",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--task", help=f"task preset: {', '.join(tasks())} (default: grammar)")
    g.add_argument("--style", metavar="NAME", help=STYLE_HELP)
    g.add_argument("--instruction", help="your own instruction instead of a preset")
    p.add_argument("--modes", default="zero,few", help="comma-separated stages: zero, few, lora (default: zero,few)")
    p.add_argument("--adapter", help="adapter name from `draftwheel adapters list` (lora mode)")
    p.add_argument("--limit", type=int, help="score only the first N sentences (quick runs)")
    p.add_argument("--k", type=int, help="few-shot examples per prompt (default: the fewshot_k setting)")
    p.add_argument("--fewshot-src", metavar="F", help="few-shot inputs (with --fewshot-ref) instead of your store")
    p.add_argument("--fewshot-ref", metavar="F", help="few-shot finals, line-aligned with --fewshot-src")
    p.add_argument("--model", help="catalogue name of the model (default: from settings)")
    p.add_argument("--threads", type=int, help="CPU threads (default: from settings)")
    p.add_argument(
        "--tokenize",
        choices=TOKENIZERS,
        default="none",
        help="tokenize outputs before scoring: ptb for Treebank-tokenized sets such as JFLEG "
        "(default: none, score outputs as written)",
    )
    p.add_argument(
        "--detokenize",
        action="store_true",
        help="give each source to the model and rules as a person types it (Treebank-detokenized: "
        '"don\'t", "end."); scores still use the published sources. For JFLEG with --tokenize ptb',
    )
    p.add_argument(
        "--rules",
        choices=RULE_MODES,
        default="auto",
        help="Harper's rule fixes: auto = with the model for grammar (the app's default), "
        "off = the model alone, only = the rules alone (default: auto)",
    )
    p.add_argument(
        "--paragraphs",
        default="1",
        metavar="N,N",
        help="also revise consecutive sentences joined into paragraphs of N, split back and scored "
        "(1 = sentence by sentence; e.g. 1,5,15)",
    )
    p.add_argument(
        "--out", help="results JSON (a .tsv with every output is written beside it; required unless --meaning)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    eval_presets.add_arguments(p)
    p.set_defaults(func=run)


def _check_args(args: argparse.Namespace, modes: list[str]) -> None:
    if bool(args.fewshot_src) != bool(args.fewshot_ref):
        raise InputError("--fewshot-src and --fewshot-ref go together.", "Give both files, or neither.")
    if "lora" in modes and not args.adapter:
        raise InputError("lora mode needs an adapter.", "Pass --adapter NAME (see `draftwheel adapters list`).")
    if args.adapter and "lora" not in modes:
        raise InputError("--adapter is only used in lora mode.", "Add lora to --modes.")
    if args.k is not None and args.k < 1:
        raise InputError(f"--k must be at least 1; got {args.k}.")
    if args.fewshot_src and "few" not in modes:
        raise InputError("--fewshot-src/--fewshot-ref are only used in few mode.", "Add few to --modes.")


def _paragraph_sizes(text: str) -> tuple[int, ...]:
    sizes: list[int] = []
    for part in text.split(","):
        try:
            n = int(part)
        except ValueError:
            raise InputError(
                f"--paragraphs takes whole numbers; got {part!r}.", "For example --paragraphs 1,5,15."
            ) from None
        if n < 1:
            raise InputError(f"--paragraphs sizes must be at least 1; got {n}.", "For example --paragraphs 1,5,15.")
        if n not in sizes:
            sizes.append(n)
    return tuple(sizes)


def run(args: argparse.Namespace) -> int:
    if args.meaning:
        return _run_meaning(args)
    if eval_presets.presets_mode(args):
        return eval_presets.run_presets(args)
    from draftwheel.engine import load_engine
    from draftwheel.engine.revise import ReviseOptions
    from draftwheel.evaluate import evaluate_modes
    from draftwheel.evaluate.data import load_eval_set, load_pairs
    from draftwheel.evaluate.harness import check_out, parse_modes, results_record, table, write_results
    from draftwheel.evaluate.lora import find_adapter
    from draftwheel.evaluate.tokenize import detokenize, get_tokenizer
    from draftwheel.flywheel.eval_examples import pair_examples, profile_examples
    from draftwheel.models import Catalogue

    if not args.out:
        raise InputError("--out is required.", "Or score the meaning guard: --meaning PAIRS.")
    modes = parse_modes(args.modes)
    _check_args(args, modes)
    sizes = _paragraph_sizes(args.paragraphs)
    check_out(args.out)
    normalize = get_tokenizer(args.tokenize)
    paths, settings = profile()
    if args.threads is not None:
        settings = settings.updated(n_threads=args.threads)
    task = task_from(args, paths)
    data = load_eval_set(args.src, args.refs, args.limit)
    pairs = load_pairs(args.fewshot_src, args.fewshot_ref) if args.fewshot_src else None
    k = args.k or settings.fewshot_k
    entry = Catalogue(paths).get(args.model or settings.model)
    adapter = find_adapter(paths, args.adapter, entry) if "lora" in modes else None
    options = ReviseOptions(
        temperature=0.0,
        seed=0,
        max_new_tokens=settings.max_new_tokens,
        prompt_style=settings.prompt_style,
        rules=args.rules,
    )

    engine = load_engine(entry, settings)
    t0 = time.perf_counter()
    try:
        with contextlib.ExitStack() as stack:
            examples_for = None
            if "few" in modes:
                source = (
                    pair_examples(pairs, task.name, settings, k, engine, task.instruction)
                    if pairs is not None
                    else profile_examples(paths, settings, k, engine)
                )
                examples_for = stack.enter_context(source)
            runs = evaluate_modes(
                engine,
                data,
                task,
                modes,
                options,
                examples_for=examples_for,
                adapter=adapter,
                k=k,
                progress=not args.quiet,
                paragraphs=sizes,
                prepare=detokenize if args.detokenize else None,
            )
    finally:
        engine.close()
    meta = {
        "model": {"name": entry.name, "sha256": entry.sha256},
        "task": task.name,
        "instruction": task.instruction,
        "limit": args.limit,
        "k": k if "few" in modes else 0,
        "fewshot_source": (
            f"{args.fewshot_src} -> {args.fewshot_ref}"
            if pairs is not None
            else ("profile store" if "few" in modes else None)
        ),
        "rules": args.rules,
        "detokenize": args.detokenize,
        "settings": {
            "temperature": 0.0,
            "seed": 0,
            "max_new_tokens": settings.max_new_tokens,
            "n_threads": engine.info.n_threads,
            "n_ctx": engine.info.n_ctx,
        },
        "seconds": round(time.perf_counter() - t0, 1),
    }
    record = results_record(data, runs, meta, normalize, args.tokenize)
    few = record["modes"].get("few")
    if few is not None and few["mean_examples"] == 0:
        print(
            "draftwheel: warning: few-shot mode found no stored examples of this task, so it ran as "
            "zero-shot; accept some suggestions first or pass --fewshot-src/--fewshot-ref.",
            file=sys.stderr,
        )
    lost = {m: r["missing_sentences"] for m, r in record["modes"].items() if r.get("missing_sentences")}
    if lost:
        print(f"draftwheel: warning: sentences lost in paragraph runs: {lost}", file=sys.stderr)
    out, tsv = write_results(record, args.out)
    print(table(record))
    print(f"wrote {out} and {tsv}", file=sys.stderr)
    return 0


def _run_meaning(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from draftwheel.evaluate import meaning

    path = Path(args.meaning)
    if not path.is_file():
        raise InputError(f"No labelled set at {path}.", "Pass the file, e.g. tests/data/meaning/pairs.jsonl.")
    report = meaning.evaluate(meaning.load_pairs(path))
    print(meaning.table(report))
    if args.out:
        Path(args.out).write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0
