"""``draftwheel bench`` with several benchmarks: a missing optional package skips one, a
failure in one is reported, and the JSON and Markdown reports are always written."""

from __future__ import annotations

import json

from draftwheel.bench import BENCHES
from draftwheel.cli.main import main


def test_bench_reports_skipped_and_failed_benchmarks(tmp_path, monkeypatch, capsys):
    # A benchmark module whose optional dependency is not installed, and one that returns metrics.
    (tmp_path / "bench_needs_extra.py").write_text(
        "import draftwheel_no_such_extra_pkg\n\ndef run(quick=False):\n    return {}\n", encoding="utf-8")
    (tmp_path / "bench_counts.py").write_text(
        "def run(quick=False):\n"
        "    return {'name': 'counts', 'metrics': {'items_per_s': 12.5, 'quick': int(quick)},\n"
        "            'targets': {'items_per_s': '>= 10'}, 'notes': 'counted'}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(BENCHES, "needs_extra", "bench_needs_extra")
    monkeypatch.setitem(BENCHES, "counts", "bench_counts")
    monkeypatch.setitem(BENCHES, "broken", "json")  # a module without run(): a bug, reported as failed

    out, md = tmp_path / "bench.json", tmp_path / "bench.md"
    rc = main(["bench", "needs_extra", "counts", "broken", "--quick", "--out", str(out), "--md", str(md)])
    assert rc == 1  # one benchmark failed
    report = json.loads(out.read_text(encoding="utf-8"))
    status = {r["name"]: r["status"] for r in report["results"]}
    assert status == {"needs_extra": "skipped", "counts": "ok", "broken": "failed"}
    skipped = report["results"][0]
    assert "draftwheel_no_such_extra_pkg" in skipped["notes"] and "not installed" in skipped["notes"]
    assert report["results"][1]["metrics"] == {"items_per_s": 12.5, "quick": 1}
    assert report["command"] == f"draftwheel bench needs_extra counts broken --quick --out {out} --md {md}"
    assert "CPUs" in report["machine"]

    text = md.read_text(encoding="utf-8")
    assert "| counts | items_per_s | 12.5 | >= 10 |" in text
    assert "| needs_extra | (skipped) |" in text and "| broken | (failed) |" in text
    assert f"Command: `{report['command']}`" in text
    assert "[2/3] counts" in capsys.readouterr().err


def test_bench_rejects_unknown_names_and_bad_paths(tmp_path, capsys):
    assert main(["bench", "nonesuch"]) == 2
    assert "Unknown benchmark 'nonesuch'" in capsys.readouterr().err
    assert main(["bench", "engine", "--out", str(tmp_path / "no" / "x.json")]) == 2
    assert "its folder does not exist" in capsys.readouterr().err
