"""``draftwheel bench [NAME]``: run one benchmark, or all of them, and report."""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import time
from pathlib import Path

from draftwheel.bench import BENCHES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure speed and memory (all benchmarks when no name is given)")
    p.add_argument("name", nargs="?", choices=sorted(BENCHES), help="one benchmark")
    p.add_argument("--quick", action="store_true", help="fewer rounds (for CI and smoke runs)")
    p.add_argument("--out", help="write the results as JSON here")
    p.add_argument("--md", help="write a Markdown table here")
    p.set_defaults(func=run)


def machine() -> str:
    import os

    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def markdown(results: list[dict]) -> str:
    lines = [f"Machine: {machine()}", "", "| benchmark | metric | value | target |", "|---|---|---|---|"]
    for res in results:
        for key, value in res["metrics"].items():
            lines.append(f"| {res['name']} | {key} | {value} | {res.get('targets', {}).get(key, '')} |")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    names = [args.name] if args.name else list(BENCHES)
    results = []
    for name in names:
        t0 = time.perf_counter()
        res = importlib.import_module(BENCHES[name]).run(quick=args.quick)
        res["seconds"] = round(time.perf_counter() - t0, 1)
        results.append(res)
        print(f"== {name} ({res['seconds']} s) — {res.get('notes', '')}")
        for key, value in res["metrics"].items():
            target = res.get("targets", {}).get(key)
            print(f"  {key:32} {value}{'   (target ' + target + ')' if target else ''}")
    report = {"machine": machine(), "time": time.strftime("%Y-%m-%d %H:%M:%S"), "results": results}
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.md:
        Path(args.md).write_text(markdown(results), encoding="utf-8")
    return 0
