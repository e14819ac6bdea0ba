"""The data flywheel: stage policy, few-shot retrieval, training trigger, import/export.

Public API (plain Python; imports ``store`` and ``engine``)::

    from draftwheel.flywheel import choose_stage, retrieve_examples, revise_with_flywheel

    result, stage = revise_with_flywheel(engine, store, settings, text, "grammar", mode="auto")

Policy (``flywheel.policy``):
``choose_stage(session, task, mode='auto', base_model_sha256=None) -> 'zero'|'few'|'lora'``
(zero until the task has accepted/edited edits, few after, lora when a promoted
adapter exists for the task [and base model]; an explicit ``mode`` wins, and
``lora`` without a promoted adapter is a DraftwheelError);
``choose_adapter(paths, model, task, explicit=None, choice='', mode='auto')``
(the one answer to "which adapter", for the CLI and the app);
``kept_since_training(session, task)`` — THE counter: kept edits (accepted or
edited, marked for training, not undone) stored since the task's last training
run started; ``training_progress(session, task, threshold) -> Progress``
(``.text()`` reads forwards, the same words everywhere);
``edits_until_training`` (0 = due now); ``should_promote``;
``TrainingPolicy`` — when to train (threshold, "Train now"), whether to resume
an interrupted run (at most ``MAX_RESUMES`` times), with the reason in plain
words when it will not; ``training_availability(paths, model)`` (availability
module) says whether training can run here at all.

Retrieval (``flywheel.retrieve``):
``retrieve_examples(session, task, text, k, token_budget, count_tokens) -> list[Example]``
— the k most similar accepted/edited edits of the same task (``task`` is a
name, or a ``Task``: a custom instruction only matches itself), chosen
best-first within the token budget and returned MOST SIMILAR LAST; pending and
rejected rows are never used. ``similar_edits(session, task, text, limit)``
gives ids and BM25 scores, most similar first.

Revision (``flywheel.revise``):
``revise_with_flywheel(engine, store, settings, text, task, mode='auto', cancel=None, on_text=None)
-> (RevisionResult, stage)``; ``examples_for_store(store, engine, settings)``
makes an ``examples_for`` callback for ``engine.revise.revise_text``;
``options_from(settings)``. Nothing is logged by revising.

Styles (``flywheel.styles``): a style's key is the ``task`` everything here is
keyed by; ``resolve(session, task=, style=, instruction=) -> Task`` (what a
command's --task/--style/--instruction mean), ``style_task``, per-style
``threshold_of`` / ``auto_trains`` (the policy uses them), ``create``,
``check_deletable`` / ``delete`` (not a built-in, not its adapter in use, not
while it trains), ``summaries`` (``styles list``). What a style has learned:
``flywheel.learned`` (``learned_changes``, ``stage_history``).

Import / export (``flywheel.importing``, ``flywheel.export``):
``parse_jsonl(text, default_task)``, ``parse_parallel(src, ref, task)`` ->
``ParsedPairs(rows, problems)`` (rows go to ``store.add_edits``);
``export_examples(session, fmt, out, task=None)`` with ``FORMATS`` =
chat, completions, openai, text.
"""

from draftwheel.flywheel.availability import Availability, training_availability
from draftwheel.flywheel.export import FORMATS, export_examples
from draftwheel.flywheel.importing import ParsedPairs, parse_jsonl, parse_parallel
from draftwheel.flywheel.policy import (
    MODES,
    Decision,
    Progress,
    TrainingPolicy,
    choose_adapter,
    choose_stage,
    counter_text,
    edits_until_training,
    kept_since_training,
    new_edits_since_training,
    should_promote,
    training_progress,
)
from draftwheel.flywheel.retrieve import Similar, retrieve_examples, similar_edits
from draftwheel.flywheel.revise import (
    examples_for_store,
    options_from,
    revise_with_flywheel,
)

__all__ = [
    "FORMATS",
    "MODES",
    "Availability",
    "Decision",
    "ParsedPairs",
    "Progress",
    "Similar",
    "TrainingPolicy",
    "choose_adapter",
    "choose_stage",
    "counter_text",
    "edits_until_training",
    "examples_for_store",
    "export_examples",
    "kept_since_training",
    "new_edits_since_training",
    "options_from",
    "parse_jsonl",
    "parse_parallel",
    "retrieve_examples",
    "revise_with_flywheel",
    "should_promote",
    "similar_edits",
    "training_availability",
    "training_progress",
]
