"""Kept for imports written before the review controller moved to :mod:`draftwheel.app.review`."""

from draftwheel.app.review import CLOSED, EDITING, READY, STREAMING, ReviewSession

__all__ = ["CLOSED", "EDITING", "READY", "STREAMING", "ReviewSession"]
