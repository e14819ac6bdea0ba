"""The model manager's decisions, without widgets: what the two tables show, download, remove.

Installed models come from the data folder's catalogue (``models.Catalogue``),
the downloadable ones from the curated list (``models.curated``); a curated
model already installed (by name) is marked so rather than offered twice.
Speed is what this machine measured: tokens per second over each model's last
revisions, from the store. Nothing here opens a connection except
:func:`download`, which runs only when the user asks (on a worker thread).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from draftwheel.config import AppPaths, Settings
from draftwheel.errors import DraftwheelError
from draftwheel.models import BUNDLED_NAME, Catalogue, ModelEntry
from draftwheel.models.curated import Offer, offers, recommend, total_ram_bytes
from draftwheel.models.download import Progress, Source
from draftwheel.models.download import download as hub_download


@dataclass(frozen=True)
class InstalledRow:
    name: str
    architecture: str
    size_bytes: int
    license: str
    in_use: bool
    tokens_per_s: float | None
    bundled: bool


@dataclass(frozen=True)
class OfferRow:
    offer: Offer
    installed: bool
    fits: bool | None
    recommended: bool


def measured_speeds(paths: AppPaths) -> dict[str, float]:
    """tokens/s per model from the store; empty when there is no database yet (nothing measured)."""
    if not paths.database.exists():
        return {}
    from draftwheel.store import open_store
    from draftwheel.store.edits import speed_by_model

    store = open_store(paths)
    try:
        with store.session() as s:
            return speed_by_model(s)
    finally:
        store.close()


def _license(entry: ModelEntry) -> str:
    if entry.bundled:
        return "Gemma Terms of Use"
    for o in offers():
        if o.name == entry.name:
            return o.license
    return "see the model's page"


def installed_rows(paths: AppPaths, settings: Settings, speeds: dict[str, float]) -> list[InstalledRow]:
    return [
        InstalledRow(
            e.name, e.architecture, e.size_bytes, _license(e), e.name == settings.model, speeds.get(e.name), e.bundled
        )
        for e in Catalogue(paths).list()
    ]


def offer_rows(paths: AppPaths, ram_bytes: int | None = None) -> list[OfferRow]:
    ram = ram_bytes if ram_bytes is not None else total_ram_bytes()
    have = {e.name for e in Catalogue(paths).list()}
    best = recommend(ram)
    return [OfferRow(o, o.name in have, o.fits(ram), o is best) for o in offers()]


def recommendation_text(rows: list[OfferRow]) -> str:
    best = next((r for r in rows if r.recommended), None)
    if best is None:
        return "None of the listed models fits this machine's memory; the bundled model stays the best choice."
    done = " (installed)" if best.installed else ""
    return f"Recommended for this machine: {best.offer.title}{done}, needs about {best.offer.ram_gb:.1f} GB of memory."


def download(
    paths: AppPaths, settings: Settings, offer: Offer, on_progress: Progress, cancel: threading.Event
) -> ModelEntry:
    """Download ``offer`` from the configured hub (runs on a worker thread; ``cancel`` stops it, resumable)."""
    from draftwheel.models.hub import hub_endpoint, token_for

    endpoint = hub_endpoint(settings)
    source = Source(offer.repo, offer.file, "main", offer.sha256, offer.size_bytes, offer.name)
    return hub_download(paths, source, endpoint, token_for(endpoint), on_progress=on_progress, cancel=cancel)


def remove(paths: AppPaths, settings: Settings, name: str) -> None:
    """Forget ``name``; a file Draftwheel downloaded into models/ is deleted too (one the user added stays)."""
    if name == settings.model:
        raise DraftwheelError(f"{name} is the model in use.", "Switch to another model first.")
    if name == BUNDLED_NAME:
        raise DraftwheelError("The bundled model cannot be removed.")
    entry = Catalogue(paths).get(name) if name else None
    Catalogue(paths).remove(name)
    if entry is not None and Path(entry.path).resolve().parent == paths.models_dir.resolve():
        Path(entry.path).unlink(missing_ok=True)
