"""Evaluation metrics for revisions: GLEU, chrF and the share left unchanged.

GLEU follows Napoles et al. ("Ground Truth for Grammatical Error Correction
Metrics", ACL 2015; "GLEU Without Tuning", 2016) as scored by the JFLEG
benchmark's reference script:

* text is split on whitespace (JFLEG is already tokenized), n = 1..4;
* per sentence and n, the matched count is
  ``|h ∩ r| - |h ∩ (s \\ r)|`` clipped at 0, where ``∩`` is the multiset
  minimum and ``s \\ r`` is the source's n-grams whose *type* never occurs in
  the reference (so copying source n-grams the annotator changed is
  penalised); the denominator is the number of hypothesis n-grams;
* counts are summed over the corpus, the four precisions are combined by a
  geometric mean and multiplied by BLEU's brevity penalty
  ``exp(min(0, 1 - r / c))`` (``c``, ``r``: hypothesis and reference lengths
  in tokens); any zero count makes the corpus score 0;
* with several references, each sentence is scored against *one* reference
  drawn at random, the corpus score is computed, and this is repeated
  ``iterations`` times (500) and averaged. The draws replicate the reference
  script's, which ran on Python 2: iteration ``j`` seeds the Mersenne Twister
  with ``j * 101`` and draws one index per sentence in order with Python 2's
  ``randint(0, R - 1)``, i.e. ``int(random() * R)`` (Python 3's ``randint``
  draws differently). The draw matters: over JFLEG test the 500 iterations
  of the unchanged source spread with a standard deviation of 0.76 points, and
  Python 3's draws average 40.47 instead of the published 40.54; with the
  Python 2 draws this module reproduces 40.54 (40.543).

Scores are on a 0-100 scale (like sacrebleu's), so leaving JFLEG test
sources unchanged gives 40.54 — the published figure.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence

import numpy as np

ORDER = 4  # GLEU uses 1- to 4-grams
ITERATIONS = 500  # reference draws averaged by the JFLEG script
SEED_STRIDE = 101  # the JFLEG script seeds iteration j with j * 101

References = Sequence[Sequence[str]]  # R streams, each with one reference per sentence (sacrebleu's layout)


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _overlap(a: Counter, b: Counter) -> int:
    """Size of the multiset intersection (clipped counts)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(min(count, b[g]) for g, count in a.items() if g in b)


def sentence_stats(source: str, hypothesis: str, reference: str, order: int = ORDER) -> list[int]:
    """GLEU sufficient statistics for one sentence and one reference.

    Returns ``[c, r, match_1, total_1, ..., match_order, total_order]``
    (2 + 2 * order integers); summing these over a corpus gives corpus GLEU.
    """
    src, hyp, ref = source.split(), hypothesis.split(), reference.split()
    stats = [len(hyp), len(ref)]
    for n in range(1, order + 1):
        h, s, r = _ngrams(hyp, n), _ngrams(src, n), _ngrams(ref, n)
        # Source n-grams the reference dropped: every copy of such a type is penalised.
        s_not_r = Counter({g: k for g, k in s.items() if g not in r})
        stats.append(max(_overlap(h, r) - _overlap(h, s_not_r), 0))
        stats.append(max(len(hyp) + 1 - n, 0))
    return stats


def gleu_from_stats(stats: Sequence[float], smooth: bool = False) -> float:
    """GLEU in [0, 1] from summed statistics (see :func:`sentence_stats`).

    ``smooth`` replaces zero counts by 1, which the reference script does only
    for sentence-level scores.
    """
    stats = [s if s != 0 or not smooth else 1 for s in stats]
    if any(s == 0 for s in stats):
        return 0.0
    c, r = stats[0], stats[1]
    order = (len(stats) - 2) // 2
    log_prec = sum(math.log(m / t) for m, t in zip(stats[2::2], stats[3::2], strict=False)) / order
    return math.exp(min(0.0, 1.0 - r / c) + log_prec)


