"""Text generators for grounded generation: the local engine or an OpenAI-compatible endpoint.

Both answer a :class:`Prompt`, which carries the same request in two forms: a
completion-style prompt for the local base model (plain text ending where the
model should continue, cut at ``stops``) and chat messages for an instruction
model behind an endpoint. A generator returns the text or raises
:class:`GenerationError` with a one-line reason; the caller records it for that
item and goes on with the next.

The endpoint's API key is read from the OS keyring
(:func:`draftwheel.config.secrets.get_api_key`) at request time and only ever
put in the ``Authorization`` header: never logged, stored or exported.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from draftwheel.engine.base import CancelToken, Engine, GenerationRequest
from draftwheel.errors import DraftwheelError

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 2 * 1024 * 1024  # a chat completion is a few kB; refuse to read megabytes of garbage


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
        parsed = urllib.parse.urlparse(url.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise DraftwheelError(
                f"{url!r} is not an http(s) URL.", "Give the endpoint like http://localhost:8000/v1 ."
            )
        if not model.strip():
            raise DraftwheelError("An endpoint needs a model name.", "Pass --model NAME or set remote_model.")
        base = url.strip().rstrip("/")
        self.url = base if base.endswith("/chat/completions") else base + "/chat/completions"
        self.model = model.strip()
        self._api_key = api_key
        self.timeout = timeout
        self.name = f"endpoint:{self.model}@{parsed.netloc}"

    def __repr__(self) -> str:  # never show the key
        return f"ChatEndpointGenerator({self.url!r}, {self.model!r})"

    def ask(self, prompt: Prompt, cancel: CancelToken | None = None) -> str:
        body = json.dumps(
            {
                "model": self.model,
                "messages": prompt.messages,
                "max_tokens": prompt.max_tokens,
                "temperature": prompt.temperature,
                "stream": False,
            }
        ).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if 300 <= exc.code < 400:
                raise GenerationError(
                    f"endpoint answered HTTP {exc.code} (a redirect to {exc.headers.get('Location', '?')}); "
                    "redirects are not followed so the API key stays with the configured host: "
                    "set the endpoint URL to the final address"
                ) from None
            detail = _error_detail(exc)
            raise GenerationError(f"endpoint answered HTTP {exc.code} {exc.reason}{detail}") from None
        except urllib.error.URLError as exc:
            raise GenerationError(f"endpoint unreachable ({_reason(exc.reason)})") from None
        except TimeoutError:
            raise GenerationError(f"endpoint did not answer within {self.timeout:g} s") from None
        except (OSError, ValueError) as exc:  # connection reset, bad status line, ...
            raise GenerationError(f"endpoint connection failed ({exc.__class__.__name__}: {exc})") from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise GenerationError("endpoint reply is larger than 2 MB; not a chat completion")
        return parse_chat_reply(raw)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A chat endpoint has no reason to redirect a POST; following one would
    resend the Authorization header (the API key) to whatever host it names."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError for the 3xx answer


_OPENER = urllib.request.build_opener(_RefuseRedirects)


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason)


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read(2000)
        message = json.loads(raw).get("error", {})
        message = message.get("message") if isinstance(message, dict) else message
        return f": {str(message)[:200]}" if message else ""
    except Exception:
        return ""


def parse_chat_reply(raw: bytes) -> str:
    """The assistant text of a chat-completions reply; GenerationError for anything else."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        preview = raw[:60].decode("utf-8", "replace").replace("\n", " ")
        raise GenerationError(f"endpoint reply is not JSON (starts {preview!r})") from None
    try:
        choice = data["choices"][0]
        text = choice["message"]["content"] if "message" in choice else choice["text"]
    except (KeyError, IndexError, TypeError):
        raise GenerationError(
            "endpoint reply is JSON but not a chat completion (no choices[0].message.content)"
        ) from None
    if not isinstance(text, str) or not text.strip():
        raise GenerationError("endpoint returned an empty answer")
    return text


def endpoint_generator(url: str, model: str, timeout: float = 60.0) -> ChatEndpointGenerator:
    """A generator for ``url`` with the API key (if any) from the OS keyring."""
    from draftwheel.config.secrets import get_api_key

    return ChatEndpointGenerator(url, model, api_key=get_api_key(url.strip()), timeout=timeout)
