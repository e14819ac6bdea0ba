"""``draftwheel bench train`` takes its evaluation data with ``--data DIR``, finds the checkout's
copy of JFLEG by itself, and otherwise says in one line what to pass (exit 2, nothing run).
The plain-install side (no checkout around) is exercised on a real wheel in test_wheel_install."""

from __future__ import annotations

from conftest import JFLEG
from draftwheel.bench.train import check_data, check_ready
from draftwheel.cli.main import main


def _one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err  # nothing ran: no "[1/1] train" progress line either
    return lines[0]


def test_bench_train_with_a_missing_data_folder_says_what_to_pass(tmp_path, capsys):
    assert main(["bench", "train", "--data", str(tmp_path / "nope")]) == 2
    line = _one_error_line(capsys)
    assert line.startswith(f"draftwheel: error: --data {tmp_path / 'nope'}: no such folder.")
    assert "Pass --data DIR, a folder holding JFLEG's dev.src and dev.ref0" in line


def test_bench_train_with_an_incomplete_data_folder_names_the_file(tmp_path, capsys):
    (tmp_path / "dev.src").write_text("One sentence .\n", encoding="utf-8")
    assert main(["bench", "train", "--data", str(tmp_path)]) == 2
    assert f"--data {tmp_path}: dev.ref0 not found there." in _one_error_line(capsys)


def test_a_bad_data_folder_stops_a_run_of_every_benchmark_too(tmp_path, capsys):
    assert main(["bench", "--quick", "--data", str(tmp_path / "nope")]) == 2
    assert "no such folder" in _one_error_line(capsys)


def test_the_checkout_copy_is_found_from_any_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert check_data(None) == JFLEG.resolve()
    assert check_data(JFLEG) == JFLEG.resolve()


def test_bench_train_without_the_train_extra_says_what_to_install(monkeypatch, tmp_path, capsys):
    import sys

    # None in sys.modules is how Python marks a module as absent: import and find_spec both say so.
    monkeypatch.setitem(sys.modules, "peft", None)
    assert main(["bench", "train"]) == 2
    assert _one_error_line(capsys) == (
        "draftwheel: error: The train benchmark needs peft, which is not installed. Install the train extra: "
        "pip install torch==2.13.0 && pip install 'draftwheel[train]'."
    )
    # In a run of every benchmark it is skipped with that note; the data is still checked first.
    from draftwheel.cli.bench_cmd import _data_for

    assert "needs peft" in str(_data_for(["train"], None, explicit=False)["train"])
    assert main(["bench", "train", "--data", str(tmp_path / "nope")]) == 2
    assert "no such folder" in _one_error_line(capsys)
    monkeypatch.delitem(sys.modules, "peft")
    assert check_ready(None) == JFLEG.resolve()