def _check(n_hyp: int, streams: References, what: str) -> list[list[str]]:
    if isinstance(streams, str) or not streams:
        raise ValueError(f"{what}: give a list of reference streams (one list of sentences per reference).")
    if isinstance(streams[0], str):  # a single stream given flat
        streams = [streams]  # type: ignore[list-item]
    lists = [list(s) for s in streams]
    for k, stream in enumerate(lists):
        if len(stream) != n_hyp:
            raise ValueError(f"{what}: reference stream {k} has {len(stream)} sentences, expected {n_hyp}.")
    if n_hyp == 0:
        raise ValueError(f"{what}: no sentences to score.")
    return lists


def reference_draws(n_sentences: int, n_refs: int, iterations: int = ITERATIONS) -> np.ndarray:
    """Reference index per (iteration, sentence), drawn as the JFLEG script draws them.

    Shape (iterations, n_sentences). Integer seeds give the same Mersenne
    Twister stream in Python 2 and 3; the index is Python 2's
    ``randint(0, R - 1)`` = ``int(random() * R)``.
    """
    draws = np.empty((iterations, n_sentences), dtype=np.int64)
    for j in range(iterations):
        rng = random.Random(j * SEED_STRIDE)
        draws[j] = [int(rng.random() * n_refs) for _ in range(n_sentences)]
    return draws


def gleu(
    sources: Sequence[str],
    hypotheses: Sequence[str],
    references_list: References,
    iterations: int = ITERATIONS,
    order: int = ORDER,
) -> float:
    """Corpus GLEU (0-100) of ``hypotheses`` revising ``sources``.

    ``references_list`` holds R reference streams, each with one reference per
    sentence (as in sacrebleu); a flat list of strings counts as one stream.
    """
    if len(sources) != len(hypotheses):
        raise ValueError(f"gleu: {len(sources)} sources but {len(hypotheses)} hypotheses.")
    streams = _check(len(hypotheses), references_list, "gleu")
    n, n_refs = len(hypotheses), len(streams)
    # stats[i, k] = statistics of sentence i against reference k; shape (N, R, 2 + 2 * order)
    stats = np.array(
        [[sentence_stats(sources[i], hypotheses[i], stream[i], order) for stream in streams] for i in range(n)],
        dtype=np.int64,
    )
    if n_refs == 1:
        return 100.0 * gleu_from_stats(stats[:, 0].sum(axis=0).tolist())
    draws = reference_draws(n, n_refs, iterations)
    rows = np.arange(n)
    scores = [gleu_from_stats(stats[rows, draw].sum(axis=0).tolist()) for draw in draws]
    return 100.0 * float(np.mean(scores))


def sentence_gleu(source: str, hypothesis: str, references: Sequence[str], order: int = ORDER) -> float:
    """Sentence-level GLEU (0-100): the smoothed score against each reference, averaged."""
    if not references:
        raise ValueError("sentence_gleu: no references.")
    return 100.0 * float(
        np.mean([gleu_from_stats(sentence_stats(source, hypothesis, ref, order), smooth=True) for ref in references])
    )


def chrf(hypotheses: Sequence[str], references_list: References) -> float:
    """Corpus chrF (0-100, sacrebleu's CHRF defaults: character 6-grams, beta 2)."""
    from sacrebleu.metrics import CHRF

    streams = _check(len(hypotheses), references_list, "chrf")
    return float(CHRF().corpus_score(list(hypotheses), streams).score)


def unchanged_share(sources: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Fraction (0-1) of hypotheses equal to their source, ignoring whitespace differences."""
    if len(sources) != len(hypotheses):
        raise ValueError(f"unchanged_share: {len(sources)} sources but {len(hypotheses)} hypotheses.")
    if not sources:
        return 0.0
    same = sum(s.split() == h.split() for s, h in zip(sources, hypotheses, strict=True))
    return same / len(sources)
