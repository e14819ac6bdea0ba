"""The HTTP side shared by the endpoint generators (OpenAI- and Anthropic-compatible).

One JSON POST per request over the stdlib's urllib: every way it can fail
becomes a one-line :class:`~draftwheel.ground.llm.GenerationError` (down,
timeout, HTTP error with the server's own message, a reply too large), and
redirects are refused so the API key header never travels to another host.
Also the checks both protocols share: the endpoint's URL and model name, and
whether an answer is a refusal rather than an answer.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

from draftwheel.errors import DraftwheelError
from draftwheel.ground.llm import GenerationError

MAX_RESPONSE_BYTES = 2 * 1024 * 1024  # a reply is a few kB; refuse to read megabytes of garbage

# A short reply that opens like this declines the request instead of answering it. Only short ones:
# an author's real answer may begin "I'm sorry, but that is wrong: ..." and go on to say why.
_APOLOGY = re.compile(
    r"^\W*(?:(?:I'?m|I am) sorry|sorry|I apologi[sz]e)\b[^.!?]{0,60}?"
    r"\b(?:can'?t|cannot|unable|won'?t|will not|not able|not comfortable)\b"
    r"|^\W*as an ai\b"
    r"|^\W*(?:I'?m|I am) (?:not able|unable) to\b"
    r"|^\W*I (?:can(?:'?t|not)|won'?t|will not) (?:help|assist|comply|provide|answer|write|fulfil|create|generate)\b",
    re.IGNORECASE,
)
REFUSAL_MAX_CHARS = 300


def checked_endpoint(url: str, model: str, example: str) -> tuple[urllib.parse.ParseResult, str, str]:
    """(parsed URL, the URL without trailing slashes, model) or a DraftwheelError saying what to give."""
    parsed = urllib.parse.urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise DraftwheelError(f"{url!r} is not an http(s) URL.", f"Give the endpoint like {example} .")
    if not model.strip():
        raise DraftwheelError("An endpoint needs a model name.", "Pass --model NAME or set remote_model.")
    return parsed, url.strip().rstrip("/"), model.strip()


def refusal(text: str) -> str | None:
    """The reply, shortened to one line, when ``text`` is an apology instead of an answer; else None."""
    one_line = " ".join(text.split())
    if len(one_line) <= REFUSAL_MAX_CHARS and _APOLOGY.search(one_line.replace("\u2019", "'")):
        return one_line[:120]
    return None


def post_json(url: str, body: dict, headers: dict[str, str], timeout: float) -> bytes:
    """POST ``body`` as JSON; the raw reply of a 2xx answer, or a GenerationError with a one-line reason."""
    data = json.dumps(body).encode("utf-8")
    all_headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
    request = urllib.request.Request(url, data=data, headers=all_headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            raw = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            raise GenerationError(
                f"endpoint answered HTTP {exc.code} (a redirect to {exc.headers.get('Location', '?')}); "
                "redirects are not followed so the API key stays with the configured host: "
                "set the endpoint URL to the final address"
            ) from None
        reason = f" {exc.reason}" if exc.reason else ""  # 529 (overloaded) has no standard reason phrase
        raise GenerationError(f"endpoint answered HTTP {exc.code}{reason}{_error_detail(exc)}") from None
    except urllib.error.URLError as exc:
        raise GenerationError(f"endpoint unreachable ({_reason(exc.reason)})") from None
    except TimeoutError:
        raise GenerationError(f"endpoint did not answer within {timeout:g} s") from None
    except (OSError, ValueError) as exc:  # connection reset, bad status line, ...
        raise GenerationError(f"endpoint connection failed ({exc.__class__.__name__}: {exc})") from None
    if len(raw) > MAX_RESPONSE_BYTES:
        raise GenerationError("endpoint reply is larger than 2 MB; not an answer")
    return raw


def json_reply(raw: bytes) -> object:
    """The parsed reply, or a GenerationError quoting how it starts (an HTML error page, say)."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        preview = raw[:60].decode("utf-8", "replace").replace("\n", " ")
        raise GenerationError(f"endpoint reply is not JSON (starts {preview!r})") from None


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """An endpoint has no reason to redirect a POST; following one would resend the
    key header (Authorization or x-api-key) to whatever host it names."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError for the 3xx answer


_OPENER = urllib.request.build_opener(_RefuseRedirects)


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason)


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """': message' from an error body: OpenAI's {"error": {"message"}} or {"error": "..."}, or
    Anthropic's {"type": "error", "error": {"type", "message"}}; '' when there is none."""
    try:
        error = json.loads(exc.read(2000)).get("error", {})
    except Exception:
        return ""
    if isinstance(error, dict):
        message, kind = error.get("message"), error.get("type")
        if message and isinstance(kind, str) and kind and kind not in str(message):
            message = f"{message} ({kind})"
    else:
        message = error
    return f": {' '.join(str(message).split())[:200]}" if message else ""
