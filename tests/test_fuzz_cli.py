"""Fuzzing the command line: ``draftwheel.cli.main.main(argv)`` in-process.

Hypothesis builds argument lists from each sub-command's own options (read
from the real parser, so commands added later are fuzzed too) and values that
users get wrong: missing, binary, empty or non-UTF-8 files, folders, huge and
negative numbers, odd text. Stdin is fuzzed bytes. Every case must end with
exit status 0 or 2 (a clear ``draftwheel: error: ...`` line, or argparse's
usage error) — never a traceback, never a hang — and the data folder's
database must still pass ``PRAGMA integrity_check``.

Commands that load the model or run for minutes (revise, eval, bench, train,
ground DIR) are left to a few explicit bad-input cases at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faultlib import fuzz_settings, integrity_check, make_tiny_model_gguf, report_cases, user_facing

SLOW_COMMANDS = {"revise", "eval", "bench", "train"}
# Interactive: opens a review popup that waits for the user (its bad input is tested in test_revise_selection.py).
INTERACTIVE_COMMANDS = {"revise-selection"}


@pytest.fixture(scope="module", autouse=True)
def _figures():
    yield
    report_cases("fuzz-cli", __file__)


def _commands() -> dict[tuple[str, ...], list[str]]:
    """{(sub-command path): [option strings]} from the real parser."""
    from draftwheel.cli.main import build_parser

    out: dict[tuple[str, ...], list[str]] = {}

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        opts = [o for a in parser._actions for o in a.option_strings if o not in ("-h", "--help")]
        if not subs:
            out[path] = opts
        for action in subs:
            for name, child in action.choices.items():
                walk(child, (*path, name))

    walk(build_parser(), ())
    return {p: o for p, o in out.items() if p and p[0] not in SLOW_COMMANDS | INTERACTIVE_COMMANDS}


COMMANDS = _commands()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli-files")
    (d / "good.jsonl").write_text('{"input": "teh cat", "final": "the cat"}\n{"input": "a", "final": "b"}\n')
    (d / "bad.jsonl").write_text('{"input": 1}\nnot json\n[' + "[" * 5000 + "\n")
    (d / "text.txt").write_text("Their going to the market tomorow.\n")
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.bin").write_bytes(b"\x00\x01\xff\xfeGGUF" * 20)
    (d / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (d / "two.txt").write_text("one\ntwo\n")
    make_tiny_model_gguf(d / "tiny.gguf", n_blocks=1, dim=16)
    (d / "docs").mkdir()
    (d / "docs" / "a.md").write_text("# Notes\n\n" + "A long enough paragraph about rivers and mills. " * 5)
    return d


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory):
    from draftwheel.config.paths import ENV_HOME

    h = tmp_path_factory.mktemp("cli-home")
    old = os.environ.get(ENV_HOME)
    yield h
    # main() sets $DRAFTWHEEL_HOME from --home for the rest of the process: put it back.
    if old is None:
        os.environ.pop(ENV_HOME, None)
    else:
        os.environ[ENV_HOME] = old


def _values(files):
    names = [
        "good.jsonl",
        "bad.jsonl",
        "text.txt",
        "empty.txt",
        "binary.bin",
        "latin1.txt",
        "two.txt",
        "tiny.gguf",
        "docs",
        "missing.txt",
    ]
    return (
        st.sampled_from([str(files / n) for n in names])
        | st.sampled_from(
            [
                "-1",
                "0",
                "1",
                "3",
                "99999999999999999999",
                "nan",
                "inf",
                "",
                "grammar",
                "custom",
                "bogus",
                "jsonl",
                "csv",
                "on",
                "off",
                "../../x",
                "gemma3-270m",
                "base",
                "\u00e9\u00e8",
                "a" * 200,
            ]
        )
        | st.text(max_size=12)
    )


def _run(argv: list[str], stdin: bytes) -> int:
    from draftwheel.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as exc:  # argparse: usage errors (2), --help/--version (0)
                rc = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = old_stdin
    assert "Traceback" not in err.getvalue(), err.getvalue()[-3000:]
    if rc == 2:
        assert "error:" in err.getvalue(), f"exit 2 without an error line: {err.getvalue()!r}"
    return rc


@fuzz_settings(300, 30000)
@given(st.data())
def test_cli_arguments(cli_home, files, data):
    path = data.draw(st.sampled_from(sorted(COMMANDS)), label="command")
    opts = COMMANDS[path]
    values = _values(files)
    tail = data.draw(
        st.lists(st.sampled_from(opts) | values, max_size=6) if opts else st.lists(values, max_size=3), label="args"
    )
    if path[0] == "ground" and path == ("ground",):
        tail = ["review", *tail]  # ground DIR runs the model: only its review side is fuzzed here
    stdin = data.draw(st.binary(max_size=64), label="stdin")
    argv = ["--home", str(cli_home), *path, *tail]
    rc, err = user_facing(_run, argv, stdin, seconds=60)
    assert err is None, f"{argv}: DraftwheelError escaped main(): {err}"
    assert rc in (0, 2), f"{argv}: exit status {rc}"
    db = cli_home / "draftwheel.db"
    if db.exists():
        assert integrity_check(db) == "ok"


# ``ground {long}`` fails the same way, but only after loading the model (a minute here), so it is left out.
@pytest.mark.parametrize(
    "argv",
    [
        ["models", "add", "{long}"],
        ["adapters", "import", "{long}"],
        ["eval", "--src", "{long}", "--refs", "{long}", "--out", "{long}"],
    ],
)
def test_overlong_file_names_are_a_clear_error(cli_home, argv):
    argv = [a.format(long="a" * 300) for a in argv]
    rc, err = user_facing(_run, ["--home", str(cli_home), *argv], b"", seconds=120)
    assert err is None and rc == 2


def test_cli_commands_were_found():
    assert ("log",) in COMMANDS and ("import-pairs",) in COMMANDS and ("examples", "list") in COMMANDS


# -- a few commands that load the model: bad input must fail before or after loading, clearly --------


@pytest.fixture(scope="module")
def model_home(tmp_path_factory, bundled_gguf, files):
    """One data folder with the bundled model catalogued (reading its header once costs ~30 s on a busy
    2-core machine) and the tiny test GGUF added as a model that llama.cpp cannot run (no tokenizer)."""
    from conftest import _link_or_copy
    from draftwheel.config import app_paths
    from draftwheel.models import Catalogue

    h = tmp_path_factory.mktemp("model-home")
    _link_or_copy(bundled_gguf, h / "models" / bundled_gguf.name)
    cat = Catalogue(app_paths(h))
    cat.ensure_bundled()
    cat.add(files / "tiny.gguf", name="tiny")
    return h


@pytest.mark.parametrize(
    "argv",
    [
        ["revise", "--file", "{missing}"],
        ["revise", "--file", "{empty}"],
        ["revise", "--file", "{binary}"],
        ["revise", "--file", "{latin1}"],
        ["revise", "--file", "{docs}"],
        ["revise", "--file", "{text}", "--model", "no-such-model"],
        ["revise", "--file", "{text}", "--task", "bogus"],
        ["revise", "--file", "{text}", "--adapter", "no-such-adapter"],
        ["revise", "--file", "{text}", "--temperature", "nan"],  # regression: NaN used to reach the sampler
        ["revise", "--file", "{text}", "--temperature", "-1"],
        ["revise", "--file", "{text}", "--threads", "-3"],
        ["revise", "--file", "{text}", "--model", "tiny"],  # catalogued, but llama.cpp cannot run it
    ],
)
def test_model_commands_with_bad_input(model_home, files, argv, cli_home):
    sub = {
        k: str(files / f)
        for k, f in dict(
            missing="missing.txt",
            empty="empty.txt",
            binary="binary.bin",
            latin1="latin1.txt",
            docs="docs",
            text="text.txt",
        ).items()
    }
    argv = [a.format(**sub) for a in argv]
    rc, err = user_facing(_run, ["--home", str(model_home), *argv], b"", seconds=300)
    assert err is None and rc == 2, f"{argv}: exit {rc}"
