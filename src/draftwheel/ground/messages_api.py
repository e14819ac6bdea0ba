"""An Anthropic-compatible endpoint (the Messages API) as a grounded-generation generator.

``POST {base}/v1/messages`` with the headers ``x-api-key`` (from the OS
keyring, only ever in that header) and ``anthropic-version: 2023-06-01``; the
body is ``{model, max_tokens, system, messages, temperature}``: the prompt's
system messages go in ``system``, the rest stay in ``messages``. The reply's
``content`` blocks of type ``text`` are the answer; ``stop_reason`` "refusal"
(or an apology for text) is a refusal; an error reply is
``{"type": "error", "error": {"type", "message"}}``.

Written over urllib (:mod:`draftwheel.ground.endpoint_http`), like the
OpenAI-compatible generator, rather than with the ``anthropic`` SDK: the SDK
reads credentials from places other than the keyring (environment variables,
profile files), follows redirects with the key header, and sends the key as
``Authorization`` with a newer API version than compatible servers speak.
"""

from __future__ import annotations

from draftwheel.engine.base import CancelToken
from draftwheel.ground.endpoint_http import checked_endpoint, json_reply, post_json, refusal
from draftwheel.ground.llm import GenerationError, Generator, Prompt

API_VERSION = "2023-06-01"


def messages_url(base: str) -> str:
    """``{base}/v1/messages``; a base already ending in /v1 or /v1/messages is not doubled."""
    if base.endswith("/v1/messages"):
        return base
    return base + ("/messages" if base.endswith("/v1") else "/v1/messages")


class MessagesEndpointGenerator(Generator):
    """Any endpoint that speaks the Messages API (``https://api.anthropic.com`` or a compatible server)."""

    def __init__(self, url: str, model: str, api_key: str | None = None, timeout: float = 60.0):
        parsed, base, self.model = checked_endpoint(url, model, "https://api.anthropic.com")
        self.url = messages_url(base)
        self._api_key = api_key
        self.timeout = timeout
        self.name = f"messages:{self.model}@{parsed.netloc}"

    def __repr__(self) -> str:  # never show the key
        return f"MessagesEndpointGenerator({self.url!r}, {self.model!r})"

    def ask(self, prompt: Prompt, cancel: CancelToken | None = None) -> str:
        system = "\n\n".join(m["content"] for m in prompt.messages if m.get("role") == "system")
        messages = [m for m in prompt.messages if m.get("role") != "system"]
        body: dict = {"model": self.model, "max_tokens": prompt.max_tokens, "messages": messages}
        if system:
            body["system"] = system
        body["temperature"] = prompt.temperature
        headers = {"anthropic-version": API_VERSION}
        if self._api_key:
            headers["x-api-key"] = self._api_key
        return parse_messages_reply(post_json(self.url, body, headers, self.timeout))


def parse_messages_reply(raw: bytes) -> str:
    """The text of a Messages API reply; GenerationError for an error object, garbage or a refusal."""
    data = json_reply(raw)
    if not isinstance(data, dict):
        raise GenerationError("endpoint reply is JSON but not a message (no content)")
    if data.get("type") == "error":  # some servers send the error object with status 200
        error = data.get("error")
        error = error if isinstance(error, dict) else {}
        message = " ".join(str(error.get("message") or "no message").split())[:200]
        raise GenerationError(f"endpoint answered an error: {message} ({error.get('type') or 'error'})")
    content = data.get("content")
    if not isinstance(content, list) or not all(isinstance(b, dict) for b in content):
        raise GenerationError("endpoint reply is JSON but not a message (no content blocks)")
    text = "".join(b["text"] for b in content if b.get("type") == "text" and isinstance(b.get("text"), str))
    if data.get("stop_reason") == "refusal":
        said = f": {' '.join(text.split())[:120]}" if text.strip() else ""
        raise GenerationError(f"endpoint refused (stop_reason refusal){said}")
    if not text.strip():
        raise GenerationError("endpoint returned an empty answer")
    if (apology := refusal(text)) is not None:
        raise GenerationError(f"endpoint refused: {apology}")
    return text
