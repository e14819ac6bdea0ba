"""What the window says about training: the counter, its tooltip, failures (plain Python, no Qt).

The counter's definition is the flywheel's (:mod:`draftwheel.flywheel.policy`); this module only
chooses the words and which counters are shown at all.
"""

from __future__ import annotations

from draftwheel.flywheel import policy


def task_label_and_counter(task: str, done: int, threshold: int, label: str = "") -> tuple[str, str] | None:
    """(task label, counter line) for the status bar; None for tasks never trained (custom instructions),
    whose progress leaves the counter as it was. ``label``: a style's name (default: the preset's label)."""
    if task in policy.UNTRAINABLE_TASKS:
        return None
    label = label or policy.task_label(task)
    return label, policy.counter_text(label, done, threshold)


def counter_tip(label: str) -> str:
    return (
        f"Kept (accepted or edited) suggestions for “{label}” since its last training; "
        "rejected ones, undone ones and anything while logging was paused do not count."
    )


def failure_text(failure: dict) -> str:
    """A failed run (the training worker's ``run_failed`` dict: label or task, message) in one line."""
    return f"Training “{failure.get('label') or failure.get('task')}” failed: {failure.get('message')}"


def resumed_text(found: dict) -> str:
    return f"Resuming the training “{found['name']}” that was interrupted; it continues in the background."


def task_label(task: str) -> str:
    """The words the user knows a task by ("Fix grammar"), else its name."""
    return policy.task_label(task)
