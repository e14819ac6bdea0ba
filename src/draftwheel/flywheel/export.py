"""Exporting kept edits as fine-tuning data.

Formats (JSON Lines, one example per line; all load with mlx-lm's dataset loader):

* ``completions``: ``{"prompt", "completion"}`` from ``prompts.training_pair``,
  i.e. exactly the completion-style text a base model sees at inference.
* ``chat``: ``{"messages": [...]}`` — the user turn exactly as chat-style
  inference builds it (``prompts.chat_messages``), then the kept text as the
  assistant turn; a chat template turns it into the instruct model's input.
* ``openai``: OpenAI chat fine-tuning format: system (the instruction), user
  (the input text), assistant (the kept text).
* ``text``: ``{"text": prompt + completion}``, the completion-style sequence as
  one string (mlx-lm's plain-text format; no chat template is applied).

Only accepted and edited edits marked ``include_in_training`` are exported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.orm import Session

from draftwheel.config.atomic import atomic_write_text
from draftwheel.engine import prompts
from draftwheel.engine.prompts import Task
from draftwheel.errors import DraftwheelError
from draftwheel.store import KEPT_OUTCOMES, Edit, list_edits

FORMATS = ("chat", "completions", "openai", "text")


def task_of(edit: Edit) -> Task:
    """The prompt task an edit was made with (custom instructions and unknown names included)."""
    if edit.task == "custom":
        return prompts.custom_task(edit.instruction or "Revise the text.")
    known = prompts.tasks()
    if edit.task in known:
        return known[edit.task]
    return Task(edit.task, edit.task, edit.instruction or "Revise the text.")


def record(edit: Edit, fmt: str) -> dict:
    task = task_of(edit)
    if fmt == "completions":
        prompt, completion = prompts.training_pair(task, edit.input_text, edit.final_text)
        return {"prompt": prompt, "completion": completion}
    if fmt == "text":
        prompt, completion = prompts.training_pair(task, edit.input_text, edit.final_text)
        return {"text": prompt + completion}
    if fmt == "chat":
        messages = prompts.chat_messages(task, edit.input_text, [])
        return {"messages": [*messages, {"role": "assistant", "content": edit.final_text}]}
    if fmt == "openai":
        return {
            "messages": [
                {"role": "system", "content": task.instruction},
                {"role": "user", "content": edit.input_text},
                {"role": "assistant", "content": edit.final_text},
            ]
        }
    raise DraftwheelError(f"Unknown export format {fmt!r}.", f"Use one of {', '.join(FORMATS)}.")


def export_lines(edits: Iterable[Edit], fmt: str) -> list[str]:
    return [json.dumps(record(e, fmt), ensure_ascii=False) for e in edits]


def export_examples(session: Session, fmt: str, out: str | Path, task: str | None = None) -> int:
    """Write the kept edits (of ``task``, oldest first) to ``out`` in ``fmt``; returns how many.

    The file is written atomically; with nothing to export it is a clear error and no file appears.
    """
    if fmt not in FORMATS:
        raise DraftwheelError(f"Unknown export format {fmt!r}.", f"Use one of {', '.join(FORMATS)}.")
    edits = list_edits(session, task=task, outcomes=KEPT_OUTCOMES, newest_first=False, training_only=True)
    if not edits:
        where = f" of task {task!r}" if task else ""
        raise DraftwheelError(f"There are no accepted or edited examples{where} to export.")
    lines = export_lines(edits, fmt)
    out = Path(out).expanduser()
    if out.is_dir():
        raise DraftwheelError(f"{out}: is a folder; give a file name such as {out / 'train.jsonl'}.")
    try:
        atomic_write_text(out, "\n".join(lines) + "\n")
    except OSError as exc:
        raise DraftwheelError(f"{out}: cannot write the export ({exc.strerror}).") from None
    return len(lines)
