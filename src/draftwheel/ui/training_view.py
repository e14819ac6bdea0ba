"""Training view: past and current runs, a live loss chart, cancel, adapter scores in words,
each task's counter, and a failed training's last words with its log.

Data arrives from :class:`~draftwheel.workers.training_worker.TrainingWorker`
as plain dicts; this widget only draws them.
"""

from __future__ import annotations

from typing import Any

from draftwheel.ui.qt import (
    QAbstractItemView,
    QColor,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPainter,
    QPen,
    QProgressBar,
    QPushButton,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QtCharts,
    QtCore,
    QtGui,
    QVBoxLayout,
    QWidget,
)

RUN_HEADERS = ["Run", "Task", "Status", "Progress", "Loss", "Adapter", "Held-out score", "Started", "Note"]
ADAPTER_HEADERS = ["Adapter", "Task", "Examples", "Steps", "Held-out score", "Promoted"]


METRIC_NAMES = {"chrf": "chrF", "gleu": "GLEU"}


def score_words(scores: dict[str, Any] | None) -> str:
    """Held-out scores in words: "held-out chrF 91.0, before 88.2; GLEU 54.3, before 42.1" ("–" if none)."""
    if not isinstance(scores, dict):
        return "–"
    new, old = scores.get("adapter"), scores.get("baseline")
    if not isinstance(new, dict):
        return "–"
    parts = []
    for key, name in METRIC_NAMES.items():
        value = new.get(key)
        if not isinstance(value, (int, float)):
            continue
        before = old.get(key) if isinstance(old, dict) else None
        parts.append(f"{name} {value:.1f}" + (f", before {before:.1f}" if isinstance(before, (int, float)) else ""))
    return ("held-out " + "; ".join(parts)) if parts else "–"


class LossChart(QtCharts.QChartView):
    """The loss of the running training by step; says so when there is nothing to draw."""

    EMPTY = "Loss — no training yet"

    def __init__(self, parent=None):
        self.series = QtCharts.QLineSeries()
        self.series.setName("training loss")
        self.series.setPen(QPen(QColor("#3467c4"), 2))
        chart = QtCharts.QChart()
        chart.addSeries(self.series)
        chart.legend().hide()
        chart.setTitle(self.EMPTY)
        self.x_axis = QtCharts.QValueAxis()
        self.x_axis.setTitleText("step")
        self.x_axis.setLabelFormat("%d")
        self.y_axis = QtCharts.QValueAxis()
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.series.attachAxis(self.x_axis)
        self.series.attachAxis(self.y_axis)
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(160)

    def title(self) -> str:
        return self.chart().title()

    def set_points(self, points: list[tuple[int, float]], running: bool = False) -> None:
        if points:
            self.chart().setTitle("Loss")
        else:
            self.chart().setTitle("Loss — waiting for the first step…" if running else self.EMPTY)
        if [(p.x(), p.y()) for p in self.series.points()] == [(float(s), float(v)) for s, v in points]:
            return
        self.series.clear()
        for step, loss in points:
            self.series.append(float(step), float(loss))
        if points:
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            self.x_axis.setRange(min(xs), max(max(xs), min(xs) + 1))
            pad = max(0.05, (max(ys) - min(ys)) * 0.1)
            self.y_axis.setRange(max(0.0, min(ys) - pad), max(ys) + pad)


def _live_text(live: dict[str, Any]) -> str:
    """ "Training “grammar”: step 12 / 40 · loss 1.234 · 50 tokens/s · 2 min 3 s left"."""
    task = live.get("label") or live.get("task", "")
    step, total = live.get("step"), live.get("total")
    text = f"Training “{task}”"
    if isinstance(step, int) and isinstance(total, int) and total:
        text += f": step {step} / {total}"
    else:
        text += ": preparing"
    if isinstance(live.get("loss"), (int, float)):
        text += f" · loss {live['loss']:.3f}"
    if isinstance(live.get("tokens_per_s"), (int, float)):
        text += f" · {live['tokens_per_s']:.0f} tokens/s"
    eta = live.get("eta_s")
    if isinstance(eta, (int, float)) and eta > 0:
        text += f" · {int(eta // 60)} min {int(eta % 60)} s left"
    return text


def open_log(path: str) -> bool:
    """Open a training log in the desktop's viewer for text files."""
    return QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(path)))


