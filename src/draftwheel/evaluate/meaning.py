"""Score the meaning guard on a labelled set of (input, suggestion, task) pairs.

The set (tests/data/meaning/pairs.jsonl) holds the bundled model's answers,
each labelled by a person ``kept`` or ``changed``. The positive class is
``changed``: the guard's job is to catch those. The pairs are split in two
halves by input text (every answer to one text lands in the same half, so
the dev half never sees the test half's texts): thresholds are chosen on
dev, precision and recall reported on test, and the split is repeated over
seeds for the spread.
"""

from __future__ import annotations

import itertools
import json
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from draftwheel.engine import guard, meaning
from draftwheel.errors import InputError

SPLIT_SEED = 17
TARGET_RECALL = 0.9  # for meaning-changed, at
TARGET_PRECISION = 0.8
DEV_PRECISION = 0.9  # what choose_threshold asks of the dev half (a margin above TARGET_PRECISION)


@dataclass(frozen=True)
class Pair:
    text_id: int
    task: str
    input: str
    suggestion: str
    changed: bool
    setting: str = ""


@dataclass(frozen=True)
class Counts:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
        }


def load_pairs(path: Path) -> list[Pair]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            row = json.loads(line)
            label = row["label"]
            if label not in ("kept", "changed"):
                raise ValueError(f"label {label!r}")
            out.append(
                Pair(
                    int(row["text_id"]),
                    str(row["task"]),
                    str(row["input"]),
                    str(row["suggestion"]),
                    label == "changed",
                    str(row.get("setting", "")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}, line {n}: not a labelled pair ({exc}).") from None
    return out


def split(pairs: Sequence[Pair], seed: int = SPLIT_SEED) -> tuple[list[Pair], list[Pair]]:
    """(dev, test): the input texts shuffled with ``seed`` and cut in two halves."""
    ids = sorted({p.text_id for p in pairs})
    random.Random(seed).shuffle(ids)
    dev_ids = set(ids[: len(ids) // 2])
    return [p for p in pairs if p.text_id in dev_ids], [p for p in pairs if p.text_id not in dev_ids]


def meaning_scores(pairs: Sequence[Pair]) -> list[float]:
    return [meaning.meaning_score(p.task, p.input, p.suggestion).score for p in pairs]


def kept_scores(pairs: Sequence[Pair]) -> list[float]:
    """The simplest option: the share of the input's content words the suggestion keeps, alone."""
    return [meaning.meaning_score(p.task, p.input, p.suggestion).kept for p in pairs]


def structural_flags(pairs: Sequence[Pair]) -> list[bool]:
    """The guard's checks before the meaning score existed (labels, repeats, ratios, kept words...)."""
    out = []
    for p in pairs:
        v = guard.check_output(p.task, p.input, p.suggestion)
        out.append(not v.ok and not v.reason.startswith(guard.MEANING_REASON))
    return out


def guard_flags(pairs: Sequence[Pair]) -> list[bool]:
    """Whether the whole output check (engine.guard, meaning included) refuses each answer."""
    return [not guard.check_output(p.task, p.input, p.suggestion).ok for p in pairs]


def counts(flags: Sequence[bool], pairs: Sequence[Pair]) -> Counts:
    tp = sum(f and p.changed for f, p in zip(flags, pairs, strict=True))
    fp = sum(f and not p.changed for f, p in zip(flags, pairs, strict=True))
    fn = sum(not f and p.changed for f, p in zip(flags, pairs, strict=True))
    return Counts(tp, fp, fn, len(pairs) - tp - fp - fn)


def at(threshold: float, scores: Sequence[float], pairs: Sequence[Pair]) -> Counts:
    """Flag a pair as meaning-changed when its score is below ``threshold``."""
    return counts([s < threshold for s in scores], pairs)


def choose_threshold(scores: Sequence[float], pairs: Sequence[Pair], precision: float = DEV_PRECISION) -> float:
    """The threshold with the best recall for "changed" whose precision stays at ``precision`` or more.

    Candidates are midpoints between distinct scores; of those with the same recall the lowest
    (fewest answers flagged) wins. ``precision`` is above the 0.8 target on purpose: a threshold
    picked at the edge on dev tends to fall below it on test.
    """
    values = [*sorted(set(scores)), 1.0001]
    candidates = [*(round((a + b) / 2, 4) for a, b in itertools.pairwise(values)), 1.0001]

    def key(t: float) -> tuple[bool, float, float]:
        c = at(t, scores, pairs)
        return (c.precision >= precision, c.recall if c.precision >= precision else c.precision, -t)

    return max(candidates, key=key)


@dataclass(frozen=True)
class Report:
    n: int
    n_changed: int
    seed: int
    threshold: float  # chosen on the dev half
    dev: Counts
    test: Counts
    guard_test: Counts  # the whole engine.guard check at its built-in thresholds, on the test half
    cv_precision: tuple[float, ...]  # test-half precision over the seeds (threshold chosen on each dev half)
    cv_recall: tuple[float, ...]
    per_task: dict[str, Counts]  # test half, at the chosen threshold
    built_in: Counts  # test half at meaning.REJECT
    options: dict[str, Counts]  # other ways to flag, on the test half

    def as_dict(self) -> dict:
        def spread(xs: tuple[float, ...]) -> dict[str, float]:
            return {"mean": round(statistics.mean(xs), 3), "min": round(min(xs), 3), "max": round(max(xs), 3)}

        return {
            "pairs": self.n,
            "changed": self.n_changed,
            "kept": self.n - self.n_changed,
            "split_seed": self.seed,
            "threshold_chosen_on_dev": self.threshold,
            "reject_threshold": meaning.REJECT,
            "warn_threshold": meaning.WARN,
            "dev": self.dev.as_dict(),
            "test": self.test.as_dict(),
            "guard_test": self.guard_test.as_dict(),
            "cv_seeds": len(self.cv_precision),
            "cv_test_precision": spread(self.cv_precision),
            "cv_test_recall": spread(self.cv_recall),
            "per_task_test": {k: v.as_dict() for k, v in sorted(self.per_task.items())},
            "built_in_test": self.built_in.as_dict(),
            "options_test": {k: v.as_dict() for k, v in self.options.items()},
        }


def evaluate(
    pairs: Sequence[Pair],
    seed: int = SPLIT_SEED,
    cv_seeds: int = 20,
    scorer: Callable[[Sequence[Pair]], list[float]] = meaning_scores,
) -> Report:
    if not pairs:
        raise InputError("No labelled pairs to evaluate.")
    scores = dict(zip(pairs, scorer(pairs), strict=True))

    def run(s: int) -> tuple[float, Counts, Counts, list[Pair]]:
        dev, test = split(pairs, s)
        t = choose_threshold([scores[p] for p in dev], dev)
        return t, at(t, [scores[p] for p in dev], dev), at(t, [scores[p] for p in test], test), test

    threshold, dev_c, test_c, test = run(seed)
    cv = [run(s)[2] for s in range(1, cv_seeds + 1)]
    tasks = sorted({p.task for p in test})
    per_task = {
        task: at(threshold, [scores[p] for p in test if p.task == task], [p for p in test if p.task == task])
        for task in tasks
    }
    dev, _test = split(pairs, seed)
    kept = dict(zip(pairs, kept_scores(pairs), strict=True))
    t_kept = choose_threshold([kept[p] for p in dev], dev)
    options = {
        f"content words kept alone (< {t_kept} on dev)": at(t_kept, [kept[p] for p in test], test),
        "guard checks without the meaning score": counts(structural_flags(test), test),
    }
    return Report(
        len(pairs),
        sum(p.changed for p in pairs),
        seed,
        threshold,
        dev_c,
        test_c,
        counts(guard_flags(test), test),
        tuple(c.precision for c in cv),
        tuple(c.recall for c in cv),
        per_task,
        at(meaning.REJECT, [scores[p] for p in test], test),
        options,
    )


def table(report: Report) -> str:
    """The report as the Markdown table of docs/evaluation.md."""
    d = report.as_dict()

    def row(name: str, c: dict) -> str:
        return f"| {name} | {c['precision']:.3f} | {c['recall']:.3f} | {c['tp']} | {c['fp']} | {c['fn']} | {c['tn']} |"

    cv_p, cv_r = d["cv_test_precision"], d["cv_test_recall"]
    lines = [
        f"{d['pairs']} pairs ({d['changed']} meaning-changed, {d['kept']} kept); split seed {d['split_seed']} "
        f"(by input text); threshold chosen on dev: score < {d['threshold_chosen_on_dev']} "
        f"(built in: reject < {d['reject_threshold']}, warn < {d['warn_threshold']})",
        "",
        "| half | precision | recall | TP | FP | FN | TN |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        row("dev (meaning score)", d["dev"]),
        row("test (meaning score)", d["test"]),
        row(f"test (meaning score < {d['reject_threshold']}, built in)", d["built_in_test"]),
        row("test (whole guard: all checks, meaning included)", d["guard_test"]),
        *(row(f"test, {name}", c) for name, c in d["options_test"].items()),
        *(row(f"test, {task}", c) for task, c in d["per_task_test"].items()),
        "",
        f"{d['cv_seeds']} other splits (threshold chosen on each dev half), test half: precision "
        f"{cv_p['mean']:.3f} (min {cv_p['min']:.3f}, max {cv_p['max']:.3f}), recall {cv_r['mean']:.3f} "
        f"(min {cv_r['min']:.3f}, max {cv_r['max']:.3f})",
    ]
    return "\n".join(lines)
