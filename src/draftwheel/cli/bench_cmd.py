"""``draftwheel bench [NAME ...]``: run one benchmark, some, or all of them, and report.

With no name every benchmark in :data:`draftwheel.bench.BENCHES` runs in
turn. A benchmark whose optional dependencies are missing (e.g. the train
extra) is skipped with a note naming what is missing, and one that fails is
reported as failed; the others still run and the report is still written.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shlex
import sys
import time
import traceback
from pathlib import Path

from draftwheel.bench import BENCHES
from draftwheel.config.atomic import atomic_write_text
from draftwheel.errors import DraftwheelError, InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure speed and memory (all benchmarks when no name is given)")
    p.add_argument("name", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(BENCHES)} (default: all)")
    p.add_argument("--quick", action="store_true", help="fewer rounds (for CI and smoke runs)")
    p.add_argument("--out", help="write the results as JSON here")
    p.add_argument("--md", help="write a Markdown table here")
    p.add_argument(
        "--data",
        metavar="DIR",
        help="evaluation data for the benchmarks that need it (train: a folder "
        "with JFLEG's dev.src and dev.ref0; default: the checkout's benchmarks/data/jfleg)",
    )
    p.set_defaults(func=run)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def machine() -> str:
    mem = _memory_gb()
    return (
        f"{platform.system()} {platform.machine()}, {_cpu_model()}, {os.cpu_count()} CPUs"
        f"{f', {mem} GB RAM' if mem else ''}, Python {platform.python_version()}"
    )


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def markdown(results: list[dict], report: dict | None = None) -> str:
    """A Markdown report: machine, command and time, then one row per metric."""
    report = report or {}
    lines = [f"Machine: {report.get('machine') or machine()}"]
    if report.get("command"):
        lines.append(f"Command: `{report['command']}`")
    if report.get("time"):
        lines.append(f"Run at: {report['time']}")
    lines += ["", "| benchmark | metric | value | target |", "|---|---|---|---|"]
    for res in results:
        status = res.get("status", "ok")
        if status != "ok":
            lines.append(f"| {res['name']} | ({status}) | {res.get('notes', '')} | |")
            continue
        for key, value in res["metrics"].items():
            lines.append(f"| {res['name']} | {key} | {_fmt(value)} | {res.get('targets', {}).get(key, '')} |")
    notes = [
        f"- **{r['name']}** ({r.get('seconds', '?')} s): {r['notes']}"
        for r in results
        if r.get("status", "ok") == "ok" and r.get("notes")
    ]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def _data_for(names: list[str], data: str | None, explicit: bool) -> dict[str, Path | InputError]:
    """Each benchmark's evaluation data (modules with ``check_ready(data) -> Path``: their
    packages and data), checked before anything runs. A bad ``--data``, or a benchmark named on
    the command line that lacks either, raises InputError (one line); in a run of all benchmarks
    it only skips that one, with the same words as its note."""
    found: dict[str, Path | InputError] = {}
    for name in names:
        try:
            check = getattr(importlib.import_module(BENCHES[name]), "check_ready", None)
        except ImportError:
            continue  # run_one reports the missing package
        if check is None:
            continue
        try:
            found[name] = check(data)
        except InputError as exc:
            if data is not None or explicit:
                raise
            found[name] = exc
    return found


def run_one(name: str, quick: bool, data: Path | InputError | None = None) -> dict:
    """Run benchmark ``name``; a missing optional dependency or a failure becomes a status, not a crash."""
    t0 = time.perf_counter()
    if isinstance(data, InputError):
        return {"name": name, "status": "skipped", "metrics": {}, "notes": str(data), "seconds": 0.0}
    try:
        module = importlib.import_module(BENCHES[name])
        res = module.run(quick=quick, data=data) if data is not None else module.run(quick=quick)
        res.setdefault("name", name)
        res["status"] = "ok"
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        if missing.split(".")[0] == "draftwheel":  # our own module is missing: a bug, not an optional extra
            res = {"name": name, "status": "failed", "metrics": {}, "notes": f"ImportError: {exc}"}
        else:
            res = {
                "name": name,
                "status": "skipped",
                "metrics": {},
                "notes": f"needs the package {missing!r}, which is not installed "
                "(pip install 'draftwheel[train]' or the extra it belongs to)",
            }
    except DraftwheelError as exc:
        res = {"name": name, "status": "failed", "metrics": {}, "notes": str(exc)}
    except Exception as exc:  # a bug in one benchmark must not lose the others' results
        traceback.print_exc(file=sys.stderr)
        res = {"name": name, "status": "failed", "metrics": {}, "notes": f"{type(exc).__name__}: {exc}"}
    res["seconds"] = round(time.perf_counter() - t0, 1)
    return res


def command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this run (rebuilt from the parsed arguments)."""
    parts = ["draftwheel", "bench", *args.name]
    if args.quick:
        parts.append("--quick")
    for flag, value in (("--out", args.out), ("--md", args.md), ("--data", getattr(args, "data", None))):
        if value:
            parts += [flag, value]
    return " ".join(shlex.quote(p) for p in parts)


def run(args: argparse.Namespace) -> int:
    unknown = [n for n in args.name if n not in BENCHES]
    if unknown:
        raise InputError(f"Unknown benchmark {unknown[0]!r}.", f"Choose from {', '.join(BENCHES)}.")
    names = list(dict.fromkeys(args.name)) or list(BENCHES)
    for target in (args.out, args.md):
        if target and not Path(target).expanduser().resolve().parent.is_dir():
            raise InputError(f"{target}: its folder does not exist.", "Create it first or choose another path.")
    data = _data_for(names, getattr(args, "data", None), explicit=bool(args.name))
    results = []
    for i, name in enumerate(names, 1):
        print(f"[{i}/{len(names)}] {name} …", file=sys.stderr, flush=True)
        res = run_one(name, args.quick, data.get(name))
        results.append(res)
        status = res["status"]
        print(
            f"== {name} ({res['seconds']} s){'' if status == 'ok' else ' ' + status.upper()} — {res.get('notes', '')}"
        )
        for key, value in res["metrics"].items():
            target = res.get("targets", {}).get(key)
            print(f"  {key:32} {_fmt(value)}{'   (target ' + target + ')' if target else ''}")
    report = {
        "machine": machine(),
        "time": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": command_line(args),
        "results": results,
    }
    if args.out:
        atomic_write_text(Path(args.out).expanduser(), json.dumps(report, indent=2) + "\n", mode=0o644)
    if args.md:
        atomic_write_text(Path(args.md).expanduser(), markdown(results, report), mode=0o644)
    return 0 if all(r["status"] != "failed" for r in results) else 1
