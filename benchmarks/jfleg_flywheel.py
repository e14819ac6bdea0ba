#!/usr/bin/env python
"""The JFLEG flywheel experiment: zero-shot, few-shot and LoRA on the bundled model.

One annotator's rewrites of the JFLEG dev set (dev.src -> dev.ref0) stand for
one person's accepted edits; every stage is scored on JFLEG test against all
four references (GLEU as published for JFLEG, chrF).

Stages, each run through the public ``draftwheel`` commands in a subprocess
(so the experiment measures exactly what a user gets):

* ``zero``  — ``draftwheel eval --modes zero``;
* ``few``   — ``draftwheel eval --modes few --k K`` with the 754 dev pairs as
  the example pool (imported into a temporary store, retrieved by the
  flywheel's BM25 retrieval);
* ``lora``  — for each size N in --sizes: ``draftwheel train --pairs`` on the
  first N dev pairs (the trainer holds out ~10% of them for its loss check,
  so about 0.9 N are trained on; the adapter JSON records the exact count),
  then ``draftwheel eval --modes lora --adapter jfleg-N``. Training runs in a
  scratch data folder (--work-dir) shared by all sizes.

Each result is kept as JSON in --out-dir and reused on the next run (unless
--force or the settings differ), so an interrupted sweep continues where it
stopped. Finally the table (Markdown) and the plot (PNG) are written.

Quick run (CI-sized):   python benchmarks/jfleg_flywheel.py --limit 20 --sizes 50 --steps 5
Full recipe:            python benchmarks/jfleg_flywheel.py --limit 0 --sizes 50,100,200,400,754
Table + plot only:      python benchmarks/jfleg_flywheel.py --report-only
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / "benchmarks" / "data" / "jfleg"  # the repository's copy (CC BY-NC-SA 4.0)
DEFAULT_OUT = REPO / "benchmarks" / "results" / "jfleg"
N_DEV = 754

# Published GLEU on JFLEG test (the corpus leaderboard, via the data README).
PUBLISHED = [
    ("source unchanged", 40.54),
    ("Junczys-Dowmunt & Grundkiewicz 2016", 51.46),
    ("Chollampatt & Ng 2018", 57.47),
    ("Grundkiewicz & Junczys-Dowmunt 2018", 61.50),
    ("human references", 62.37),
    ("Coyne et al. 2023 (GPT-class)", 65.02),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with JFLEG dev/test files")
    p.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="results JSON per stage, table.md, plot")
    p.add_argument(
        "--work-dir",
        type=Path,
        default=Path(os.environ.get("TMPDIR", "/tmp")) / "draftwheel-jfleg",
        help="scratch data folders for training (large: trainable weights)",
    )
    p.add_argument("--stages", default="zero,few,lora", help="comma-separated: zero, few, lora")
    p.add_argument("--limit", type=int, default=100, help="test sentences scored (0 = all 747)")
    p.add_argument("--k", type=int, default=4, help="few-shot examples per prompt (after the task's demonstration)")
    p.add_argument("--sizes", default="50,100,200,400,754", help="training pairs per LoRA point (max 754)")
    p.add_argument("--steps", type=int, default=0, help="training steps per adapter (0 = trainer default epochs)")
    p.add_argument("--train-args", default="", help="extra arguments for `draftwheel train`, e.g. '--rank 16'")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for generation (0 = settings default)")
    p.add_argument("--force", action="store_true", help="rerun stages even if their results exist")
    p.add_argument("--report-only", action="store_true", help="only rebuild the table and plot from saved results")
    p.add_argument("--plot", type=Path, default=REPO / "docs" / "jfleg_flywheel.png", help="PNG written here")
    p.add_argument("--table", type=Path, default=None, help="Markdown table (default: OUT_DIR/table.md)")
    args = p.parse_args(argv)
    args.stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    bad = [s for s in args.stages if s not in ("zero", "few", "lora")]
    if bad:
        p.error(f"unknown stage {bad[0]!r}")
    try:
        args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        p.error("--sizes must be comma-separated integers")
    if any(n < 2 or n > N_DEV for n in args.sizes):
        p.error(f"--sizes must lie between 2 and {N_DEV}")
    if args.limit < 0:
        p.error("--limit must be 0 (all) or more")
    args.table = args.table or args.out_dir / "table.md"
    return args


def draftwheel(*argv: str, home: Path | None = None, log: Path | None = None) -> None:
    """Run one ``draftwheel`` command; its output goes to the terminal (and ``log``)."""
    cmd = [sys.executable, "-m", "draftwheel"] + (["--home", str(home)] if home else []) + list(argv)
    print("$", " ".join(cmd[2:]), flush=True)
    if log is None:
        subprocess.run(cmd, check=True)
        return
    with open(log, "a", encoding="utf-8") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        fh.flush()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        for raw in proc.stdout:
            sys.stdout.buffer.write(raw)
            sys.stdout.flush()
            fh.write(raw.decode("utf-8", "replace"))
        if proc.wait():
            raise subprocess.CalledProcessError(proc.returncode, cmd)


def eval_argv(args: argparse.Namespace, out: Path, *extra: str) -> list[str]:
    d = args.data
    argv = [
        "eval",
        "--src",
        str(d / "test.src"),
        "--refs",
        *[str(d / f"test.ref{i}") for i in range(4)],
        "--task",
        "grammar",
        "--tokenize",
        "ptb",
        "--out",
        str(out),
        *extra,
    ]
    if args.limit:
        argv += ["--limit", str(args.limit)]
    if args.threads:
        argv += ["--threads", str(args.threads)]
    return argv


def _fresh(path: Path, args: argparse.Namespace, **expect) -> bool:
    """Reuse ``path`` when it exists and was made with the same limit (and ``expect``)."""
    if args.force or not path.exists():
        return False
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if rec.get("limit") != (args.limit or None):
        return False
    return all(rec.get(k) == v for k, v in expect.items())


def run_zero(args: argparse.Namespace) -> None:
    out = args.out_dir / "zero.json"
    if not _fresh(out, args):
        draftwheel(*eval_argv(args, out, "--modes", "zero"))


def run_few(args: argparse.Namespace) -> None:
    out = args.out_dir / f"few-k{args.k}.json"
    if not _fresh(out, args, k=args.k):
        d = args.data
        draftwheel(
            *eval_argv(
                args,
                out,
                "--modes",
                "few",
                "--k",
                str(args.k),
                "--fewshot-src",
                str(d / "dev.src"),
                "--fewshot-ref",
                str(d / "dev.ref0"),
            )
        )


def run_lora(args: argparse.Namespace, n: int) -> None:
    out = args.out_dir / f"lora-{n}.json"
    meta_file = args.out_dir / f"lora-{n}.train.json"
    meta = _load(meta_file) or {}
    if _fresh(out, args) and meta.get("steps_arg") == args.steps and meta.get("train_args") == args.train_args:
        return
    name = f"jfleg-{n}"
    # One scratch data folder for every size: the trainable-weights cache is converted once.
    home = args.work_dir / "home"
    home.mkdir(parents=True, exist_ok=True)
    # A stale adapter and run of the same name (an earlier sweep) go first: registry, store row, run folder.
    if (home / "adapters" / name).exists():
        subprocess.run(
            [sys.executable, "-m", "draftwheel", "--home", str(home), "adapters", "delete", name],
            check=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(home / "adapters" / name, ignore_errors=True)
    shutil.rmtree(home / "runs" / name, ignore_errors=True)
    # The first N dev pairs (src -> ref0) stand for N accepted edits.
    src = (args.data / "dev.src").read_text(encoding="utf-8").split("\n")[:n]
    ref = (args.data / "dev.ref0").read_text(encoding="utf-8").split("\n")[:n]
    pairs = args.work_dir / f"pairs-{n}.jsonl"
    pairs.write_text(
        "".join(
            json.dumps({"input": a.strip(), "final": b.strip(), "task": "grammar"}) + "\n"
            for a, b in zip(src, ref, strict=True)
        ),
        encoding="utf-8",
    )
    log = args.out_dir / f"lora-{n}.log"
    log.write_text("", encoding="utf-8")
    # --no-eval: the trainer's own held-out scoring is skipped; the test set below is the evaluation.
    train = ["train", "--task", "grammar", "--name", name, "--pairs", str(pairs), "--no-eval", "--json"]
    train += (["--steps", str(args.steps)] if args.steps else []) + args.train_args.split()
    t0 = time.perf_counter()
    draftwheel(*train, home=home, log=log)
    train_s = time.perf_counter() - t0
    draftwheel(*eval_argv(args, out, "--modes", "lora", "--adapter", name), home=home, log=log)
    info = _load(home / "adapters" / name / "adapter.json") or {}
    meta = {
        "n_pairs": n,
        "n_train": info.get("n_train"),
        "n_heldout": info.get("n_heldout"),
        "steps": info.get("steps"),
        "steps_arg": args.steps,
        "train_args": args.train_args,
        "rank": info.get("rank"),
        "alpha": info.get("alpha"),
        "training": info.get("training"),
        "train_wall_seconds": round(train_s, 1),
        "adapter": name,
    }
    meta_file.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


# -- report --------------------------------------------------------------------


def _load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def collect(args: argparse.Namespace) -> list[dict]:
    """One row per stage result found in --out-dir."""
    rows = []
    for path in sorted(args.out_dir.glob("*.json")):
        if path.name.endswith(".train.json") or path.name == "summary.json":
            continue
        rec = _load(path)
        if not rec or "modes" not in rec:
            continue
        for mode, res in rec["modes"].items():
            if res.get("variant"):  # "<mode> raw" / "<mode> model": the same run read differently
                continue
            row = {
                "file": path.name,
                "stage": mode,
                "n_test": rec["n_sentences"],
                "limit": rec.get("limit"),
                "gleu": res["gleu"],
                "chrf": res["chrf"],
                "unchanged": res["unchanged"],
                "latency_s": res["mean_latency_s"],
                "baseline_gleu": rec["baseline_unchanged"]["gleu"],
                "baseline_chrf": rec["baseline_unchanged"]["chrf"],
                "n_train": None,
                "steps": None,
                "k": rec.get("k") or None,
                "created": rec.get("created"),
            }
            if mode == "lora":
                meta = _load(path.with_name(path.stem + ".train.json")) or {}
                row["n_train"] = meta.get("n_pairs")
                row["n_trained_on"] = meta.get("n_train")
                row["steps"] = meta.get("steps") or meta.get("steps_arg") or "default"
            rows.append(row)
    order = {"zero": 0, "few": 1, "lora": 2}
    rows.sort(key=lambda r: (order[r["stage"]], r["n_train"] or 0, r["k"] or 0))
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| stage | dev pairs used | GLEU | chrF | unchanged | s / sentence | test sentences |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["stage"] == "zero":
            label, used = "zero-shot", "0"
        elif r["stage"] == "few":
            label, used = f"few-shot, k={r['k']}", f"{N_DEV} (pool; {r['k']} per prompt)"
        else:
            label = f"LoRA ({r['steps']} steps)"
            used = f"{r['n_train']} ({r.get('n_trained_on') or '?'} trained, rest held out)"
        lines.append(
            f"| {label} | {used} | {r['gleu']:.2f} | {r['chrf']:.2f} | {r['unchanged']:.0%} | "
            f"{r['latency_s']:.2f} | {r['n_test']} |"
        )
    if rows:
        base = rows[0]
        lines.append(
            f"| source unchanged (same sentences) | – | {base['baseline_gleu']:.2f} | "
            f"{base['baseline_chrf']:.2f} | 100% | – | {base['n_test']} |"
        )
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], png: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install 'draftwheel[dev]')", file=sys.stderr)
        return False
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=120)
    lora = sorted((r for r in rows if r["stage"] == "lora" and r["n_train"]), key=lambda r: r["n_train"])
    x_max = N_DEV * 1.15
    for r, style in (
        (next((r for r in rows if r["stage"] == "zero"), None), ("tab:gray", "zero-shot")),
        (next((r for r in rows if r["stage"] == "few"), None), ("tab:blue", "few-shot")),
    ):
        if r:
            ax.axhline(r["gleu"], color=style[0], lw=2, label=f"{style[1]} ({r['gleu']:.2f})")
    if lora:
        ax.plot(
            [r["n_train"] for r in lora], [r["gleu"] for r in lora], "o-", color="tab:red", lw=2, label="LoRA adapter"
        )
        for r in lora:
            ax.annotate(
                f"{r['gleu']:.1f}",
                (r["n_train"], r["gleu"]),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=8,
            )
    if rows:
        ax.axhline(
            rows[0]["baseline_gleu"],
            color="black",
            ls=":",
            lw=1.5,
            label=f"source unchanged, same {rows[0]['n_test']} sentences ({rows[0]['baseline_gleu']:.2f})",
        )
    for name, value in PUBLISHED:
        ax.axhline(value, color="tab:green", ls="--", lw=0.8, alpha=0.7)
        ax.text(x_max, value, f" {name} {value:.2f}", va="center", fontsize=7, color="tab:green")
    ax.set_xlim(0, x_max)
    ax.set_xlabel("training pairs (JFLEG dev src -> ref0)")
    ax.set_ylabel("GLEU on JFLEG test (4 references)")
    n_test = rows[0]["n_test"] if rows else 0
    ax.set_title(
        f"Flywheel curve, Gemma 3 270M (bundled), {n_test} test sentences"
        + ("" if n_test == 747 else "; green lines: published, full test set"),
        fontsize=9,
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=7, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, bbox_inches="tight")
    plt.close(fig)
    return True


def report(args: argparse.Namespace) -> None:
    rows = collect(args)
    text = table(rows)
    args.table.write_text(text, encoding="utf-8")
    (args.out_dir / "summary.json").write_text(
        json.dumps({"rows": rows, "published": PUBLISHED}, indent=1) + "\n", encoding="utf-8"
    )
    print(text)
    if rows and plot(rows, args.plot):
        print(f"plot: {args.plot}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        if "zero" in args.stages:
            run_zero(args)
        if "few" in args.stages:
            run_few(args)
        if "lora" in args.stages:
            args.work_dir.mkdir(parents=True, exist_ok=True)
            for n in args.sizes:
                run_lora(args, n)
    report(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
