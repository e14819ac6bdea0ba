"""The one inference interface every backend implements.

``Engine.stream(request)`` yields small :class:`Chunk` records as tokens are
produced; ``generate`` is a loop over it. Cancellation is a flag checked
between tokens, so a cancelled request stops within one token.

Backends share the generation loop (:func:`stream_steps`): each turns its
library's token stream into :class:`Step` records (new text, whether it was a
generated token, whether the library ended there); the loop applies stop
strings, the token limit, cancellation and the timing figures.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from draftwheel.errors import DraftwheelError
from draftwheel.models.adapter_info import AdapterRef
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

    def close(self) -> None:  # noqa: B027 - optional hook: engines without resources to free keep it
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


@dataclass(frozen=True)
class Step:
    """One item of a backend's token stream, as the shared loop consumes it."""

    text: str  # newly decoded text (may be "", e.g. half of a multi-byte character)
    counts: bool = True  # a generated token (False: the end-of-generation token)
    finish: str | None = None  # the backend ended here: "stop" (end of generation) or "length"


def fit_prompt(tokens: list[int], n_ctx: int, max_tokens: int) -> int:
    """The number of tokens that may be generated after ``tokens`` in an ``n_ctx`` window (at least 1)."""
    if len(tokens) + 1 > n_ctx:
        raise DraftwheelError(f"The prompt ({len(tokens)} tokens) does not fit the context window ({n_ctx}).")
    return max(1, min(max_tokens, n_ctx - len(tokens)))


def stream_steps(
    steps: Iterator[Step],
    stop: tuple[str, ...],
    n_prompt: int,
    n_cached: int,
    max_tokens: int,
    cancel: CancelToken | None,
    t0: float,
    flush: Callable[[], str] = lambda: "",
) -> Iterator[Chunk]:
    """The generation loop shared by every backend: ``Chunk``s from a backend's ``steps``.

    ``t0``: ``time.perf_counter()`` when the request arrived (time to first
    token counts from there). ``flush()``: text the backend still holds at the
    end (an unfinished UTF-8 sequence). The last chunk carries the finish
    reason: "stop", "length" or "cancelled"; a cancelled request emits no tail.
    """
    stops = StopMatcher(stop)
    n_gen = 0
    ttft = 0.0
    t_first = None
    finish = "length"

    def chunk(text: str, reason: str | None) -> Chunk:
        now = time.perf_counter()
        rate = (n_gen - 1) / (now - t_first) if t_first and n_gen > 1 and now > t_first else 0.0
        return Chunk(text, n_prompt, n_cached, n_gen, rate, ttft, reason)

    try:
        for step in steps:
            if t_first is None:
                t_first = time.perf_counter()
                ttft = t_first - t0
            if cancel is not None and cancel.cancelled:
                finish = "cancelled"
                break
            n_gen += step.counts
            text = stops.feed(step.text)
            if stops.stopped:
                finish = "stop"
                if text:
                    yield chunk(text, None)
                break
            finish = step.finish or finish
            if text:
                yield chunk(text, None)
            if step.finish or n_gen >= max_tokens:
                break
    finally:
        close = getattr(steps, "close", None)
        if close is not None:
            close()
    tail = "" if stops.stopped or finish == "cancelled" else stops.feed(flush()) + stops.flush()
    yield chunk(tail, finish)
