#!/usr/bin/env python
"""Issue 18's measured check: a personal style through the flywheel, zero-shot -> few-shot -> adapter.

Data: tests/data/styles/ (two made-up users' voices, see its README). Style A
("Careful British", 200 training + 50 held-out pairs) is created as a style of
its own and run through the public ``draftwheel`` commands, each in a
subprocess, in one scratch data folder (``--work-dir``):

* ``zero``  — ``draftwheel styles add`` then ``draftwheel eval --style A --modes zero``
  on the 50 held-out inputs;
* ``few``   — ``draftwheel import-pairs --style A`` of the first 50 training
  pairs (50 kept edits), then ``draftwheel eval --style A --modes few``: the
  examples come from the style's own edits in the store;
* ``lora``  — ``import-pairs --style A`` of the other 150 (200 = the style's
  training threshold; ``styles list`` then says training is due),
  ``draftwheel train --style A`` on the store (the trainer holds out about 10%
  for its own loss check), ``draftwheel eval --style A --modes lora --adapter``;
* ``b``     — style B ("Terse American", 80 pairs) added to the same data
  folder, imported and trained the same way on the same base model, and
  scored on its 20 held-out pairs (``--modes lora``);
* ``fresh`` — the three stages of style A on 20 inputs written by hand outside
  the generator's templates (a-fresh.jsonl): ``draftwheel eval --modes
  zero,few,lora`` with the first 50 training pairs as the few-shot pool
  (``--fewshot-src/--fewshot-ref``, so still "after 50 edits");
* ``switch`` — ``benchmarks/style_switch.py``: the model loaded once, the two
  adapters applied in turn (A, B, A, B) to the same 20 inputs, each with its
  style's prompt.

``--split dev`` runs the same stages on a dev split carved from the 200
training pairs (the last 40 are the held-out inputs; few-shot imports the
first 50, the adapter trains on the first 160), in its own data folder, for
choosing settings without reading the held-out set.

Results go to ``--out-dir`` (benchmarks/results/styles/): one JSON + TSV per
``draftwheel eval`` run, the training logs, ``switch.json``, ``table.md`` and
``summary.json``. Saved stages are reused (``--force`` reruns them).

    python benchmarks/style_flywheel.py --threads 1                 # everything (about 1 h on a busy 2-core CPU)
    python benchmarks/style_flywheel.py --stages zero,few --limit 5 --out-dir /tmp/q   # a quick look
    python benchmarks/style_flywheel.py --report-only
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "styles"
DEFAULT_OUT = REPO / "benchmarks" / "results" / "styles"
STAGES = ("zero", "few", "lora", "b", "switch", "fresh")

STYLE_A = {
    "name": "Careful British",
    "instruction": "Rewrite the text in my voice. Change only what my voice changes; keep the meaning and names.",
    "description": "careful British English: British spelling and words (colour, flat, holiday), no "
    "contractions (do not, I am), no Oxford comma, full stops rather than exclamation marks, "
    "and a new sentence rather than ', and then'.",
}
STYLE_B = {
    "name": "Terse American",
    "instruction": "Rewrite the text in my voice. Change only what my voice changes; keep the meaning and names.",
    "description": "terse American English: American spelling, contractions (don't, I'm), the Oxford comma, "
    "no filler words (really, very, just), plain short phrases ('to', not 'in order to').",
}
FEW_AFTER = 50  # kept edits before the few-shot stage
THRESHOLD = 200  # the style's training threshold: all 200 training pairs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated: {', '.join(STAGES)}")
    p.add_argument("--split", choices=("test", "dev"), default="test", help="held-out set: test (50) or dev")
    p.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    p.add_argument(
        "--work-dir",
        type=Path,
        default=Path(os.environ.get("TMPDIR", "/tmp")) / "draftwheel-styles",
        help="scratch data folders (large: the trainable weights are converted into it once)",
    )
    p.add_argument("--threads", type=int, default=1, help="llama.cpp and torch threads (default 1)")
    p.add_argument("--limit", type=int, default=0, help="score only the first N held-out inputs (0 = all)")
    p.add_argument("--k", type=int, default=4, help="few-shot examples per prompt (the setting's default)")
    p.add_argument("--train-args", default="", help="extra `draftwheel train` arguments, e.g. '--epochs 5'")
    p.add_argument("--force", action="store_true", help="rerun stages whose results exist")
    p.add_argument("--report-only", action="store_true")
    args = p.parse_args(argv)
    args.stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    bad = [s for s in args.stages if s not in STAGES]
    if bad:
        p.error(f"unknown stage {bad[0]!r}")
    return args


# -- data ----------------------------------------------------------------------


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def splits(split: str) -> dict[str, list[dict]]:
    """Style A's training pairs (in the order they become kept edits) and its held-out pairs."""
    train = load("a-train.jsonl")
    if split == "dev":
        return {"train": train[:160], "held": train[160:]}
    return {"train": train, "held": load("a-test.jsonl")}


