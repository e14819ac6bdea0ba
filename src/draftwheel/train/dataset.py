"""Training examples from the user's edits, tokenized exactly as at inference.

An example is ``(prompt, completion) = training_pair(task, input, final)``: the
zero-shot prompt the engine sends, and the text the model should continue
with (`` final\\n###``). Prompt and completion are tokenized separately (as at
inference: llama.cpp tokenizes the prompt, then the model emits completion
tokens) and concatenated, with BOS in front as llama.cpp adds it. Labels are
-100 on the prompt so only completion tokens carry loss.

The held-out split is a hash of each example's key (the edit id, or the input
text): stable as new edits arrive, so an example never moves from held-out to
training between runs.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from draftwheel.errors import DraftwheelError
from draftwheel.prompts import Task, resolve_task, tasks, training_pair

IGNORE_INDEX = -100
MIN_EXAMPLES = 8  # fewer than this cannot give both a training set and a held-out slice worth the name
MIN_PROMPT_TOKENS = 8  # a completion that leaves less room than this for its prompt is skipped


@dataclass(frozen=True)
class Pair:
    """One kept edit: the text the user gave, and the text they finally kept."""

    input: str
    final: str
    task: str = "grammar"
    instruction: str = ""  # set for custom tasks
    key: str = ""  # stable id for the held-out split (e.g. "edit:42"); default: the input text

    @property
    def split_key(self) -> str:
        return self.key or f"text:{self.task}:{self.input}"

    def resolved_task(self) -> Task:
        if self.task == "custom" or (self.instruction and self.task not in tasks()):
            return resolve_task(None, self.instruction or self.task)
        return resolve_task(self.task)

    def prompt_completion(self) -> tuple[str, str]:
        return training_pair(self.resolved_task(), self.input, self.final)


@dataclass
class Encoded:
    input_ids: list[int]
    labels: list[int]  # IGNORE_INDEX on prompt tokens
    pair: Pair
    truncated: bool = False

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def n_completion(self) -> int:
        return sum(1 for x in self.labels if x != IGNORE_INDEX)


@dataclass
class Dataset:
    train: list[Encoded]
    heldout: list[Encoded]
    max_seq_len: int
    skipped: int = 0  # completions too long for max_seq_len
    truncated: int = 0  # prompts cut from the left to fit
    pad_id: int = 0

    @property
    def heldout_pairs(self) -> list[Pair]:
        return [e.pair for e in self.heldout]

    def fingerprint(self) -> str:
        """Identifies the exact tokenized data (checked when a run resumes)."""
        h = hashlib.sha256()
        for part, items in (("train", self.train), ("heldout", self.heldout)):
            h.update(part.encode())
            for e in items:
                h.update(json.dumps([e.input_ids, e.labels]).encode())
        return h.hexdigest()[:16]

    def summary(self) -> str:
        return (
            f"{len(self.train)} training and {len(self.heldout)} held-out examples"
            + (f", {self.truncated} prompts shortened" if self.truncated else "")
            + (f", {self.skipped} too long and left out" if self.skipped else "")
        )


# -- tokenizing -------------------------------------------------------------


def encode(tokenizer, prompt: str, completion: str, max_seq_len: int) -> tuple[list[int], list[int], bool] | None:
    """(input_ids, labels, truncated) or None when the completion alone does not fit."""
    p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    c = tokenizer(completion, add_special_tokens=False)["input_ids"]
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    room = max_seq_len - len(bos) - len(c)
    if room < min(MIN_PROMPT_TOKENS, len(p)):
        return None
    truncated = len(p) > room
    if truncated:
        p = p[len(p) - room :]  # keep the end of the prompt: the text and "Revision:"
    ids = bos + p + c
    labels = [IGNORE_INDEX] * (len(bos) + len(p)) + list(c)
    return ids, labels, truncated


def heldout_score(key: str) -> float:
    """A stable number in [0, 1) from an example key."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def split_pairs(pairs: Sequence[Pair], heldout_fraction: float = 0.1) -> tuple[list[Pair], list[Pair]]:
    """(train, heldout) by hash of each key; at least one of each when there are two or more."""
    scored = sorted(pairs, key=lambda p: heldout_score(p.split_key))
    n_held = sum(1 for p in scored if heldout_score(p.split_key) < heldout_fraction)
    if len(scored) >= 2:
        n_held = min(max(n_held, 1), len(scored) - 1)
    return scored[n_held:], scored[:n_held]


