"""Tools › Models…: installed models and the curated catalogue side by side.

Left, what is installed (size, license, speed measured here, which one is in
use) with Use and Remove; right, the curated list (size, memory needed, fits
this machine, license, trainable) with Download, a progress bar and Cancel.
Use saves the setting and asks the engine thread to load the model, so the
window stays usable while it loads; a download runs on its own worker thread.
Decisions live in :mod:`draftwheel.app.model_manager`.
"""

from __future__ import annotations

from draftwheel.app import model_manager as mm
from draftwheel.errors import DraftwheelError
from draftwheel.ui.qt import (
    QAbstractItemView,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)
from draftwheel.workers.download_worker import DownloadWorker

INSTALLED = ("Model", "Size", "License", "Speed", "In use")
CATALOGUE = ("Model", "Size", "Memory", "Fits", "Trainable", "License")


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n else "–"


def _table(name: str, columns: tuple[str, ...]) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(columns)
    t.verticalHeader().hide()
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setWordWrap(False)
    t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for col in range(1, len(columns)):
        t.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    return t


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.setItem(r, c, QTableWidgetItem(text))


class ModelManagerDialog(QDialog):
    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.setObjectName("modelManager")
        self.setWindowTitle("Models")
        self.services = services
        self.downloads = DownloadWorker(services.paths, self)
        self.downloads.progress.connect(self._progress)
        self.downloads.finished.connect(self._downloaded)
        self.downloads.failed.connect(self._failed)
        self.downloads.cancelled.connect(self._cancelled)
        self.installed: list[mm.InstalledRow] = []
        self.offered: list[mm.OfferRow] = []
        self.message_box: QMessageBox | None = None

        self.installed_table = _table("installedModels", INSTALLED)
        self.catalogue_table = _table("catalogueModels", CATALOGUE)
        self.use_btn = QPushButton("&Use")
        self.use_btn.setObjectName("useModel")
        self.use_btn.clicked.connect(self.use_selected)
        self.remove_btn = QPushButton("&Remove")
        self.remove_btn.clicked.connect(self.remove_selected)
        self.download_btn = QPushButton("&Download")
        self.download_btn.setObjectName("downloadModel")
        self.download_btn.clicked.connect(self.download_selected)
        self.cancel_btn = QPushButton("Cancel download")
        self.cancel_btn.clicked.connect(self.downloads.cancel)
        self.bar = QProgressBar()
        self.bar.setObjectName("downloadProgress")
        self.status = QLabel()
        self.status.setObjectName("modelStatus")
        self.status.setWordWrap(True)
        self.recommendation = QLabel()
        self.recommendation.setWordWrap(True)
        for t in (self.installed_table, self.catalogue_table):
            t.itemSelectionChanged.connect(self._update_buttons)

        left = QVBoxLayout()
        left.addWidget(self.installed_table)
        row = QHBoxLayout()
        row.addWidget(self.use_btn)
        row.addWidget(self.remove_btn)
        row.addStretch(1)
        left.addLayout(row)
        right = QVBoxLayout()
        right.addWidget(self.recommendation)
        right.addWidget(self.catalogue_table)
        row = QHBoxLayout()
        row.addWidget(self.download_btn)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_btn)
        right.addLayout(row)
        boxes = QHBoxLayout()
        for title, lay, stretch in (("Installed", left, 2), ("Catalogue (downloaded only when you ask)", right, 3)):
            box = QGroupBox(title)
            box.setLayout(lay)
            boxes.addWidget(box, stretch)
        layout = QVBoxLayout(self)
        layout.addLayout(boxes)
        layout.addWidget(self.status)
        self.resize(1300, 480)
        self.refresh()

    # -- tables ------------------------------------------------------------------------
    def refresh(self) -> None:
        paths, settings = self.services.paths, self.services.settings
        try:
            speeds = mm.measured_speeds(paths)
        except DraftwheelError:
            speeds = {}  # an unreadable store must not hide the models
        self.installed = mm.installed_rows(paths, settings, speeds)
        _fill(
            self.installed_table,
            [
                (
                    r.name,
                    _gb(r.size_bytes) if r.size_bytes else "bundled",
                    r.license,
                    f"{r.tokens_per_s:.0f} tokens/s" if r.tokens_per_s else "not measured yet",
                    "in use" if r.in_use else "",
                )
                for r in self.installed
            ],
        )
        self.offered = mm.offer_rows(paths)
        fits = {True: "yes", False: "no", None: "?"}
        _fill(
            self.catalogue_table,
            [
                (
                    ("★ " if r.recommended else "") + r.offer.title + (" (installed)" if r.installed else ""),
                    _gb(r.offer.size_bytes),
                    f"{r.offer.ram_gb:.1f} GB",
                    fits[r.fits],
                    "yes" if r.offer.trainable else "no",
                    r.offer.license + (" (gated)" if r.offer.gated else ""),
                )
                for r in self.offered
            ],
        )
        self.recommendation.setText(mm.recommendation_text(self.offered))
        self._update_buttons()

    def _selected(self, table: QTableWidget, rows: list):
        i = table.currentRow()
        return rows[i] if table.selectionModel().hasSelection() and 0 <= i < len(rows) else None

    def _update_buttons(self) -> None:
        inst = self._selected(self.installed_table, self.installed)
        offer = self._selected(self.catalogue_table, self.offered)
        self.use_btn.setEnabled(inst is not None and not inst.in_use)
        self.remove_btn.setEnabled(inst is not None and not inst.in_use and not inst.bundled)
        busy = self.downloads.busy
        self.download_btn.setEnabled(offer is not None and not offer.installed and not busy)
        self.cancel_btn.setEnabled(busy)
        self.bar.setVisible(busy)

    # -- actions -----------------------------------------------------------------------
    def use_selected(self) -> None:
        row = self._selected(self.installed_table, self.installed)
        if row is None:
            return
        settings = self.services.update_settings(model=row.name)
        self.services.engine.load(settings)  # on the engine thread: the window stays usable
        self.status.setText(f"Loading {row.name}… you can keep writing meanwhile.")
        self.refresh()

    def remove_selected(self) -> None:
        row = self._selected(self.installed_table, self.installed)
        if row is None:
            return
        try:
            mm.remove(self.services.paths, self.services.settings, row.name)
        except DraftwheelError as exc:
            self._tell(str(exc))
            return
        self.status.setText(f"Removed {row.name}.")
        self.refresh()

    def download_selected(self) -> None:
        row = self._selected(self.catalogue_table, self.offered)
        if row is None or self.downloads.busy:
            return
        self.downloads.start(self.services.settings, row.offer)
        self.bar.setRange(0, 0)  # busy until the size is known
        self.status.setText(f"Downloading {row.offer.title}…")
        self._update_buttons()

    # -- download signals --------------------------------------------------------------
    def _progress(self, name: str, done: int, total) -> None:
        if total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(done * 1000 / total))
            self.status.setText(f"Downloading {name}: {done / 1e6:.0f} of {total / 1e6:.0f} MB")

    def _downloaded(self, entry) -> None:
        self.status.setText(f"Downloaded {entry.name}. Select it and press Use to switch to it.")
        self.refresh()

    def _failed(self, name: str, message: str) -> None:
        self.status.setText(f"Download of {name} failed.")
        self._update_buttons()
        self._tell(message)

    def _cancelled(self, name: str) -> None:
        self.status.setText(f"Download of {name} cancelled; it resumes where it stopped next time.")
        self._update_buttons()

    def _tell(self, message: str) -> None:
        self.message_box = QMessageBox(QMessageBox.Icon.Warning, "Models", message, parent=self)
        self.message_box.open()

    def done(self, result: int) -> None:
        self.downloads.cancel()  # closing the window stops a download (it resumes next time)
        super().done(result)
