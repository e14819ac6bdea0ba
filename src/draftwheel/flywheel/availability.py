"""Can training run here, and if not, why not, in plain words.

Asked before anything starts a training process (the CLI, "Train now", the
automatic trigger), so nothing is started that is bound to fail. Cheap: the
training packages are looked up with ``importlib.util.find_spec`` (found on
disk, never imported), memory and disk are read from the OS.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from draftwheel.config.paths import AppPaths

TRAINING_PACKAGES = ("torch", "transformers", "peft", "safetensors")
INSTALL_HINT = "Install training with: pip install 'draftwheel[train]' (torch==2.13.0 first for the CPU build)."
# Peak memory of a training run of the bundled 270M model (253 MB GGUF) with the
# trainer's defaults was 2.2 GiB (float32 frozen weights: 4.2 GiB), see
# docs/performance.md; it grows with the model, so ask for 12x the GGUF size, at least 3 GiB.
MIN_MEMORY_BYTES = 3 * 2**30
MEMORY_PER_GGUF_BYTE = 12
# The trainable float32 copy is about 4.3x the Q4_K_M file (1.07 GB for 253 MB);
# checkpoints and the adapter add a few tens of MB.
DISK_PER_GGUF_BYTE = 5
MIN_DISK_BYTES = 256 * 2**20

FindSpec = Callable[[str], object]


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str = ""  # what is wrong, one sentence
    fix: str = ""  # what to do about it

    def __str__(self) -> str:
        if self.ok:
            return "Training can run here."
        return f"{self.reason} {self.fix}".strip()


def missing_packages(find_spec: FindSpec = importlib.util.find_spec) -> list[str]:
    missing = []
    for name in TRAINING_PACKAGES:
        try:
            found = find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def available_memory() -> int | None:
    """Bytes of memory available to a new process (Linux MemAvailable, else free pages); None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the file says kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GB"


def _weights_problem(paths: AppPaths, entry, find_spec: FindSpec) -> tuple[str, int]:
    """(why the model has no trainable weights or "", bytes of disk a conversion still needs)."""
    from draftwheel.models.weights import cache_dir, is_complete

    if is_complete(cache_dir(paths, entry)):
        return "", 0
    gguf = Path(entry.file)
    if not gguf.is_file():
        return f"The model file of {entry.name} is missing ({gguf}), so it has no weights to train.", 0
    arch = (entry.architecture or "").lower()
    known = gguf_architectures(find_spec)
    if known is not None and arch not in known:
        return (
            f"The model {entry.name} ({entry.architecture}) has no trainable weights here: transformers "
            "cannot read this architecture from GGUF."
        ), 0
    return "", DISK_PER_GGUF_BYTE * max(0, int(entry.size_bytes or gguf.stat().st_size))


def gguf_architectures(find_spec: FindSpec = importlib.util.find_spec) -> set[str] | None:
    """Architectures transformers can dequantize from GGUF; None when that cannot be told.

    Read from the top-level keys of ``GGUF_CONFIG_MAPPING`` in the source of
    ``transformers/integrations/ggml.py`` rather than by importing transformers,
    which would take seconds and hundreds of MB in the app's process.
    """
    try:
        spec = find_spec("transformers")
        roots = list(getattr(spec, "submodule_search_locations", None) or [])
        source = (Path(roots[0]) / "integrations" / "ggml.py").read_text(encoding="utf-8")
    except (ImportError, ValueError, IndexError, OSError):
        return None
    start = source.find("GGUF_CONFIG_MAPPING = {")
    if start < 0:
        return None
    names = set()
    for line in source[start:].splitlines()[1:]:
        if line.startswith("}"):
            break
        m = re.match(r'^    "([A-Za-z0-9_.-]+)": \{', line)
        if m:
            names.add(m.group(1).lower())
    names -= {"general", "tokenizer"}  # sections of the mapping, not architectures
    return names or None


def training_availability(
    paths: AppPaths,
    entry=None,
    *,
    find_spec: FindSpec = importlib.util.find_spec,
    memory_bytes: int | None = -1,
    disk_bytes: int | None = -1,
) -> Availability:
    """Whether ``draftwheel train`` can run on ``entry`` (a catalogue model; None skips the model checks).

    ``find_spec``, ``memory_bytes`` and ``disk_bytes`` default to the real
    machine (-1: measure); a test passes its own to simulate another one.
    """
    missing = missing_packages(find_spec)
    if missing:
        return Availability(False, f"Training is not installed here (missing: {', '.join(missing)}).", INSTALL_HINT)
    need_disk = MIN_DISK_BYTES
    if entry is not None:
        problem, convert_bytes = _weights_problem(paths, entry, find_spec)
        if problem:
            return Availability(False, problem, "Choose a local GGUF model that transformers supports in Settings.")
        need_disk += convert_bytes
        need_memory = max(MIN_MEMORY_BYTES, MEMORY_PER_GGUF_BYTE * int(entry.size_bytes or 0))
        have = available_memory() if memory_bytes == -1 else memory_bytes
        if have is not None and have < need_memory:
            return Availability(
                False,
                f"Not enough memory to train {entry.name}: {_gib(have)} available, about {_gib(need_memory)} needed.",
                "Close other programs and try again.",
            )
    if disk_bytes == -1:
        try:
            disk_bytes = shutil.disk_usage(paths.home if Path(paths.home).exists() else Path.home()).free
        except OSError:
            disk_bytes = None
    if disk_bytes is not None and disk_bytes < need_disk:
        return Availability(
            False,
            f"Not enough disk space to train: {_gib(disk_bytes)} free in {paths.home}, about {_gib(need_disk)} needed.",
            "Free some space and try again.",
        )
    return Availability(True)
