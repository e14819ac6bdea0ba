"""GLEU, chrF and unchanged share on cases worked out by hand, and GLEU on JFLEG."""

from __future__ import annotations

import math

import pytest

from conftest import JFLEG
from draftwheel.train.metrics import (
    chrf,
    gleu,
    reference_draws,
    sentence_gleu,
    sentence_stats,
    unchanged_share,
)

SRC = "a b c d e f g"  # the learner wrote "g"; the annotator changed it to "h"
REF = "a b c d e f h"


def test_stats_by_hand():
    # Unchanged source: every n-gram order matches all but the n-gram ending in "g",
    # and that n-gram is also penalised (it is in the source but not the reference).
    # 1-grams: 6 - 1 of 7; 2-grams: 5 - 1 of 6; 3-grams: 4 - 1 of 5; 4-grams: 3 - 1 of 4.
    assert sentence_stats(SRC, SRC, REF) == [7, 7, 5, 7, 4, 6, 3, 5, 2, 4]


def test_gleu_by_hand():
    # (5/7 * 4/6 * 3/5 * 2/4) ** (1/4) = (1/7) ** (1/4)
    assert gleu([SRC], [SRC], [[REF]]) == pytest.approx(100 * (1 / 7) ** 0.25)
    # Perfect correction.
    assert gleu([SRC], [REF], [[REF]]) == pytest.approx(100.0)
    # A wrong change still beats keeping the error: nothing is penalised,
    # (6/7 * 5/6 * 4/5 * 3/4) ** (1/4) = (3/7) ** (1/4).
    assert gleu([SRC], ["a b c d e f i"], [[REF]]) == pytest.approx(100 * (3 / 7) ** 0.25)
    # Dropping the last word: all precisions 1, brevity penalty exp(1 - 7/6).
    assert gleu([SRC], ["a b c d e f"], [[REF]]) == pytest.approx(100 * math.exp(1 - 7 / 6))


def test_gleu_counts_clip_and_sum_over_the_corpus():
    # Corpus GLEU sums the statistics before taking precisions (not a mean of sentence scores).
    # Sentence 2 is a perfect 4-token copy: adds 4/4, 3/3, 2/2, 1/1 to the counts of the first.
    score = gleu([SRC, "p q r s"], [SRC, "p q r s"], [[REF, "p q r s"]])
    assert score == pytest.approx(100 * (9 / 11 * 7 / 9 * 5 / 7 * 3 / 5) ** 0.25)
    # A flat list of strings counts as one reference stream.
    assert gleu([SRC], [SRC], [REF]) == gleu([SRC], [SRC], [[REF]])
    # Any zero n-gram count gives 0 (the 4-gram is the one penalised n-gram here).
    assert gleu(["a b c d"], ["a b c d"], [["a b c x"]]) == 0.0


def test_multiple_references():
    # Identical references: the random draws cannot change the score.
    assert gleu([SRC], [SRC], [[REF], [REF], [REF]]) == pytest.approx(gleu([SRC], [SRC], [[REF]]))
    # Sentence-level: mean over references of the smoothed score (1.0 and (3/7) ** (1/4)).
    assert sentence_gleu(SRC, "a b c d e f i", [REF, "a b c d e f i"]) == pytest.approx(100 * (1 + (3 / 7) ** 0.25) / 2)


def test_reference_draws_follow_python2_randint():
    # Mersenne Twister seeded with 0 starts 0.8444, 0.7580, 0.4206, 0.2589;
    # Python 2's randint(0, 3) is int(random() * 4); iteration 1 is seeded with 101.
    draws = reference_draws(4, 4, iterations=2)
    assert draws[0].tolist() == [3, 3, 1, 1]
    assert draws.shape == (2, 4)


def test_gleu_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="2 sources but 1 hypotheses"):
        gleu(["a", "b"], ["a"], [["a", "b"]])
    with pytest.raises(ValueError, match="reference stream 1 has 1 sentences, expected 2"):
        gleu(["a", "b"], ["a", "b"], [["a", "b"], ["a"]])
    with pytest.raises(ValueError, match="no sentences"):
        gleu([], [], [[]])


def _lines(name: str) -> list[str]:
    return (JFLEG / name).read_text(encoding="utf-8").split("\n")[:-1]


def test_jfleg_unchanged_source_scores_published_40_54():
    src = _lines("test.src")
    refs = [_lines(f"test.ref{k}") for k in range(4)]
    assert len(src) == 747 and all(len(r) == 747 for r in refs)
    assert round(gleu(src, src, refs), 2) == 40.54


def test_chrf_by_hand():
    # Characters, spaces removed. hyp "ab" vs ref "abc": 1-grams P 2/2, R 2/3; 2-grams P 1/1, R 1/2;
    # higher orders have no hypothesis n-grams and are skipped. Mean P 1, R 7/12;
    # F-beta with beta 2: 5 * P * R / (4P + R) = 7/11.
    assert chrf(["ab"], [["abc"]]) == pytest.approx(100 * 7 / 11)
    assert chrf(["the same text"], [["the same text"]]) == pytest.approx(100.0)
    assert chrf(["xyz"], [["abc"]]) == pytest.approx(0.0)
    # The best reference per sentence counts.
    assert chrf(["ab"], [["zzz"], ["abc"]]) == pytest.approx(100 * 7 / 11)


def test_unchanged_share():
    assert unchanged_share(["a b", "c  d", "e"], ["a b", "c d", "f"]) == pytest.approx(2 / 3)
    assert unchanged_share([], []) == 0.0
