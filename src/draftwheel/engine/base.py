"""The one inference interface every backend implements.

``Engine.stream(request)`` yields small :class:`Chunk` records as tokens are
produced; ``generate`` is a loop over it. Cancellation is a flag checked
between tokens, so a cancelled request stops within one token.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from draftwheel.models.catalogue import ModelEntry


class CancelToken:
    """Set from any thread; the engine checks it between tokens."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    max_tokens: int = 256
    temperature: float = 0.0  # 0 = greedy
    top_p: float = 0.95
    top_k: int = 40
    repeat_penalty: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    text: str  # new text since the previous chunk (may be "")
    n_prompt_tokens: int
    n_cached_tokens: int  # prompt tokens whose evaluation was reused from the last request
    n_generated: int  # tokens generated so far
    tokens_per_s: float  # generation speed so far (after the first token)
    time_to_first_token: float  # seconds from request to first generated token
    finish_reason: str | None = None  # None while streaming; "stop", "length" or "cancelled"


@dataclass
class Generation:
    text: str
    n_prompt_tokens: int
    n_cached_tokens: int
    n_generated: int
    tokens_per_s: float
    time_to_first_token: float
    finish_reason: str


@dataclass(frozen=True)
class AdapterRef:
    """A LoRA adapter file for the loaded base model, applied at ``scale``."""

    name: str
    path: Path
    scale: float = 1.0


@dataclass
class EngineInfo:
    backend: str
    model: ModelEntry
    n_ctx: int
    n_threads: int
    adapter: str | None = None
    extra: dict = field(default_factory=dict)


class Engine(ABC):
    backend: str = "abstract"

    @property
    @abstractmethod
    def info(self) -> EngineInfo: ...

    @abstractmethod
    def tokenize(self, text: str, add_bos: bool = False) -> list[int]: ...

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    @abstractmethod
    def stream(self, request: GenerationRequest, cancel: CancelToken | None = None) -> Iterator[Chunk]: ...

    def generate(self, request: GenerationRequest, cancel: CancelToken | None = None) -> Generation:
        parts: list[str] = []
        last: Chunk | None = None
        for chunk in self.stream(request, cancel):
            parts.append(chunk.text)
            last = chunk
        assert last is not None, "stream() must yield a final chunk"
        return Generation(
            text="".join(parts),
            n_prompt_tokens=last.n_prompt_tokens,
            n_cached_tokens=last.n_cached_tokens,
            n_generated=last.n_generated,
            tokens_per_s=last.tokens_per_s,
            time_to_first_token=last.time_to_first_token,
            finish_reason=last.finish_reason or "stop",
        )

    @abstractmethod
    def use_adapter(self, adapter: AdapterRef | None) -> None:
        """Apply ``adapter`` (or none) to the loaded model without reloading it."""

    @property
    def adapter(self) -> AdapterRef | None:
        return None

    def chat_template(self) -> str | None:
        return None

    def special_tokens(self) -> dict[str, str]:
        """bos/eos token texts, for rendering chat templates."""
        return {}

    def close(self) -> None:
        pass


class StopMatcher:
    """Streams text while holding back any tail that may start a stop string."""

    def __init__(self, stops: tuple[str, ...]):
        self.stops = tuple(s for s in stops if s)
        self.buffer = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """Add ``text``; return what is safe to emit now."""
        self.buffer += text
        for stop in self.stops:
            idx = self.buffer.find(stop)
            if idx != -1:
                self.stopped = True
                out, self.buffer = self.buffer[:idx], ""
                return out
        hold = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(self.buffer)), 0, -1):
                if self.buffer.endswith(stop[:n]):
                    hold = max(hold, n)
                    break
        cut = len(self.buffer) - hold
        out, self.buffer = self.buffer[:cut], self.buffer[cut:]
        return out

    def flush(self) -> str:
        out, self.buffer = self.buffer, ""
        return out
