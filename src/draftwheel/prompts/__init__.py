"""Task presets (data files in ``resources/prompts/``) and prompt rendering.

Below both ``engine`` and ``train``: inference and LoRA training must render
exactly the same text, so neither owns it.
"""

from draftwheel.prompts.presets import Example, Task, custom_task, presets_dir, resolve_task, tasks
from draftwheel.prompts.render import (
    COMPLETION_STOPS,
    END_MARKER,
    chat_messages,
    clean_output,
    completion_target,
    render_chat,
    render_completion,
    training_pair,
)

__all__ = [
    "COMPLETION_STOPS",
    "END_MARKER",
    "Example",
    "Task",
    "chat_messages",
    "clean_output",
    "completion_target",
    "custom_task",
    "presets_dir",
    "render_chat",
    "render_completion",
    "resolve_task",
    "tasks",
    "training_pair",
]
