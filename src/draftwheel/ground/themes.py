"""Group passages into themes so generation stays varied.

TF-IDF vectors of the passages (English stopwords removed, words seen in at
least one passage) are clustered with scikit-learn's KMeans; each theme is
labelled by the three highest-weighted terms of its centroid. Generation then
walks the themes round-robin (:func:`round_robin`), so N pairs cover N
different themes before any theme comes round again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import zip_longest

from draftwheel.ground.documents import Passage

MAX_THEMES = 8


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
    themes.sort(key=lambda t: (-len(t.passages), t.label))
    for i, theme in enumerate(themes):
        theme.index = i
    return themes


def _label_by_frequency(passages: list[Passage]) -> str:
    from collections import Counter

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