def write_pairs(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps({"input": r["input"], "final": r["final"]}) + "\n" for r in rows), "utf-8")
    return path


def write_eval_set(folder: Path, stem: str, rows: list[dict]) -> tuple[Path, Path]:
    src, ref = folder / f"{stem}.src", folder / f"{stem}.ref"
    src.write_text("".join(r["input"] + "\n" for r in rows), encoding="utf-8")
    ref.write_text("".join(r["final"] + "\n" for r in rows), encoding="utf-8")
    return src, ref


# -- running the CLI -------------------------------------------------------------


def env(threads: int) -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO / "src") + os.pathsep + e.get("PYTHONPATH", "")
    e["OMP_NUM_THREADS"] = str(threads)  # torch's threads in training
    e["MKL_NUM_THREADS"] = str(threads)
    return e


def draftwheel(args: argparse.Namespace, home: Path, *argv: str, log: Path | None = None, capture=False) -> str:
    cmd = [sys.executable, "-m", "draftwheel", "--home", str(home), *argv]
    print("$ draftwheel", " ".join(argv), flush=True)
    proc = subprocess.run(cmd, env=env(args.threads), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if log is not None:
        with log.open("a", encoding="utf-8") as fh:
            fh.write("$ draftwheel " + " ".join(argv) + "\n" + proc.stdout)
    if not capture:
        sys.stdout.write(proc.stdout[-3000:])
    if proc.returncode:
        sys.stdout.write(proc.stdout[-3000:] if capture else "")
        raise SystemExit(f"draftwheel {argv[0]} failed ({proc.returncode})")
    return proc.stdout


def style_row(args, home: Path, name: str) -> dict | None:
    rows = json.loads(draftwheel(args, home, "styles", "list", "--json", capture=True))
    return next((r for r in rows if r["name"] == name), None)


def ensure_style(args, home: Path, spec: dict, threshold: int) -> dict:
    row = style_row(args, home, spec["name"])
    if row is None:
        draftwheel(
            args,
            home,
            "styles",
            "add",
            spec["name"],
            "--instruction",
            spec["instruction"],
            "--description",
            spec["description"],
            "--threshold",
            str(threshold),
        )
        row = style_row(args, home, spec["name"])
    return row


def import_until(args, home: Path, spec: dict, rows: list[dict], n: int, work: Path) -> dict:
    """Import training pairs until the style holds ``n`` kept edits (the next ones in order)."""
    row = style_row(args, home, spec["name"])
    have = row["kept"]
    if have < n:
        f = write_pairs(work / f"import-{row['key']}-{have}-{n}.jsonl", rows[have:n])
        draftwheel(args, home, "import-pairs", str(f), "--style", spec["name"])
        row = style_row(args, home, spec["name"])
    print(
        f"  style {spec['name']!r}: {row['kept']} kept edits, stage {row['stage']}, "
        f"{row['until_training']} until training (threshold {row['train_threshold']})",
        flush=True,
    )
    return row


def fresh(path: Path, args) -> bool:
    return path.exists() and not args.force


def eval_style(args, home: Path, spec: dict, src: Path, ref: Path, out: Path, *modes: str) -> None:
    argv = [
        "eval",
        "--style",
        spec["name"],
        "--src",
        str(src),
        "--refs",
        str(ref),
        "--threads",
        str(args.threads),
        "--k",
        str(args.k),
        "--quiet",
        "--out",
        str(out),
        *modes,
    ]
    if args.limit:
        argv += ["--limit", str(args.limit)]
    draftwheel(args, home, *argv)


def train_style(args, home: Path, spec: dict, name: str, out_dir: Path) -> dict:
    meta_file = out_dir / f"{name}.train.json"
    if fresh(meta_file, args) and (home / "adapters" / name).exists():
        return json.loads(meta_file.read_text(encoding="utf-8"))
    log = out_dir / f"{name}.train.log"
    log.write_text("", encoding="utf-8")
    if (home / "adapters" / name).exists():
        subprocess.run(
            [sys.executable, "-m", "draftwheel", "--home", str(home), "adapters", "delete", name],
            env=env(args.threads),
            check=False,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )
    t0 = time.perf_counter()
    # --no-eval: the trainer's own held-out scoring is skipped; `draftwheel eval` below is the measurement.
    draftwheel(
        args,
        home,
        "train",
        "--style",
        spec["name"],
        "--name",
        name,
        "--no-eval",
        "--json",
        *args.train_args.split(),
        log=log,
    )
    info = json.loads((home / "adapters" / name / "adapter.json").read_text(encoding="utf-8"))
    meta = {k: info.get(k) for k in ("n_train", "n_heldout", "steps", "rank", "alpha", "training")}
    meta.update(adapter=name, train_args=args.train_args, train_wall_seconds=round(time.perf_counter() - t0, 1))
    meta_file.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta


# -- stages ----------------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    dev = args.split == "dev"
    out = args.out_dir / "dev" if dev else args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    work = args.work_dir / ("dev" if dev else "test")
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    data = splits(args.split)
    src, ref = write_eval_set(work, "a-held", data["held"])
    ensure_style(args, home, STYLE_A, THRESHOLD if not dev else 160)

    if "zero" in args.stages and not fresh(out / "a-zero.json", args):
        eval_style(args, home, STYLE_A, src, ref, out / "a-zero.json", "--modes", "zero")
    if "few" in args.stages:
        import_until(args, home, STYLE_A, data["train"], FEW_AFTER, work)
        if not fresh(out / "a-few.json", args):
            eval_style(args, home, STYLE_A, src, ref, out / "a-few.json", "--modes", "few")
    if "lora" in args.stages:
        import_until(args, home, STYLE_A, data["train"], len(data["train"]), work)
        name = f"careful-british-{len(data['train'])}"
        train_style(args, home, STYLE_A, name, out)
        if not fresh(out / "a-lora.json", args):
            eval_style(args, home, STYLE_A, src, ref, out / "a-lora.json", "--modes", "lora", "--adapter", name)
    if dev:
        return
    if "fresh" in args.stages and not fresh(out / "a-fresh.json", args):
        fsrc, fref = write_eval_set(work, "a-fresh", load("a-fresh.jsonl"))
        psrc, pref = write_eval_set(work, "a-first50", data["train"][:FEW_AFTER])
        name = f"careful-british-{len(data['train'])}"
        eval_style(
            args,
            home,
            STYLE_A,
            fsrc,
            fref,
            out / "a-fresh.json",
            "--modes",
            "zero,few,lora",
            "--adapter",
            name,
            "--fewshot-src",
            str(psrc),
            "--fewshot-ref",
            str(pref),
        )
    if "b" in args.stages:
        b_train, b_test = load("b-train.jsonl"), load("b-test.jsonl")
        ensure_style(args, home, STYLE_B, len(b_train))
        import_until(args, home, STYLE_B, b_train, len(b_train), work)
        train_style(args, home, STYLE_B, f"terse-american-{len(b_train)}", out)
        bsrc, bref = write_eval_set(work, "b-held", b_test)
        if not fresh(out / "b-lora.json", args):
            eval_style(
                args,
                home,
                STYLE_B,
                bsrc,
                bref,
                out / "b-lora.json",
                "--modes",
                "lora",
                "--adapter",
                f"terse-american-{len(b_train)}",
            )
    if "switch" in args.stages and not fresh(out / "switch.json", args):
        cmd = [
            sys.executable,
            str(REPO / "benchmarks" / "style_switch.py"),
            "--home",
            str(home),
            "--a",
            STYLE_A["name"],
            f"careful-british-{len(data['train'])}",
            "--b",
            STYLE_B["name"],
            f"terse-american-{len(load('b-train.jsonl'))}",
            "--threads",
            str(args.threads),
            "--out",
            str(out / "switch.json"),
        ]
        print("$", " ".join(cmd[1:]), flush=True)
        subprocess.run(cmd, env=env(args.threads), check=True)


# -- report ----------------------------------------------------------------------


def _load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def report(args: argparse.Namespace) -> str:
    lines = []
    for split in ("test", "dev"):
        out = args.out_dir if split == "test" else args.out_dir / "dev"
        rec = {m: _load(out / f"a-{m}.json") for m in ("zero", "few", "lora")}
        if not any(rec.values()):
            continue
        n_train = 200 if split == "test" else 160
        train = _load(out / f"careful-british-{n_train}.train.json") or {}
        held = "50 held-out pairs (a-test.jsonl)" if split == "test" else "dev: a-train[160:200], 40 pairs"
        lines += [
            f"### Style A, {held}",
            "",
            "| stage | kept edits | chrF | GLEU | unchanged | s / input |",
            "|---|---|---|---|---|---|",
        ]
        base = next((r for r in rec.values() if r), None)
        if base:
            u = base["baseline_unchanged"]
            lines.append(f"| input left unchanged | – | {u['chrf']:.2f} | {u['gleu']:.2f} | 100% | – |")
        label = {
            "zero": ("zero-shot", "0"),
            "few": ("few-shot, k = 4 from the style's edits", str(FEW_AFTER)),
            "lora": (f"adapter ({train.get('steps', '?')} steps, {train.get('n_train', '?')} trained)", str(n_train)),
        }
        for m, r in rec.items():
            if r is None:
                continue
            s = r["modes"][m]
            lines.append(
                f"| {label[m][0]} | {label[m][1]} | {s['chrf']:.2f} | {s['gleu']:.2f} | "
                f"{s['unchanged'] * 100:.0f}% | {s['mean_latency_s']:.2f} |"
            )
        lines.append("")
    fr = _load(args.out_dir / "a-fresh.json")
    if fr:
        u = fr["baseline_unchanged"]
        lines += [
            "### Style A, 20 hand-written inputs outside the templates (a-fresh.jsonl)",
            "",
            "| stage | kept edits | chrF | GLEU | unchanged | s / input |",
            "|---|---|---|---|---|---|",
            f"| input left unchanged | – | {u['chrf']:.2f} | {u['gleu']:.2f} | 100% | – |",
        ]
        for m, lab, n in (("zero", "zero-shot", "0"), ("few", "few-shot, k = 4", "50"), ("lora", "adapter", "200")):
            s = fr["modes"][m]
            lines.append(
                f"| {lab} | {n} | {s['chrf']:.2f} | {s['gleu']:.2f} | {s['unchanged'] * 100:.0f}% | "
                f"{s['mean_latency_s']:.2f} |"
            )
        lines.append("")
    b = _load(args.out_dir / "b-lora.json")
    if b:
        s, u = b["modes"]["lora"], b["baseline_unchanged"]
        bt = _load(args.out_dir / "terse-american-80.train.json") or {}
        lines += [
            "### Style B, 20 held-out pairs (b-test.jsonl)",
            "",
            "| stage | chrF | GLEU | unchanged |",
            "|---|---|---|---|",
            f"| input left unchanged | {u['chrf']:.2f} | {u['gleu']:.2f} | 100% |",
            f"| adapter ({bt.get('steps', '?')} steps, {bt.get('n_train', '?')} trained) | {s['chrf']:.2f} | "
            f"{s['gleu']:.2f} | {s['unchanged'] * 100:.0f}% |",
            "",
        ]
    sw = _load(args.out_dir / "switch.json")
    if sw:
        lines += ["### Two adapters on one loaded model (switch.jsonl, 20 inputs)", "", sw["table"], ""]
    text = "\n".join(lines)
    (args.out_dir / "table.md").write_text(text + "\n", encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.report_only:
        run(args)
    print(report(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
