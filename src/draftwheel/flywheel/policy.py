"""The stage policy and the training trigger.

Stages: ``zero`` (task prompt only, plus the task's built-in demonstration),
``few`` (the user's most similar kept edits as examples), ``lora`` (a
promoted personal adapter for the task). ``auto`` picks the most personal
stage the data allows.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from draftwheel.errors import DraftwheelError
from draftwheel.store import KEPT_OUTCOMES, count_edits, last_run, promoted_adapter

MODES = ("auto", "zero", "few", "lora")


def choose_stage(session: Session, task: str, mode: str = "auto", base_model_sha256: str | None = None) -> str:
    """``'zero'``, ``'few'`` or ``'lora'`` for ``task``.

    ``auto``: lora when a promoted adapter exists for the task (and base
    model, if given), few once the task has accepted or edited edits, else
    zero. An explicit mode is honoured, except that ``lora`` without a promoted
    adapter is a :class:`DraftwheelError` (nothing to apply).
    """
    if mode not in MODES:
        raise DraftwheelError(f"Unknown mode {mode!r}.", f"Use one of {', '.join(MODES)}.")
    if mode in ("zero", "few"):
        return mode
    adapter = promoted_adapter(session, task, base_model_sha256)
    if mode == "lora":
        if adapter is None:
            raise DraftwheelError(f"There is no promoted adapter for task {task!r} yet, so lora mode cannot be used.",
                                  "Train one with `draftwheel train`, or use --mode auto, few or zero.")
        return "lora"
    if adapter is not None:
        return "lora"
    return "few" if count_edits(session, task, KEPT_OUTCOMES) > 0 else "zero"


def new_edits_since_training(session: Session, task: str) -> int:
    """Kept edits of ``task`` gathered since its last training run started (all of them if none)."""
    total = count_edits(session, task, KEPT_OUTCOMES)
    run = last_run(session, task)
    return max(0, total - (run.edits_at_start if run else 0))


def edits_until_training(session: Session, task: str, threshold: int) -> int:
    """How many more kept edits of ``task`` start the next training run (0 = due now).

    Counted from the last run of the task, whatever its status, so a failed or
    cancelled run does not restart at once; the count starts over from there.
    """
    return max(0, threshold - new_edits_since_training(session, task))
