"""The flywheel's one policy object: the counter, when to train, resume with a retry limit,
training availability, and the adapter choice the CLI and the app share.

Real SQLite store, real run folders, real `draftwheel train` processes where a
process is started (they fail fast on purpose, for reasons named in each test).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from draftwheel.config import Settings
from draftwheel.flywheel.availability import training_availability
from draftwheel.flywheel.policy import (
    MIN_EXAMPLES,
    TrainingPolicy,
    choose_adapter,
    counter_text,
    kept_since_training,
    training_progress,
)
from draftwheel.store import add_edits, delete_edit, finish_run, list_edits, list_runs, log_edit, open_store, start_run

SETTINGS = Settings()  # logging on, no redaction
PAUSED = Settings(logging_paused=True)


@pytest.fixture
def store(paths):
    s = open_store(paths)
    yield s
    s.close()


def _add(store, n, task="grammar", outcome="accepted", start=0, **kw) -> None:
    with store.session() as s, s.begin():
        add_edits(
            s,
            [
                dict(
                    task=task,
                    input_text=f"input number {start + i} of {task}",
                    final_text=f"Final number {start + i} of {task}.",
                    outcome=outcome,
                    **kw,
                )
                for i in range(n)
            ],
            settings=SETTINGS,
        )


def hide(*names):
    """A find_spec that does not find ``names`` (a machine without those packages)."""
    import importlib.util

    def find_spec(name):
        return None if name in names else importlib.util.find_spec(name)

    return find_spec


def _ok(paths, model=None):
    return training_availability(paths, None)


# -- the counter (issue 14 item 6) ---------------------------------------------------------------


def test_counter_counts_kept_edits_since_the_last_training_only(store):
    """The wrong counts of issue 14 item 6, reproduced at the store: before the fix the counter was
    "all kept edits now minus all kept edits when the last run started", so an edit left out of
    training counted, and deleting (or excluding) an older edit made the number drop."""
    _add(store, 10)  # before the last training
    with store.session() as s, s.begin():
        run = start_run(s, "grammar")
        finish_run(s, run.id, "done")
    _add(store, 3, start=100)  # kept since
    _add(store, 2, start=200, outcome="rejected")  # rejections never count
    _add(store, 1, start=300, include_in_training=False)  # left out of training: not a training example
    _add(store, 4, task="clearer", start=400)  # another task's edits
    with store.session() as s, s.begin():
        # Logging paused: nothing is stored, so nothing counts.
        assert (
            log_edit(s, task="grammar", input_text="a b", final_text="A b.", outcome="accepted", settings=PAUSED)
            is None
        )
    with store.session() as s:
        assert kept_since_training(s, "grammar") == 3
        assert kept_since_training(s, "clearer") == 4  # never trained: all of its kept edits
    with store.session() as s, s.begin():
        old = list_edits(s, task="grammar", newest_first=False, limit=2)
        for e in old:
            delete_edit(s, e.id)
    with store.session() as s:
        assert kept_since_training(s, "grammar") == 3  # deleting older edits does not move it
        p = training_progress(s, "grammar", 5)
        assert (p.kept, p.remaining) == (3, 2)


def test_counter_words_read_forwards():
    assert counter_text("Fix grammar", 88, 100) == "Fix grammar: 88 / 100 kept edits, 12 more until training"
    assert counter_text("Fix grammar", 100, 100) == "Fix grammar: 100 / 100 kept edits, training is due"
    assert counter_text("Fix grammar", 130, 100) == "Fix grammar: 100 / 100 kept edits, training is due"


def test_cli_status_gives_the_same_number(store, paths, home):
    _add(store, 7)
    _add(store, 2, task="clearer", start=50)
    _add(store, 3, start=90, outcome="rejected")
    out = subprocess.run(
        [sys.executable, "-m", "draftwheel", "--home", str(home), "train", "--status", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    counters = {c["task"]: c for c in json.loads(out.stdout)["counters"]}
    with store.session() as s:
        assert counters["grammar"]["kept"] == kept_since_training(s, "grammar") == 7
        assert counters["clearer"]["kept"] == 2
    assert counters["grammar"]["text"] == "Fix grammar: 7 / 100 kept edits, 93 more until training"
    plain = subprocess.run(
        [sys.executable, "-m", "draftwheel", "--home", str(home), "train", "--status"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Fix grammar: 7 / 100 kept edits, 93 more until training" in plain.stdout


# -- availability (issue 15) -----------------------------------------------------------------------


def test_availability_names_what_is_missing(paths):
    assert training_availability(paths).ok
    a = training_availability(paths, find_spec=hide("peft"))
    assert not a.ok and "missing: peft" in a.reason and "draftwheel[train]" in a.fix
    a = training_availability(paths, find_spec=hide("torch", "safetensors"))
    assert "missing: torch, safetensors" in a.reason
    assert "disk" in training_availability(paths, disk_bytes=10 * 2**20).reason


def test_availability_checks_the_model(paths):
    from draftwheel.models import Catalogue

    entry = Catalogue(paths).ensure_bundled()
    assert training_availability(paths, entry, memory_bytes=64 * 2**30).ok
    low = training_availability(paths, entry, memory_bytes=2**30)
    assert not low.ok and "Not enough memory" in low.reason
    import dataclasses

    odd = dataclasses.replace(entry, architecture="no-such-arch", sha256="0" * 64)
    assert "no trainable weights" in training_availability(paths, odd).reason
    gone = dataclasses.replace(entry, path=str(paths.home / "gone.gguf"), sha256="1" * 64)
    assert "missing" in training_availability(paths, gone).reason


def _sitecustomize(tmp_path: Path, hidden: str) -> dict:
    """An environment whose Python cannot import ``hidden`` (as on an install without the training extra)."""
    folder = tmp_path / "hide"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        textwrap.dedent(f"""
        import sys

        class _Hide:
            def find_spec(self, name, path=None, target=None):
                if name == {hidden!r} or name.startswith({hidden!r} + "."):
                    raise ModuleNotFoundError("No module named " + repr(name), name=name)
                return None

        sys.meta_path.insert(0, _Hide())
    """)
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(folder), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def test_cli_train_says_training_is_not_installed(store, home, tmp_path):
    _add(store, MIN_EXAMPLES + 2)
    env = _sitecustomize(tmp_path, "peft")
    out = subprocess.run(
        [sys.executable, "-m", "draftwheel", "--home", str(home), "train", "--task", "grammar"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Training is not installed here (missing: peft)" in lines[0], out.stderr
    assert "pip install 'draftwheel[train]'" in lines[0]
    with store.session() as s:
        assert list_runs(s) == []  # a command in a terminal records nothing it did not start


# -- when to train --------------------------------------------------------------------------------


def test_trigger_fires_when_due_and_again_after_the_next_run(store, paths):
    policy = TrainingPolicy(paths, threshold=MIN_EXAMPLES, availability=_ok)
    _add(store, MIN_EXAMPLES - 1)
    with store.session() as s:
        assert policy.auto_train(s, "grammar").action == "none"
    _add(store, 1, start=50)
    with store.session() as s:
        d = policy.auto_train(s, "grammar")
        assert d.action == "start" and "Fix grammar" in d.message
        assert policy.auto_train(s, "grammar", busy={"pid": 1, "task": "grammar"}).action == "busy"
    with store.session() as s, s.begin():  # the run it started finished
        finish_run(s, start_run(s, "grammar").id, "done")
    with store.session() as s:
        assert policy.auto_train(s, "grammar").action == "none"  # counted from the run
    _add(store, MIN_EXAMPLES, start=100)
    with store.session() as s:
        assert policy.auto_train(s, "grammar").action == "start"  # not "once per session"


def test_trigger_reports_once_when_training_is_unavailable(store, paths):
    def unavailable(p, model=None):
        return training_availability(p, model, find_spec=hide("transformers"))

    policy = TrainingPolicy(paths, threshold=MIN_EXAMPLES, availability=unavailable)
    _add(store, MIN_EXAMPLES)
    with store.session() as s:
        d = policy.auto_train(s, "grammar")
        assert d.action == "refuse" and "missing: transformers" in d.message
        assert policy.auto_train(s, "grammar").action == "none"  # said once, not on every kept edit
        assert policy.train_now(s, "grammar").action == "refuse"  # the user asked: say it again


def test_train_now_says_why_not(store, paths):
    policy = TrainingPolicy(paths, availability=_ok)
    _add(store, 3)
    _add(store, 2, start=10, outcome="rejected")
    with store.session() as s:
        d = policy.train_now(s, "grammar")
        assert d.action == "refuse"
        assert "3 usable kept edits, at least 8 needed (5 more)" in d.message and "Fix grammar" in d.message
        assert "another training is running" in policy.train_now(s, "grammar", busy={"task": "clearer"}).message
        assert policy.train_now(s, "custom").action == "refuse"
    _add(store, 5, start=20)
    with store.session() as s:
        assert policy.train_now(s, "grammar").action == "start"


# -- resume ---------------------------------------------------------------------------------------


def _interrupted_run(store, paths, name="grammar-crashed", model="gemma3-270m") -> int:
    """A run a crash cut short: the store says running, its folder has run.json and no result."""
    from draftwheel.train.runs import PAIRS_FILE, RUN_FILE

    _add(store, MIN_EXAMPLES)
    with store.session() as s, s.begin():
        run_id = start_run(s, "grammar", adapter_name=name, steps_total=4).id
    folder = paths.runs_dir / name
    folder.mkdir(parents=True)
    (folder / PAIRS_FILE).write_text(
        "".join(json.dumps({"input": f"in {i}", "final": f"Out {i}."}) + "\n" for i in range(MIN_EXAMPLES))
    )
    (folder / RUN_FILE).write_text(
        json.dumps(
            {
                "name": name,
                "task": "grammar",
                "model": model,
                "run_id": run_id,
                "created": time.time(),
                "args": {"steps": 4},
            }
        )
    )
    return run_id


def test_resume_gives_up_after_the_retry_limit(store, paths):
    from draftwheel.train.runs import note_resume_attempt

    run_id = _interrupted_run(store, paths)
    policy = TrainingPolicy(paths, availability=_ok)
    for attempt in range(1, 4):
        with store.session() as s:
            d = policy.resume(s)
        assert d.action == "resume" and f"attempt {attempt} of 3" in d.message
        note_resume_attempt(paths.runs_dir / d.name)  # what carry_out records before starting it
    with store.session() as s, s.begin():
        d = policy.resume(s)
        assert d.action == "give_up" and "interrupted 4 times" in d.message and "not restarted" in d.message
        assert policy.carry_out(s, d) is None  # nothing started
    with store.session() as s:
        run = next(r for r in list_runs(s) if r.id == run_id)
        assert run.status == "failed" and "not restarted" in run.message
        assert policy.resume(s).action == "none"  # it stays given up
        assert policy.auto_train(s, "grammar").action == "none"


def test_startup_resume_and_trigger_start_one_process(store, paths, home):
    """At start-up the resume and the threshold trigger used to race: each started `draftwheel train`, and
    the loser failed into the log. One policy on one thread, which knows the process it has just started
    (before that process takes the lock), starts one."""
    from draftwheel.train import background

    _interrupted_run(store, paths, model="no-such-model")  # the resumed process fails fast, by name
    _add(store, MIN_EXAMPLES, start=500)  # and the counter is due
    policy = TrainingPolicy(paths, threshold=MIN_EXAMPLES, availability=_ok)
    launches = []

    def busy():
        owner = background.running(paths)
        live = [launch for launch in launches if launch.poll() is None]
        return owner or ({"pid": live[0].pid, "task": live[0].task} if live else None)

    with store.session() as s, s.begin():
        d1 = policy.resume(s, busy())
        launches.append(policy.carry_out(s, d1))
        d2 = policy.auto_train(s, "grammar", busy=busy())
        if d2.starts:
            launches.append(policy.carry_out(s, d2))
    assert d1.action == "resume" and d2.action == "busy"
    for launch in launches:
        launch.proc.wait(timeout=300)
    log = (paths.runs_dir / background.LOG_NAME).read_text()
    assert "Another training is already running" not in log
    assert log.count("draftwheel: error:") == 1, log
    assert "no-such-model" in launches[0].last_line()


# -- which adapter ----------------------------------------------------------------------------------


def test_cli_and_app_ask_the_same_adapter_question(paths, make_tiny_adapter):
    """`draftwheel revise` and the app's engine worker both call flywheel.policy.choose_adapter."""
    import inspect

    from draftwheel.cli import revise_cmd
    from draftwheel.flywheel.adapters import promote
    from draftwheel.models import Catalogue
    from draftwheel.workers import engine_worker

    assert "choose_adapter(" in inspect.getsource(revise_cmd.run)
    assert "choose_adapter(" in inspect.getsource(engine_worker.EngineHost._resolve)
    model = Catalogue(paths).ensure_bundled()
    make_tiny_adapter(paths, "mine", "grammar")
    assert choose_adapter(paths, model, "grammar") is None  # nothing promoted yet
    promote(paths, "mine")
    assert choose_adapter(paths, model, "grammar").name == "mine"  # automatic: the promoted one
    assert choose_adapter(paths, model, "clearer") is None  # per task
    assert choose_adapter(paths, model, "grammar", choice="base") is None
    assert choose_adapter(paths, model, "grammar", explicit="BASE", choice="mine") is None  # explicit wins
    assert choose_adapter(paths, model, "clearer", choice="mine").name == "mine"  # a named one, any task
    assert choose_adapter(paths, model, "grammar", mode="few") is None


# -- the training view's live line ----------------------------------------------------------------


def test_progress_file_carries_the_latest_message_at_once(tmp_path):
    """The training view reads progress.json; a message written right after a step (e.g. "Evaluating
    on the held-out edits…") used to wait for the next write, up to a second or a whole evaluation."""
    from draftwheel.train.progress import ProgressFileCallback, TrainProgress

    cb = ProgressFileCallback(tmp_path / "progress.json", every_s=60.0)
    cb.on_start(40, 0, 90, 10)
    cb.on_step(TrainProgress(1, 40, 2.5, 100.0, 10**9, 30.0))
    cb.on_message("Evaluating on the held-out edits…")
    state = json.loads((tmp_path / "progress.json").read_text())
    assert state["message"] == "Evaluating on the held-out edits…"
