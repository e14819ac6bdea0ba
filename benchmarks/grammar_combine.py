#!/usr/bin/env python
"""How should "Fix grammar" join Harper's fixes and the model's answer? Chosen on JFLEG dev.

Reads the bundled model's zero-shot answers on the first 300 JFLEG dev
sentences (detokenized, as a person types them; rules off), and its answers
on the same sentences after Harper's fixes (rules first), both stored in
benchmarks/results/jfleg-rules/, and scores each way of joining them with
GLEU (Treebank-tokenized, four references) against leaving the text as it
is. The test set is not read here.

    python benchmarks/grammar_combine.py            # the table from the stored answers
    python benchmarks/grammar_combine.py --run      # answer again with today's preset first (slow)
    python benchmarks/grammar_combine.py --lora     # test: the stored LoRA answers, alone and joined
    python benchmarks/grammar_combine.py --spelling # dev: Harper's first suggestion or the commonest word

The stored answers were made with the grammar preset of 2026-11-30 morning
(one demonstration); the test figures in docs/evaluation.md use today's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from draftwheel.engine import combine, rules
from draftwheel.engine.edits import apply_edits, merge, model_hunks
from draftwheel.evaluate.data import load_eval_set
from draftwheel.evaluate.tokenize import detokenize, ptb
from draftwheel.train.metrics import gleu

REPO = Path(__file__).resolve().parents[1]
JFLEG = REPO / "benchmarks" / "data" / "jfleg"
OUT = REPO / "benchmarks" / "results" / "jfleg-rules"
N = 300


def _answers(name: str) -> list[str]:
    return json.loads((OUT / name).read_text(encoding="utf-8"))["outputs"]


def _rerun() -> None:
    """Today's model answers with rules off, through `draftwheel eval` (the app's code path)."""
    out = OUT / "dev-300-eval.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "draftwheel",
            "eval",
            "--src",
            str(JFLEG / "dev.src"),
            "--refs",
            *[str(JFLEG / f"dev.ref{i}") for i in range(4)],
            "--modes",
            "zero",
            "--rules",
            "off",
            "--limit",
            str(N),
            "--tokenize",
            "ptb",
            "--detokenize",
            "--out",
            str(out),
        ],
        check=True,
    )
    rows = json.loads(out.read_text(encoding="utf-8"))["sentences"]
    sources = [detokenize(r["source"]) for r in rows]
    (OUT / "dev-300-model.json").write_text(
        json.dumps({"inputs": sources, "outputs": [r["zero"]["output"] for r in rows]}), encoding="utf-8"
    )


def lora_rows() -> None:
    """JFLEG test from stored answers: out of the box (test-747-zero.json) and the LoRA of 754 dev pairs."""
    record = json.loads((REPO / "benchmarks" / "results" / "jfleg-full" / "test-747.json").read_text("utf-8"))
    answers = [row["lora"]["output"] for row in record["sentences"]]
    data = load_eval_set(JFLEG / "test.src", [JFLEG / f"test.ref{i}" for i in range(4)])
    checker = rules.RuleChecker()
    sources = [detokenize(s) for s in data.sources]
    typed = [detokenize(a) for a in answers]
    zero = json.loads((OUT / "test-747-zero.json").read_text("utf-8"))["sentences"]
    model = [detokenize(row["zero model"]["output"]) for row in zero]
    rows = [
        ("out of the box: the app's text as stored by that run", [row["zero"]["output"] for row in zero]),
        (
            "out of the box: its model answers + today's rule fixes",
            [combine.combine(s, a, checker.check(s)).text for s, a in zip(sources, model, strict=True)],
        ),
        (
            "out of the box: today's rules alone",
            [apply_edits(s, combine.rule_edits(s, checker.check(s))) for s in sources],
        ),
        ("LoRA alone, answers as stored", answers),
        ("LoRA alone, answers detokenized", typed),
        (
            "LoRA, then rules where it left the words",
            [combine.combine(s, a, checker.check(s)).text for s, a in zip(sources, typed, strict=True)],
        ),
    ]
    print("JFLEG test, 747 sentences, GLEU (ptb, 4 references)")
    for name, outputs in rows:
        print(f"  {name:55} {gleu(data.sources, [ptb(o) for o in outputs], data.references):6.2f}")


def spelling_rows() -> None:
    """JFLEG dev (all 754), rules alone: Harper's first suggestion for a misspelling, or the commonest word."""
    data = load_eval_set(JFLEG / "dev.src", [JFLEG / f"dev.ref{i}" for i in range(4)])
    sources = [detokenize(s) for s in data.sources]
    checker = rules.RuleChecker()
    issues = [checker.check(s) for s in sources]

    def first(s: str, found: list[rules.RuleIssue]) -> str:
        keep = [i for i in found if i.fixable and not combine.looks_like_a_name(s, i)]
        return rules.apply(s, keep)

    rows = [
        ("leave the text as it is", list(sources)),
        ("rules alone, Harper's first suggestion", [first(s, i) for s, i in zip(sources, issues, strict=True)]),
        (
            "rules alone, the commonest word (chosen)",
            [apply_edits(s, combine.rule_edits(s, i)) for s, i in zip(sources, issues, strict=True)],
        ),
    ]
    print("JFLEG dev, 754 sentences, GLEU (ptb, 4 references)")
    for name, outputs in rows:
        print(f"  {name:55} {gleu(data.sources, [ptb(o) for o in outputs], data.references):6.2f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", action="store_true", help="answer the dev sentences again first (rules off)")
    p.add_argument("--lora", action="store_true", help="instead: the LoRA rows on test from its stored answers")
    p.add_argument("--spelling", action="store_true", help="instead: how misspellings are replaced, on dev")
    args = p.parse_args(argv)
    if args.spelling:
        spelling_rows()
        return 0
    if args.lora:
        lora_rows()
        return 0
    if args.run:
        _rerun()
    model = _answers("dev-300-model.json")
    after_rules = _answers("dev-300-rules-then-model.json")
    n = min(len(model), len(after_rules), N)
    data = load_eval_set(JFLEG / "dev.src", [JFLEG / f"dev.ref{i}" for i in range(4)], limit=n)
    sources = [detokenize(s) for s in data.sources]
    checker = rules.RuleChecker()
    issues = [checker.check(s) for s in sources]
    fixes = [combine.rule_edits(s, i) for s, i in zip(sources, issues, strict=True)]
    hunks = [model_hunks(s, o) for s, o in zip(sources, model[:n], strict=True)]

    def score(outputs: list[str]) -> float:
        return gleu(data.sources, [ptb(o) for o in outputs], data.references)

    def joined(first: str) -> list[str]:
        pairs = zip(sources, hunks, fixes, strict=True)
        return [apply_edits(s, merge(h, f) if first == "model" else merge(f, h)) for s, h, f in pairs]

    table = [
        ("leave the text as it is", score(list(sources))),
        ("model alone", score(model[:n])),
        ("rules alone", score([apply_edits(s, f) for s, f in zip(sources, fixes, strict=True)])),
        ("model, then rules where it left the words (chosen)", score(joined("model"))),
        ("rules, then model where they left the words", score(joined("rules"))),
        ("model, then rules on its answer", score([combine.combine(o, o, checker.check(o)).text for o in model[:n]])),
        ("rules first, model on the fixed text", score(after_rules[:n])),
        (
            "rules first, model, rules again",
            score([combine.combine(o, o, checker.check(o)).text for o in after_rules[:n]]),
        ),
    ]
    print(f"JFLEG dev, first {n} sentences, GLEU (ptb, 4 references)")
    for name, value in table:
        print(f"  {name:55} {value:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
