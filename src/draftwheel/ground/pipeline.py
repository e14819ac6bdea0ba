"""The whole grounded-generation run, as one call with a progress callback and a cancel token.

``run_ground`` = import the folder -> group passages into themes -> author
profile (given, or computed and saved) -> generate checked pairs -> store each
batch in one transaction. Plain Python: the CLI calls it directly and the
app's worker calls it off the GUI thread, turning ``on_progress`` into signals
and setting ``cancel`` from the Cancel button.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from draftwheel.config import AppPaths
from draftwheel.engine.base import CancelToken
from draftwheel.errors import Cancelled, DraftwheelError, InputError
from draftwheel.ground.check import CheckSettings
from draftwheel.ground.documents import DEFAULT_MAX_BYTES, ImportResult, import_folder
from draftwheel.ground.generate import KINDS, GenerationReport, Pair, Progress, generate_pairs
from draftwheel.ground.llm import Generator
from draftwheel.ground.profile import AuthorProfile, compute_profile, draft_notes, load_profile
from draftwheel.ground.themes import Theme, group_themes


def ground_dir(paths: AppPaths) -> Path:
    return paths.home / "ground"


def default_profile_path(paths: AppPaths) -> Path:
    """Where the computed profile is saved in the data folder."""
    return ground_dir(paths) / "profile.json"


@dataclass
class GroundOptions:
    n_pairs: int = 20
    kinds: tuple[str, ...] = KINDS
    n_themes: int | None = None  # None: about sqrt(passages / 2)
    batch_size: int = 8  # pairs stored per transaction
    max_bytes: int = DEFAULT_MAX_BYTES
    draft_profile: bool = False  # ask the generator to draft profile notes from sample passages
    check: CheckSettings = field(default_factory=CheckSettings)
    max_attempts: int | None = None  # items tried at most; None: 3 x n_pairs


@dataclass
class GroundResult:
    imported: ImportResult
    themes: list[Theme]
    profile: AuthorProfile
    profile_path: Path | None  # where the profile used was read from or saved to
    profile_computed: bool  # True when it was computed from the documents in this run
    pairs: list[Pair]
    stored_ids: list[int]
    report: GenerationReport

    def summary(self) -> str:
        lines = [
            self.imported.summary(),
            f"Themes: {len(self.themes)} (" + "; ".join(f"{t.label} [{len(t.passages)}]" for t in self.themes) + ")",
        ]
        if self.profile_path is not None:
            verb = "computed and saved to" if self.profile_computed else "read from"
            lines.append(f"Author profile {verb} {self.profile_path}")
        lines.append(self.report.to_text())
        lines.append(f"Stored {len(self.stored_ids)} pair(s) for review: `draftwheel ground review`.")
        return "\n".join(lines)


def resolve_profile(paths: AppPaths, passages, profile_file: Path | None) -> tuple[AuthorProfile, Path, bool]:
    """(profile, path, computed): an existing ``profile_file`` is read; otherwise one is computed and saved
    there (or in the data folder), so the user can edit it and pass it back with --profile."""
    if profile_file is not None and Path(profile_file).expanduser().exists():
        path = Path(profile_file).expanduser()
        return load_profile(path), path, False
    profile = compute_profile(passages)
    path = Path(profile_file).expanduser() if profile_file is not None else default_profile_path(paths)
    return profile, path, True


def run_ground(
    folder: Path | str,
    paths: AppPaths,
    generator: Generator,
    *,
    store=None,
    options: GroundOptions | None = None,
    profile_file: Path | None = None,
    profile: AuthorProfile | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
) -> GroundResult:
    """Turn ``folder`` into stored, pending grounded pairs; see the module docstring.

    ``profile`` (an object) wins over ``profile_file``. Raises InputError when
    the folder holds nothing usable (the per-file reasons are in the message).
    Cancelling during import raises :class:`Cancelled`; during generation it
    stops after the current request and keeps the pairs finished so far.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from draftwheel.ground.storage import existing_pair_texts, store_pairs
    from draftwheel.store import StoreError, open_store

    options = options or GroundOptions()
    if options.n_pairs < 1:
        raise InputError(f"--pairs must be at least 1, got {options.n_pairs}.")

    def import_progress(done: int, total: int, rel: str) -> None:
        if on_progress is not None:
            on_progress(Progress(done, total, 0, rel, stage="import"))

    imported = import_folder(folder, max_bytes=options.max_bytes, progress=import_progress, cancel=cancel)
    if not imported.passages:
        detail = "; ".join(str(i) for i in imported.issues[:10]) or "the folder is empty"
        raise InputError(
            f"{imported.folder}: no readable passages to generate from ({detail}).",
            "Add .txt, .md, .docx or .pdf files with some paragraphs of your writing.",
        )
    themes = group_themes(imported.passages, options.n_themes)
    if profile is not None:
        profile_path, computed = None, False
    else:
        profile, profile_path, computed = resolve_profile(paths, imported.passages, profile_file)
    if cancel is not None and cancel.cancelled:
        raise Cancelled()
    if computed and options.draft_profile:
        draft_notes(profile, imported.passages, generator, cancel=cancel)
    if computed and profile_path is not None:
        profile.save(profile_path)

    own_store = store is None
    store = store or open_store(paths)
    stored: list[int] = []

    def store_batch(batch: list[Pair]) -> None:
        try:
            stored.extend(store_pairs(store, batch))
        except DraftwheelError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(
                f"Storing a batch of {len(batch)} pair(s) failed ({getattr(exc, 'orig', exc)}); none of that batch "
                f"was stored; {len(stored)} pair(s) from earlier batches are stored.",
                "Check the data folder (disk space, permissions) and run again: stored pairs are not repeated.",
            ) from None

    try:
        existing = existing_pair_texts(store)
        pairs, report = generate_pairs(
            themes,
            generator,
            profile,
            n_pairs=options.n_pairs,
            kinds=options.kinds,
            check=options.check,
            batch_size=options.batch_size,
            existing=existing,
            on_batch=store_batch,
            on_progress=on_progress,
            cancel=cancel,
            max_attempts=options.max_attempts,
        )
    finally:
        if own_store:
            store.close()
    return GroundResult(imported, themes, profile, profile_path, computed, pairs, stored, report)
