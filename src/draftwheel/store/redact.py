"""Redaction of e-mail addresses, phone numbers and URLs before text is stored.

Deliberately conservative patterns: a false positive only hides a bit of
training text, a false negative stores something private. Placeholders are
fixed words so redacted examples still read naturally in a prompt.
"""

from __future__ import annotations

import re

EMAIL = "[email]"
PHONE = "[phone]"
URL = "[url]"

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# scheme://..., www.... ; stops at whitespace and at closing brackets/quotes.
_URL_RE = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>\"')\]]+", re.IGNORECASE)
# A run of digit groups joined by spaces, dots, dashes or brackets, optionally
# starting with +; counted as a phone number when it has 7 to 15 digits (E.164
# allows at most 15). ISO dates (2026-11-21) are left alone below.
_PHONE_RE = re.compile(r"(?<![\w.])(?:\+|00)?\(?\d[\d\s().\-]{5,}\d(?![\w])")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")


def _phone(match: re.Match[str]) -> str:
    s = match.group(0)
    digits = sum(c.isdigit() for c in s)
    if not 7 <= digits <= 15 or _DATE_RE.fullmatch(s.strip()):
        return s
    return PHONE


def redact(text: str | None) -> str | None:
    """``text`` with e-mail addresses, URLs and phone numbers replaced by placeholders."""
    if not text:
        return text
    text = _EMAIL_RE.sub(EMAIL, text)
    text = _URL_RE.sub(lambda m: URL + _trailing_punct(m.group(0)), text)
    return _PHONE_RE.sub(_phone, text)


def _trailing_punct(url: str) -> str:
    # "see https://x.org." -> the final full stop belongs to the sentence.
    stripped = url.rstrip(".,;:!?")
    return url[len(stripped) :]
