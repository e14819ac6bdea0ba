"""Text generators for grounded generation: the local engine or an OpenAI- or Anthropic-compatible endpoint.

Both answer a :class:`Prompt`, which carries the same request in two forms: a
completion-style prompt for the local base model (plain text ending where the
model should continue, cut at ``stops``) and chat messages for an instruction
model behind an endpoint. A generator returns the text or raises
:class:`GenerationError` with a one-line reason; the caller records it for that
item and goes on with the next.

An endpoint's API key is read from the OS keyring
(:func:`draftwheel.config.secrets.get_api_key`) when the generator is made and
only ever put in a request header (``Authorization``, or ``x-api-key`` for the
Messages API): never logged, stored or exported. The HTTP part both endpoint
generators share is :mod:`draftwheel.ground.endpoint_http`; the Anthropic one
is :mod:`draftwheel.ground.messages_api`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from draftwheel.engine.base import CancelToken, Engine, GenerationRequest
from draftwheel.errors import DraftwheelError

log = logging.getLogger(__name__)


class GenerationError(Exception):
    """One request failed (endpoint down, garbage reply, empty text); the message says which."""


@dataclass(frozen=True)
class Prompt:
    completion: str  # for a base model: the text it continues
    messages: list[dict[str, str]] = field(default_factory=list)  # for a chat model
    stops: tuple[str, ...] = ("\n",)
    max_tokens: int = 160
    temperature: float = 0.0


class Generator(ABC):
    name = "generator"

    @abstractmethod
    def ask(self, prompt: Prompt, cancel: CancelToken | None = None) -> str:
        """The model's answer to ``prompt``; a GenerationError for a failed item."""


class LocalGenerator(Generator):
    """The on-device engine with completion-style prompts (the bundled model is a base model)."""

    def __init__(self, engine: Engine, seed: int = 0):
        self.engine = engine
        self.seed = seed
        self.name = f"local:{engine.info.model.name}"

    def ask(self, prompt: Prompt, cancel: CancelToken | None = None) -> str:
        request = GenerationRequest(
            prompt=prompt.completion,
            max_tokens=prompt.max_tokens,
            temperature=prompt.temperature,
            seed=self.seed,
            repeat_penalty=1.1,
            stop=prompt.stops,
        )
        try:
            result = self.engine.generate(request, cancel)
        except DraftwheelError as exc:  # e.g. a passage too long for the context window
            raise GenerationError(str(exc)) from None
        return result.text


class ChatEndpointGenerator(Generator):
    """Any OpenAI-compatible ``/chat/completions`` endpoint, over the stdlib's urllib.

    ``url`` may be the base (``http://host:8000/v1``) or the full
    ``.../chat/completions`` address.
    """

    def __init__(self, url: str, model: str, api_key: str | None = None, timeout: float = 60.0):
        from draftwheel.ground.endpoint_http import checked_endpoint

        parsed, base, self.model = checked_endpoint(url, model, "http://localhost:8000/v1")
        self.url = base if base.endswith("/chat/completions") else base + "/chat/completions"
        self._api_key = api_key
        self.timeout = timeout
        self.name = f"endpoint:{self.model}@{parsed.netloc}"

    def __repr__(self) -> str:  # never show the key
        return f"ChatEndpointGenerator({self.url!r}, {self.model!r})"

    def ask(self, prompt: Prompt, cancel: CancelToken | None = None) -> str:
        from draftwheel.ground.endpoint_http import post_json

        body = {
            "model": self.model,
            "messages": prompt.messages,
            "max_tokens": prompt.max_tokens,
            "temperature": prompt.temperature,
            "stream": False,
        }
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        return parse_chat_reply(post_json(self.url, body, headers, self.timeout))


def parse_chat_reply(raw: bytes) -> str:
    """The assistant text of a chat-completions reply; GenerationError for anything else (a refusal too)."""
    from draftwheel.ground.endpoint_http import json_reply, refusal

    data = json_reply(raw)
    try:
        choice = data["choices"][0]  # type: ignore[index]
        message = choice.get("message") or {}
        text = message["content"] if "message" in choice else choice["text"]
    except (KeyError, IndexError, TypeError, AttributeError):
        raise GenerationError(
            "endpoint reply is JSON but not a chat completion (no choices[0].message.content)"
        ) from None
    # OpenAI states a refusal in message.refusal (content null) or by finish_reason "content_filter".
    if isinstance(message, dict) and message.get("refusal"):
        raise GenerationError(f"endpoint refused: {' '.join(str(message['refusal']).split())[:120]}")
    if choice.get("finish_reason") == "content_filter" and not (isinstance(text, str) and text.strip()):
        raise GenerationError("endpoint refused: its content filter withheld the answer")
    if not isinstance(text, str) or not text.strip():
        raise GenerationError("endpoint returned an empty answer")
    if (apology := refusal(text)) is not None:
        raise GenerationError(f"endpoint refused: {apology}")
    return text


OPENAI, ANTHROPIC = "openai", "anthropic"
PROTOCOLS = (OPENAI, ANTHROPIC)  # settings.remote_protocol, ``draftwheel ground --protocol``


def endpoint_generator(url: str, model: str, timeout: float = 60.0, protocol: str = OPENAI) -> Generator:
    """A generator for ``url`` speaking ``protocol``, with the API key (if any) from the OS keyring."""
    from draftwheel.config.secrets import get_api_key

    key = get_api_key(url.strip())
    if protocol == ANTHROPIC:
        from draftwheel.ground.messages_api import MessagesEndpointGenerator

        return MessagesEndpointGenerator(url, model, api_key=key, timeout=timeout)
    if protocol != OPENAI:
        raise DraftwheelError(f"Unknown endpoint protocol {protocol!r}.", f"Use one of {', '.join(PROTOCOLS)}.")
    return ChatEndpointGenerator(url, model, api_key=key, timeout=timeout)
