"""A really full disk (a small tmpfs mounted over the target folder), not an injected
error: the trainable-weights conversion and a training checkpoint each stop with a
clear "disk is full" message and leave nothing half-written that would later be
taken for complete. Mounting needs root with CAP_SYS_ADMIN; elsewhere these skip."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import JFLEG
from draftwheel.errors import DraftwheelError

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk():
    mounted: list[Path] = []

    def mount(where: Path, size_mb: int) -> Path:
        where.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0700", "tmpfs", str(where)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {proc.stderr.strip() or proc.returncode}")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_weights_conversion_on_a_full_disk(paths, bundled_gguf, small_disk):
    from draftwheel.models import Catalogue
    from draftwheel.models.weights import is_complete, trainable_weights

    assert (paths.models_dir / bundled_gguf.name).exists()  # the home fixture puts the bundled model there
    entry = Catalogue(paths).ensure_bundled()
    disk = small_disk(paths.weights_cache, 40)  # the float32 copy needs about 1.1 GB
    with pytest.raises(DraftwheelError, match="disk is full") as err:
        trainable_weights(paths, entry)
    assert str(disk) in str(err.value) or "weights" in str(err.value)
    left = list(disk.rglob("*"))
    assert not [p for p in left if p.is_dir() and is_complete(p)], left  # nothing passes for a finished copy
    assert not [p for p in left if p.is_file()], left  # and the partial files are gone, freeing the space


def test_checkpoint_on_a_full_disk(trainable_dir, tmp_path, small_disk):
    from transformers import AutoTokenizer

    from draftwheel.train.args import TrainingArgs
    from draftwheel.train.dataset import build_dataset, jfleg_pairs
    from draftwheel.train.trainer import ADAPTER, CHECKPOINT, read_checkpoint, train

    tok = AutoTokenizer.from_pretrained(str(trainable_dir))
    ds = build_dataset(jfleg_pairs(JFLEG, limit=16), tok, 64, heldout_fraction=0.2)
    run_dir = small_disk(tmp_path / "run", 12)  # LoRA (7.6 MB) + AdamW state (2x) does not fit
    args = TrainingArgs(steps=2, batch_size=2, max_seq_len=64, checkpoint_every=1, eval_batch_size=4)
    with pytest.raises(DraftwheelError, match="disk is full") as err:
        train(trainable_dir, ds, args, out_dir=run_dir)
    assert "--resume" in (err.value.hint or "")
    assert read_checkpoint(run_dir) is None  # no half checkpoint to resume from
    assert not (run_dir / CHECKPOINT).exists() and not (run_dir / ADAPTER).exists()
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".")], list(run_dir.iterdir())
