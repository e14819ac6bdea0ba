"""Settings: model (bundled or an added GGUF), threads, temperature, training threshold,
remote endpoint, what it speaks (OpenAI- or Anthropic-compatible) and its API key (kept
in the OS keyring, never in settings.json).

Every field is checked as it is edited (:mod:`draftwheel.app.settings_form`):
an invalid one says what is allowed and Save stays disabled, so nothing
invalid is stored. Saving writes only the keys the user changed, through
``config.settings.update_settings``, so a change made meanwhile by the CLI
(``draftwheel privacy pause``) is kept.
"""

from __future__ import annotations

from draftwheel.app import autostart, settings_form
from draftwheel.app.hotkey import to_pynput
from draftwheel.app.settings_form import PROTOCOL_DETAILS, PROTOCOL_NAMES, changed_keys, check_fields, machine_cores
from draftwheel.config import Settings, secrets
from draftwheel.config.settings import update_settings
from draftwheel.errors import DraftwheelError
from draftwheel.ui import tray
from draftwheel.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSystemTrayIcon,
    QTimer,
    QVBoxLayout,
    Signal,
)


class SettingsDialog(QDialog):
    saved = Signal(object, object)  # old Settings, new Settings

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        s = services.settings
        self.model_box = QComboBox()
        self.model_box.setObjectName("modelBox")
        self._fill_models(s.model)
        add = QPushButton("Add GGUF file…")
        add.clicked.connect(self.add_model)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_box, 1)
        model_row.addWidget(add)
        # Wide ranges on purpose: a value out of bounds (typed, or read from the file) is shown as it is
        # and explained, never clamped silently.
        self.cores = machine_cores()
        self.threads = QSpinBox()
        self.threads.setObjectName("threadsBox")
        self.threads.setRange(0, 4096)
        self.threads.setSpecialValueText("automatic")
        self.threads.setValue(s.n_threads)
        self.threads.setToolTip(f"0 picks automatically; this computer has {self.cores} CPU cores.")
        self.temperature = QDoubleSpinBox()
        self.temperature.setObjectName("temperatureBox")
        self.temperature.setRange(0.0, 100.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setValue(s.temperature)
        self.temperature.setToolTip("0 is greedy: the same text always gets the same suggestion.")
        self.threshold = QSpinBox()
        self.threshold.setObjectName("thresholdBox")
        self.threshold.setRange(0, 10_000_000)
        self.threshold.setValue(s.train_threshold)
        self.threshold.setSuffix(" edits")
        self.auto_train = QCheckBox("Train automatically when the threshold is reached")
        self.auto_train.setChecked(s.auto_train)
        self.live_check = QCheckBox("Underline spelling and grammar problems as I type")
        self.live_check.setObjectName("liveCheckBox")
        self.live_check.setChecked(s.live_check)
        self.keep_in_tray = QCheckBox("Keep running in the tray (closing the window hides it)")
        self.keep_in_tray.setObjectName("keepInTrayBox")
        self.keep_in_tray.setChecked(s.keep_in_tray)
        self.tray_note = QLabel("" if QSystemTrayIcon.isSystemTrayAvailable() else tray.NO_TRAY)
        self.tray_note.setObjectName("trayNote")
        self.tray_note.setVisible(bool(self.tray_note.text()))
        self.start_with_session = QCheckBox("Start with the session (when I log in)")
        self.start_with_session.setObjectName("startWithSessionBox")
        self.start_with_session.setChecked(s.start_with_session)
        self.hotkey = QLineEdit(s.global_hotkey)
        self.hotkey.setObjectName("hotkeyEdit")
        self.hotkey.setPlaceholderText("off (e.g. Ctrl+Alt+R)")
        self.hotkey.setToolTip("Revises the selected text of any application (X11). Empty turns it off.")
        self.endpoint = QLineEdit(s.remote_endpoint)
        self.endpoint.setObjectName("endpointEdit")
        self.endpoint.setPlaceholderText("https://… (optional)")
        self.protocol = QComboBox()
        self.protocol.setObjectName("protocolBox")
        for key, name in PROTOCOL_NAMES.items():
            self.protocol.addItem(f"{name} ({PROTOCOL_DETAILS[key]})", key)
        self.protocol.setCurrentIndex(max(0, self.protocol.findData(s.remote_protocol)))
        self.remote_model = QLineEdit(s.remote_model)
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_note = QLabel()
        self.key_note.setWordWrap(True)
        self.secure = secrets.secure_backend_available()
        if not self.secure:
            self.api_key.setEnabled(False)
            self.api_key.setPlaceholderText("no secure keyring available")
            self.key_note.setText(
                "No secure keyring (Secret Service, Keychain or Credential Manager) was found, "
                "so an API key cannot be stored safely. Install and unlock one (e.g. GNOME "
                "Keyring or KWallet) to use a remote endpoint with a key."
            )
        else:
            has = bool(s.remote_endpoint and secrets.get_api_key(s.remote_endpoint))
            self.api_key.setPlaceholderText("stored in the keyring" if has else "not set")
            self.key_note.setText("The key is stored in your system keyring, never in Draftwheel's files.")
        self.fields = {
            "n_threads": self.threads,
            "temperature": self.temperature,
            "train_threshold": self.threshold,
            "remote_endpoint": self.endpoint,
        }
        self.problems: dict[str, QLabel] = {}
        self._tips = {key: w.toolTip() for key, w in self.fields.items()}
        for key in self.fields:
            note = QLabel("")
            note.setObjectName(f"{key}Problem")
            note.setWordWrap(True)
            note.setStyleSheet("color: #b00020;")
            note.hide()
            self.problems[key] = note
        form = QFormLayout()
        form.addRow("Model", model_row)
        form.addRow("CPU threads", self.threads)
        form.addRow("", self.problems["n_threads"])
        form.addRow("Temperature", self.temperature)
        form.addRow("", self.problems["temperature"])
        form.addRow("Training threshold", self.threshold)
        form.addRow("", self.problems["train_threshold"])
        form.addRow("", self.auto_train)
        form.addRow("", self.live_check)
        form.addRow("", self.keep_in_tray)
        form.addRow("", self.tray_note)
        form.addRow("", self.start_with_session)
        form.addRow("Global shortcut", self.hotkey)
        form.addRow("Remote endpoint", self.endpoint)
        form.addRow("", self.problems["remote_endpoint"])
        form.addRow("Endpoint speaks", self.protocol)
        form.addRow("Remote model", self.remote_model)
        form.addRow("API key", self.api_key)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_btn = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.key_note)  # outside the form: a wrapped label in a form row gets clipped
        layout.addWidget(buttons)
        self.threads.valueChanged.connect(self.validate)
        self.temperature.valueChanged.connect(self.validate)
        self.threshold.valueChanged.connect(self.validate)
        self.endpoint.textChanged.connect(self.validate)
        self.validate()
        self.resize(600, self.sizeHint().height())

    def validate(self, *_args) -> dict[str, str]:
        """Show what is allowed beside every invalid field; Save is enabled only when all are valid."""
        problems = check_fields(
            self.threads.value(),
            float(self.temperature.value()),
            self.threshold.value(),
            self.endpoint.text(),
            cores=self.cores,
        )
        shown_before = [n.isVisibleTo(self) for n in self.problems.values()]
        for key, widget in self.fields.items():
            text = problems.get(key, "")
            self.problems[key].setText(text)
            self.problems[key].setVisible(bool(text))
            widget.setStyleSheet("border: 1px solid #b00020;" if text else "")
            widget.setToolTip(text or self._tips[key])
        self.save_btn.setEnabled(not problems)
        if [n.isVisibleTo(self) for n in self.problems.values()] != shown_before:
            QTimer.singleShot(0, self._fit_height)  # a note appeared or went: no row may be squeezed
        if problems:
            self.save_btn.setToolTip("Fix the fields marked in red first.")
        else:
            self.save_btn.setToolTip("")
        return problems

    def _fit_height(self) -> None:
        layout = self.layout()
        assert layout is not None  # set in __init__
        layout.activate()
        want = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else self.sizeHint().height()
        self.resize(self.width(), max(want, self.sizeHint().height()))

    def _fill_models(self, current: str) -> None:
        self.model_box.clear()
        try:
            entries = settings_form.model_entries(self.services.paths)
        except DraftwheelError as exc:
            QMessageBox.warning(self, "Models", str(exc))
            entries = []
        for e in entries:
            label = f"{e.name} (bundled)" if e.bundled else f"{e.name} — {e.path}"
            self.model_box.addItem(label, e.name)
        i = self.model_box.findData(current)
        if i < 0:
            self.model_box.addItem(current, current)
            i = self.model_box.count() - 1
        self.model_box.setCurrentIndex(i)

    def add_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add a GGUF model", "", "GGUF models (*.gguf);;All files (*)")
        if not path:
            return
        self.model_box.setEnabled(False)
        # Adding hashes the file (gigabytes for big models): do it on a worker thread.
        self.services.store.submit(
            settings_form.add_model, self.services.paths, path, on_done=self._added, on_error=self._add_failed
        )

    def _added(self, entry) -> None:
        self.model_box.setEnabled(True)
        self._fill_models(entry.name)

    def _add_failed(self, message: str) -> None:
        self.model_box.setEnabled(True)
        QMessageBox.warning(self, "The model could not be added", message)

    def values(self) -> Settings:
        return self.services.settings.updated(
            model=self.model_box.currentData() or self.services.settings.model,
            n_threads=self.threads.value(),
            temperature=float(self.temperature.value()),
            train_threshold=self.threshold.value(),
            auto_train=self.auto_train.isChecked(),
            live_check=self.live_check.isChecked(),
            keep_in_tray=self.keep_in_tray.isChecked(),
            start_with_session=self.start_with_session.isChecked(),
            global_hotkey=self.hotkey.text().strip(),
            remote_endpoint=self.endpoint.text().strip(),
            remote_model=self.remote_model.text().strip(),
            remote_protocol=self.protocol.currentData() or "openai",
        )

    def save(self) -> bool:
        """Store the fields the user changed; False (and nothing stored) while any field is invalid."""
        if self.validate():
            return False
        old = self.services.settings
        try:
            wanted = self.values()
            key = self.api_key.text()
            if key:
                if not wanted.remote_endpoint:
                    raise DraftwheelError("An API key needs a remote endpoint.", "Fill in the endpoint too.")
                secrets.set_api_key(wanted.remote_endpoint, key)
            if wanted.global_hotkey and to_pynput(wanted.global_hotkey) is None:
                raise DraftwheelError(
                    f"The global shortcut {wanted.global_hotkey!r} needs a modifier and one key.", "E.g. Ctrl+Alt+R."
                )
            changes = changed_keys(old.to_dict(), wanted.to_dict())
            if "start_with_session" in changes:  # the entry first: a setting must not claim what is not there
                autostart.set_autostart(wanted.start_with_session)
            new = update_settings(self.services.paths, **changes) if changes else old
            try:
                self.services.settings = new  # where Services keeps a copy; else it re-reads the changed file
            except AttributeError:
                pass
        except (DraftwheelError, OSError) as exc:
            QMessageBox.warning(self, "Settings not saved", str(exc))
            return False
        self.saved.emit(old, new)
        self.accept()
        return True
