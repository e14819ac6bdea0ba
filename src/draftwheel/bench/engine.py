"""Engine benchmark: ``Engine.stream`` vs raw ``llama_cpp.Llama`` generation.

Both sides use the same loaded model, prompt and settings, and run
interleaved (ours, raw, ours, raw, ...) so machine noise hits both alike.
Also: time to first token for a ~600-token few-shot prompt, cold vs. with the
shared prefix already evaluated.
"""

from __future__ import annotations

import statistics
import time

from draftwheel.config import app_paths, load_settings
from draftwheel.engine.base import GenerationRequest
from draftwheel.engine.llama import LlamaEngine
from draftwheel.engine.prompts import Example, render_completion, resolve_task
from draftwheel.models import Catalogue

STORY = "Once upon a time, in a small village by the sea, there lived an old fisherman who"

_PAIRS = [
    (
        "i think that the most important think in life is to be happy .",
        "I think that the most important thing in life is to be happy .",
    ),
    (
        "For example , my sister have a car but she dont drive it .",
        "For example , my sister has a car , but she doesn't drive it .",
    ),
    ("Students should to learn many subject in the school .", "Students should learn many subjects in school ."),
    ("He were very tired because he work all the day .", "He was very tired because he worked all day ."),
    (
        "In my opinion , travel with a tour guide is more safe .",
        "In my opinion , traveling with a tour guide is safer .",
    ),
    (
        "There are many reason why people like to live in city .",
        "There are many reasons why people like to live in a city .",
    ),
    ("Young people enjoy life more than older people do it .", "Young people enjoy life more than older people do ."),
    (
        "It is not easy to find a good job without a experience .",
        "It is not easy to find a good job without experience .",
    ),
]


def _raw_tokens_per_s(llm, prompt: str, n: int) -> float:
    llm.reset()
    t_first = None
    count = 0
    for _ in llm.create_completion(prompt, max_tokens=n, temperature=0.0, stream=True):
        count += 1
        if t_first is None:
            t_first = time.perf_counter()
    end = time.perf_counter()
    return (count - 1) / (end - t_first) if count > 1 and t_first is not None else 0.0


def _ours_tokens_per_s(engine: LlamaEngine, prompt: str, n: int) -> float:
    engine.llama.reset()
    t_first = None
    count = 0
    for chunk in engine.stream(GenerationRequest(prompt=prompt, max_tokens=n, temperature=0.0)):
        if chunk.text:
            count = chunk.n_generated
            if t_first is None:
                t_first = time.perf_counter()
    end = time.perf_counter()
    return (count - 1) / (end - t_first) if count > 1 and t_first else 0.0


def fewshot_prompt(final: str, n_tokens: int, engine: LlamaEngine) -> str:
    task = resolve_task("grammar")
    examples: list[Example] = []
    i = 0
    while engine.count_tokens(render_completion(task, final, examples)) < n_tokens:
        src, ref = _PAIRS[i % len(_PAIRS)]
        examples.append(Example(src, ref))
        i += 1
    return render_completion(task, final, examples)


def _ttft(engine: LlamaEngine, prompt: str) -> float:
    chunk = next(iter(engine.stream(GenerationRequest(prompt=prompt, max_tokens=1))))
    return chunk.time_to_first_token


def run(quick: bool = False) -> dict:
    paths = app_paths()
    settings = load_settings(paths)
    entry = Catalogue(paths).get(settings.model)
    engine = LlamaEngine(entry, n_ctx=2048, n_threads=settings.n_threads, seed=0)
    rounds, n = (3, 48) if quick else (7, 128)
    try:
        ours, raw = [], []
        _ours_tokens_per_s(engine, STORY, 8)  # warm-up
        for _ in range(rounds):
            ours.append(_ours_tokens_per_s(engine, STORY, n))
            raw.append(_raw_tokens_per_s(engine.llama, STORY, n))
        cold, warm = [], []
        for i in range(rounds):
            target = fewshot_prompt(f"She have {i + 2} brother and they lives in London .", 600, engine)
            other = fewshot_prompt(f"We was late to the meeting {i} time .", 600, engine)
            engine.llama.reset()
            cold.append(_ttft(engine, target))
            engine.llama.reset()
            _ttft(engine, other)  # evaluates the shared examples
            warm.append(_ttft(engine, target))
        n_prompt = engine.count_tokens(fewshot_prompt("x", 600, engine))
    finally:
        engine.close()
    o, r = statistics.median(ours), statistics.median(raw)
    return {
        "name": "engine",
        "metrics": {
            "ours_tokens_per_s": round(o, 2),
            "raw_llama_cpp_tokens_per_s": round(r, 2),
            "ratio": round(o / r, 3) if r else 0.0,
            "fewshot_prompt_tokens": n_prompt,
            "ttft_cold_s": round(statistics.median(cold), 4),
            "ttft_prefix_reuse_s": round(statistics.median(warm), 4),
            "ttft_speedup": round(statistics.median(cold) / statistics.median(warm), 2),
        },
        "targets": {"ratio": ">= 0.95"},
        "notes": f"{rounds} interleaved rounds of {n} tokens, greedy, {engine.info.n_threads} threads; medians.",
    }
