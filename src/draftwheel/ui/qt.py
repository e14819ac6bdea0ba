"""Qt names for the widgets: the wrapper lives in :mod:`draftwheel.workers.qt` (below ui in the layers)."""

from draftwheel.workers.qt import *  # noqa: F403