def _dedupe(pairs: Iterable[Pair]) -> list[Pair]:
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for p in pairs:
        sig = (p.task, p.instruction, p.input, p.final)
        if sig not in seen and p.input.strip() and p.final.strip():
            seen.add(sig)
            out.append(p)
    return out


def require_examples(pairs: Sequence[Pair], min_examples: int = MIN_EXAMPLES, what: str = "") -> None:
    """Fail early (before any model work) when there cannot be enough examples."""
    unique = _dedupe(pairs)
    if len(unique) < min_examples:
        label = f" for {what}" if what else ""
        extra = f", {len(pairs) - len(unique)} duplicates or empty" if len(unique) < len(pairs) else ""
        raise DraftwheelError(
            f"Too few training examples{label}: {len(unique)} usable, at least {min_examples} needed "
            f"({len(pairs)} kept edits{extra}).",
            "Accept or correct more suggestions first (rejected and pending ones are not used).",
        )


def build_dataset(
    pairs: Sequence[Pair],
    tokenizer,
    max_seq_len: int = 256,
    heldout_fraction: float = 0.1,
    min_examples: int = MIN_EXAMPLES,
    what: str = "",
) -> Dataset:
    """Tokenize, drop what cannot fit, split. Raises DraftwheelError when too few examples remain."""
    if not 0.0 < heldout_fraction < 1.0:
        raise DraftwheelError(f"The held-out fraction must be between 0 and 1; got {heldout_fraction}.")
    if max_seq_len < 32:
        raise DraftwheelError(f"--max-seq-len must be at least 32 tokens; got {max_seq_len}.")
    unique = _dedupe(pairs)
    encoded: dict[int, Encoded] = {}  # by id() of the pair
    skipped = 0
    for p in unique:
        prompt, completion = p.prompt_completion()
        res = encode(tokenizer, prompt, completion, max_seq_len)
        if res is None:
            skipped += 1
            continue
        ids, labels, truncated = res
        encoded[id(p)] = Encoded(ids, labels, p, truncated)
    usable = [p for p in unique if id(p) in encoded]
    label = f" for {what}" if what else ""
    if len(usable) < min_examples:
        parts = [f"{len(pairs)} kept edits"]
        if len(unique) < len(pairs):
            parts.append(f"{len(pairs) - len(unique)} duplicates or empty")
        if skipped:
            parts.append(f"{skipped} longer than --max-seq-len {max_seq_len}")
        raise DraftwheelError(
            f"Too few training examples{label}: {len(usable)} usable, at least {min_examples} needed "
            f"({', '.join(parts)}).",
            "Accept or correct more suggestions first (rejected and pending ones are not used).",
        )
    train_p, held_p = split_pairs(usable, heldout_fraction)
    tok_pad = tokenizer.pad_token_id
    ds = Dataset(
        train=[encoded[id(p)] for p in train_p],
        heldout=[encoded[id(p)] for p in held_p],
        max_seq_len=max_seq_len,
        skipped=skipped,
        truncated=sum(1 for e in encoded.values() if e.truncated),
        pad_id=tok_pad if tok_pad is not None else 0,
    )
    return ds


# -- batching ---------------------------------------------------------------


def length_bucketed_batches(
    lengths: Sequence[int], batch_size: int, rng: random.Random, bucket_batches: int = 16
) -> list[list[int]]:
    """Batches of indices with similar lengths, in random order.

    Shuffle, cut into buckets of ``bucket_batches * batch_size`` examples, sort
    each bucket by length and cut it into batches, then shuffle the batches:
    little padding, yet every epoch differs.
    """
    order = list(range(len(lengths)))
    rng.shuffle(order)
    size = max(1, batch_size * bucket_batches)
    batches: list[list[int]] = []
    for start in range(0, len(order), size):
        bucket = sorted(order[start : start + size], key=lambda i: lengths[i])
        batches.extend(bucket[j : j + batch_size] for j in range(0, len(bucket), batch_size))
    rng.shuffle(batches)
    return batches


