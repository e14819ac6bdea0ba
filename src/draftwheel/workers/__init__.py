"""Qt objects that run engine, store and training work off the GUI thread.

Each worker lives in its own ``QThread`` and talks to the window only through
signals; none of them touches a widget. Qt names come from
:mod:`draftwheel.workers.qt`, the one module that imports the binding.
"""
