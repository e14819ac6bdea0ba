"""How long a unit can the bundled model revise without losing text?

Joins 1..K consecutive JFLEG dev sentences into one unit, revises it
zero-shot ("Fix grammar") as ONE unit (no sentence splitting), and reports
per input length the share of input words that come back (output words /
input words) and the share of input content words still present. The unit
budget in ``draftwheel.engine.units.DEFAULT_BUDGET`` is read off this table.

    python benchmarks/unit_budget.py --max-join 6 --samples 15 --out unit_budget.json

Uses the dev split only (never test).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from pathlib import Path

from draftwheel.config import app_paths
from draftwheel.engine.base import GenerationRequest
from draftwheel.engine.llama import LlamaEngine
from draftwheel.engine.prompts import COMPLETION_STOPS, clean_output, render_completion, resolve_task
from draftwheel.models import Catalogue

WORD = re.compile(r"[^\W_]+")
DATA = Path(__file__).resolve().parent / "data" / "jfleg"


def content(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text) if len(w) > 3]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="folder with dev.src (default: the repository's copy)")
    ap.add_argument("--max-join", type=int, default=6, help="join 1..N consecutive sentences")
    ap.add_argument("--samples", type=int, default=15, help="units per join size")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    lines = (args.data / "dev.src").read_text(encoding="utf-8").splitlines()
    paths = app_paths()
    entry = Catalogue(paths).ensure_bundled()
    engine = LlamaEngine(entry, n_ctx=4096, n_threads=args.threads, seed=0)
    task = resolve_task("grammar")
    rows = []
    try:
        for k in range(1, args.max_join + 1):
            for s in range(args.samples):
                start = s * args.max_join
                unit = " ".join(lines[start : start + k])
                n_tok = engine.count_tokens(unit)
                prompt = render_completion(task, unit, [])
                out = engine.generate(
                    GenerationRequest(prompt=prompt, max_tokens=3 * n_tok + 48, stop=COMPLETION_STOPS)
                )
                text = clean_output(out.text)
                src_c, out_c = content(unit), set(content(text))
                rows.append(
                    {
                        "join": k,
                        "tokens": n_tok,
                        "words_in": len(unit.split()),
                        "words_out": len(text.split()),
                        "word_ratio": len(text.split()) / len(unit.split()),
                        "content_kept": sum(w in out_c for w in src_c) / max(len(src_c), 1),
                        "finish": out.finish_reason,
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    finally:
        engine.close()
    buckets = {}
    for lo, hi in ((0, 32), (32, 64), (64, 96), (96, 128), (128, 192), (192, 10_000)):
        sel = [r for r in rows if lo <= r["tokens"] < hi]
        if sel:
            buckets[f"{lo}-{hi}"] = {
                "n": len(sel),
                "median_word_ratio": round(statistics.median(r["word_ratio"] for r in sel), 3),
                "min_word_ratio": round(min(r["word_ratio"] for r in sel), 3),
                "median_content_kept": round(statistics.median(r["content_kept"] for r in sel), 3),
                "share_losing_over_20pct": round(sum(r["content_kept"] < 0.8 for r in sel) / len(sel), 3),
            }
    args.out.write_text(json.dumps({"rows": rows, "buckets": buckets}, indent=1))
    print(json.dumps(buckets, indent=1))


if __name__ == "__main__":
    main()
