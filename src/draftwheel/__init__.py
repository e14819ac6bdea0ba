"""Draftwheel: a private writing assistant that learns your style on your own machine."""

__version__ = "0.1.0"
