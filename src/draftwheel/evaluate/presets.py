"""Score the task presets on the bundled model against sets we wrote (``tests/data/presets/``).

Each preset has a dev split (used to choose its demonstrations) and a test
split of 100 held-out inputs: e-mails, notes and paragraphs of one to five
sentences, one JSON object a line::

    {"id": "formal-test-007", "task": "formal", "input": "...", "reference": "...", "kind": "email"}

``reference`` is one good revision, written by hand, so that a stage can be
compared with leaving the text unchanged. Every input goes through
:func:`draftwheel.engine.revise.revise_text`, exactly as in the editor
(greedy, seeded). Per preset:

* ``flagged`` — share of inputs where the output check (``engine.guard``)
  refused a unit twice, so the user gets no suggestion for it, or offered it
  marked "may change your meaning" (a unit's ``warn``, where the engine has
  a meaning score); ``rejected`` counts the first kind only;
* ``retried`` — share of inputs where a unit's first answer was refused;
* ``unchanged_raw`` — share where the model's own answer changes nothing
  (whitespace ignored), ``unchanged`` — share where the guarded output does
  (rejected units keep their source, so this includes them);
* chrF (and GLEU for ``grammar``) of the raw answers (every unit's last
  answer, refused or not), of the guarded output, and of the input itself.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from draftwheel.engine.base import Engine
from draftwheel.engine.prompts import Task
from draftwheel.engine.revise import ReviseOptions, RevisionResult, revise_text
from draftwheel.errors import InputError
from draftwheel.textio import read_text
from draftwheel.train.metrics import chrf, gleu

PRESETS = ("grammar", "clearer", "shorter", "formal", "friendly")
SPLITS = ("dev", "test")
SCHEMA = 1


@dataclass(frozen=True)
class Item:
    id: str
    task: str
    input: str
    reference: str
    kind: str = ""


@dataclass
class ItemRun:
    output: str  # what the user is offered: refused units keep their source
    raw: str  # every unit's (last) answer, refused or not
    flagged: bool  # some unit was refused twice, or offered with a meaning warning
    retried: bool  # some unit's first answer was refused
    rejected: bool = False  # some unit was refused twice (kept its source)
    reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0


def set_path(folder: str | Path, task: str, split: str) -> Path:
    return Path(folder) / f"{task}-{split}.jsonl"


def load_items(file: str | Path) -> list[Item]:
    """Items of one JSONL file; a malformed line stops with its line number."""
    items: list[Item] = []
    for n, line in enumerate(read_text(file).splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            item = Item(raw["id"], raw["task"], raw["input"], raw["reference"], raw.get("kind", ""))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{file}:{n}: not a preset item ({exc}).") from None
        items.append(item)
    if not items:
        raise InputError(f"{file}: no items.")
    return items


def _same(a: str, b: str) -> bool:
    return a.split() == b.split()


def raw_text(text: str, result: RevisionResult) -> str:
    """``text`` with every unit replaced by the model's answer, whether the check accepted it or not."""
    out, pos = [], 0
    for unit in sorted(result.units, key=lambda u: u.start):
        out.append(text[pos : unit.start])
        out.append(unit.attempt if unit.reason and unit.reason != "cancelled" else unit.output)
        pos = unit.end
    out.append(text[pos:])
    return "".join(out)


def run_item(engine: Engine, task: Task, item: Item, options: ReviseOptions) -> ItemRun:
    t0 = time.perf_counter()
    result = revise_text(engine, item.input, task, options)
    reasons = [u.reason for u in result.units if u.reason]
    warned = [u for u in result.units if getattr(u, "warn", False)]  # the meaning guard's band, where there is one
    return ItemRun(
        output=result.text,
        raw=raw_text(item.input, result),
        flagged=bool(reasons or warned),
        rejected=bool(reasons),
        retried=any(u.tries > 1 for u in result.units),
        reasons=reasons,
        seconds=time.perf_counter() - t0,
    )


