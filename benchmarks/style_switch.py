#!/usr/bin/env python
"""Two personal styles' adapters on one loaded model, switched back and forth (issue 18).

Loads the model once (``engine.load_engine``), then for ``--rounds`` rounds
applies style A's adapter, revises every input with A's prompt, applies style
B's adapter, revises them with B's prompt (``engine.use_adapter``: the
adapters are hot-swapped, the model is never reloaded; ``revise_text`` as in
the editor, greedy). Prints each input's two outputs and the chrF / GLEU of
each adapter's outputs against each style's references (tests/data/styles/
switch.jsonl holds both), and checks that every round gives the same outputs
(switching back restores the style exactly).

    python benchmarks/style_switch.py --home DIR --a "Careful British" careful-british-200 \\
        --b "Terse American" terse-american-80 --out benchmarks/results/styles/switch.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from draftwheel.config import app_paths, load_settings  # noqa: E402
from draftwheel.engine import load_engine  # noqa: E402
from draftwheel.engine.revise import ReviseOptions, revise_text  # noqa: E402
from draftwheel.evaluate.lora import find_adapter  # noqa: E402
from draftwheel.flywheel.styles import resolve_in  # noqa: E402
from draftwheel.models import Catalogue  # noqa: E402
from draftwheel.train.metrics import chrf, gleu  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--home", type=Path, required=True, help="the data folder holding both styles and adapters")
    p.add_argument("--a", nargs=2, metavar=("STYLE", "ADAPTER"), required=True)
    p.add_argument("--b", nargs=2, metavar=("STYLE", "ADAPTER"), required=True)
    p.add_argument("--data", type=Path, default=REPO / "tests" / "data" / "styles" / "switch.jsonl")
    p.add_argument("--rounds", type=int, default=2, help="A then B, this many times (default 2)")
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)

    rows = [json.loads(x) for x in args.data.read_text(encoding="utf-8").splitlines() if x.strip()]
    rows = rows[: args.limit] if args.limit else rows
    inputs = [r["input"] for r in rows]
    refs = {"a": [r["a"] for r in rows], "b": [r["b"] for r in rows]}

    paths = app_paths(args.home)
    settings = load_settings(paths).updated(n_threads=args.threads)
    entry = Catalogue(paths).get(settings.model)
    styles = {}
    for key, (style, adapter) in (("a", args.a), ("b", args.b)):
        styles[key] = (resolve_in(paths, style=style), find_adapter(paths, adapter, entry), adapter)
    options = ReviseOptions(temperature=0.0, seed=0, max_new_tokens=settings.max_new_tokens)

    t0 = time.perf_counter()
    engine = load_engine(entry, settings, paths=paths)
    load_s = time.perf_counter() - t0
    engine_id = id(engine)
    outputs: dict[str, list[list[str]]] = {"a": [], "b": []}
    switches = []
    try:
        for rnd in range(args.rounds):
            for key in ("a", "b"):
                task, ref, name = styles[key]
                t = time.perf_counter()
                engine.use_adapter(ref)  # hot swap on the loaded model
                switches.append(round(time.perf_counter() - t, 4))
                assert id(engine) == engine_id
                outs = []
                for text in inputs:
                    outs.append(revise_text(engine, text, task, options).text)
                outputs[key].append(outs)
                print(f"round {rnd + 1}, style {task.label!r} with adapter {name}: done", flush=True)
    finally:
        engine.close()

    same_each_round = {k: all(o == v[0] for o in v) for k, v in outputs.items()}
    last = {k: v[-1] for k, v in outputs.items()}
    scores = {
        f"{k}_vs_{r}": {"chrf": round(chrf(last[k], [refs[r]]), 2), "gleu": round(gleu(inputs, last[k], [refs[r]]), 2)}
        for k in ("a", "b")
        for r in ("a", "b")
    }
    base = {
        r: {"chrf": round(chrf(inputs, [refs[r]]), 2), "gleu": round(gleu(inputs, inputs, [refs[r]]), 2)}
        for r in ("a", "b")
    }
    differ = sum(x != y for x, y in zip(last["a"], last["b"], strict=True))
    la, lb = styles["a"][0].label, styles["b"][0].label
    table = "\n".join(
        [
            f"| outputs | chrF / GLEU against {la}'s references | chrF / GLEU against {lb}'s references |",
            "|---|---|---|",
            f"| input left unchanged | {base['a']['chrf']:.2f} / {base['a']['gleu']:.2f} | "
            f"{base['b']['chrf']:.2f} / {base['b']['gleu']:.2f} |",
            f"| {la} adapter ({styles['a'][2]}) | **{scores['a_vs_a']['chrf']:.2f} / {scores['a_vs_a']['gleu']:.2f}** | "
            f"{scores['a_vs_b']['chrf']:.2f} / {scores['a_vs_b']['gleu']:.2f} |",
            f"| {lb} adapter ({styles['b'][2]}) | {scores['b_vs_a']['chrf']:.2f} / {scores['b_vs_a']['gleu']:.2f} | "
            f"**{scores['b_vs_b']['chrf']:.2f} / {scores['b_vs_b']['gleu']:.2f}** |",
        ]
    )
    for i, text in enumerate(inputs):
        print(f"\n[{i}] input: {text}\n    {la}: {last['a'][i]}\n    {lb}: {last['b'][i]}")
    print()
    print(table)
    print(
        f"\nmodel loaded once ({load_s:.1f} s); {len(switches)} adapter switches "
        f"({', '.join(f'{s * 1000:.1f} ms' for s in switches)}); the two adapters' outputs differ on "
        f"{differ}/{len(inputs)} inputs; every round gave the same outputs as the first: {same_each_round}"
    )
    if args.out:
        record = {
            "inputs": inputs,
            "styles": {
                k: {"style": styles[k][0].label, "adapter": styles[k][2], "instruction": styles[k][0].instruction}
                for k in styles
            },
            "rounds": args.rounds,
            "threads": args.threads,
            "model_load_s": round(load_s, 2),
            "switch_s": switches,
            "seconds": round(time.perf_counter() - t0, 1),
            "outputs": {k: v[-1] for k, v in outputs.items()},
            "same_each_round": same_each_round,
            "inputs_where_outputs_differ": differ,
            "unchanged_baseline": base,
            "scores": scores,
            "table": table,
        }
        args.out.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0 if all(same_each_round.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
