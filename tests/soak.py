"""The reliability soak: at least 1,000 SIGKILLs and 10,000 fuzzed inputs, with the totals.

    python tests/soak.py [--part kills|fuzz|all] [--kills-factor N] [--fuzz-factor M] [--out FILE]

Runs the fault-injection suites in soak mode (``DRAFTWHEEL_SOAK``; see
tests/faultlib.py: store 400, autosave 300, adapter export 200 and settings
300 kills with ``--kills-factor 1``) and the fuzz suites at M times their CI
counts, collects every suite's ``FIGURES`` line (``DRAFTWHEEL_FAULT_FIGURES``),
prints the totals and exits non-zero when a suite failed or a total is short
of its target. The two parts can run at the same time in two processes
(``--part kills`` and ``--part fuzz``). CI runs the same suites at their
short counts through plain pytest. Figures in docs/security.md come from here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KILL_SUITES = ["test_settings_faults.py", "test_faults_store.py", "test_faults_autosave.py", "test_faults_adapters.py"]
FUZZ_SUITES = ["test_fuzz_imports.py", "test_fuzz_models.py", "test_fuzz_documents.py", "test_fuzz_cli.py"]
MIN_KILLS = 1_000
MIN_CASES = 10_000


def _pytest(files: list[str], soak: str, figures: Path, select: str | None) -> int:
    env = dict(os.environ, DRAFTWHEEL_SOAK=soak, DRAFTWHEEL_FAULT_FIGURES=str(figures), QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *[str(HERE / f) for f in files]]
    if select:
        cmd += ["-k", select]
    print("$", f"DRAFTWHEEL_SOAK={soak}", " ".join(cmd[1:]), flush=True)
    return subprocess.call(cmd, env=env, cwd=HERE.parent)


def totals(figures: Path) -> dict:
    kills: dict[str, int] = {}
    cases: dict[str, int] = {}
    for line in figures.read_text(encoding="utf-8").splitlines() if figures.exists() else []:
        row = json.loads(line)
        if "kills" in row:
            kills[row["suite"]] = kills.get(row["suite"], 0) + int(row["kills"])
        if "cases" in row:
            cases[row["suite"]] = cases.get(row["suite"], 0) + int(row["cases"])
    return {"kills": kills, "kills_total": sum(kills.values()), "cases": cases, "cases_total": sum(cases.values())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=["kills", "fuzz", "all"], default="all")
    ap.add_argument("--kills-factor", type=int, default=1, help="DRAFTWHEEL_SOAK for the kill suites (1: soak counts)")
    ap.add_argument("--fuzz-factor", type=int, default=5, help="times the CI fuzz counts")
    ap.add_argument("--out", type=Path, default=Path("soak-figures.jsonl"))
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    failed = 0
    if args.part in ("kills", "all"):
        failed |= _pytest(KILL_SUITES, str(args.kills_factor), args.out, "sigkill")
    if args.part in ("fuzz", "all"):
        failed |= _pytest(FUZZ_SUITES, str(args.fuzz_factor), args.out, None)
    result = totals(args.out)
    result["minutes"] = round((time.monotonic() - t0) / 60, 1)
    print("SOAK " + json.dumps(result), flush=True)
    short = (args.part in ("kills", "all") and result["kills_total"] < MIN_KILLS) or (
        args.part in ("fuzz", "all") and result["cases_total"] < MIN_CASES
    )
    return 1 if failed or short else 0


if __name__ == "__main__":
    raise SystemExit(main())
