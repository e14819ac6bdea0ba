"""Group passages into themes so generation stays varied.

TF-IDF vectors of the passages (English stopwords removed, words seen in at
least one passage) are clustered with scikit-learn's KMeans; each theme is
labelled by the three highest-weighted terms of its centroid. Generation then
walks the themes round-robin (:func:`round_robin`), so N pairs cover N
different themes before any theme comes round again.

Small collections (a few sections, :data:`SMALL_COLLECTION` passages or
fewer) are grouped differently, by :func:`_section_themes`: there the count
rule gives one or two themes and KMeans has nothing to average over, so a
two-section essay (letters; gardens) came out as one theme. Instead each
section (passages under one heading of one document; a passage of a
document without headings on its own) starts as its own theme, and two
merge only when every two sections of the merged theme clearly share words. Splitting one topic in two
costs little (themes only vary the order of generation); merging two
topics is what made generation lose one of them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import zip_longest

from draftwheel.ground.documents import Passage

MAX_THEMES = 8
# Up to here the sqrt rule gives at most 2 themes, too few for three topics.
SMALL_COLLECTION = 12
# Cosine similarity (TF-IDF of word stems) above which two sections of a small
# collection share a theme. Measured on the paragraphs of tests/test_ground_documents.py
# and tests/test_ground_themes.py:
# paragraphs on different topics score 0-0.04, paragraphs on one topic 0.04-0.15;
# between the two a split is the safe side.
SAME_THEME_SIMILARITY = 0.1


@dataclass
class Theme:
    index: int
    label: str  # e.g. "decision, log, team"
    passages: list[Passage] = field(default_factory=list)


def default_theme_count(n_passages: int) -> int:
    """About sqrt(n/2) themes (1 for up to 3 passages), at most MAX_THEMES."""
    if n_passages <= 3:
        return 1
    return max(2, min(MAX_THEMES, round(math.sqrt(n_passages / 2))))


def group_themes(passages: list[Passage], n_themes: int | None = None, seed: int = 0) -> list[Theme]:
    """Cluster ``passages`` into themes (deterministic for a given ``seed``); largest theme first."""
    if not passages:
        return []
    if n_themes is None and len(passages) <= SMALL_COLLECTION:
        order = {id(p): i for i, p in enumerate(passages)}
        # Ties in document order: with a theme per section, generation then starts where the author does.
        return _numbered(_section_themes(passages), lambda t: (-len(t.passages), order[id(t.passages[0])]))
    k = min(n_themes or default_theme_count(len(passages)), len(passages))
    if k <= 1:
        return [Theme(0, _label_by_frequency(passages), list(passages))]
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, token_pattern=r"(?u)\b[^\W\d_]{3,}\b")
    try:
        matrix = vec.fit_transform([p.text for p in passages])
    except ValueError:  # no content words at all
        return [Theme(0, "misc", list(passages))]
    k = min(k, matrix.shape[0], max(1, matrix.nnz))
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(matrix)
    terms = vec.get_feature_names_out()
    themes: list[Theme] = []
    for c in range(k):
        members = [p for p, lab in zip(passages, model.labels_, strict=True) if lab == c]
        if not members:
            continue
        top = model.cluster_centers_[c].argsort()[::-1][:3]
        themes.append(Theme(c, ", ".join(terms[i] for i in top), members))
    return _numbered(themes)


def _numbered(themes: list[Theme], key: Callable[[Theme], tuple] | None = None) -> list[Theme]:
    """Sorted by ``key`` (default: largest first, ties by label), indexed in that order."""
    themes.sort(key=key or (lambda t: (-len(t.passages), t.label)))
    for i, theme in enumerate(themes):
        theme.index = i
    return themes


def _sections(passages: list[Passage]) -> list[list[Passage]]:
    """Passages under one heading of one document together; a passage without a heading alone."""
    groups: dict[tuple[str, str] | int, list[Passage]] = {}
    for i, p in enumerate(passages):
        groups.setdefault((p.doc, p.heading) if p.heading else i, []).append(p)
    return list(groups.values())


def _section_themes(passages: list[Passage]) -> list[Theme]:
    """Themes of a small collection: sections merged only while every two of a theme are clearly similar."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from draftwheel.ground.check import _WORD, _stopwords, stem

    sections = _sections(passages)
    if len(sections) == 1:
        return [Theme(0, _label_by_frequency(passages), list(passages))]
    stops = _stopwords()
    surface: dict[str, Counter[str]] = {}

    def stems(text: str) -> list[str]:
        # Stems, so that "letter" and "letters" count as one word in texts this short.
        out = []
        for w in (m.lower() for m in _WORD.findall(text.replace("\u2019", "'"))):
            if len(w) >= 3 and w not in stops:
                out.append(stem(w))
                surface.setdefault(out[-1], Counter())[w] += 1
        return out

    vec = TfidfVectorizer(analyzer=stems, sublinear_tf=True)
    try:
        matrix = vec.fit_transform([" ".join(p.text for p in section) for section in sections]).toarray()
    except ValueError:  # no content words at all
        return [Theme(0, "misc", list(passages))]
    similarity = matrix @ matrix.T  # rows are L2-normalised: cosine similarity
    clusters = [[i] for i in range(len(sections))]

    def closeness(a: int, b: int) -> float:
        # Complete linkage: the least similar pair decides, so a passage that mixes two topics
        # cannot chain them into one theme (as average linkage let it).
        return float(similarity[np.ix_(clusters[a], clusters[b])].min())

    while len(clusters) > 1:
        pairs = [(a, b) for a in range(len(clusters)) for b in range(a + 1, len(clusters))]
        a, b = max(pairs, key=lambda ab: closeness(*ab))
        if closeness(a, b) < SAME_THEME_SIMILARITY and len(clusters) <= MAX_THEMES:
            break
        clusters[a] += clusters.pop(b)
    terms = vec.get_feature_names_out()
    themes = []
    for members in clusters:
        top = matrix[members].mean(axis=0).argsort()[::-1][:3]
        label = ", ".join(surface[terms[i]].most_common(1)[0][0] for i in top)
        themes.append(Theme(0, label, [p for i in sorted(members) for p in sections[i]]))
    return themes


def _label_by_frequency(passages: list[Passage]) -> str:
    from draftwheel.ground.check import _WORD, _stopwords

    stops = _stopwords()
    counts = Counter(
        w for p in passages for w in (m.lower() for m in _WORD.findall(p.text)) if len(w) >= 3 and w not in stops
    )
    return ", ".join(w for w, _ in counts.most_common(3)) or "misc"


def round_robin(themes: list[Theme]) -> list[tuple[Theme, Passage]]:
    """Every passage once, alternating between themes: t0p0, t1p0, t2p0, t0p1, ..."""
    columns = [[(t, p) for p in t.passages] for t in themes]
    return [item for row in zip_longest(*columns) for item in row if item is not None]
