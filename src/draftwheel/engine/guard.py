"""Is a model's output a revision of its input, or something else?

Seen with the bundled 270M base model (issue reports, reproduced in
tests/test_guard.py): the paragraph repeated three times behind "Revision:"
labels, "Update: 1.0.0.0" dozens of times, the sentence of a few-shot example
in place of the user's, an apology in place of a note about a meeting, an
answer cut off at the token limit. Each is caught here by a cheap check that
needs no second model, so a failing unit keeps the user's text and the
review says why.

All ratios are over words (whitespace-separated); bounds are per task, since
"Make shorter" is meant to drop words and "Fix grammar" is not.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from draftwheel.engine import meaning

# (min, max) of output words / input words, per task; others use _DEFAULT_RATIO.
_RATIO = {
    "grammar": (0.6, 1.6),
    "shorter": (0.15, 1.2),
    "clearer": (0.3, 2.0),
    "formal": (0.4, 2.5),
    "friendly": (0.4, 2.5),
}
_DEFAULT_RATIO = (0.2, 3.0)
# Inputs shorter than this many words get slack: "Hi." -> "Hello there." is fine.
_SHORT = 6
# Least share of the input's content words the output must keep (meaning check).
_KEEP = {"grammar": 0.5, "shorter": 0.2}
# Tasks whose answer must still say what the input's end says: a grammar fix
# that stops halfway ("... a bit later." for a unit that went on to a second
# sentence, seen on JFLEG test line 64) dropped text even when the ratios pass.
_KEEPS_ENDING = frozenset({"grammar"})
_DEFAULT_KEEP = 0.34
_LABEL = re.compile(r"(?im)^\s*(revision|revised|text|instruction|input|output|update|answer|note)\s*:|#{3,}")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # plain words for the user when not ok
    meaning: float = 1.0  # engine.meaning's score of the answer (0..1; 1 when there was no answer to score)

    @property
    def warn(self) -> bool:
        """Offered, but with a borderline meaning score: the review marks it "may change your meaning"."""
        return self.ok and self.meaning < meaning.WARN


OK = Verdict(True)
MEANING_REASON = "the answer may change the meaning"


def _words(text: str) -> list[str]:
    return meaning.words(text)


_content_words = meaning.content_words
_kept_share = meaning.kept_share


def _max_ngram_repeats(words: list[str], n: int) -> int:
    grams = Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    return max(grams.values(), default=0)


def _repeated(source: str, output: str) -> bool:
    lines = [ln.strip().lower() for ln in output.splitlines() if len(ln.split()) >= 2]
    src_lines = Counter(ln.strip().lower() for ln in source.splitlines())
    if any(c > 1 and src_lines[ln] < c for ln, c in Counter(lines).items()):
        return True
    out_w, src_w = _words(output), _words(source)
    for n in (3, 6):
        if _max_ngram_repeats(out_w, n) >= 3 and _max_ngram_repeats(out_w, n) > _max_ngram_repeats(src_w, n) + 1:
            return True
    return False


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _words(a), _words(b), autojunk=False).ratio()


def check_output(
    task: str,
    source: str,
    output: str,
    examples: Iterable[tuple[str, str]] = (),
    finish_reason: str = "stop",
) -> Verdict:
    """Whether ``output`` may be offered as the revision of ``source`` under ``task``.

    ``examples`` are the (input, output) pairs the prompt showed the model
    (demonstration and retrieved edits): an answer that is one of them, and
    not the user's text, is a copy. ``finish_reason`` "length" means the
    answer was cut off, which a revision must never be. Every verdict carries
    the answer's meaning score (engine.meaning); one below ``meaning.REJECT``
    fails.
    """
    verdict = _check(task, source, output, examples, finish_reason)
    score = meaning.meaning_score(task, source, output) if output.strip() else None
    if score is None:
        return verdict
    if verdict.ok and score.score < meaning.REJECT:
        return Verdict(False, f"{MEANING_REASON} ({score.reason})", score.score)
    return Verdict(verdict.ok, verdict.reason, score.score)


def _check(
    task: str,
    source: str,
    output: str,
    examples: Iterable[tuple[str, str]],
    finish_reason: str,
) -> Verdict:
    if finish_reason == "length":
        return Verdict(False, "the answer ran past the length limit and was cut off")
    out = output.strip()
    if not out:
        return Verdict(False, "the model gave no answer")
    if _LABEL.search(out) and not _LABEL.search(source):
        return Verdict(False, "the answer contains prompt labels")
    if out.count("\n") > source.strip().count("\n"):
        # A unit is a sentence: an answer that breaks it into more lines has added something
        # ("y3\nWrite the numbers in the blanks to the right." for "hey can u send me the numbers asap").
        return Verdict(False, "the answer adds lines the text does not have")
    if _repeated(source, out):
        return Verdict(False, "the answer repeats itself")
    n_src, n_out = len(_words(source)), len(_words(out))
    lo, hi = _RATIO.get(task, _DEFAULT_RATIO)
    if n_src >= _SHORT and not (lo <= n_out / max(n_src, 1) <= hi):
        longer = n_out > n_src
        return Verdict(
            False, f"the answer is far {'longer' if longer else 'shorter'} than the text ({n_out} words for {n_src})"
        )
    if n_src < _SHORT and n_out > max(4 * n_src, 12):
        return Verdict(False, f"the answer is far longer than the text ({n_out} words for {n_src})")
    to_source = _similar(source, out)
    for ex_in, ex_out in examples:
        if _similar(ex_in, source) >= 0.6:
            continue  # the user's text is (nearly) the example's own input: its answer may well be the same
        if _similar(ex_out, out) > max(0.6, to_source + 0.2) or _similar(ex_in, out) > max(0.6, to_source + 0.2):
            return Verdict(False, "the answer copies an example from the prompt instead of revising the text")
    if task in _KEEPS_ENDING:
        ending = _content_words(source)[-3:]
        if len(ending) == 3 and _kept_share(ending, out) == 0:
            return Verdict(False, "the answer stops before the end of the text")
    src_content = sorted(set(_content_words(source)))
    if len(src_content) >= 3:
        kept = _kept_share(src_content, out)
        if kept < _KEEP.get(task, _DEFAULT_KEEP):
            return Verdict(
                False, f"the answer keeps only {kept:.0%} of the text's content words (its meaning may have changed)"
            )
    return OK
