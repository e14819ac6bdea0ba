"""MLX backend benchmark: generation and LoRA training steps, with llama.cpp alongside.

* generation tokens/s of :class:`MlxEngine` (float32 safetensors copy) and
  :class:`LlamaEngine` (Q4_K_M GGUF) on the same prompt, interleaved;
* seconds per mlx-lm LoRA training step (batch 2, rank 8, completion-only
  loss), the first (compiling) step reported apart;
* a 66x640 by 640x2048 float32 matrix product in fresh processes with the
  system OpenBLAS and with the mlx-cpu wheel's bundled BLAS, interleaved
  (Linux only: see :mod:`draftwheel.engine.mlx_runtime`).

Needs mlx-lm (``pip install 'draftwheel[mlx]'``); converts the bundled model
to safetensors once if the data folder has no copy yet.
"""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import time

_MATMUL = """
import time
from draftwheel.engine.mlx_runtime import import_mx
mx = import_mx()
w = mx.random.normal((2048, 640)); h = mx.random.normal((66, 640)); mx.eval(w, h)
mx.eval(h @ w.T)
t = time.perf_counter()
for _ in range(20):
    mx.eval(h @ w.T)
print((time.perf_counter() - t) / 20 * 1000)
"""


def _matmul_ms(system_blas: bool) -> float:
    env = dict(os.environ, DRAFTWHEEL_MLX_SYSTEM_BLAS="1" if system_blas else "0")
    out = subprocess.run([sys.executable, "-c", _MATMUL], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _gen_rate(engine, prompt: str, n: int) -> float:
    from draftwheel.engine.base import GenerationRequest

    return engine.generate(GenerationRequest(prompt, max_tokens=n)).tokens_per_s


def run(quick: bool = True) -> dict:
    from draftwheel.engine.mlx_runtime import prefer_system_blas

    blas = prefer_system_blas()  # before mlx is imported in this process
    from draftwheel.config import app_paths
    from draftwheel.engine.llama import LlamaEngine
    from draftwheel.engine.mlx import MlxEngine
    from draftwheel.engine.prompts import resolve_task, training_pair
    from draftwheel.models import Catalogue
    from draftwheel.models.weights import trainable_weights
    from draftwheel.train.mlx_trainer import MlxLoraArgs, train
    from draftwheel.train.progress import TrainCallback

    n_tokens, n_steps, rounds = (16, 4, 2) if quick else (64, 10, 3)
    paths = app_paths()
    entry = Catalogue(paths).ensure_bundled()
    weights = trainable_weights(paths, entry)
    task = resolve_task("grammar")
    prompt = training_pair(task, "He go to the libary yesterday and borrow two book.", "")[0]

    t0 = time.perf_counter()
    mlx = MlxEngine(entry, weights_dir=weights, n_ctx=2048)
    load_s = time.perf_counter() - t0
    llama = LlamaEngine(entry, n_ctx=2048)
    mlx_rates, llama_rates = [], []
    try:
        for _ in range(rounds):
            mlx_rates.append(_gen_rate(mlx, prompt, n_tokens))
            llama_rates.append(_gen_rate(llama, prompt, n_tokens))
    finally:
        llama.close()
        mlx.close()

    class Steps(TrainCallback):
        def __init__(self):
            self.times = [time.perf_counter()]

        def on_step(self, progress):
            self.times.append(time.perf_counter())

    pairs = [
        training_pair(task, s, r)
        for s, r in (
            ("He go to school every days.", "He goes to school every day."),
            ("She have two brother.", "She has two brothers."),
            ("They was late for the meeting.", "They were late for the meeting."),
            ("I has finish my homework.", "I have finished my homework."),
        )
    ]
    steps = Steps()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="draftwheel-bench-mlx-") as tmp:
        train(weights, pairs, tmp, MlxLoraArgs(iters=n_steps, batch_size=2), callback=steps)
    durations = [b - a for a, b in itertools.pairwise(steps.times[1:])]

    metrics = {
        "mlx_load_s": round(load_s, 2),
        "mlx_tokens_per_s": round(statistics.median(mlx_rates), 2),
        "llama_tokens_per_s": round(statistics.median(llama_rates), 2),
        "mlx_train_step_s": round(statistics.median(durations), 2) if durations else None,
    }
    if sys.platform.startswith("linux") and blas:
        system, bundled = [], []
        for _ in range(rounds):
            system.append(_matmul_ms(True))
            bundled.append(_matmul_ms(False))
        metrics["matmul_ms_system_blas"] = round(statistics.median(system), 2)
        metrics["matmul_ms_bundled_blas"] = round(statistics.median(bundled), 2)
    return {
        "name": "mlx",
        "metrics": metrics,
        "targets": {"mlx_tokens_per_s": "on Apple silicon: above llama.cpp's; on Linux CPU: runs (slowly)"},
        "notes": (
            f"{n_tokens} greedy tokens x {rounds} rounds, interleaved; {n_steps} training steps "
            f"(batch 2, r 8), first step (compile) excluded; BLAS: {blas or 'bundled'}; "
            f"device {'Apple silicon' if sys.platform == 'darwin' else sys.platform} CPU"
        ),
    }
