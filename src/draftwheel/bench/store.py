"""Store benchmark: logging one edit and few-shot retrieval with 100,000 stored edits.

Runs in a temporary data folder (the user's store is never touched). The rows
are synthetic English-like sentences: a Zipf-distributed vocabulary of common
English words and made-up words, so frequent words match most rows, as in real
text, and retrieval must rank many candidates. They are bulk-inserted through
the real schema (FTS triggers included). Timed operations are the real API:
``log_edit`` in its own transaction (one commit each), and
``retrieve_examples`` with k=4, the default token budget and the bundled
model's tokenizer when it is available.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from draftwheel.config import Settings, app_paths
from draftwheel.store import Edit, log_edit, open_store
from draftwheel.store.models import utcnow

_COMMON = (
    "the of and to a in is it you that he was for on are with as I his they be at one have this "
    "from or had by not word but what some we can out other were all there when up use your how "
    "said an each she which do their time if will way about many then them write would like so "
    "these her long make thing see him two has look more day could go come did number sound no "
    "most people my over know water than call first who may down side been now find"
).split()
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "tas",
    "vor",
    "en",
    "qui",
    "dal",
    "po",
    "sen",
    "tri",
    "um",
    "bel",
    "gra",
    "fen",
    "ox",
    "ly",
    "nur",
    "sto",
]


def _vocabulary(rng: random.Random, n: int = 20_000) -> list[str]:
    words = list(_COMMON)
    seen = set(words)
    while len(words) < n:
        w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


class _Sentences:
    """Zipf(1.1)-distributed words, 8-30 per sentence."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.vocab = _vocabulary(self.rng)
        weights = [1.0 / (i + 1) ** 1.1 for i in range(len(self.vocab))]
        total = sum(weights)
        acc, self.cum = 0.0, []
        for w in weights:
            acc += w / total
            self.cum.append(acc)

    def __call__(self) -> str:
        n = self.rng.randint(8, 30)
        words = self.rng.choices(self.vocab, cum_weights=self.cum, k=n)
        return " ".join(words).capitalize() + "."


def fill(store, n_rows: int, sentences: _Sentences, task: str = "grammar", batch: int = 5_000) -> None:
    """Bulk-insert ``n_rows`` accepted/edited/rejected edits (90% ``task``, 10% another task)."""
    now = utcnow()
    outcomes = ("accepted", "accepted", "edited", "rejected")
    done = 0
    while done < n_rows:
        rows = []
        for i in range(min(batch, n_rows - done)):
            src = sentences()
            rows.append(
                dict(
                    created_at=now,
                    task=task if (done + i) % 10 else "formal",
                    instruction="",
                    input_text=src,
                    output_text=src,
                    final_text=src.replace(" the ", " a "),
                    outcome=outcomes[(done + i) % 4],
                    model="bench",
                    stage="few",
                    origin="import",
                )
            )
        with store.session() as s, s.begin():
            s.execute(insert(Edit), rows)
        done += len(rows)


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _count_tokens():
    """The bundled model's tokenizer if present, else None (the retriever's estimate)."""
    try:
        from draftwheel.config import load_settings
        from draftwheel.engine.llama import LlamaEngine
        from draftwheel.models import Catalogue

        paths = app_paths()
        entry = Catalogue(paths).get(load_settings(paths).model)
        engine = LlamaEngine(entry, n_ctx=512, n_threads=1, seed=0)
        return engine, engine.count_tokens
    except Exception:  # no model installed: the estimate still exercises the budget logic
        return None, None


def run(quick: bool = False) -> dict:
    from draftwheel.flywheel.retrieve import retrieve_examples

    n_rows = 20_000 if quick else 100_000
    n_log, n_query = (200, 100) if quick else (1_000, 500)
    settings = Settings()  # logging on, no redaction: the default path
    engine, count_tokens = _count_tokens()
    sentences = _Sentences(seed=0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    with tempfile.TemporaryDirectory(prefix="draftwheel-bench-") as tmp:
        store = open_store(app_paths(Path(tmp)))
        try:
            t0 = time.perf_counter()
            fill(store, n_rows, sentences)
            fill_s = time.perf_counter() - t0
            log_ms, query_ms, n_found = [], [], 0
            log_cpu, query_cpu = [], []  # this thread's CPU time: the work itself, without waits for a CPU
            # Interleave the two operations so machine noise hits both alike.
            for i in range(max(n_log, n_query)):
                if i < n_log:
                    src = sentences()
                    c, t = time.thread_time(), time.perf_counter()
                    with store.session() as s, s.begin():
                        log_edit(
                            s,
                            task="grammar",
                            input_text=src,
                            output_text=src,
                            final_text=src,
                            outcome="accepted",
                            model="bench",
                            stage="few",
                            origin="app",
                            settings=settings,
                        )
                    log_ms.append((time.perf_counter() - t) * 1000)
                    log_cpu.append((time.thread_time() - c) * 1000)
                if i < n_query:
                    query = sentences()
                    c, t = time.thread_time(), time.perf_counter()
                    with store.session() as s:
                        found = retrieve_examples(
                            s,
                            "grammar",
                            query,
                            k=settings.fewshot_k,
                            token_budget=settings.fewshot_token_budget,
                            count_tokens=count_tokens,
                        )
                    query_ms.append((time.perf_counter() - t) * 1000)
                    query_cpu.append((time.thread_time() - c) * 1000)
                    n_found += len(found)
            size_mb = store.path.stat().st_size / 1e6
        finally:
            store.close()
            if engine is not None:
                engine.close()
    return {
        "name": "store",
        "metrics": {
            "stored_edits": n_rows,
            "log_edit_p50_ms": round(statistics.median(log_ms), 3),
            "log_edit_p99_ms": round(_pct(log_ms, 0.99), 3),
            "retrieve_p50_ms": round(statistics.median(query_ms), 3),
            "retrieve_p99_ms": round(_pct(query_ms, 0.99), 3),
            "log_edit_cpu_p99_ms": round(_pct(log_cpu, 0.99), 3),
            "retrieve_cpu_p99_ms": round(_pct(query_cpu, 0.99), 3),
            "examples_per_query": round(n_found / max(1, n_query), 2),
            "bulk_fill_s": round(fill_s, 1),
            "db_size_mb": round(size_mb, 1),
        },
        "targets": {"log_edit_p99_ms": "<= 5", "retrieve_p99_ms": "<= 50"},
        "notes": (
            f"{n_rows:,} synthetic edits{' (quick: fewer than the 100,000 of the full run)' if quick else ''}; "
            f"{n_log} log_edit commits and {n_query} retrievals (k=4, budget {settings.fewshot_token_budget}, "
            f"{'llama.cpp tokenizer' if count_tokens else 'estimated tokens'}), interleaved; WAL, "
            f"synchronous=NORMAL; wall-clock latencies, plus CPU time (no waiting for a CPU); "
            f"load average {load:.1f} on {os.cpu_count()} CPUs at the start."
        ),
    }
