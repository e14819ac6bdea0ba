"""Tokenizing model outputs the way a tokenized corpus (JFLEG) is written.

JFLEG's sources and references are Penn-Treebank tokenized ("do n't",
"society ."), while a model writes ordinary text ("don't", "society.").
Scoring raw outputs against tokenized references would count every
punctuation mark as an error, so for such corpora the outputs are tokenized
with NLTK's Treebank tokenizer (pure rules, no data download) before scoring.
Sources and references are left exactly as published.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import ClassVar

from draftwheel.errors import DraftwheelError

TOKENIZERS = ("none", "ptb")
_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use stand-ins for `` and '' (never in real text)


@lru_cache(maxsize=1)
def _treebank():
    try:
        from nltk.tokenize import TreebankWordTokenizer
    except ImportError:
        raise DraftwheelError(
            "Treebank tokenization needs NLTK, which is not installed.",
            "pip install 'draftwheel[dev]' (or nltk), or use --tokenize none.",
        ) from None

    class Tokenizer(TreebankWordTokenizer):
        # JFLEG keeps "cannot" (and "gonna" etc.) as one token; split only the n't / 's family.
        CONTRACTIONS2: ClassVar[list[re.Pattern[str]]] = []
        CONTRACTIONS3: ClassVar[list[re.Pattern[str]]] = []

    return Tokenizer()


def ptb(text: str) -> str:
    """``"I don't know."`` -> ``"I do n't know ."``; already tokenized text stays as it is.

    Quotes that are already Treebank tokens (`````` / ``''``) are set aside and
    put back, since the tokenizer would read a spaced ``''`` as an opening quote.
    """
    text = text.replace("``", f" {_OPEN} ").replace("''", f" {_CLOSE} ")
    out = " ".join(_treebank().tokenize(text))
    return out.replace(_OPEN, "``").replace(_CLOSE, "''")


@lru_cache(maxsize=1)
def _detokenizer():
    _treebank()  # the same NLTK check and message
    from nltk.tokenize.treebank import TreebankWordDetokenizer

    return TreebankWordDetokenizer()


def detokenize(text: str) -> str:
    """``"I do n't know ."`` -> ``"I don't know."``: a tokenized source as a person would type it.

    The rule checker reads "do n't" and " ." as errors of their own, so a system
    fed the published tokens would be scored on fixing the corpus's format.
    """
    return _detokenizer().detokenize(text.split())


def get_tokenizer(name: str) -> Callable[[str], str] | None:
    """The output normalizer called ``name``; None for ``none``."""
    if name == "none":
        return None
    if name == "ptb":
        _treebank()  # fail now, not after the run
        return ptb
    raise DraftwheelError(f"Unknown tokenizer {name!r}.", f"Use one of {', '.join(TOKENIZERS)}.")
