"""``draftwheel bench ask``: how well "Ask my writing" retrieval finds the passage that answers a question.

On a folder of documents and a JSON file of questions (each with the
document(s) that answer it; ``unanswerable`` questions with none), it indexes
the folder into a scratch store and reports hit@1 and hit@3 (the right
document among the top 1 / 3 passages) over the answerable questions, and how
the "your documents don't mention ..." decision fares: answerable questions
wrongly refused, unanswerable ones rightly refused. The test set is
tests/data/ask; the figures are in docs/evaluation.md.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from draftwheel.config import app_paths
from draftwheel.errors import InputError
from draftwheel.ground.passage_index import index_folder
from draftwheel.ground.passage_search import retrieve
from draftwheel.store import open_store
from draftwheel.textio import read_text

# The checkout's test set (src/draftwheel/bench/ask.py -> the repository root).
DEFAULT_SET = Path(__file__).resolve().parents[3] / "tests" / "data" / "ask"


@dataclass
class AskRetrievalScore:
    questions: int
    hit_at_1: float
    hit_at_3: float
    answerable_refused: int  # answerable questions the coverage rule called "not mentioned"
    unanswerable: int
    unanswerable_detected: int
    misses: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _docs(hits) -> list[str]:
    return [h.rel for h in hits]


def measure_retrieval(docs: Path, questions_file: Path, k: int = 3) -> AskRetrievalScore:
    data = json.loads(read_text(questions_file, "questions file"))
    with tempfile.TemporaryDirectory(prefix="draftwheel-bench-ask-") as tmp:
        store = open_store(app_paths(Path(tmp)))
        try:
            index_folder(store, docs)
            at1 = at3 = refused = 0
            misses = []
            with store.session() as s:
                for q in data["questions"]:
                    r = retrieve(s, q["question"], k)
                    got = _docs(r.hits)
                    at1 += bool(got[:1]) and got[0] in q["docs"]
                    at3 += any(d in q["docs"] for d in got[:3])
                    refused += not r.answerable
                    if not got or got[0] not in q["docs"] or not r.answerable:
                        misses.append(
                            {"question": q["question"], "want": q["docs"], "got": got, "coverage": round(r.coverage, 2)}
                        )
                detected = 0
                for q in data.get("unanswerable", []):
                    r = retrieve(s, q["question"], k)
                    detected += not r.answerable
                    if r.answerable:
                        misses.append(
                            {
                                "question": q["question"],
                                "want": [],
                                "got": _docs(r.hits),
                                "coverage": round(r.coverage, 2),
                            }
                        )
        finally:
            store.close()
    n = len(data["questions"])
    return AskRetrievalScore(
        n, round(at1 / n, 3), round(at3 / n, 3), refused, len(data.get("unanswerable", [])), detected, misses
    )


def measure_answers(docs: Path, questions_file: Path, engine) -> dict:
    """Answer every answerable question with ``engine``: how often the model's own answer is supported.

    "Supported": ``ground.answer_check.check_answer`` passes (at least 60% of the answer's content
    words are in the passages it was given, not empty, not the question repeated). The share that
    fell back to the passage's own sentences is the rest.
    """
    from draftwheel.ground.ask import answer_question

    data = json.loads(read_text(questions_file, "questions file"))
    supported, repeated, empty, scores = 0, 0, 0, []
    with tempfile.TemporaryDirectory(prefix="draftwheel-bench-ask-") as tmp:
        store = open_store(app_paths(Path(tmp)))
        try:
            index_folder(store, docs)
            for q in data["questions"]:
                with store.session() as s:
                    found = retrieve(s, q["question"])
                if not found.answerable:
                    continue
                answer = answer_question(engine, found, seed=0)
                scores.append(answer.support)
                supported += not answer.fallback
                repeated += answer.fallback == "the model repeated the question"
                empty += answer.fallback == "the model gave no answer"
        finally:
            store.close()
    n = len(scores)
    return {
        "answers": n,
        "answers_supported": round(supported / n, 3) if n else 0.0,
        "answers_mean_support": round(sum(scores) / n, 3) if n else 0.0,
        "answers_repeating_the_question": repeated,
        "answers_empty": empty,
    }


def check_ready(data: str | Path | None) -> Path:
    """The test set: ``--data DIR`` when it holds ``docs/`` and ``questions.json``, else the checkout's.

    (``--data`` is shared with the other benchmarks, so a folder of another kind is not an error here.)
    """
    for folder in ([Path(data).expanduser()] if data else []) + [DEFAULT_SET]:
        if (folder / "questions.json").is_file() and (folder / "docs").is_dir():
            return folder
    raise InputError(
        f"No 'Ask my writing' test set: {DEFAULT_SET} is missing (it is in the source checkout).",
        "Run it from a checkout, or pass --data DIR with docs/ and questions.json.",
    )


def run(quick: bool = False, data: Path | None = None) -> dict:
    folder = check_ready(data)
    score = measure_retrieval(folder / "docs", folder / "questions.json")
    answers: dict = {}
    if not quick:  # the answers need the model: minutes on a laptop's CPU
        from draftwheel.config import load_settings
        from draftwheel.engine import load_engine
        from draftwheel.models import Catalogue

        paths = app_paths()
        settings = load_settings(paths)
        engine = load_engine(Catalogue(paths).get(settings.model), settings, paths=paths)
        try:
            answers = measure_answers(folder / "docs", folder / "questions.json", engine)
        finally:
            engine.close()
    return {
        "name": "ask",
        "metrics": {
            "retrieval_hit_at_1": score.hit_at_1,
            "retrieval_hit_at_3": score.hit_at_3,
            "answerable_questions": score.questions,
            "answerable_refused": score.answerable_refused,
            "unanswerable_questions": score.unanswerable,
            "unanswerable_detected": score.unanswerable_detected,
            **answers,
        },
        "targets": {},
        "notes": f"FTS5 BM25 (Porter stemmer) on {folder}; embeddings not measured (no embedding model "
        "is available offline)" + ("; answers by the base model (no answer adapter)" if answers else ""),
    }
