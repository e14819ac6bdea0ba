"""Training progress: what the trainer reports, and who listens.

The trainer calls a :class:`TrainCallback` (no Qt, no argv); the CLI uses
:class:`TqdmCallback`, the app's worker subclasses the base class and emits
signals, a background run writes :class:`ProgressFileCallback`'s JSON for the
app to poll. Also here: peak resident memory, measured the same way for the
trainer and the benchmark.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class TrainProgress:
    step: int  # optimizer steps done
    total: int  # optimizer steps planned
    loss: float  # mean completion-token loss of the last step
    tokens_per_s: float  # processed (non-pad) tokens per second since the run (or resume) started
    peak_memory_bytes: int
    eta_s: float  # seconds left at the current pace
    lr: float = 0.0


class TrainCallback:
    """Override what you need; every method is optional."""

    def on_message(self, text: str) -> None:
        pass

    def on_start(self, total: int, start_step: int, n_train: int, n_heldout: int) -> None:
        pass

    def on_step(self, progress: TrainProgress) -> None:
        pass

    def on_eval(self, name: str, loss: float) -> None:
        pass

    def on_checkpoint(self, step: int, path: Path) -> None:
        pass

    def on_end(self) -> None:
        pass


class MultiCallback(TrainCallback):
    def __init__(self, *callbacks: TrainCallback | None):
        self.callbacks = [c for c in callbacks if c is not None]

    def on_message(self, text):
        for c in self.callbacks:
            c.on_message(text)

    def on_start(self, total, start_step, n_train, n_heldout):
        for c in self.callbacks:
            c.on_start(total, start_step, n_train, n_heldout)

    def on_step(self, progress):
        for c in self.callbacks:
            c.on_step(progress)

    def on_eval(self, name, loss):
        for c in self.callbacks:
            c.on_eval(name, loss)

    def on_checkpoint(self, step, path):
        for c in self.callbacks:
            c.on_checkpoint(step, path)

    def on_end(self):
        for c in self.callbacks:
            c.on_end()


class TqdmCallback(TrainCallback):
    """A terminal progress bar: loss, tokens/s, memory; tqdm shows the ETA."""

    def __init__(self, file=None):
        self.file = file or sys.stderr
        self.bar = None

    def on_message(self, text):
        if self.bar is not None:
            self.bar.write(text, file=self.file)
        else:
            print(text, file=self.file, flush=True)

    def on_start(self, total, start_step, n_train, n_heldout):
        from tqdm import tqdm

        self.bar = tqdm(
            total=total, initial=start_step, unit="step", file=self.file, dynamic_ncols=True, desc="training"
        )

    def on_step(self, p):
        if self.bar is None:
            return
        self.bar.set_postfix_str(
            f"loss {p.loss:.3f}, {p.tokens_per_s:.0f} tok/s, peak {p.peak_memory_bytes / 2**30:.2f} GiB", refresh=False
        )
        self.bar.update(p.step - self.bar.n)

    def on_eval(self, name, loss):
        self.on_message(f"held-out loss {name}: {loss:.4f}")

    def on_end(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class ProgressFileCallback(TrainCallback):
    """Writes the latest progress as JSON (atomically, at most every ``every_s``) for another process."""

    def __init__(self, path: Path, every_s: float = 1.0):
        self.path = Path(path)
        self.every_s = every_s
        self.state: dict = {"status": "starting", "pid": os.getpid()}
        self._last = 0.0

    def _write(self, force: bool = False) -> None:
        from draftwheel.config.atomic import atomic_write_text

        now = time.monotonic()
        if force or now - self._last >= self.every_s:
            self._last = now
            self.state["updated"] = time.time()
            try:
                atomic_write_text(self.path, json.dumps(self.state) + "\n")
            except OSError:
                pass  # progress is informative only; the run goes on

    def on_message(self, text):
        self.state["message"] = text
        self._write(force=True)  # messages are rare and each says what the run is doing now

    def on_start(self, total, start_step, n_train, n_heldout):
        self.state.update(status="training", total=total, step=start_step, n_train=n_train, n_heldout=n_heldout)
        self._write(force=True)

    def on_step(self, p):
        self.state.update(asdict(p))
        self._write()

    def on_eval(self, name, loss):
        self.state[f"heldout_loss_{name}"] = loss
        self._write(force=True)

    def on_end(self):
        self.state["status"] = "finished"
        self._write(force=True)


# -- memory -----------------------------------------------------------------


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux: clear_refs 5); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int:
    """Peak resident memory of this process (since the last reset where supported), bytes."""
    hwm = _status_kb("VmHWM")
    if hwm is not None:
        return hwm * 1024
    try:
        import resource  # not on Windows
    except ImportError:
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS reports bytes, Linux KiB


def current_rss_bytes() -> int:
    rss = _status_kb("VmRSS")
    return rss * 1024 if rss is not None else peak_rss_bytes()


class PeakMemory:
    """Peak memory of the training device: CUDA allocator peak, else process peak RSS."""

    def __init__(self, device: str = "cpu"):
        self.device = device

    def reset(self) -> None:
        if self.device == "cuda":
            import torch

            torch.cuda.reset_peak_memory_stats()
        else:
            reset_peak_rss()

    def peak(self) -> int:
        if self.device == "cuda":
            import torch

            return int(torch.cuda.max_memory_allocated())
        if self.device == "mps":
            import torch

            return max(int(torch.mps.driver_allocated_memory()), peak_rss_bytes())
        return peak_rss_bytes()
