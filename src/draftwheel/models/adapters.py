"""Moved: the adapter registry is split by job. This module re-exports the old names until every importer moves.

* :mod:`draftwheel.models.adapter_info` — ``AdapterInfo``, names, ``BASE_NAME``, ``adapter_ref``;
* :mod:`draftwheel.models.adapter_registry` — folders on disk (list, get, create, rename, delete, promote);
* :mod:`draftwheel.models.adapter_gguf` — adapter GGUF checks and base-model matching;
* :mod:`draftwheel.models.adapter_archive` — .zip/.tar export and import;
* :mod:`draftwheel.flywheel.adapters` — the changes that the store mirrors (create, import, rename, delete,
  promote, update, sync): what the app and the CLI call; import those from there.
"""

from draftwheel.models.adapter_archive import export_adapter
from draftwheel.models.adapter_gguf import base_models, check_base
from draftwheel.models.adapter_gguf import check_adapter_gguf as _check_adapter_gguf  # noqa: F401
from draftwheel.models.adapter_info import (  # noqa: F401
    BASE_NAME,
    GGUF_FILE,
    JSON_FILE,
    PEFT_DIR,
    SCHEMA,
    AdapterInfo,
    adapter_ref,
    check_name,
    now_iso,
)
from draftwheel.models.adapter_registry import (  # noqa: F401
    choose_adapter,
    ensure_name_free,
    get_adapter,
    list_adapters,
    promoted_for,
    remove_stale_temps,
)
from draftwheel.models.gguf_info import gguf_header  # noqa: F401

__all__ = [
    "BASE_NAME",
    "AdapterInfo",
    "adapter_ref",
    "base_models",
    "check_base",
    "choose_adapter",
    "ensure_name_free",
    "export_adapter",
    "get_adapter",
    "list_adapters",
    "promoted_for",
]
