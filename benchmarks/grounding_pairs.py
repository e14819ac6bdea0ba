"""Generate the raw candidate pairs of the grounding check's labelled set (tests/data/grounding/).

Every passage of ``tests/data/grounding/docs/`` (documents written for this set, nine
voices and topics) is run through the product's own generator: ``ground.documents``
splits them, ``ground.themes`` groups them, ``ground.generate.plan`` orders the
(passage, kind) items and ``ground.generate.make_pair`` makes each candidate with the
bundled Gemma 3 270M model (``LocalGenerator``: greedy, the shipped prompts). Unlike
``draftwheel ground``, nothing is dropped: every candidate, whether the grounding check
would keep it or not, is written, so the labelled set holds the check's mistakes too.

    PYTHONPATH=src python benchmarks/grounding_pairs.py --home /tmp/gcheck-home --out /tmp/grounding_raw.jsonl

The labels (``grounded`` true/false and a ``reason``) are added by a person reading each
pair (tests/data/grounding/README.md); this script writes ``grounded: null``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from draftwheel.config import app_paths
from draftwheel.engine.llama import LlamaEngine
from draftwheel.ground.documents import import_folder
from draftwheel.ground.generate import make_pair, plan
from draftwheel.ground.llm import GenerationError, LocalGenerator
from draftwheel.ground.profile import compute_profile
from draftwheel.ground.themes import group_themes
from draftwheel.models import Catalogue

DOCS = Path(__file__).resolve().parents[1] / "tests" / "data" / "grounding" / "docs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True, help="a data folder holding the bundled model")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    entry = Catalogue(app_paths(args.home)).ensure_bundled()
    engine = LlamaEngine(entry, n_ctx=2048, n_threads=args.threads, seed=0)
    generator = LocalGenerator(engine)
    imported = import_folder(DOCS)
    themes = group_themes(imported.passages)
    profile = compute_profile(imported.passages)
    start = time.time()
    with args.out.open("w", encoding="utf-8") as out:
        for n, (theme, passage, kind) in enumerate(plan(themes), 1):
            try:
                pair = make_pair(kind, passage, theme.label, generator, profile)
            except GenerationError as exc:
                print(f"{n}: {passage.label} [{kind}] failed: {exc}", flush=True)
                continue
            row = {
                "doc": Path(passage.doc).name,
                "passage": passage.text,
                "kind": kind,
                "task": pair.task,
                "input": pair.input_text,
                "answer": pair.answer,
                "source": "generated",
                "grounded": None,
                "reason": "",
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            print(f"{n}: {time.time() - start:.0f}s {kind}", flush=True)
    engine.close()


if __name__ == "__main__":
    main()
