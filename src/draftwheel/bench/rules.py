"""Live checking benchmark: Harper's latency per paragraph, a 5,000-word document, and typing.

- **Per paragraph**: every paragraph is checked as the editor's live layer checks it
  (:func:`draftwheel.app.live_check.check_paragraph`: words counted, Harper, the language
  guess), on one thread, timed one by one: p50, p99 and the worst. The paragraphs are
  JFLEG's dev and test sources (learners' English, full of mistakes; detokenized, five
  sentences a paragraph) and a few paragraphs of our own prose.
- **5,000-word document**: the whole document, in the batches the live layer sends to its
  thread; the first batch is what a user waits for before the first underline.
- **Typing**: ``python -m draftwheel.ui.typing_probe`` in its own process types into the real
  editor (offscreen Qt) with the 5,000-word document loaded, live checking off and then on,
  while a 5 ms heartbeat timer watches the GUI thread: the worst gap is the worst stall.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from draftwheel.errors import InputError

CHECKOUT_DATA = Path("benchmarks") / "data" / "jfleg"
DATA_FILES = ("dev.src", "test.src")
DATA_HINT = "Pass --data DIR, a folder holding JFLEG's dev.src and test.src (a checkout has benchmarks/data/jfleg)."
SENTENCES_PER_PARAGRAPH = 5
DOCUMENT_WORDS = 5000

# Our own prose (written for this benchmark): plain paragraphs, a few slips left in on purpose.
PROSE = [
    "Thanks for sending the draft over on Tuesday. I read it twice, once for the argument and once for "
    "the wording, and I think the structure works. The second section is the strongest; the opening "
    "could be shorter, and the conclusion repeats the introduction almost word for word.",
    "The quarterly numbers came in lower then we expected, mostly because two large orders slipped into "
    "January. Nothing is lost: both customers have confirmed in writing, and the delivery dates are set. "
    "We should say so plainly in the report rather than hide it in a footnote.",
    "Me and Sam will be in the office on Thursday from nine until noon. If you want to go through the "
    "budget together, that is the best time; after lunch we have the supplier call, which usually runs "
    "long. Bring the printed copy, the one with you're comments in the margin.",
    "The library closes at six on weekdays and at four on Saturdays. Members can borrow up to ten books "
    "at a time, for three weeks, and renew them twice online. Late fees were abolished last year, but a "
    "book that is more than a month overdue blocks the account until it comes back.",
    "We tested the new onboarding flow with twelve people who had never used the app. Nine of them "
    "finished without help; three got stuck on the screen that ask for a payment method before they "
    "had seen anything worth paying for. We will move that screen to the end.",
    "Its hard to overstate how much the old build system slowed us down. A clean build took forty "
    "minutes, an incremental one rarely less than five, and nobody trusted the cache. The new one "
    "builds from scratch in six minutes and has not given a wrong result in three months.",
]


def checkout_data() -> Path | None:
    source_root = Path(__file__).resolve().parents[3]  # <root>/src/draftwheel/bench/rules.py
    for root in (source_root, Path.cwd()):
        if all((root / CHECKOUT_DATA / name).is_file() for name in DATA_FILES):
            return root / CHECKOUT_DATA
    return None


def check_ready(data: str | Path | None) -> Path:
    """The JFLEG folder: ``--data DIR`` if given, else the checkout's copy (InputError, one line, if none)."""
    if data is None:
        found = checkout_data()
        if found is None:
            raise InputError(
                "The rules benchmark needs JFLEG's sources, which a plain install does not include.", DATA_HINT
            )
        return found
    folder = Path(data).expanduser()
    if not folder.is_dir():
        raise InputError(f"--data {data}: no such folder.", DATA_HINT)
    missing = [name for name in DATA_FILES if not (folder / name).is_file()]
    if missing:
        raise InputError(f"--data {data}: {' and '.join(missing)} not found there.", DATA_HINT)
    return folder.resolve()


def detokenize(sentence: str) -> str:
    """JFLEG's tokenized text ("it 's a test .") as a person types it ("it's a test.")."""
    s = " ".join(sentence.split())
    s = re.sub(r" ([.,!?;:%)\]}])", r"\1", s)
    s = re.sub(r"([(\[{$]) ", r"\1", s)
    s = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", s)
    s = s.replace("`` ", '"').replace(" ''", '"')
    return s


