"""All of the flywheel's policy in one place: stage, adapter, the training
counter, when to train, whether to resume, and promotion.

Stages: ``zero`` (task prompt only, plus the task's built-in demonstration),
``few`` (the user's most similar kept edits as examples), ``lora`` (a
promoted personal adapter for the task). ``auto`` picks the most personal
stage the data allows.

The counter has one definition, used by the status bar, the training view
and ``draftwheel train --status``: *kept edits since the last training of
this task* (:func:`kept_since_training`): accepted or edited suggestions
marked for training and not undone, stored after the task's last training
run started (whatever became of that run, so a failed run does not restart at
once). Rejections never count, and nothing is stored while logging is paused.

Training decisions go through :class:`TrainingPolicy`; the app and the CLI
both call it. It decides and says why in plain words; starting the process is
:meth:`TrainingPolicy.carry_out`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from draftwheel.config.paths import AppPaths
from draftwheel.errors import DraftwheelError
from draftwheel.flywheel.availability import Availability, training_availability
from draftwheel.flywheel.styles import auto_trains, threshold_of
from draftwheel.flywheel.styles import label as style_label
from draftwheel.store import (
    KEPT_OUTCOMES,
    count_edits,
    last_run,
    list_runs,
    promoted_adapter,
)
from draftwheel.store.edits import count_kept_since

MODES = ("auto", "zero", "few", "lora")
MAX_RESUMES = 3  # automatic restarts of one interrupted run before giving up (e.g. it keeps running out of memory)
UNTRAINABLE_TASKS = ("custom",)  # one name for every custom instruction: mixed instructions make no adapter
MIN_EXAMPLES = 8  # as train.dataset.MIN_EXAMPLES: fewer cannot give a training set and a held-out slice


# -- stage and adapter --------------------------------------------------------


def choose_stage(session: Session, task: str, mode: str = "auto", base_model_sha256: str | None = None) -> str:
    """``'zero'``, ``'few'`` or ``'lora'`` for ``task``.

    ``auto``: lora when a promoted adapter exists for the task (and base
    model, if given), few once the task has accepted or edited edits, else
    zero. An explicit mode is honoured, except that ``lora`` without a promoted
    adapter is a :class:`DraftwheelError` (nothing to apply).
    """
    if mode not in MODES:
        raise DraftwheelError(f"Unknown mode {mode!r}.", f"Use one of {', '.join(MODES)}.")
    if mode in ("zero", "few"):
        return mode
    adapter = promoted_adapter(session, task, base_model_sha256)
    if mode == "lora":
        if adapter is None:
            raise DraftwheelError(
                f"There is no promoted adapter for task {task!r} yet, so lora mode cannot be used.",
                "Train one with `draftwheel train`, or use --mode auto, few or zero.",
            )
        return "lora"
    if adapter is not None:
        return "lora"
    return "few" if count_edits(session, task, KEPT_OUTCOMES) > 0 else "zero"


def choose_adapter(
    paths: AppPaths, model, task: str, explicit: str | None = None, choice: str = "", mode: str = "auto"
):
    """The adapter (registry ``AdapterInfo``) a revision of ``task`` on ``model`` runs with; None: the base model.

    ``explicit`` (the CLI's ``--adapter NAME``) wins, then ``choice`` (the
    app's switcher or ``draftwheel adapters use``: "" automatic, ``base`` or a
    name); automatic means the task's promoted adapter for this very base
    model in ``auto`` or ``lora`` mode. A named adapter is checked against the
    model. The CLI and the app's engine worker both ask this.
    """
    from draftwheel.models.adapter_gguf import check_base
    from draftwheel.models.adapter_info import is_base
    from draftwheel.models.adapter_registry import get_adapter, promoted_for

    name = explicit if explicit is not None else (choice or None)
    if name is not None:
        if not name.strip() or is_base(name):
            return None
        info = get_adapter(paths, name)
        check_base(info, model, paths)
        return info
    if task and mode in ("auto", "lora"):
        return promoted_for(paths, task, model.sha256)
    return None


def should_promote(baseline_combined: float, candidate_combined: float) -> bool:
    """Promote a new adapter only if it beats the task's current stage on held-out edits (ties keep the stage).

    Scores are the mean of GLEU and chrF (0-100) on the user's own held-out edits.
    """
    return candidate_combined > baseline_combined


# -- the counter --------------------------------------------------------------


def kept_since_training(session: Session, task: str) -> int:
    """Kept edits of ``task`` stored since its last training run started (all of them if none)."""
    run = last_run(session, task)
    return count_kept_since(session, task, run.started_at if run else None)


# Kept for callers of the older name.
new_edits_since_training = kept_since_training


def edits_until_training(session: Session, task: str, threshold: int) -> int:
    """How many more kept edits of ``task`` start the next training run (0 = due now).

    ``threshold`` is the default; a style with a threshold of its own uses that.
    """
    threshold = threshold_of(session, task, threshold)
    return max(0, threshold - kept_since_training(session, task))


@dataclass(frozen=True)
class Progress:
    task: str
    kept: int  # kept edits since the last training of the task
    threshold: int

    @property
    def remaining(self) -> int:
        return max(0, self.threshold - self.kept)

    def text(self, label: str | None = None) -> str:
        """One line that reads forwards, e.g. "Fix grammar: 88 / 100 kept edits, 12 more until training"."""
        return counter_text(label or self.task, self.kept, self.threshold)


def counter_text(label: str, kept: int, threshold: int) -> str:
    if label in UNTRAINABLE_TASKS or label.lower() == "custom":
        return "Custom instructions: not trained (training is per task)"
    more = max(0, threshold - kept)
    tail = "training is due" if more == 0 else f"{more} more until training"
    return f"{label}: {min(kept, threshold)} / {threshold} kept edits, {tail}"


def training_progress(session: Session, task: str, threshold: int) -> Progress:
    """The counter of ``task`` (a style's key) against its threshold (the style's own, else ``threshold``)."""
    return Progress(task, kept_since_training(session, task), threshold_of(session, task, threshold))


def usable_examples(session: Session, task: str) -> int:
    """Distinct non-empty kept pairs of ``task`` that training would use (``train.dataset``'s count)."""
    from draftwheel.train.dataset import pairs_from_store

    return len(
        {
            (p.instruction, p.input, p.final)
            for p in pairs_from_store(session, task)
            if p.input.strip() and p.final.strip()
        }
    )


def task_label(task: str) -> str:
    """The words the user knows a task by ("Fix grammar"), else its name (see ``styles.label`` for a
    user style's name, which needs the store)."""
    try:
        from draftwheel.engine.prompts import tasks

        known = tasks()
    except Exception:
        return task
    return known[task].label if task in known else task


# -- when to train, whether to resume -------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What to do about training now, and the words that say so."""

    action: str  # "start", "resume", "give_up" (a run that keeps dying), "refuse", "busy", "none"
    task: str = ""
    message: str = ""  # plain words for the status bar, the training view or the CLI
    name: str | None = None  # the run to resume or give up on
    run_id: int | None = None

    @property
    def starts(self) -> bool:
        return self.action in ("start", "resume")


@dataclass
class TrainingPolicy:
    """Decides when training runs: on the threshold, on "Train now", and after a crash.

    One object per app session (or CLI call). It remembers the tasks whose
    automatic training failed this session (they wait for "Train now" rather
    than failing again on every kept edit), and asks ``busy`` whether a
    training process is running: the lock, or a process this session started
    that has not taken the lock yet (that gap is where the start-up resume and
    the threshold trigger used to race).
    """

    paths: AppPaths
    threshold: int = 100
    auto: bool = True
    max_resumes: int = MAX_RESUMES
    availability: Callable[..., Availability] = training_availability
    label: Callable[[str], str] = task_label
    blocked: dict[str, str] = field(default_factory=dict)  # task -> why its automatic training stopped

    # -- the decisions -------------------------------------------------------
    def train_now(self, session: Session, task: str, model=None, busy: dict | None = None) -> Decision:
        """The user asked: train ``task`` now, or say why not."""
        what = self._what(session, task)
        if task in UNTRAINABLE_TASKS:
            return Decision(
                "refuse",
                task,
                "Custom instructions cannot be trained: training is per style. "
                "Make the instruction a style (New style…, or `draftwheel styles add`) and train that.",
            )
        if busy:
            return Decision("busy", task, f"Cannot train “{what}” now: {self._busy_words(busy)}.")
        why = self._cannot(session, task, model)
        if why:
            return Decision("refuse", task, f"Cannot train “{what}”: {why}")
        self.blocked.pop(task, None)
        decision = self._start_or_resume(session, task, f"Training “{what}” in the background")
        if decision.action == "give_up":  # the user asked: a fresh run replaces the one that kept dying
            return Decision(
                "start", task, f"Training “{what}” in the background (a fresh run)…", run_id=decision.run_id
            )
        return decision

    def auto_train(self, session: Session, task: str, model=None, busy: dict | None = None) -> Decision:
        """After a kept edit: start the style's training if its counter is due (its own threshold, else
        the default) and it can run; never for a style whose automatic training is off."""
        if not self.auto or task in UNTRAINABLE_TASKS or not auto_trains(session, task):
            return Decision("none", task)
        if kept_since_training(session, task) < threshold_of(session, task, self.threshold):
            return Decision("none", task)
        what = self._what(session, task)
        if busy:
            return Decision("busy", task)  # it is considered again after the next kept edit
        if task in self.blocked:
            return Decision("none", task)  # said once when it failed
        why = self._cannot(session, task, model)
        if why:
            self.blocked[task] = why
            return Decision("refuse", task, f"Automatic training of “{what}” did not start: {why}")
        return self._start_or_resume(session, task, f"Training a personal adapter for “{what}” in the background")

    def resume(self, session: Session, busy: dict | None = None) -> Decision:
        """At start-up: continue the newest run a crash cut short, up to :attr:`max_resumes` times."""
        if not self.auto or busy:
            return Decision("none")
        run = self._interrupted(session)
        if run is None:
            return Decision("none")
        return self._resume_decision(run)

    def failed(self, task: str, message: str) -> None:
        """A training of ``task`` failed: automatic training of it waits for "Train now" this session."""
        self.blocked[task] = message

    # -- carrying them out -------------------------------------------------------
    def carry_out(self, session: Session, decision: Decision):
        """Start the process a decision asks for (a ``train.background.Launch``), or record giving up.

        The caller owns ``session`` and commits it.
        """
        from draftwheel.store import finish_run
        from draftwheel.train import background
        from draftwheel.train.runs import note_resume_attempt

        if decision.action == "start":
            if decision.run_id is not None:
                finish_run(session, decision.run_id, "failed", message="interrupted too often; replaced by a fresh run")
            return background.launch(self.paths, decision.task)
        if decision.action == "resume":
            note_resume_attempt(self.paths.runs_dir / str(decision.name))
            return background.launch(self.paths, decision.task, name=decision.name, resume=True)
        if decision.action == "give_up" and decision.run_id is not None:
            finish_run(session, decision.run_id, "failed", message=decision.message[:500])
            self.blocked[decision.task] = decision.message
        return None

    # -- helpers -----------------------------------------------------------------
    def _what(self, session: Session, task: str) -> str:
        """The label of ``task``: a user style's name from the store, else :attr:`label`."""
        if self.label is task_label:
            return style_label(session, task)
        return self.label(task)

    def _cannot(self, session: Session, task: str, model) -> str:
        """Why ``task`` cannot train here and now, in words; "" when it can."""
        avail = self.availability(self.paths, model)
        if not avail.ok:
            return str(avail)
        if self._interrupted(session, task) is not None:
            return ""  # a resume trains on the run's own saved pairs
        n = usable_examples(session, task)
        if n < MIN_EXAMPLES:
            more = MIN_EXAMPLES - n
            return (
                f"too few examples: {n} usable kept edit{'s' * (n != 1)}, at least {MIN_EXAMPLES} needed "
                f"({more} more). Accept or correct more suggestions of this task first."
            )
        return ""

    def _start_or_resume(self, session: Session, task: str, words: str) -> Decision:
        run = self._interrupted(session, task)
        if run is not None:
            return self._resume_decision(run)
        return Decision("start", task, f"{words}…")

    def _resume_decision(self, run) -> Decision:
        from draftwheel.train.runs import resume_attempts

        name = run.adapter_name
        what = self.label(run.task)
        tried = resume_attempts(self.paths.runs_dir / name)
        if tried >= self.max_resumes:
            return Decision(
                "give_up",
                run.task,
                f"The training “{name}” of “{what}” was interrupted {tried + 1} times and is not "
                f"restarted again (it may be running out of memory). See runs/background.log; "
                f"start a fresh one with Train now.",
                name,
                run.id,
            )
        return Decision(
            "resume",
            run.task,
            f"Resuming the training “{name}” of “{what}” that was interrupted "
            f"(attempt {tried + 1} of {self.max_resumes}); it continues in the background.",
            name,
            run.id,
        )

    def _interrupted(self, session: Session, task: str | None = None):
        """The newest run the store still calls running whose folder has no result (a crash cut it short)."""
        from draftwheel.train.runs import unfinished

        for run in list_runs(session, task, statuses=("running",)):
            if run.adapter_name and unfinished(Path(self.paths.runs_dir) / run.adapter_name):
                return run
        return None

    def _busy_words(self, busy: dict) -> str:
        task = busy.get("task")
        return f"another training is running (“{self.label(task)}”)" if task else "another training is running"
