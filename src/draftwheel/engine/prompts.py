"""Moved to :mod:`draftwheel.prompts` (shared with training); kept until every importer uses the new place."""

from draftwheel.prompts import *  # noqa: F403
from draftwheel.prompts import __all__  # noqa: F401
from draftwheel.prompts.presets import _load_tasks  # noqa: F401
