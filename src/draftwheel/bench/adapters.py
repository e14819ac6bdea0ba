"""Adapter hot-swap benchmark: ``LlamaEngine.use_adapter`` vs reloading the model with the adapter.

Two rank-8 LoRA adapters (random weights on every attention and MLP
projection of the default model, written as llama.cpp GGUF adapters) are
switched on one loaded engine: A -> B -> none, timed per switch (each switch
also clears the KV cache, as the engine must). The alternative a program
without hot-swap has: a new ``llama_cpp.Llama(model_path, lora_path=...)``
with the same context size, timed until it is ready to evaluate. Rounds are
interleaved (switches, reload, switches, reload, ...); medians are reported.
The first switch to each adapter (when llama.cpp reads its file) is reported
separately from switches to an adapter already loaded.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from draftwheel.config import app_paths, load_settings
from draftwheel.engine.base import AdapterRef, GenerationRequest
from draftwheel.engine.llama import LlamaEngine, _quiet_stderr
from draftwheel.models import Catalogue

_TARGETS = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")


def write_random_adapter(base_gguf: Path, out: Path, rank: int = 8, seed: int = 0) -> Path:
    """A LoRA GGUF for ``base_gguf`` with small random A and B on every projection of every block."""
    import gguf

    from draftwheel.models.adapters import gguf_header

    meta, shapes = gguf_header(base_gguf)
    rng = np.random.default_rng(seed)
    w = gguf.GGUFWriter(out, meta["general.architecture"])
    w.add_type(gguf.GGUFType.ADAPTER)
    w.add_string(gguf.Keys.Adapter.TYPE, "lora")
    w.add_float32(gguf.Keys.Adapter.LORA_ALPHA, 2.0 * rank)
    for name, ne in shapes.items():
        parts = name.split(".")
        if parts[0] == "blk" and len(parts) == 4 and parts[2] in _TARGETS and len(ne) == 2:
            n_in, n_out = ne
            w.add_tensor(f"{name}.lora_a", rng.normal(0, 0.02, (rank, n_in)).astype(np.float32))
            w.add_tensor(f"{name}.lora_b", rng.normal(0, 0.02, (n_out, rank)).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return out


def _reload_with(model_path: str, lora: Path, n_ctx: int, n_threads: int) -> float:
    """Seconds until a new ``Llama`` with the adapter applied is loaded (its file read, KV cache allocated)."""
    import llama_cpp

    if not Path(lora).is_file():  # llama_cpp.Llama does not notice a LoRA that failed to load
        raise FileNotFoundError(f"no adapter file at {lora}")
    t0 = time.perf_counter()
    with _quiet_stderr():
        llm = llama_cpp.Llama(
            model_path=model_path,
            lora_path=str(lora),
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,
            swa_full=True,
            verbose=False,
        )
    ready = time.perf_counter() - t0
    llm.close()
    return ready


def run(quick: bool = False) -> dict:
    paths = app_paths()
    settings = load_settings(paths)
    entry = Catalogue(paths).get(settings.model)
    rounds = 3 if quick else 7
    n_ctx = 2048
    engine = LlamaEngine(entry, n_ctx=n_ctx, n_threads=settings.n_threads, seed=0)
    threads = engine.info.n_threads
    with tempfile.TemporaryDirectory(prefix="draftwheel-bench-adapters-") as tmp:
        a = AdapterRef("bench-a", write_random_adapter(entry.file, Path(tmp) / "a.gguf", seed=1))
        b = AdapterRef("bench-b", write_random_adapter(entry.file, Path(tmp) / "b.gguf", seed=2))
        try:
            first_load = []
            for ref in (a, b):
                t0 = time.perf_counter()
                engine.use_adapter(ref)
                first_load.append(time.perf_counter() - t0)
            engine.use_adapter(None)
            engine.generate(GenerationRequest(prompt="Hello", max_tokens=2))  # warm-up
            switch, to_none, reload = [], [], []
            for i in range(rounds):
                for ref in (a, b):
                    t0 = time.perf_counter()
                    engine.use_adapter(ref)
                    switch.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                engine.use_adapter(None)
                to_none.append(time.perf_counter() - t0)
                reload.append(_reload_with(entry.path, (a if i % 2 == 0 else b).path, n_ctx, threads))
        finally:
            engine.close()
    sw, rl = statistics.median(switch), statistics.median(reload)
    return {
        "name": "adapters",
        "metrics": {
            "switch_ms": round(1000 * sw, 3),
            "switch_to_none_ms": round(1000 * statistics.median(to_none), 3),
            "first_switch_with_file_load_ms": round(1000 * statistics.median(first_load), 1),
            "reload_with_adapter_ms": round(1000 * rl, 1),
            "reload_over_switch": round(rl / sw, 1) if sw else 0.0,
            "reload_over_first_switch": round(rl / statistics.median(first_load), 1),
        },
        "targets": {"reload_over_switch": ">= 10"},
        "notes": (
            f"{rounds} interleaved rounds (A->B->none switches on one engine, then a new Llama with "
            f"lora_path), rank-8 LoRA on all projections, n_ctx {n_ctx}, {threads} threads; medians."
        ),
    }
