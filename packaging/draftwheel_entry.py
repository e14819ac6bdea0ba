"""Entry point of the frozen app: the ``draftwheel`` command (no arguments opens the window)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # background training may start worker processes
    from draftwheel.cli.main import main

    sys.exit(main())