def run_items(
    engine: Engine, task: Task, items: Sequence[Item], options: ReviseOptions, progress: bool = True
) -> list[ItemRun]:
    from tqdm import tqdm

    bar = tqdm(items, desc=f"{task.name:>8}", unit="text", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    return [run_item(engine, task, item, options) for item in bar]


def score(items: Sequence[Item], runs: Sequence[ItemRun]) -> dict:
    """The figures of one preset over ``items`` (see the module's docstring)."""
    n = len(items)
    sources = [it.input for it in items]
    refs = [[it.reference for it in items]]
    out: dict = {
        "n": n,
        "flagged": round(sum(r.flagged for r in runs) / n, 4),
        "rejected": round(sum(r.rejected for r in runs) / n, 4),
        "retried": round(sum(r.retried for r in runs) / n, 4),
        "unchanged_raw": round(sum(_same(r.raw, it.input) for r, it in zip(runs, items, strict=True)) / n, 4),
        "unchanged": round(sum(_same(r.output, it.input) for r, it in zip(runs, items, strict=True)) / n, 4),
        "chrf_raw": round(chrf([r.raw for r in runs], refs), 2),
        "chrf_guarded": round(chrf([r.output for r in runs], refs), 2),
        "chrf_unchanged": round(chrf(sources, refs), 2),
        "mean_seconds": round(statistics.fmean(r.seconds for r in runs), 2),
    }
    if items and items[0].task == "grammar":
        out["gleu_raw"] = round(gleu(sources, [r.raw for r in runs], refs), 2)
        out["gleu_guarded"] = round(gleu(sources, [r.output for r in runs], refs), 2)
        out["gleu_unchanged"] = round(gleu(sources, sources, refs), 2)
    return out


def rows(items: Sequence[Item], runs: Sequence[ItemRun]) -> list[dict]:
    return [{**asdict(it), **asdict(r)} for it, r in zip(items, runs, strict=True)]


def evaluate_presets(
    engine: Engine,
    tasks: Sequence[Task],
    folder: str | Path,
    split: str = "test",
    options: ReviseOptions | None = None,
    limit: int | None = None,
    progress: bool = True,
) -> dict:
    """Run every task over its ``split`` file in ``folder``; scores and every output, per preset."""
    options = options or ReviseOptions(temperature=0.0, seed=0)
    record: dict = {"schema": SCHEMA, "split": split, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    record["settings"] = {"temperature": options.temperature, "seed": options.seed, "limit": limit}
    record["presets"] = {}
    for task in tasks:
        items = load_items(set_path(folder, task.name, split))[:limit]
        runs = run_items(engine, task, items, options, progress)
        record["presets"][task.name] = {
            "instruction": task.instruction,
            "demos": [list(d) for d in task.demos],
            "scores": score(items, runs),
            "items": rows(items, runs),
        }
    return record


def table(record: dict) -> str:
    """Plain-text table of the scores (terminal and docs)."""
    head = (
        f"{'preset':9} {'n':>4} {'flagged':>8} {'unch.raw':>9} {'unch.':>6} "
        f"{'chrF raw':>9} {'chrF guarded':>13} {'chrF unch.':>11}"
    )
    lines = [head]
    for name, res in record["presets"].items():
        s = res["scores"]
        line = (
            f"{name:9} {s['n']:4d} {s['flagged']:8.0%} {s['unchanged_raw']:9.0%} {s['unchanged']:6.0%} "
            f"{s['chrf_raw']:9.2f} {s['chrf_guarded']:13.2f} {s['chrf_unchanged']:11.2f}"
        )
        if "gleu_raw" in s:
            line += f"   GLEU raw {s['gleu_raw']:.2f} guarded {s['gleu_guarded']:.2f} unch. {s['gleu_unchanged']:.2f}"
        lines.append(line)
    return "\n".join(lines)