def paragraphs(folder: Path) -> list[str]:
    out: list[str] = []
    for name in DATA_FILES:
        sentences = [detokenize(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]
        sentences = [s for s in sentences if s]
        for i in range(0, len(sentences), SENTENCES_PER_PARAGRAPH):
            out.append(" ".join(sentences[i : i + SENTENCES_PER_PARAGRAPH]))
    return out + PROSE


def document(paras: list[str], words: int = DOCUMENT_WORDS) -> str:
    chosen: list[str] = []
    count = 0
    for p in paras:
        if count >= words:
            break
        chosen.append(p)
        count += len(p.split())
    return "\n\n".join(chosen)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _typing(doc: str, quick: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="draftwheel-bench-rules-") as tmp:
        path = Path(tmp) / "document.txt"
        path.write_text(doc, encoding="utf-8")
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
        chars = "120" if quick else "400"
        proc = subprocess.run(
            [sys.executable, "-m", "draftwheel.ui.typing_probe", "--doc", str(path), "--chars", chars],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"the typing probe failed ({proc.returncode}): {' | '.join(tail)}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(quick: bool = False, data: Path | None = None) -> dict:
    from draftwheel.app.live_check import BATCH_CHARS, WARM_UP, check_batch, check_paragraph
    from draftwheel.engine.rules import RuleChecker, harper_cpu_seconds

    def cpu() -> float:  # this thread's and the Harper thread's (every Harper call runs there)
        return time.thread_time() + harper_cpu_seconds()

    folder = data or check_ready(None)
    paras = paragraphs(folder)
    if quick:
        paras = paras[::4]
    checker = RuleChecker()
    check_paragraph(checker, WARM_UP)  # as the app's checker thread does when it starts
    first: list[float] = []  # the paragraph's first check (Harper has not seen its words)
    first_cpu: list[float] = []
    again: list[float] = []  # checked again after a word was typed at its end (the live case)
    again_cpu: list[float] = []
    issues = foreign = 0
    for p in paras:
        t0, c0 = time.perf_counter(), cpu()
        found = check_paragraph(checker, p)
        first.append((time.perf_counter() - t0) * 1000)
        first_cpu.append((cpu() - c0) * 1000)
        issues += len(found.issues)
        foreign += found.foreign
        t0, c0 = time.perf_counter(), cpu()
        check_paragraph(checker, p + " Then")
        again.append((time.perf_counter() - t0) * 1000)
        again_cpu.append((cpu() - c0) * 1000)
    doc = document(paragraphs(folder))
    blocks = doc.split("\n\n")
    batches: list[list[str]] = [[]]
    for b in blocks:
        if batches[-1] and sum(map(len, batches[-1])) + len(b) > BATCH_CHARS:
            batches.append([])
        batches[-1].append(b)
    fresh = RuleChecker()  # a new linter: none of the document's words seen before
    check_paragraph(fresh, WARM_UP)
    t0 = time.perf_counter()
    first_batch = None
    for batch in batches:
        check_batch(fresh, batch, _no_ignores())
        first_batch = first_batch if first_batch is not None else (time.perf_counter() - t0) * 1000
    doc_s = time.perf_counter() - t0
    typing = _typing(doc, quick)
    words = [len(p.split()) for p in paras]
    return {
        "name": "rules",
        "metrics": {
            "paragraphs": len(paras),
            "paragraph_words_median": statistics.median(words),
            "paragraph_p50_ms": round(_pct(first, 0.5), 2),
            "paragraph_p99_ms": round(_pct(first, 0.99), 2),
            "paragraph_max_ms": round(max(first), 2),
            "paragraph_cpu_p50_ms": round(_pct(first_cpu, 0.5), 2),
            "paragraph_cpu_p99_ms": round(_pct(first_cpu, 0.99), 2),
            "edited_paragraph_p50_ms": round(_pct(again, 0.5), 2),
            "edited_paragraph_p99_ms": round(_pct(again, 0.99), 2),
            "edited_paragraph_cpu_p99_ms": round(_pct(again_cpu, 0.99), 2),
            "problems_found": issues,
            "paragraphs_not_english": foreign,
            "document_words": len(doc.split()),
            "document_batches": len(batches),
            "document_first_batch_ms": round(first_batch or 0.0, 1),
            "document_s": round(doc_s, 3),
            "editor_document_checked_s": typing["document_in_editor_s"],
            "typing_keys": typing["on"]["keys"],
            "typing_worst_stall_ms_off": typing["off"]["worst_stall_ms"],
            "typing_worst_stall_ms_on": typing["on"]["worst_stall_ms"],
            "typing_stall_p99_ms_off": typing["off"]["stall_p99_ms"],
            "typing_stall_p99_ms_on": typing["on"]["stall_p99_ms"],
            "typing_stalls_over_50ms_off": typing["off"]["stalls_over_50ms"],
            "typing_stalls_over_50ms_on": typing["on"]["stalls_over_50ms"],
            "typing_key_max_ms_on": typing["on"]["key_max_ms"],
            "underline_after_pause_p50_ms": typing["on"]["underline_after_pause_p50_ms"],
        },
        "targets": {"paragraph_p99_ms": "<= 20", "edited_paragraph_p99_ms": "<= 20"},
        "notes": (
            f"{len(paras)} paragraphs (JFLEG dev+test sources, {SENTENCES_PER_PARAGRAPH} sentences each, and "
            f"{len(PROSE)} of our own), checked one at a time on one thread as the live layer does, each "
            "first as new text (paragraph_*: Harper has not seen its misspellings yet; cpu = the thread's CPU "
            "time, which other processes on the machine do not inflate) and again after a word was typed at "
            "its end (edited_paragraph_*: what a user's keystroke costs; Harper remembers words). The "
            f"{len(doc.split())}-word document in {len(batches)} batches of up to {BATCH_CHARS} characters. "
            "Typing: the real editor (offscreen) with that document loaded, one key every 40 ms with a 0.7 s "
            "pause every 8 words, live checking off then on; stall = the longest gap of a 5 ms GUI-thread "
            "heartbeat beyond 5 ms. underline_after_pause includes the 400 ms debounce."
        ),
    }


def _no_ignores():
    from draftwheel.app.live_check import Ignores

    return Ignores()
