"""Which retry recovers more units whose first answer failed the guard: another sample, or a more literal prompt?

Takes the labelled set's greedy answers (``setting == "greedy"``: what the
app gets first) on the **dev** half (evaluate.meaning.split, seed 17) that
fail the guard (engine.guard.check_output, meaning included), and asks the
bundled model again for each, two ways:

* ``sample``: the same prompt sampled at temperature 0.7, seed 1 (the retry
  revise.py used before the meaning guard);
* ``literal``: greedy, the instruction followed by "Keep every name, number,
  date and negation; change only the wording." (prompts.literal_task).

Reports, per way, how many retries pass the guard and their mean meaning
score, and writes every answer to ``--out`` for reading.

    PYTHONPATH=src python benchmarks/meaning_retry.py --out /tmp/meaning_retry.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from draftwheel.config import app_paths
from draftwheel.engine import guard
from draftwheel.engine.base import GenerationRequest
from draftwheel.engine.llama import LlamaEngine
from draftwheel.engine.prompts import COMPLETION_STOPS, clean_output, render_completion, resolve_task
from draftwheel.engine.revise import literal_task
from draftwheel.evaluate.meaning import load_pairs, split
from draftwheel.models import Catalogue

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "data" / "meaning" / "pairs.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=Path, default=PAIRS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    dev, _test = split(load_pairs(args.pairs))
    failed = []
    for p in dev:
        task = resolve_task(p.task)
        demo = [task.demo] if task.demo else []
        if p.setting == "greedy" and not guard.check_output(p.task, p.input, p.suggestion, demo).ok:
            failed.append(p)
    entry = Catalogue(app_paths()).ensure_bundled()
    engine = LlamaEngine(entry, n_ctx=2048, n_threads=args.threads, seed=0)
    rows = []
    try:
        for p in failed:
            task = resolve_task(p.task)
            demo = [task.demo] if task.demo else []
            max_new = 3 * engine.count_tokens(p.input) + 48
            row = {"task": p.task, "input": p.input, "first": p.suggestion, "label": "changed" if p.changed else "kept"}
            for way, t, temperature, seed in (("sample", task, 0.7, 1), ("literal", literal_task(task), 0.0, 0)):
                prompt = render_completion(t, p.input, [])
                out = engine.generate(
                    GenerationRequest(
                        prompt, max_tokens=max_new, temperature=temperature, seed=seed, stop=COMPLETION_STOPS
                    )
                )
                answer = clean_output(out.text)
                v = guard.check_output(p.task, p.input, answer, demo, out.finish_reason or "stop")
                row[way] = {"answer": answer, "ok": v.ok, "meaning": v.meaning, "reason": v.reason}
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    finally:
        engine.close()
    summary = {
        way: {
            "retried": len(rows),
            "pass": sum(r[way]["ok"] for r in rows),
            "mean_meaning": round(sum(r[way]["meaning"] for r in rows) / max(len(rows), 1), 3),
        }
        for way in ("sample", "literal")
    }
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
