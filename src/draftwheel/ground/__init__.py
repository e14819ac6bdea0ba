"""Grounded generation: turn the user's own documents into reviewable training pairs.

Plain Python (no Qt). The app's wizard and the CLI use the same API::

    from draftwheel.ground import run_ground, GroundOptions, LocalGenerator, endpoint_generator
    from draftwheel.engine.base import CancelToken

    cancel = CancelToken()
    result = run_ground(folder, paths, LocalGenerator(engine), options=GroundOptions(n_pairs=20),
                        on_progress=lambda p: ..., cancel=cancel)   # p: Progress(done, total, kept, message, stage)
    print(result.summary())                                          # or result.report.to_dict()

Modules: ``documents`` (import and passages with offsets), ``themes``
(TF-IDF + KMeans; sections kept apart in small collections; round-robin), ``profile`` (author profile), ``llm``
(local engine / OpenAI-compatible endpoint;
``endpoint_http`` their shared HTTP; ``messages_api`` an Anthropic-compatible one), ``generate`` (pair kinds,
prompts, the generation loop and report), ``check`` (grounding rule,
near-duplicates), ``storage`` (one transaction per batch; review),
``pipeline`` (the whole run).
"""

from draftwheel.ground.check import CheckSettings, check_pair, near_duplicates, support
from draftwheel.ground.documents import Document, FileIssue, ImportResult, Passage, import_folder, split_passages
from draftwheel.ground.generate import KINDS, GenerationReport, Pair, Progress, generate_pairs
from draftwheel.ground.llm import ChatEndpointGenerator, GenerationError, Generator, LocalGenerator, endpoint_generator
from draftwheel.ground.messages_api import MessagesEndpointGenerator
from draftwheel.ground.pipeline import GroundOptions, GroundResult, default_profile_path, run_ground
from draftwheel.ground.profile import AuthorProfile, compute_profile, draft_notes, load_profile
from draftwheel.ground.themes import Theme, group_themes, round_robin

__all__ = [
    "KINDS",
    "AuthorProfile",
    "ChatEndpointGenerator",
    "CheckSettings",
    "Document",
    "FileIssue",
    "GenerationError",
    "GenerationReport",
    "Generator",
    "GroundOptions",
    "GroundResult",
    "ImportResult",
    "LocalGenerator",
    "MessagesEndpointGenerator",
    "Pair",
    "Passage",
    "Progress",
    "Theme",
    "check_pair",
    "compute_profile",
    "default_profile_path",
    "draft_notes",
    "endpoint_generator",
    "generate_pairs",
    "group_themes",
    "import_folder",
    "load_profile",
    "near_duplicates",
    "round_robin",
    "run_ground",
    "split_passages",
    "support",
]
