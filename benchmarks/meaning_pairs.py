"""Generate the raw (input, suggestion, task) pairs of the meaning guard's labelled set.

Every input of ``tests/data/meaning/inputs.txt`` (texts written for this set:
e-mails, notes, short paragraphs with names, numbers, dates and negations) is
revised under each of the five presets by the bundled model, with the guard
off (``ReviseOptions(guard=False)``: the model's first answer, as the user
would get it without any check). Each revised unit (about a sentence,
engine.units) is one pair. The decoding setting rotates over the inputs so
the set mixes what the app produces with what sampling produces:

* ``greedy``: temperature 0 with the preset's demonstration (the app's default);
* ``t0.8``/``t1.2``: sampled at temperature 0.8 (seed 1) and 1.2 (seed 2);
* ``nodemo``: greedy, the preset without its demonstration (bare zero-shot);
* ``t0.3``: sampled at temperature 0.3 (seed 3): mostly small rewordings of the greedy answer.

    PYTHONPATH=src python benchmarks/meaning_pairs.py --out /tmp/meaning_raw.jsonl

The labels (``kept``/``changed``) are added by a person reading each pair
(tests/data/meaning/README.md); this script only writes ``label: null``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from draftwheel.config import app_paths
from draftwheel.engine.llama import LlamaEngine
from draftwheel.engine.prompts import resolve_task
from draftwheel.engine.revise import ReviseOptions, revise_text
from draftwheel.models import Catalogue

INPUTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "meaning" / "inputs.txt"
PRESETS = ("grammar", "clearer", "shorter", "formal", "friendly")
SETTINGS = {
    "greedy": (0.0, 0, True),
    "t0.8": (0.8, 1, True),
    "t1.2": (1.2, 2, True),
    "nodemo": (0.0, 0, False),
    "t0.3": (0.3, 3, True),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=Path, default=INPUTS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--start", type=int, default=0, help="first input (0-based), to resume a run")
    ap.add_argument("--end", type=int, help="stop before this input (0-based)")
    ap.add_argument("--presets", default=",".join(PRESETS), help="presets to run, comma-separated (default: all five)")
    ap.add_argument(
        "--settings",
        default="greedy,t0.8,t1.2,nodemo",
        help="decoding settings to rotate over, comma-separated (default: all four)",
    )
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    texts = [t for t in args.inputs.read_text(encoding="utf-8").splitlines() if t.strip()]
    entry = Catalogue(app_paths()).ensure_bundled()
    engine = LlamaEngine(entry, n_ctx=2048, n_threads=args.threads, seed=0)
    names = [s for s in args.settings.split(",") if s]
    try:
        with args.out.open("a" if args.start else "w", encoding="utf-8") as f:
            for i, text in enumerate(texts):
                if i < args.start or (args.end is not None and i >= args.end):
                    continue
                for p, preset in enumerate(PRESETS):
                    if preset not in args.presets.split(","):
                        continue
                    setting = names[(i + p) % len(names)]
                    temperature, seed, demo = SETTINGS[setting]
                    task = resolve_task(preset)
                    if not demo:
                        task = dataclasses.replace(task, demos=())
                    options = ReviseOptions(temperature=temperature, seed=seed, guard=False)
                    result = revise_text(engine, text, task, options)
                    for u in result.units:
                        row = {
                            "text_id": i,
                            "task": preset,
                            "setting": setting,
                            "input": u.source,
                            "suggestion": u.attempt,
                            "label": None,
                        }
                        f.write(json.dumps(row, ensure_ascii=False) + "\n")
                    f.flush()
                print(f"{i + 1}/{len(texts)}", flush=True)
    finally:
        engine.close()


if __name__ == "__main__":
    main()
