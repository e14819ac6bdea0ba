"""Signals beyond word overlap for the grounding check (``ground.check``).

The overlap measure (``check.support``) passes a text that reuses the
passage's words but adds one wrong detail or flips the meaning: "Write a
letter to your mother." shares "write" and "letter" with a passage about
thank-you letters. Each function here finds one such failure, without a model:

* :func:`foreign_numbers` – numbers (digits or number words) the passage never states;
* :func:`foreign_names` – capitalised names the passage never mentions;
* :func:`negation_flips` – sentences saying the opposite of the passage sentence they
  reuse (one has "not"/"never"/"no"…, the other has not);
* :func:`unsupported_words` – content words (stems) absent from the passage;
* :func:`new_words` – how much an answer says beyond restating its question;
* :func:`denies_then_agrees` – "No: <the objection again>";
* :func:`coverage` – how much of the passage a paraphrase carries over.

Each was measured on the labelled set (tests/data/grounding/, benchmarks/grounding_check.py).
"""

from __future__ import annotations

import re
from itertools import pairwise

from draftwheel.ground.check import _stopwords, content_words, stem

_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000", "half": "0.5"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|[A-Za-z]+")
_NAME = re.compile(r"(?<![.!?:;\"\u201c]\s)(?<!^)\b[A-Z][a-z]+(?:'s)?")
_SENTENCE = re.compile(r"[^.!?;]+[.!?;]*")
_NEGATORS = frozenset("not no never nobody nothing none nor neither without cannot".split())  # and any "n't"
_NEG_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|[.,;:!?()\u2014]")


def numbers(text: str) -> set[str]:
    """Numbers in ``text``, digits and number words alike ("three" and "3" are both "3"; "10,000" is "10000")."""
    out = set()
    for m in _NUMBER.finditer(text):
        tok = m.group(0)
        if tok[0].isdigit():
            out.add(tok.replace(",", "").rstrip("."))
        elif tok.lower() in _NUMBER_WORDS:
            out.add(_NUMBER_WORDS[tok.lower()])
    return out


def foreign_numbers(text: str, passage: str) -> set[str]:
    """Numbers ``text`` states that ``passage`` does not: a made-up quantity is never grounded."""
    return numbers(text) - numbers(passage) - {"1", "0.5"}  # "one" and "half" are mostly not quantities


def foreign_names(text: str, passage: str) -> set[str]:
    """Capitalised words inside a sentence (names: Agnes, Postgres) that ``passage`` never uses, in any case."""
    known = {w.lower() for w in re.findall(r"[A-Za-z]+", passage)}
    found = set()
    for line in _SENTENCE.findall(text):
        for m in _NAME.finditer(line.strip()):
            word = m.group(0).removesuffix("'s")
            if word.lower() not in known and word != "I":
                found.add(word)
    return found


def _tokens(text: str) -> list[tuple[bool, str]]:
    """(is a negator, content stem or "") per word of ``text``; punctuation ends a clause as (False, "|")."""
    stops = _stopwords()
    out = []
    for m in _NEG_WORD.finditer(text.replace("\u2019", "'")):
        w = m.group(0).lower()
        if not w[0].isalpha():
            out.append((False, "|"))
            continue
        neg = w in _NEGATORS or w.endswith("n't")
        out.append((neg, "" if neg or w in stops or len(w) < 2 else stem(w)))
    return out


def _heads(tokens: list[tuple[bool, str]], window: int = 4) -> list[tuple[str, str]]:
    """What each negator negates: the first two content stems among the ``window`` words after it."""
    heads = []
    for i, (neg, _) in enumerate(tokens):
        if neg:
            clause = [s for _, s in tokens[i + 1 : i + 1 + window]]
            stems = [s for s in (clause[: clause.index("|")] if "|" in clause else clause) if s]
            if len(stems) >= 2:
                heads.append((stems[0], stems[1]))
    return heads


def _plain_mentions(tokens: list[tuple[bool, str]], head: tuple[str, str], window: int = 4) -> bool:
    """Does ``head`` occur (as consecutive content stems) with no negator in the ``window`` words before it?"""
    content = [i for i, (_, s) in enumerate(tokens) if s]  # clause breaks ("|") count as content
    for a, b in pairwise(content):
        before = tokens[max(0, a - window) : a]
        if (tokens[a][1], tokens[b][1]) == head and not any(n for n, _ in before):
            return True
    return False


def negation_flips(text: str, passage: str) -> list[str]:
    """Negated phrases of one side that the other states plainly: "I keep a detailed budget" from "I do not
    keep a detailed budget", "every weed needs pulling" from "not every weed needs pulling".

    A negated phrase is a negator's next two content stems; only the exact pair, in order, counts, so a
    paraphrase that rewords a negation ("instead of", "people forget") is left alone."""
    t, p = _tokens(text), _tokens(passage)
    flips = [f"{a} {b}" for a, b in _heads(p) if _plain_mentions(t, (a, b))]
    return flips + [f"not {a} {b}" for a, b in _heads(t) if _plain_mentions(p, (a, b))]


def unsupported_words(text: str, passage: str) -> list[str]:
    """Content-word stems of ``text`` (each once) that ``passage`` lacks."""
    source = set(content_words(passage))
    return sorted({w for w in content_words(text) if w not in source})


def new_words(answer: str, prompt: str) -> int:
    """How many distinct content stems ``answer`` adds to ``prompt``: a reply that only restates the
    question or objection ("No: a busy sailor is not a frightened one.") adds none."""
    return len(set(content_words(answer)) - set(content_words(prompt)))


_DENIAL = re.compile(r"^\W*(?:no|not much|not really|not at all|nope)\b\W*", re.I)


def denies_then_agrees(reply: str, objection: str, share: float = 0.8) -> bool:
    """A reply opening with "No"/"Not much" whose first sentence then says what the objection says
    ("No: a tidy edge is better than nothing."): it contradicts itself, so it cannot be the author's."""
    m = _DENIAL.match(reply)
    if not m:
        return False
    first = _SENTENCE.findall(reply[m.end() :]) or [""]
    wanted = set(content_words(objection))
    return bool(wanted) and len(wanted & set(content_words(first[0]))) >= share * len(wanted)


def coverage(paraphrase: str, passage: str) -> float:
    """Share of the passage's distinct content stems that the paraphrase uses (0..1)."""
    source = set(content_words(passage))
    return len(source & set(content_words(paraphrase))) / len(source) if source else 0.0
