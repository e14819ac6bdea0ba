"""Plain-Python controllers of the app: the state and decisions behind the window, testable without a display.

``review``: one suggestion under review and the accepted suggestions that undo/redo still reach.
``documents``: open, save, recent files, autosave and restore.
Nothing here imports Qt; ``ui`` lays out widgets and wires their signals to these objects.
"""
