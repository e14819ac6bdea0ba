"""How faithfully does a suggestion keep its input's meaning? A score from 0 to 1.

The bundled 270M base model, asked for "More formal" on a note about moving
a meeting to Thursday, answered "I'm sorry, I didn't realize that you were
going to be late.": fluent, plausible, and a different message. This module
scores a (input, suggestion) pair by what a reader checks first:

* the input's content words the suggestion keeps (same stem, or spelled
  alike: a spelling fix keeps the word);
* the suggestion's content words that come from nowhere in the input;
* names (capitalised words inside a sentence), numbers and dates: dropped
  or new ones;
* negation: "not", "never", "no", "-n't" present on one side only (or a
  different count of them);
* a person the text does not mention ("Our flight" -> "His flight"), and
  for grammar, clearer and shorter any new "I"/"we"/"you";
* a question where the text neither asks nor requests anything;
* for grammar, how much of the word sequence changed;
* the length ratio.

Each feature gives a factor in [0, 1]; the score is their product, so one
clearly broken fact (a new number, a flipped negation) is enough to make
the score low. What a task may do is per task: "shorter" may drop words
(and a greeting's name), "formal"/"friendly" may reword and add polite
words, "grammar" may change little. Measured on a labelled set of the
bundled model's answers (tests/data/meaning/, docs/evaluation.md "Meaning
guard"); the thresholds below were chosen on its dev half.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

# Below REJECT a unit's answer fails the guard (engine.guard); between REJECT and WARN it is offered but
# marked "may change your meaning". Chosen on the dev half of tests/data/meaning/pairs.jsonl (split seed 17):
# REJECT is evaluate.meaning.choose_threshold's pick (0.7222: best recall for meaning-changed at precision
# >= 0.9; recall 0.975, precision 1.0 on dev), rounded; WARN marks the mildest losses (one dropped name
# scores 0.75) and, on dev, 1 of 45 meaning-kept answers. The presets' own demonstrations all pass.
REJECT = 0.72
WARN = 0.8

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_STOP = frozenset(
    "a an the and or but if then so of to in on at by for with from as is are was were be been being it its "
    "this that these those i you he she we they me him her us them my your his our their not no do does did "
    "have has had will would can could should may might must shall there here what which who whom when where "
    "why how all any some very just also i'm you're we're they're it's that's there's he's she's i've you've "
    "we've i'll you'll we'll i'd you'd".split()
)
_SUFFIX = re.compile(r"(?:ing|ed|es|s)$")
# Words that negate, with the apostrophe-less spellings people type ("dont", "wont").
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|nowhere|cannot|without|unable|"
    r"\w*n[’']t|(?:do|does|did|is|are|was|were|has|have|had|wo|ca|could|should|would|must|need)nt)\b",
    re.IGNORECASE,
)
# Phrases with a negation word that do not negate what the sentence says ("Not sure if the call is at 2").
_HEDGE = re.compile(r"\b(?:not (?:sure|certain|only)|no (?:doubt|problem|worries))\b", re.IGNORECASE)
# A question that is a polite request ("Could you send...?"): what "formal"/"friendly" make of an order.
_POLITE = re.compile(r"^\W*(?:could|would|can|will|may) (?:you|we|i)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100"})
del _NUMBER_WORDS["_"]  # "one" is too often a pronoun ("no one", "the old one") to count as a number
# Pronouns that name a person ("they" names things as often): one the text does not have puts a new
# person in it ("Our flight" -> "His flight").
_THIRD = frozenset("he his she hers".split())
# Every person a pronoun can bring in, by person: a grammar fix, a clearer or shorter wording brings in none
# ("The report is due" -> "We should have reported").
_PERSONS = (
    frozenset("i me my mine im we us our ours".split()),
    frozenset("you your yours u ur".split()),
)
# A text that asks for something may become a question ("Please bring..." -> "Could you bring...?").
_REQUEST = re.compile(
    r"\b(?:please|let me know|can|could|would|will you|need|needs|must|should|have to|has to|do not|don't|dont)\b",
    re.IGNORECASE,
)
# Capitalised words that are not names wherever they stand.
_NOT_NAMES = frozenset("i i'm i'll i've i'd ok okay hi hey hello dear thanks please".split())
# Polite or framing words a tone change adds without changing the message.
_FRAMING = frozenset(
    "please kindly thank thanks dear hello hey hi regards best sincerely great quick just note appreciate "
    "happy glad hope wonderful awesome really sure let know would like could possible convenience earliest "
    "inform advise informed request requested ensure asap bunch".split()
)


@dataclass(frozen=True)
class _TaskRule:
    keep: float  # share of the input's content words a faithful answer keeps (at or above: no penalty)
    added: float  # share of new content words in the answer allowed before a penalty
    ratio: tuple[float, float]  # output words / input words without penalty
    drop_names: bool = False  # may drop names (a greeting's "Marta"); numbers stay required
    new_persons: bool = True  # may bring in a first or second person ("Could you...", "I would like...")
    same: float = 0.0  # least word-sequence similarity to the input without penalty (grammar: few words change)


_RULES = {
    "grammar": _TaskRule(0.65, 0.35, (0.6, 1.5), same=0.45, new_persons=False),
    "clearer": _TaskRule(0.5, 0.4, (0.35, 1.6), new_persons=False),
    "shorter": _TaskRule(0.45, 0.3, (0.25, 1.1), drop_names=True, new_persons=False),
    "formal": _TaskRule(0.6, 0.5, (0.6, 2.0)),
    "friendly": _TaskRule(0.6, 0.5, (0.6, 2.0)),
}
# Your own instruction may ask for anything ("Make it a bullet list"): only the clearest losses count.
_DEFAULT_RULE = _TaskRule(0.34, 0.6, (0.2, 3.0))


@dataclass(frozen=True)
class Meaning:
    """The score and what lowered it (for the review's note and for tuning)."""

    score: float
    kept: float  # share of the input's content words the suggestion keeps
    added: float  # share of the suggestion's content words not in the input
    problems: tuple[str, ...] = field(default=())  # plain words, most important first

    @property
    def reason(self) -> str:
        return "; ".join(self.problems)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def stem(word: str) -> str:
    # Crude, but enough to let "needs"/"need", "moved"/"moving"/"move", "applies"/"apply" match.
    if len(word) > 4 and word.endswith(("ies", "ied")):
        word = word[:-3] + "y"
    return (_SUFFIX.sub("", word) if len(word) > 4 else word)[:5]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in _STOP and len(w) > 2 and not _NEGATION.fullmatch(w)]


