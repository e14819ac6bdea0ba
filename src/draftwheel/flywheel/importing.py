"""Importing (input, final) pairs as accepted or edited edits.

Two sources: JSON Lines (one object per line with ``input``, ``final`` and
optional ``output``, ``task``, ``style``, ``instruction``, ``outcome``) and two
line-aligned plain-text files (source and reference). Parsing is separate
from storing: every line is checked first, bad lines are reported by number
and skipped, and the good ones go in with one transaction, so an import is
never half-written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from draftwheel.engine.prompts import tasks as preset_tasks
from draftwheel.errors import InputError, NotFoundError

# Keep reports readable: at most this many problems are listed one by one.
MAX_LISTED_PROBLEMS = 20


@dataclass
class ParsedPairs:
    rows: list[dict[str, Any]] = field(default_factory=list)  # ready for ``store.add_edits``
    problems: list[tuple[int, str]] = field(default_factory=list)  # (1-based line number, reason)

    def report(self, source: str) -> str:
        lines = [f"{source}: line {n}: {why}" for n, why in self.problems[:MAX_LISTED_PROBLEMS]]
        if len(self.problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"{source}: ... and {len(self.problems) - MAX_LISTED_PROBLEMS} more bad lines")
        return "\n".join(lines)


# A style by its key or its name (case ignored) -> (key, the instruction its prompt uses).
StyleMap = dict[str, tuple[str, str]]


def style_map(session) -> StyleMap:
    """Every style of the store, by key and by lower-cased name, for :func:`parse_jsonl` / :func:`parse_parallel`."""
    from draftwheel.flywheel.styles import style_task, sync_builtins
    from draftwheel.store import list_styles

    sync_builtins(session)
    out: StyleMap = {}
    for style in list_styles(session):
        try:
            task = style_task(style)
        except NotFoundError:  # a built-in whose preset file is gone: nothing to import into
            continue
        out[style.key] = (style.key, task.instruction)
        out.setdefault(style.name.casefold(), (style.key, task.instruction))
    return out


def _lookup(styles: StyleMap | None, name: str) -> tuple[str, str] | None:
    if not styles:
        return None
    return styles.get(name) or styles.get(" ".join(name.split()).casefold())


def _task_and_instruction(
    task: Any, instruction: Any, default_task: str, styles: StyleMap | None = None, style: Any = None
) -> tuple[str, str]:
    presets = preset_tasks()
    if task is not None and not isinstance(task, str):
        raise ValueError("'task' must be a string")
    if instruction is not None and not isinstance(instruction, str):
        raise ValueError("'instruction' must be a string")
    if style is not None and not isinstance(style, str):
        raise ValueError("'style' must be a string")
    task = (task or "").strip()
    instruction = (instruction or "").strip()
    if style and style.strip():
        found = _lookup(styles, style.strip())
        if found is None:
            raise ValueError(f"unknown style {style.strip()!r} (see `draftwheel styles list`)")
        return found
    if task and task != "custom":
        if task in presets:
            return task, instruction or presets[task].instruction
        found = _lookup(styles, task)
        if found is not None:
            return found
        raise ValueError(
            f"unknown task {task!r} (known: {', '.join(presets)}, or a style's key; "
            "or give a 'style', or an 'instruction' without a task)"
        )
    if instruction:
        return "custom", instruction
    if task == "custom":
        raise ValueError("task 'custom' needs an 'instruction'")
    if default_task in presets:
        return default_task, presets[default_task].instruction
    return _lookup(styles, default_task) or (default_task, "")


def _outcome(output: str | None, final: str, given: Any) -> str:
    if given is not None:
        if given not in ("accepted", "edited"):
            raise ValueError("'outcome' must be 'accepted' or 'edited' for imported pairs")
        return given
    return "edited" if output is not None and output.strip() != final.strip() else "accepted"


def pair_row(
    input_text: str, final: str, *, task: str, instruction: str, output: str | None = None, outcome: str | None = None
) -> dict[str, Any]:
    return dict(
        task=task,
        instruction=instruction,
        input_text=input_text,
        output_text=output,
        final_text=final,
        outcome=_outcome(output, final, outcome),
        stage="zero",
        origin="import",
        model="",
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_jsonl(text: str, default_task: str = "grammar", styles: StyleMap | None = None) -> ParsedPairs:
    """Check every line of a JSONL pairs file; good lines become rows, bad ones problems.

    A line's ``task`` is a preset or a style's key, its ``style`` a style's name or key (``styles``,
    from :func:`style_map`); lines without either go to ``default_task`` (a preset or a style).
    """
    if default_task not in preset_tasks() and _lookup(styles, default_task) is None:
        raise InputError(
            f"Unknown task {default_task!r}.",
            f"Use one of {', '.join(preset_tasks())}, or a style of `draftwheel styles list`.",
        )
    out = ParsedPairs()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            out.problems.append((n, f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        except RecursionError:
            out.problems.append((n, "JSON nested too deeply"))
            continue
        try:
            if not isinstance(obj, dict):
                raise ValueError("expected a JSON object")
            for key in ("input", "final"):
                if not isinstance(obj.get(key), str) or not obj[key].strip():
                    raise ValueError(f"missing or empty {key!r} (a non-empty string is required)")
            output = obj.get("output")
            if output is not None and not isinstance(output, str):
                raise ValueError("'output' must be a string")
            for key in ("input", "final", "output", "instruction", "task", "style"):
                if isinstance(obj.get(key), str) and not _encodable(obj[key]):
                    # "\ud800" escapes decode to lone surrogates, which no UTF-8 file or database can hold.
                    raise ValueError(f"{key!r} holds an invalid Unicode escape (a lone surrogate)")
            task, instruction = _task_and_instruction(
                obj.get("task"), obj.get("instruction"), default_task, styles, obj.get("style")
            )
            out.rows.append(
                pair_row(
                    obj["input"].strip(),
                    obj["final"].strip(),
                    task=task,
                    instruction=instruction,
                    output=output,
                    outcome=obj.get("outcome"),
                )
            )
        except ValueError as exc:
            out.problems.append((n, str(exc)))
    return out


def parse_parallel(
    src_text: str,
    ref_text: str,
    task: str = "grammar",
    instruction: str | None = None,
    src_name: str = "src",
    ref_name: str = "ref",
    styles: StyleMap | None = None,
) -> ParsedPairs:
    """Line N of the source and reference texts form one accepted pair."""
    src, ref = src_text.splitlines(), ref_text.splitlines()
    if len(src) != len(ref):
        raise InputError(
            f"{src_name} has {len(src)} lines but {ref_name} has {len(ref)}; the files must be line-aligned.",
            "Check that they belong together.",
        )
    try:
        task, instruction = _task_and_instruction(task, instruction, "grammar", styles)
    except ValueError as exc:
        raise InputError(
            str(exc), "See `draftwheel styles list`; add one with `draftwheel styles add NAME --instruction TEXT`."
        ) from None
    out = ParsedPairs()
    for n, (a, b) in enumerate(zip(src, ref, strict=True), start=1):
        if not a.strip() and not b.strip():
            continue
        if not a.strip() or not b.strip():
            out.problems.append((n, f"empty line in {src_name if not a.strip() else ref_name}"))
            continue
        out.rows.append(pair_row(a.strip(), b.strip(), task=task, instruction=instruction))
    return out
