"""The llama.cpp engine's threads and adapter handles: n_threads 0 is one thread per physical core,
and adapter handles of replaced, deleted or long-unused adapter files are freed (real model)."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from adapter_helpers import write_peft
from draftwheel.engine.base import AdapterRef, GenerationRequest

CPUINFO_HT = """processor\t: 0
physical id\t: 0
core id\t\t: 0

processor\t: 1
physical id\t: 0
core id\t\t: 1

processor\t: 2
physical id\t: 0
core id\t\t: 0

processor\t: 3
physical id\t: 0
core id\t\t: 1

processor\t: 4
physical id\t: 1
core id\t\t: 0

processor\t: 5
physical id\t: 1
core id\t\t: 0
"""


def test_zero_threads_means_physical_cores(tmp_path, monkeypatch):
    """Regression: the help said physical cores and the code counted logical CPUs (hyper-threads too)."""
    from draftwheel.engine import llama

    info = tmp_path / "cpuinfo"
    info.write_text(CPUINFO_HT)
    monkeypatch.setattr(llama, "_usable_cpus", lambda: {0, 1, 2, 3, 4, 5})
    assert llama.physical_cores(str(info)) == 3  # (0,0) (0,1) (1,0): six logical CPUs, three cores
    monkeypatch.setattr(llama, "_usable_cpus", lambda: {0, 2})  # taskset to both threads of one core
    assert llama.physical_cores(str(info)) == 1
    monkeypatch.setattr(llama, "_usable_cpus", lambda: {0, 1, 2})
    assert llama.physical_cores(str(tmp_path / "missing")) == 3  # no topology: the logical count
    info.write_text("processor\t: 0\nmodel name\t: some ARM\n\nprocessor\t: 1\n")  # no core ids
    assert llama.physical_cores(str(info)) == 3


def test_this_machine_count_and_the_help_agree():
    from draftwheel.config import Settings
    from draftwheel.engine.llama import default_threads, physical_cores

    assert "physical cores" in Settings.help()["n_threads"]
    assert default_threads() == physical_cores()
    try:
        logical = len(os.sched_getaffinity(0))
    except AttributeError:
        logical = os.cpu_count() or 1
    assert 1 <= default_threads() <= logical


@pytest.fixture(scope="module")
def adapter_file(bundled_gguf, tmp_path_factory):
    from draftwheel.train.gguf_adapter import export_gguf_adapter

    folder = tmp_path_factory.mktemp("swap")
    peft = write_peft(folder / "peft", rank=2, alpha=4.0, std=0.03, seed=5)
    return export_gguf_adapter(peft, bundled_gguf, folder / "a.gguf").path


def _rss_kib() -> int | None:
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return None


def test_adapter_handles_stay_bounded_over_many_retrainings(fresh_engine, adapter_file, tmp_path):
    """Regression: every new adapter file loaded a handle that stayed until the engine closed, so an app
    that retrains again and again kept every old adapter in memory."""
    from draftwheel.engine.llama import MAX_LOADED_ADAPTERS

    engine = fresh_engine
    n_swaps = 3 * MAX_LOADED_ADAPTERS
    counts, rss = [], [_rss_kib()]
    for i in range(n_swaps):
        # A new training run: a new adapter file (a new name each time, as the trainer makes them).
        path = tmp_path / f"grammar-{i}.gguf"
        shutil.copyfile(adapter_file, path)
        engine.use_adapter(AdapterRef(f"grammar-{i}", path))
        counts.append(engine.loaded_adapters)
        rss.append(_rss_kib())
    assert max(counts) <= MAX_LOADED_ADAPTERS, counts
    assert engine.adapter is not None and engine.adapter.name == f"grammar-{n_swaps - 1}"
    out = engine.generate(GenerationRequest(prompt="Text: She go home .\nRevision:", max_tokens=4)).text
    assert isinstance(out, str)  # the applied handle (never freed) still works

    # Retrained under the same name: the file replaced in place frees the old version's handle.
    same = tmp_path / "grammar-same.gguf"
    for i in range(3):
        shutil.copyfile(adapter_file, same)
        os.utime(same, ns=(time.time_ns() + i, time.time_ns() + i))
        engine.use_adapter(AdapterRef("grammar-same", same))
    assert sum(1 for k in engine._loaded_adapters if k.startswith(str(same) + "|")) == 1

    # Deleted adapters' handles go at the next switch; back to the base model keeps none of them alive.
    for p in tmp_path.glob("grammar-*.gguf"):
        p.unlink()
    engine.use_adapter(None)
    assert engine.loaded_adapters == 0
    print(f"RSS KiB over the swaps: {rss}")  # reported, never asserted