class TrainingView(QWidget):
    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.runs: list[dict[str, Any]] = []
        self.live: dict[str, Any] | None = None
        self.log_path: str | None = None  # the log of the failure shown, if any
        self._message_is_live = False  # the message line shows the running training's own message
        self.runs_table = QTableWidget(0, len(RUN_HEADERS))
        self.runs_table.setObjectName("runsTable")
        self.runs_table.setHorizontalHeaderLabels(RUN_HEADERS)
        self.runs_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.runs_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.runs_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.adapters_table = QTableWidget(0, len(ADAPTER_HEADERS))
        self.adapters_table.setObjectName("adaptersTable")
        self.adapters_table.setHorizontalHeaderLabels(ADAPTER_HEADERS)
        self.adapters_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.adapters_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.chart = LossChart()
        self.current = QProgressBar()
        self.current.setObjectName("trainingProgress")
        self.current.setTextVisible(True)
        self._show_idle()
        self.cancel_btn = QPushButton("Cancel training")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.clicked.connect(self.cancel_running)
        self.train_btn = QPushButton("Train now")
        self.train_btn.setObjectName("trainNowButton")
        self.train_btn.clicked.connect(
            lambda: self.window().train_now() if hasattr(self.window(), "train_now") else None
        )
        self.message = QLabel()
        self.message.setObjectName("trainingMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.failure = QLabel()
        self.failure.setObjectName("trainingFailure")
        self.failure.setWordWrap(True)
        self.failure.setTextFormat(Qt.TextFormat.PlainText)
        self.failure.setStyleSheet("color: #b3261e;")
        self.open_log_btn = QPushButton("Open its log")
        self.open_log_btn.setObjectName("openTrainingLog")
        self.open_log_btn.clicked.connect(lambda: self.log_path and open_log(self.log_path))
        self.failure.hide()
        self.open_log_btn.hide()
        self.counters = QLabel()
        self.counters.setObjectName("trainingCounters")
        self.counters.setWordWrap(True)
        self.counters.setTextFormat(Qt.TextFormat.PlainText)
        top = QHBoxLayout()
        top.addWidget(self.current, 1)
        top.addWidget(self.cancel_btn)
        top.addWidget(self.train_btn)
        fail_row = QHBoxLayout()
        fail_row.addWidget(self.failure, 1)
        fail_row.addWidget(self.open_log_btn)
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.runs_table)
        left.addWidget(self.adapters_table)
        split.addWidget(left)
        split.addWidget(self.chart)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.chart.setMinimumWidth(320)
        for t in (self.runs_table, self.adapters_table):
            t.verticalHeader().hide()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addLayout(fail_row)
        layout.addWidget(self.counters)
        layout.addWidget(split, 1)
        w = services.training
        w.snapshot_ready.connect(self.show_snapshot)
        w.failed.connect(self._failed)

    # -- what the window tells it ---------------------------------------------
    def set_train_task(self, label: str) -> None:
        """Name the task "Train now" trains."""
        self.train_btn.setText(f"Train “{label}” now")
        self.train_btn.setToolTip(f"Train a personal adapter for “{label}” on your kept edits of it")

    def say(self, message: str) -> None:
        self.message.setText(message)
        self._message_is_live = False

    def show_failure(self, message: str, log_path: str | None) -> None:
        """A training failed: its error's last line, and the button that opens its log."""
        self.failure.setText(message)
        self.failure.show()
        self.log_path = log_path
        self.open_log_btn.setVisible(bool(log_path))

    def _failed(self, message: str) -> None:
        self.message.setText(message)

    def set_watching(self, on: bool) -> None:
        self.services.training.watch(bool(on))

    def cancel_running(self) -> None:
        if self.live is not None:
            self.services.training.cancel()
            self.message.setText("Cancelling the training (it saves a checkpoint first)…")

    # -- snapshots ---------------------------------------------------------------
    def _show_idle(self) -> None:
        self.current.setRange(0, 1)
        self.current.setValue(0)
        self.current.setFormat("No training running")

    def show_snapshot(self, snap: dict[str, Any]) -> None:
        self._show_runs(snap.get("runs", []))
        was_live = self.live is not None
        live = self.live = snap.get("live")
        if live is not None:
            if live.get("task"):
                from draftwheel.app.training_text import task_label

                live = {**live, "label": task_label(str(live["task"]))}
            total = live.get("total")
            if not isinstance(total, int):
                total = 0
            self.current.setRange(0, max(1, total))
            self.current.setValue(min(int(live.get("step") or 0), max(1, total)))
            self.current.setFormat(_live_text(live))
            if live.get("message"):
                self.message.setText(str(live["message"]))
                self._message_is_live = True
        else:
            self._show_idle()
            if was_live and self._message_is_live:  # do not leave the last progress message up as if current
                self.message.setText("The training has ended; see its row below.")
            self._message_is_live = False
        self.cancel_btn.setEnabled(live is not None)
        self.chart.set_points(snap.get("curve", []), running=live is not None)
        counters = snap.get("counters")
        if counters is not None:
            self.counters.setText("\n".join(c["text"] for c in counters) or "No kept edits yet.")
        self._show_adapters(snap.get("adapters", []))

    def _show_runs(self, runs: list[dict[str, Any]]) -> None:
        self.runs = runs
        t = self.runs_table
        t.setRowCount(len(runs))
        for row, r in enumerate(runs):
            total = r.get("steps_total") or 0
            done = r.get("steps_done") or 0
            loss = r.get("final_loss")
            values = [
                str(r["id"]),
                r["task"],
                r["status"],
                f"{done} / {total}" if total else "–",
                f"{loss:.3f}" if isinstance(loss, (int, float)) else "–",
                r.get("adapter_name") or "–",
                score_words(r.get("scores")),
                str(r.get("started_at") or "")[:16],
                r.get("message") or "",
            ]
            for col, v in enumerate(values):
                item = QTableWidgetItem(v)
                if RUN_HEADERS[col] in ("Status", "Note") and r.get("message"):
                    item.setToolTip(str(r["message"]))
                t.setItem(row, col, item)
            if r["status"] == "running" and total:
                bar = QProgressBar()
                bar.setRange(0, total)
                bar.setValue(done)
                t.setCellWidget(row, 3, bar)
            else:
                t.removeCellWidget(row, 3)

    def _show_adapters(self, adapters: list[dict[str, Any]]) -> None:
        a = self.adapters_table
        a.setRowCount(len(adapters))
        for row, ad in enumerate(adapters):
            values = [
                ad["name"],
                ad["task"],
                str(ad.get("n_train", "")),
                str(ad.get("steps", "")),
                score_words(ad.get("scores")),
                "★ yes" if ad.get("promoted") else "no",
            ]
            for col, v in enumerate(values):
                a.setItem(row, col, QTableWidgetItem(v))