def _matcher(candidates: list[str]):
    stems = {stem(w) for w in candidates}

    def found(w: str) -> bool:
        return stem(w) in stems or any(difflib.SequenceMatcher(None, w, o).ratio() >= 0.75 for o in candidates)

    return found


def kept_share(words_: list[str], output: str) -> float:
    """Share of ``words_`` found in ``output``: same stem, or spelled alike (a spelling fix keeps the word)."""
    found = _matcher(content_words(output))
    return sum(found(w) for w in words_) / max(len(words_), 1)


def _names(text: str) -> set[str]:
    """Capitalised words not at a sentence's start (people, places, days, months), lower-cased."""
    out = set()
    for m in re.finditer(r"[^\W\d_]+(?:'[^\W\d_]+)?", text):
        w = m.group()
        if not w[0].isupper() or w.lower() in _NOT_NAMES or w.lower() in _STOP:
            continue
        before = text[: m.start()].rstrip()
        if not before or before[-1] in '.!?:"“(\n':
            continue
        out.add(w.lower())
    return out


def _numbers(text: str) -> set[str]:
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    found |= {_NUMBER_WORDS[w] for w in words(text) if w in _NUMBER_WORDS}
    return {n.lstrip("0") or "0" for n in found}


def _in_text(word: str, text_words: set[str]) -> bool:
    return word in text_words or any(difflib.SequenceMatcher(None, word, t).ratio() >= 0.8 for t in text_words)


