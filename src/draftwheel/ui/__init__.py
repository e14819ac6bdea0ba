"""The desktop app (PySide6). Only this package and ``draftwheel.workers`` import Qt."""
