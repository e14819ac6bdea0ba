"""The author profile: a small, editable JSON description of how the author writes.

Computed from the imported passages (no model needed):

* ``vocabulary`` – the author's most distinctive words (highest summed
  TF-IDF weight over passages, English stopwords removed);
* ``stats`` – mean/median sentence length in words, share of first-person
  words, share of questions, contractions per 100 words;
* ``voice`` – one sentence built from those numbers (edit it freely);
* ``positions`` – up to six sentences where the author takes a stance
  ("should", "must", "I believe", "never", ...), quoted verbatim so nothing
  is put in their mouth.

``notes`` may be drafted by the model from sample passages
(:func:`draft_notes`); the user may rewrite any field. The prompts use
``voice``, ``vocabulary`` and ``notes`` (:meth:`AuthorProfile.prompt_header`).
A profile file may also be plain text, taken whole as ``voice``.
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from draftwheel.config.atomic import atomic_write_text
from draftwheel.errors import DraftwheelError
from draftwheel.ground.documents import Passage
from draftwheel.textio import read_text

PROFILE_VERSION = 1
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_WORDS = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_FIRST_PERSON = {"i", "me", "my", "mine", "myself", "we", "us", "our", "ours"}
_STANCE = re.compile(
    r"\b(should|must|need to|ought|never|always|i believe|i think|i argue|"
    r"the point is|the answer is|better to|worse than|mistake|wrong|matters?)\b",
    re.I,
)


@dataclass
class AuthorProfile:
    author: str = "the author"
    voice: str = ""
    vocabulary: list[str] = field(default_factory=list)
    positions: list[str] = field(default_factory=list)
    notes: str = ""  # optional, drafted by the model or written by the user
    stats: dict = field(default_factory=dict)
    version: int = PROFILE_VERSION

    def prompt_header(self, max_words: int = 12) -> str:
        """A short paragraph for prompts (kept small: the local model's context is precious)."""
        parts = []
        if self.voice:
            parts.append(f"Voice: {self.voice.strip()}")
        if self.vocabulary:
            parts.append(f"Typical words: {', '.join(self.vocabulary[:max_words])}.")
        if self.notes:
            parts.append(f"Notes: {self.notes.strip()}")
        return "\n".join(parts)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    def save(self, path: Path) -> None:
        atomic_write_text(Path(path), self.to_json(), mode=0o600)


_FIELDS: dict[str, type[Any]] = {
    "author": str,
    "voice": str,
    "vocabulary": list,
    "positions": list,
    "notes": str,
    "stats": dict,
    "version": int,
}


def load_profile(path: Path | str) -> AuthorProfile:
    """Read a profile file: JSON (fields as written by :meth:`AuthorProfile.save`) or plain text."""
    path = Path(path).expanduser()
    text = read_text(path, what="profile file")
    if not text.strip():
        raise DraftwheelError(
            f"{path}: the profile file is empty.",
            "Delete it to have one computed from your documents, or write your author's voice in it.",
        )
    if path.suffix.lower() != ".json" and not text.lstrip().startswith("{"):
        return AuthorProfile(voice=" ".join(text.split()))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DraftwheelError(
            f"{path}: the profile is not valid JSON (line {exc.lineno}: {exc.msg}).",
            "Fix it, or delete it to have one computed again.",
        ) from None
    if not isinstance(data, dict):
        raise DraftwheelError(f"{path}: the profile must be a JSON object.")
    clean: dict[str, Any] = {}
    for key, want in _FIELDS.items():
        if key not in data:
            continue
        value = data[key]
        if not isinstance(value, want) or (want is list and not all(isinstance(v, str) for v in value)):
            kind = "list of strings" if want is list else want.__name__
            raise DraftwheelError(f"{path}: profile field {key!r} must be a {kind}.")
        clean[key] = value
    return AuthorProfile(**clean)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if len(_WORDS.findall(s)) >= 3]


def compute_profile(passages: list[Passage], author: str = "the author", n_vocabulary: int = 20) -> AuthorProfile:
    """Profile from the passages alone: deterministic, no model."""
    if not passages:
        return AuthorProfile(author=author)
    sentences = [s for p in passages for s in _sentences(p.text)]
    words = [w.lower().replace("\u2019", "'") for p in passages for w in _WORDS.findall(p.text)]
    lengths = [len(_WORDS.findall(s)) for s in sentences] or [0]
    n_words = max(1, len(words))
    stats = {
        "passages": len(passages),
        "documents": len({p.doc for p in passages}),
        "words": len(words),
        "mean_sentence_words": round(statistics.fmean(lengths), 1),
        "median_sentence_words": statistics.median(lengths),
        "first_person_share": round(sum(w in _FIRST_PERSON for w in words) / n_words, 4),
        "question_share": round(sum(s.endswith("?") for s in sentences) / max(1, len(sentences)), 3),
        "contractions_per_100_words": round(100 * sum("'" in w for w in words) / n_words, 2),
    }
    return AuthorProfile(
        author=author,
        voice=_describe(stats),
        vocabulary=_vocabulary(passages, n_vocabulary),
        positions=_positions(sentences),
        stats=stats,
    )


def _vocabulary(passages: list[Passage], n: int) -> list[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, token_pattern=r"(?u)\b[^\W\d_]{4,}\b")
    try:
        matrix = vec.fit_transform([p.text for p in passages])
    except ValueError:
        return []
    weights = matrix.sum(axis=0).A1
    terms = vec.get_feature_names_out()
    return [terms[i] for i in weights.argsort()[::-1][:n]]


def _positions(sentences: list[str], n: int = 6) -> list[str]:
    found, seen = [], set()
    for s in sentences:
        if _STANCE.search(s) and 6 <= len(s.split()) <= 40 and s.lower() not in seen:
            seen.add(s.lower())
            found.append(s)
        if len(found) >= n:
            break
    return found


def _describe(stats: dict) -> str:
    mean = stats["mean_sentence_words"]
    length = "short" if mean < 12 else "long" if mean > 22 else "medium-length"
    bits = [f"{length} sentences (about {mean:g} words)"]
    fp = stats["first_person_share"]
    bits.append("writes in the first person" if fp >= 0.02 else "rarely uses the first person")
    if stats["question_share"] >= 0.1:
        bits.append("often asks questions")
    bits.append("uses contractions" if stats["contractions_per_100_words"] >= 1 else "avoids contractions")
    text = "; ".join(bits)
    return text[0].upper() + text[1:] + "."


def draft_notes(profile: AuthorProfile, passages: list[Passage], generator, n_samples: int = 2, cancel=None) -> str:
    """Ask the generator for a one-sentence description of the author's style from sample passages.

    Returns the draft (also set on ``profile.notes``); a failed request leaves
    the notes unchanged and returns "".
    """
    from draftwheel.ground.llm import GenerationError, Prompt

    samples = sorted(passages, key=lambda p: -len(p.text))[:n_samples]
    if not samples:
        return ""
    excerpt = "\n\n".join(p.text[:600] for p in samples)
    completion = f"Writing sample:\n{excerpt}\n\nA one-sentence description of this writer's voice and style:"
    messages = [
        {"role": "system", "content": "You describe writing style precisely and briefly."},
        {
            "role": "user",
            "content": f"Describe, in one sentence, the voice and style of the writer of these passages. "
            f"Do not summarise their content.\n\n{excerpt}",
        },
    ]
    try:
        text = generator.ask(Prompt(completion, messages, stops=("\n",), max_tokens=60), cancel)
    except GenerationError:
        return ""
    text = " ".join(text.split())
    if text:
        profile.notes = text
    return text
