"""The store: every outcome, adapter and training run, in one SQLite file.

Public API (plain Python, no Qt; only ``draftwheel.config`` below it)::

    from draftwheel.store import open_store, log_edit

    store = open_store(paths)                 # -> Store; migrates, refuses newer schemas
    with store.session() as s, s.begin():     # the caller owns the session
        log_edit(s, task="grammar", input_text=..., output_text=..., final_text=...,
                 outcome="accepted", stage="few", model="gemma3-270m", origin="app")

Opening — :func:`open_store(paths) <open_store>` -> :class:`Store` (``.session()``,
``.engine``, ``.path``, ``.vacuum()``, ``.close()``). The file is
``paths.database`` (mode 0600) in WAL mode with a 30 s busy timeout, foreign keys
and ``secure_delete`` on; Alembic migrations (``store/migrations``, batch mode)
run at start-up. A schema newer than this app, a corrupt/foreign file or a lock
that does not clear raise :class:`StoreError` (a ``DraftwheelError``); a fresh
database is never made silently in place of an existing file.

Models (SQLAlchemy 2.0, typed ``Mapped``): :class:`Edit` (table ``edits``, with
an FTS5 index ``edits_fts`` over ``input_text`` of the rows few-shot retrieval
may use: accepted/edited, ``include_in_training`` on, not ``undone``; kept in
sync by triggers, see migration 0003), :class:`Adapter` (``adapters``), :class:`TrainingRun`
(``training_runs``). Constants: ``OUTCOMES``, ``KEPT_OUTCOMES`` (accepted,
edited), ``STAGES``, ``ORIGINS``, ``RUN_STATUSES``.

Edits (all take a ``Session``, flush, never commit):
``log_edit(s, *, task, input_text, final_text, outcome, settings=None, **fields) -> Edit | None``
(None while logging is paused; redacts e-mail/phone/URL first when ``redact``
is on; settings default to the database's data folder), ``add_edits(s, rows)``
(bulk, same rules), ``list_edits``, ``get_edit`` (NotFoundError), ``update_edit``,
``delete_edit``, ``delete_all(s, task=None)`` (deletes, then VACUUMs after the
commit), ``count_edits(s, task=None, outcomes=KEPT_OUTCOMES)``, ``task_counts``.

Adapters: ``add_adapter``, ``list_adapters``, ``get_adapter``,
``promoted_adapter(s, task)``, ``promote_adapter`` (one promoted per task and
base model), ``demote_adapter``, ``rename_adapter``, ``update_adapter``,
``delete_adapter``.

Training runs: ``start_run(s, task, ...)`` (records ``edits_at_start``),
``update_run``, ``finish_run(s, run_id, status, ...)``, ``get_run``,
``list_runs``, ``last_run``.

Styles (``store.styles``; migration 0004): :class:`Style` (table ``styles``)
— the five built-in presets (key = preset name) and the user's own. A style's
``key`` is the ``task`` of its edits, adapters and runs, which also carry its
``style_id``. ``list_styles``, ``find_style`` / ``get_style`` (by key or name,
case ignored), ``style_by_key``, ``add_style``, ``update_style``,
``rename_style``, ``delete_style(s, name, delete_edits=False)``,
``adopt_custom_edits``, ``ensure_builtin_styles``, ``check_name``,
``normalise_instruction``; ``AD_HOC_TASK`` (``custom``: an instruction typed
for one revision) and ``BUILTIN_KEYS``.

Passages (``store.passages``; migration 0006): :class:`PassageDoc` (``passage_docs``)
and :class:`PassageRow` (``passages``, FTS5 index ``passages_fts``) — the user's
imported documents split into passages for "Ask my writing". ``folder_documents``,
``put_document``, ``touch_document``, ``drop_documents``, ``forget_folder``, ``indexed_folders``,
``count_passages``, ``search_passages`` (BM25) -> ``PassageHit``, ``matching_ids``,
``count_matching``.

Redaction: :func:`draftwheel.store.redact.redact`.
"""

from draftwheel.store.adapters import (
    add_adapter,
    delete_adapter,
    demote_adapter,
    get_adapter,
    list_adapters,
    promote_adapter,
    promoted_adapter,
    rename_adapter,
    update_adapter,
)
from draftwheel.store.db import Store, StoreError, head_revision, open_store
from draftwheel.store.edits import (
    EDIT_FIELDS,
    add_edits,
    count_edits,
    delete_all,
    delete_edit,
    get_edit,
    list_edits,
    log_edit,
    settings_for,
    style_id_for,
    task_counts,
    update_edit,
)
from draftwheel.store.models import (
    KEPT_OUTCOMES,
    ORIGINS,
    OUTCOMES,
    RUN_STATUSES,
    STAGES,
    Adapter,
    Base,
    Edit,
    PassageDoc,
    PassageRow,
    Style,
    TrainingRun,
    utcnow,
)
from draftwheel.store.redact import redact
from draftwheel.store.runs import finish_run, get_run, last_run, list_runs, start_run, update_run
from draftwheel.store.styles import (
    AD_HOC_TASK,
    BUILTIN_KEYS,
    add_style,
    adopt_custom_edits,
    check_name,
    delete_style,
    ensure_builtin_styles,
    find_style,
    get_style,
    list_styles,
    normalise_instruction,
    rename_style,
    style_by_key,
    update_style,
)

__all__ = [
    "AD_HOC_TASK",
    "BUILTIN_KEYS",
    "EDIT_FIELDS",
    "KEPT_OUTCOMES",
    "ORIGINS",
    "OUTCOMES",
    "RUN_STATUSES",
    "STAGES",
    "Adapter",
    "Base",
    "Edit",
    "PassageDoc",
    "PassageRow",
    "Store",
    "StoreError",
    "Style",
    "TrainingRun",
    "add_adapter",
    "add_edits",
    "add_style",
    "adopt_custom_edits",
    "check_name",
    "count_edits",
    "delete_adapter",
    "delete_all",
    "delete_edit",
    "delete_style",
    "demote_adapter",
    "ensure_builtin_styles",
    "find_style",
    "finish_run",
    "get_adapter",
    "get_edit",
    "get_run",
    "get_style",
    "head_revision",
    "last_run",
    "list_adapters",
    "list_edits",
    "list_runs",
    "list_styles",
    "log_edit",
    "normalise_instruction",
    "open_store",
    "promote_adapter",
    "promoted_adapter",
    "redact",
    "rename_adapter",
    "rename_style",
    "settings_for",
    "start_run",
    "style_by_key",
    "style_id_for",
    "task_counts",
    "update_adapter",
    "update_edit",
    "update_run",
    "update_style",
    "utcnow",
]
