"""``draftwheel privacy``: pause or resume logging, turn redaction on or off."""

from __future__ import annotations

import argparse

from draftwheel.cli.common import profile
from draftwheel.config import update_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "privacy",
        help="pause/resume logging of outcomes; redact e-mails, phone numbers and URLs",
        description="pause: stop storing outcomes (the app and `draftwheel log`, import) until resumed. "
        "resume: store them again. redact on|off: replace e-mail addresses, phone numbers and "
        "URLs before anything is stored. status: show both settings. "
        "To remove stored examples see `draftwheel examples delete --all`.",
    )
    psub = p.add_subparsers(dest="privacy_cmd", metavar="ACTION", required=True)
    psub.add_parser("pause", help="stop storing outcomes").set_defaults(func=_set, key="logging_paused", value=True)
    psub.add_parser("resume", help="store outcomes again").set_defaults(func=_set, key="logging_paused", value=False)
    r = psub.add_parser("redact", help="redaction of e-mail addresses, phone numbers and URLs")
    r.add_argument("state", choices=["on", "off"])
    r.set_defaults(func=_redact)
    psub.add_parser("status", help="show the privacy settings").set_defaults(func=_status)


def _status_line(settings) -> str:
    return f"logging: {'paused' if settings.logging_paused else 'on'}; redaction: {'on' if settings.redact else 'off'}"


def _set(args: argparse.Namespace) -> int:
    paths, _ = profile()
    settings = update_settings(paths, **{args.key: args.value})
    print(_status_line(settings))
    return 0


def _redact(args: argparse.Namespace) -> int:
    args.key, args.value = "redact", args.state == "on"
    return _set(args)


def _status(args: argparse.Namespace) -> int:
    _, settings = profile()
    print(_status_line(settings))
    return 0
