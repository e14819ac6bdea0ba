"""Training view: past and current runs, a live loss chart, cancel, and adapter scores.

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
    QtCharts,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

RUN_HEADERS = ["Run", "Task", "Status", "Progress", "Loss", "Adapter", "Held-out score", "Started"]
ADAPTER_HEADERS = ["Adapter", "Task", "Examples", "Steps", "Score", "Before", "Promoted"]


def _score_text(scores: dict[str, Any] | None) -> tuple[str, str]:
    """(adapter score, score of the stage before it) from a run's or adapter's ``scores`` JSON."""
    if not scores:
        return "–", "–"

    def one(d: Any) -> str:
        if not isinstance(d, dict):
            return "–" if d is None else str(d)
        parts = [f"{k} {v:.1f}" if isinstance(v, (int, float)) else f"{k} {v}"
                 for k, v in d.items() if k in ("chrf", "gleu", "stage")]
        return ", ".join(parts) or "–"

    return one(scores.get("adapter")), one(scores.get("baseline"))


class LossChart(QtCharts.QChartView):
    def __init__(self, parent=None):
        self.series = QtCharts.QLineSeries()
        self.series.setName("training loss")
        self.series.setPen(QPen(QColor("#3467c4"), 2))
        chart = QtCharts.QChart()
        chart.addSeries(self.series)
        chart.legend().hide()
        chart.setTitle("Loss")
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

    def set_points(self, points: list[tuple[int, float]]) -> None:
        if [(p.x(), p.y()) for p in self.series.points()] == [(float(s), float(l)) for s, l in points]:
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


class TrainingView(QWidget):
    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.runs: list[dict[str, Any]] = []
        self.live: dict[str, Any] | None = None
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
        self.current.setFormat("No training running")
        self.current.setValue(0)
        self.cancel_btn = QPushButton("Cancel training")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.clicked.connect(self.cancel_running)
        self.train_btn = QPushButton("Train now")
        self.train_btn.clicked.connect(lambda: self.window().train_now() if hasattr(self.window(), "train_now")
                                       else None)
        self.message = QLabel()
        self.message.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.current, 1)
        top.addWidget(self.cancel_btn)
        top.addWidget(self.train_btn)
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
        layout.addWidget(split, 1)
        w = services.training
        w.snapshot_ready.connect(self.show_snapshot)
        w.failed.connect(self._failed)

    def _failed(self, message: str) -> None:
        self.message.setText(message)
        win = self.window()
        if hasattr(win, "statusBar"):
            win.statusBar().showMessage(f"Training: {message}", 8000)

    def set_watching(self, on: bool) -> None:
        self.services.training.watch(bool(on))

    def cancel_running(self) -> None:
        if self.live is not None:
            self.services.training.cancel()
            self.message.setText("Cancelling the training (it saves a checkpoint first)…")

    def show_snapshot(self, snap: dict[str, Any]) -> None:
        self.runs = snap.get("runs", [])
        t = self.runs_table
        t.setRowCount(len(self.runs))
        for row, r in enumerate(self.runs):
            total = r.get("steps_total") or 0
            done = r.get("steps_done") or 0
            score, before = _score_text(r.get("scores"))
            loss = r.get("final_loss")
            values = [str(r["id"]), r["task"], r["status"], f"{done} / {total}" if total else "–",
                      f"{loss:.3f}" if isinstance(loss, (int, float)) else "–", r.get("adapter_name") or "–",
                      f"{score} (before: {before})", str(r.get("started_at") or "")[:16]]
            for col, v in enumerate(values):
                t.setItem(row, col, QTableWidgetItem(v))
            if r["status"] == "running" and total:
                bar = QProgressBar()
                bar.setRange(0, total)
                bar.setValue(done)
                t.setCellWidget(row, 3, bar)
            else:
                t.removeCellWidget(row, 3)
        live = self.live = snap.get("live")
        if live is not None:
            total = int(live.get("total") or 0)
            self.current.setRange(0, max(1, total))
            self.current.setValue(int(live.get("step") or 0))
            extra = ""
            if isinstance(live.get("loss"), (int, float)):
                extra += f" · loss {live['loss']:.3f}"
            if isinstance(live.get("tokens_per_s"), (int, float)):
                extra += f" · {live['tokens_per_s']:.0f} tokens/s"
            if isinstance(live.get("eta_s"), (int, float)) and live.get("eta_s"):
                extra += f" · {int(live['eta_s'] // 60)} min {int(live['eta_s'] % 60)} s left"
            self.current.setFormat(f"Training “{live.get('task', '')}”: step %v / %m{extra}")
            self.message.setText(str(live.get("message", "")))
        else:
            self.current.setRange(0, 1)
            self.current.setValue(0)
            self.current.setFormat("No training running")
        self.cancel_btn.setEnabled(live is not None)
        self.chart.set_points(snap.get("curve", []))
        adapters = snap.get("adapters", [])
        a = self.adapters_table
        a.setRowCount(len(adapters))
        for row, ad in enumerate(adapters):
            score, before = _score_text(ad.get("scores"))
            values = [ad["name"], ad["task"], str(ad.get("n_train", "")), str(ad.get("steps", "")), score, before,
                      "★ yes" if ad.get("promoted") else "no"]
            for col, v in enumerate(values):
                a.setItem(row, col, QTableWidgetItem(v))