def meaning_score(task: str, source: str, output: str) -> Meaning:
    """How faithfully ``output`` keeps the meaning of ``source`` under ``task`` (1 = as faithful as a copy)."""
    rule = _RULES.get(task, _DEFAULT_RULE)
    src_c, out_c = content_words(source), content_words(output)
    if not out_c and not src_c:
        return Meaning(1.0 if output.strip() else 0.0, 1.0, 0.0)
    found = _matcher(out_c)
    # Greetings and tone words of the text ("hey", "asap") may go: they do not count unless kept.
    src_set = sorted({w for w in src_c if w not in _FRAMING or found(w)})
    out_set = sorted(set(out_c))
    kept = sum(found(w) for w in src_set) / len(src_set) if src_set else 1.0
    from_src = _matcher(src_c)
    added = sum(not from_src(w) and w not in _FRAMING for w in out_set) / max(len(out_set), 1)
    factor: list[tuple[float, str]] = []

    if kept < rule.keep:
        factor.append(((kept / rule.keep) ** 2, f"keeps {kept:.0%} of the text's words"))
    if rule.same:
        same = difflib.SequenceMatcher(None, words(source), words(output), autojunk=False).ratio()
        if same < rule.same:
            factor.append(((same / rule.same) ** 2, f"rewrites {1 - same:.0%} of the text"))
    if added > rule.added:
        factor.append((max(0.0, 1 - (added - rule.added) / (1 - rule.added)), f"{added:.0%} of its words are new"))

    src_words, out_words = set(words(source)), set(words(output))
    src_names, out_names = _names(source), _names(output)
    new_names = [n for n in out_names if not _in_text(n, src_words)]
    lost_names = [n for n in src_names if not _in_text(n, out_words)]
    if new_names:
        factor.append((0.5 ** len(new_names), "adds " + ", ".join(sorted(new_names))))
    if lost_names and not rule.drop_names:
        factor.append((0.75 ** len(lost_names), "drops " + ", ".join(sorted(lost_names))))

    src_nums, out_nums = _numbers(source), _numbers(output)
    new_nums, lost_nums = out_nums - src_nums, src_nums - out_nums
    if new_nums:
        factor.append((0.35, "a number the text does not have (" + ", ".join(sorted(new_nums)) + ")"))
    if lost_nums:
        factor.append((0.5 ** len(lost_nums), "drops " + ", ".join(sorted(lost_nums))))

    new_people = sorted((out_words & _THIRD) - src_words)
    if new_people and not (src_words & _THIRD):
        factor.append((0.45, "adds " + ", ".join(new_people)))
    elif not rule.new_persons:
        brought = [min(out_words & p) for p in _PERSONS if out_words & p and not src_words & p]
        if brought:
            factor.append((0.6, "adds " + ", ".join(brought)))

    if (
        task != "grammar"
        and "?" in output
        and "?" not in source
        and not _REQUEST.search(source)
        and not _POLITE.search(output)
    ):
        # (A grammar fix may add the question mark a question lacked.)
        factor.append((0.5, "asks a question the text does not ask"))

    n_neg_src = len(_NEGATION.findall(_HEDGE.sub(" ", source)))
    n_neg_out = len(_NEGATION.findall(_HEDGE.sub(" ", output)))
    if bool(n_neg_src) != bool(n_neg_out):
        factor.append((0.4, "adds a negation" if n_neg_out else "drops a negation"))
    elif n_neg_src != n_neg_out:
        factor.append((0.7, "changes a negation"))

    n_src, n_out = max(len(words(source)), 1), len(words(output))
    lo, hi = rule.ratio
    ratio = n_out / n_src
    if n_src >= 6 and not lo <= ratio <= hi:
        off = lo / max(ratio, 1e-6) if ratio < lo else ratio / hi
        factor.append((min(1.0, 1 / off), f"{n_out} words for {n_src}"))

    score = 1.0
    for f, _why in factor:
        score *= f
    problems = tuple(why for f, why in sorted(factor) if f < 1.0)
    return Meaning(round(max(0.0, min(1.0, score)), 4), round(kept, 4), round(added, 4), problems)
