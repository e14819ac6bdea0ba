"""Prompt rendering, shared by inference and training.

Two styles:

* ``completion`` for base models: a plain-text pattern the model continues,
  ending with a clear end marker (``###`` on its own line). Few-shot examples
  use exactly the same pattern, and so does LoRA training
  (:func:`training_pair`), so the three stages see identical text.
* ``chat`` for instruction models: the chat template stored in the GGUF,
  rendered with Jinja2 in a sandbox, examples as earlier turns.
"""

from __future__ import annotations

from collections.abc import Sequence

from draftwheel.prompts.presets import Example, Task

END_MARKER = "###"
COMPLETION_STOPS = ("\n" + END_MARKER, "\nText:", "\n\n")


def _examples_with_demo(task: Task, examples: list[Example]) -> list[Example]:
    """The task's demonstrations first, then the retrieved examples (most similar last).

    The demonstration stays when examples are added: on JFLEG test sentences
    it raised few-shot GLEU from 38.24 to 39.94 at k = 4 (on the dev split it
    changed nothing; docs/evaluation.md), and it keeps the zero-shot prompt a
    prefix of every few-shot prompt, so the engine's prefix reuse covers it.
    """
    return [Example(*d) for d in task.demos] + list(examples)


def render_completion(task: Task, text: str, examples: Sequence[Example] = ()) -> str:
    """Prompt for a base model; the model continues after ``Revision:``."""
    parts = [f"Instruction: {task.instruction}\n\n"]
    for ex in _examples_with_demo(task, list(examples)):
        parts.append(f"Text: {ex.input}\nRevision: {ex.output}\n{END_MARKER}\n\n")
    parts.append(f"Text: {text}\nRevision:")
    return "".join(parts)


def completion_target(final: str) -> str:
    """What the model should produce after the prompt (training target)."""
    return f" {final}\n{END_MARKER}"


def training_pair(task: Task, text: str, final: str) -> tuple[str, str]:
    """(prompt, completion) exactly as seen at inference in zero-shot LoRA mode."""
    return render_completion(task, text, []), completion_target(final)


def chat_messages(task: Task, text: str, examples: Sequence[Example] = ()) -> list[dict[str, str]]:
    msgs: list[dict[str, str]] = []
    for ex in _examples_with_demo(task, list(examples)):
        msgs.append({"role": "user", "content": f"{task.instruction}\n\n{ex.input}"})
        msgs.append({"role": "assistant", "content": ex.output})
    msgs.append({"role": "user", "content": f"{task.instruction} Reply with the revised text only.\n\n{text}"})
    return msgs


def render_chat(template: str, messages: list[dict[str, str]], bos: str = "", eos: str = "") -> str:
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(messages=messages, bos_token=bos, eos_token=eos, add_generation_prompt=True)


def clean_output(text: str) -> str:
    """Trim what the model adds around a revision (leading space, end marker)."""
    out = text.strip()
    if out.endswith(END_MARKER):
        out = out[: -len(END_MARKER)].rstrip()
    return out
