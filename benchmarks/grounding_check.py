"""Precision and recall of the grounding check on the labelled set (tests/data/grounding/pairs.jsonl).

"Grounded" is the positive class: precision = share of the pairs the check keeps that are
truly grounded; recall = share of the grounded pairs it keeps. The set is split in two
halves by a fixed seed (SEED, shuffling the pair ids); every variant is measured on the dev
half, the shipped settings (``CheckSettings()``) were chosen there, and the test half is
reported once for the table.

    PYTHONPATH=src python benchmarks/grounding_check.py            # the table (markdown)
    PYTHONPATH=src python benchmarks/grounding_check.py --errors   # the shipped check's mistakes on dev
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import replace
from pathlib import Path

from draftwheel.ground.check import LEGACY, CheckSettings, check_pair
from draftwheel.ground.generate import demo_texts

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "data" / "grounding" / "pairs.jsonl"
SEED = 19  # the number; fixes the dev/test split


def load(path: Path = PAIRS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def split(rows: list[dict], seed: int = SEED) -> tuple[list[dict], list[dict]]:
    """(dev, test): the rows shuffled by ``seed``, first half dev."""
    order = sorted(rows, key=lambda r: r["id"])
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    return order[:half], order[half:]


def keeps(row: dict, settings: CheckSettings) -> bool:
    """What the check (with the generator's own ``avoid`` texts) says about one labelled pair."""
    answer = row["passage"] if row["kind"] == "rewrite" else row["answer"]
    return check_pair(row["kind"], row["input"], answer, row["passage"], settings, avoid=demo_texts(row["kind"])).ok


def score(rows: list[dict], settings: CheckSettings) -> tuple[float, float, int]:
    """(precision, recall, pairs kept); precision is 1.0 when nothing is kept."""
    kept = [r for r in rows if keeps(r, settings)]
    good = sum(r["grounded"] for r in rows)
    tp = sum(r["grounded"] for r in kept)
    return (tp / len(kept) if kept else 1.0), (tp / good if good else 0.0), len(kept)


def variants() -> list[tuple[str, CheckSettings]]:
    """The check before, each signal added alone, and bars swept with all signals on; last: what ships."""
    out = [
        ("before: overlap only (LEGACY)", LEGACY),
        ("+ numbers", replace(LEGACY, numbers=True)),
        ("+ names", replace(LEGACY, names=True)),
        ("+ negation", replace(LEGACY, negation=True)),
        ("+ denial", replace(LEGACY, denial=True)),
    ]
    signals = replace(LEGACY, numbers=True, names=True, negation=True, denial=True)
    out.append(("numbers + names + negation + denial", signals))
    for bar in (0.7, 0.8, 0.9, 1.0):
        out.append((f"  + answer support >= {bar}", replace(signals, min_support=bar)))
    for bar in (0.3, 0.5, 0.7):
        out.append((f"  + question support >= {bar}", replace(signals, min_question_support=bar)))
    for n in (1, 2, 3):
        out.append((f"  + answer adds >= {n} content words to its input", replace(signals, min_new_words=n)))
    for bar in (0.2, 0.3, 0.4):
        out.append((f"  + paraphrase coverage >= {bar}", replace(signals, min_coverage=bar)))
    for bar in (0.3, 0.5):
        out.append((f"  + paraphrase support >= {bar}", replace(signals, min_paraphrase_support=bar)))
    out.append(("shipped: CheckSettings()", CheckSettings()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", action="store_true", help="list the shipped check's mistakes on the dev half")
    args = ap.parse_args()
    rows = load()
    dev, test = split(rows)
    if args.errors:
        for r in dev:
            if keeps(r, CheckSettings()) != r["grounded"]:
                print(f"{r['id']} {r['kind']} label={r['grounded']}: {r['input']!r} -> {r['answer'][:120]!r}")
        return
    pos = sum(r["grounded"] for r in rows)
    print(f"{len(rows)} pairs ({pos} grounded, {len(rows) - pos} not); seed {SEED}: dev {len(dev)}, test {len(test)}")
    print()
    print("| check | dev precision | dev recall | dev kept | test precision | test recall | test kept |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, settings in variants():
        dp, dr, dk = score(dev, settings)
        tp, tr, tk = score(test, settings)
        print(f"| {name} | {dp:.2f} | {dr:.2f} | {dk} | {tp:.2f} | {tr:.2f} | {tk} |")


if __name__ == "__main__":
    main()
