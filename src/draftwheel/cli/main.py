"""The ``draftwheel`` command.

With no sub-command it opens the app. Each sub-command lives in its own module
under ``draftwheel.cli`` exposing ``register(subparsers)``; the module sets
``func`` on its parser, called as ``func(args) -> int``. User errors
(:class:`DraftwheelError`) print one line and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from draftwheel import __version__
from draftwheel.config.paths import ENV_HOME
from draftwheel.errors import DraftwheelError

# One line per sub-command module; each registers its own parsers.
COMMAND_MODULES = [
    "draftwheel.cli.revise_cmd",
    "draftwheel.cli.models_cmd",
    "draftwheel.cli.bench_cmd",
    "draftwheel.cli.log_cmd",
    "draftwheel.cli.import_cmd",
    "draftwheel.cli.examples_cmd",
    "draftwheel.cli.privacy_cmd",
    "draftwheel.cli.eval_cmd",
    "draftwheel.cli.ground_cmd",
    "draftwheel.cli.train_cmd",
    "draftwheel.cli.adapters_cmd",
    "draftwheel.cli.styles_cmd",
    "draftwheel.cli.ask_cmd",
    "draftwheel.cli.revise_selection_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="draftwheel",
        description="A private writing assistant that learns your style on your own machine.",
    )
    parser.add_argument("--version", action="version", version=f"draftwheel {__version__}")
    parser.add_argument("--home", metavar="DIR", help="data folder (default: the platform's; or $DRAFTWHEEL_HOME)")
    parser.add_argument(
        "--background", action="store_true", help="start in the system tray when 'Keep running in the tray' is on"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.home:
        os.environ[ENV_HOME] = os.path.abspath(os.path.expanduser(args.home))
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.command:
        from draftwheel.cli.launch import launch_app

        return launch_app(args)
    try:
        return int(args.func(args) or 0)
    except DraftwheelError as exc:
        print(f"draftwheel: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("draftwheel: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        # An OS refusal we did not anticipate (a name too long, a full disk,
        # a read-only folder): say which file and why, in one line.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"draftwheel: error: {where}{exc.strerror or exc}.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