def plan_batches(
    n_examples_lengths: Sequence[int], batch_size: int, n_batches: int, seed: int, bucketed: bool = True
) -> list[list[int]]:
    """``n_batches`` micro-batches over as many epochs as needed (epoch e shuffled with seed + e)."""
    plan: list[list[int]] = []
    epoch = 0
    while len(plan) < n_batches:
        rng = random.Random(seed * 1_000_003 + epoch)
        if bucketed:
            plan.extend(length_bucketed_batches(n_examples_lengths, batch_size, rng))
        else:
            order = list(range(len(n_examples_lengths)))
            rng.shuffle(order)
            plan.extend(order[j : j + batch_size] for j in range(0, len(order), batch_size))
        epoch += 1
    return plan[:n_batches]


def batches_per_epoch(n: int, batch_size: int) -> int:
    return math.ceil(n / batch_size)


def collate(examples: Sequence[Encoded], pad_id: int):
    """Right-padded tensors: input_ids, attention_mask, labels, each (B, T_max)."""
    import torch

    t = max(len(e) for e in examples)
    ids = torch.full((len(examples), t), pad_id, dtype=torch.long)
    mask = torch.zeros((len(examples), t), dtype=torch.long)
    labels = torch.full((len(examples), t), IGNORE_INDEX, dtype=torch.long)
    for i, e in enumerate(examples):
        n = len(e)
        ids[i, :n] = torch.tensor(e.input_ids)
        mask[i, :n] = 1
        labels[i, :n] = torch.tensor(e.labels)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


# -- sources ----------------------------------------------------------------


def pairs_from_store(session, task: str | None = None) -> list[Pair]:
    """Kept edits (accepted or edited, include_in_training on) as pairs; target = final text."""
    from draftwheel.store import KEPT_OUTCOMES, list_edits

    edits = list_edits(session, task=task, outcomes=KEPT_OUTCOMES, training_only=True, newest_first=False)
    return [
        Pair(input=e.input_text, final=e.final_text, task=e.task, instruction=e.instruction or "", key=f"edit:{e.id}")
        for e in edits
    ]


def save_pairs(path: Path, pairs: Sequence[Pair]) -> None:
    """JSON Lines, written atomically (the run folder's own copy of its data)."""
    from draftwheel.config.atomic import atomic_write_text

    atomic_write_text(Path(path), "".join(json.dumps(asdict(p), ensure_ascii=False) + "\n" for p in pairs))


def load_pairs(path: Path) -> list[Pair]:
    """Pairs from JSON Lines: {"input", "final"} plus optional "task", "instruction", "key"."""
    path = Path(path)
    pairs = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DraftwheelError(f"{path}: no such file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DraftwheelError(f"{path}: cannot read it ({exc}).") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            pairs.append(
                Pair(
                    input=str(raw["input"]),
                    final=str(raw["final"]),
                    task=str(raw.get("task", "grammar")),
                    instruction=str(raw.get("instruction", "")),
                    key=str(raw.get("key", "")),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise DraftwheelError(
                f'{path}, line {n}: not a pair (expected a JSON object with "input" and "final").'
            ) from None
    return pairs


def jfleg_pairs(
    folder: Path, split: str = "dev", ref: int = 0, task: str = "grammar", limit: int | None = None
) -> list[Pair]:
    """JFLEG source -> reference pairs (benchmarks and tests)."""
    src = (Path(folder) / f"{split}.src").read_text(encoding="utf-8").splitlines()
    tgt = (Path(folder) / f"{split}.ref{ref}").read_text(encoding="utf-8").splitlines()
    pairs = [
        Pair(input=s.strip(), final=t.strip(), task=task, key=f"jfleg:{split}:{i}")
        for i, (s, t) in enumerate(zip(src, tgt, strict=False))
        if s.strip() and t.strip()
    ]
    return pairs[:limit] if limit else pairs


__all__ = [
    "IGNORE_INDEX",
    "MIN_EXAMPLES",
    "Dataset",
    "Encoded",
    "Pair",
    "batches_per_epoch",
    "build_dataset",
    "collate",
    "encode",
    "heldout_score",
    "jfleg_pairs",
    "length_bucketed_batches",
    "load_pairs",
    "pairs_from_store",
    "plan_batches",
    "require_examples",
    "save_pairs",
    "split_pairs",
]
