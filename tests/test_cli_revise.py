"""The CLI as a user runs it: a real process, the real bundled model."""

import json
import os
import subprocess
import sys

import pytest


def run(home, *args, stdin: bytes | None = b"", timeout=300):
    env = dict(os.environ, DRAFTWHEEL_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "draftwheel", *args], input=stdin, env=env, capture_output=True, timeout=timeout
    )


def check_one_line_error(proc, pattern):
    err = proc.stderr.decode()
    assert proc.returncode != 0, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("draftwheel: error:"), err
    assert pattern in lines[0], err


def test_revise_stdin_streams_text(home):
    p = run(home, "revise", "--task", "grammar", stdin=b"he go to school yesterday .")
    assert p.returncode == 0, p.stderr.decode()
    assert p.stdout.decode().strip()


def test_revise_json_record(home, tmp_path):
    f = tmp_path / "in.md"
    f.write_text("they was happy .\n\nwe goes home .\n", encoding="utf-8")
    p = run(home, "revise", "--file", str(f), "--json", "--instruction", "Fix the grammar.")
    assert p.returncode == 0, p.stderr.decode()
    rec = json.loads(p.stdout)
    for key in ("revision", "model", "task", "prompt_tokens", "output_tokens", "tokens_per_s"):
        assert key in rec
    assert rec["task"] == "custom" and rec["model"] == "gemma3-270m"
    assert rec["revision"].count("\n\n") == 1 and rec["output_tokens"] > 0


@pytest.mark.parametrize(
    "args,stdin,pattern",
    [
        (("revise",), b"   \n", "input is empty"),
        (("revise", "--task", "poetry"), b"hello", "Unknown task 'poetry'"),
        (("revise", "--model", "nope"), b"hello", "Unknown model 'nope'"),
        (("revise",), b"\xff\xfe\x00\x01binary\x00", "binary"),
        (("revise",), "caf\u00e9 au lait".encode("latin-1"), "not UTF-8"),
        (("models", "add", "/nonexistent/model.gguf"), b"", "no such file"),
    ],
)
def test_bad_input_gets_one_line(home, args, stdin, pattern):
    check_one_line_error(run(home, *args, stdin=stdin), pattern)


def test_missing_input_file(home, tmp_path):
    check_one_line_error(run(home, "revise", "--file", str(tmp_path / "gone.txt")), "no such file")


def test_non_gguf_and_truncated_model(home, tmp_path, bundled_gguf):
    bad = tmp_path / "fake.gguf"
    bad.write_bytes(b"PK\x03\x04 not a model")
    check_one_line_error(run(home, "models", "add", str(bad)), "fake.gguf: not a GGUF file")
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(bundled_gguf.read_bytes()[:10_000_000])
    check_one_line_error(run(home, "models", "add", str(cut)), "truncated")


def test_input_longer_than_context(home):
    (home / "settings.json").write_text(json.dumps({"n_ctx": 256}), encoding="utf-8")
    check_one_line_error(run(home, "revise", stdin=("word " * 400).encode()), "too long")


def test_models_list(home):
    p = run(home, "models", "list")
    assert p.returncode == 0 and "gemma3-270m" in p.stdout.decode()
