"""Settings › Model: installed models (listed on a worker), active model, offload, sampling."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.app_core import Core
from desktop_app.config.policy import MANAGED_LABEL
from desktop_app.core.errors import AppError
from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.common.wording import plural
from desktop_app.gui.settings.widgets import add_row, lock_if_managed
from desktop_app.llm.bundled import LARGE_MODEL_INSTALL, QWEN_CODER_1_5B

PATH_ROLE = Qt.ItemDataRole.UserRole
OFFLOAD_CHOICES = (("Automatic (GPU when available)", "auto"), ("CPU only", "cpu"), ("All layers on the GPU", "all"), ("A number of layers…", "n"))
# llm.bundled_model: which bundled model answers (see llm.bundled.choose_bundled).
BUNDLED_CHOICES = (("Automatic (chosen for this computer)", "auto"), ("Faster: Qwen2.5 Coder 0.5B", "fast"),
                   ("More accurate: Qwen2.5 Coder 1.5B (slower)", "accurate"))
ACCURATE_INDEX = 2
# Settings whose change needs the model to be loaded again.
RELOAD_KEYS = ("llm.model_path", "llm.bundled_model", "llm.gpu_offload", "llm.threads", "llm.context_length")


def human_size(size: int) -> str:
    value = float(size or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


class ModelSettingsPage(QWidget):
    """Pick the model and how it runs."""

    def __init__(self, core: Core, pool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.core = core
        self.pool = pool
        llm = core.settings.llm
        policy = core.policy

        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["Model", "Size", "Context", "Quantization"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(130)
        describe(self.table, "Models", "Installed models. Select one to make it the active model.")
        self.models_status = QLabel("Reading models…")
        self.add_button = QPushButton("Add model…")
        describe(self.add_button, "Add model", "Add a GGUF model file from this computer.")
        self.add_button.clicked.connect(self._choose_model_file)
        self.download_button = QPushButton("Download…")
        describe(self.download_button, "Download a model", "Download a recommended instruct model (only when you ask).")
        self.download_button.clicked.connect(self._open_downloads)
        model_locked = lock_if_managed(self.table, "llm.model_path", policy)
        if model_locked or not core.settings.privacy.allow_user_models:
            for button in (self.add_button, self.download_button):
                button.setEnabled(False)
                button.setToolTip(MANAGED_LABEL)
        if model_locked:
            self.models_status.setText(MANAGED_LABEL)

        form = QFormLayout()
        self.bundled_model = QComboBox()
        for label, _value in BUNDLED_CHOICES:
            self.bundled_model.addItem(label)
        self.bundled_model.setCurrentIndex(next((i for i, (_l, v) in enumerate(BUNDLED_CHOICES)
                                                 if v == llm.bundled_model), 0))
        add_row(form, "Bundled model:", self.bundled_model, core.settings.describe("llm.bundled_model"),
                "llm.bundled_model", policy)
        # Whether the larger model's packages are installed (they are found on disk: a worker, once).
        pool.run(QWEN_CODER_1_5B.installed, pass_cancel=False, on_returned=self._show_large_installed)
        self.offload = QComboBox()
        for label, _value in OFFLOAD_CHOICES:
            self.offload.addItem(label)
        self.offload_layers = QSpinBox()
        self.offload_layers.setRange(1, 999)
        describe(self.offload_layers, "GPU layers", "How many layers run on the GPU.")
        offload_row = QHBoxLayout()
        offload_row.addWidget(self.offload, 1)
        offload_row.addWidget(self.offload_layers)
        holder = QWidget()
        holder.setLayout(offload_row)
        offload_row.setContentsMargins(0, 0, 0, 0)
        describe(self.offload, "GPU offload", llm.__dataclass_fields__["gpu_offload"].metadata["description"])
        form.addRow(_buddy("GPU offload:", self.offload), holder)
        lock_if_managed(self.offload, "llm.gpu_offload", policy, form)
        current = str(llm.gpu_offload)
        if current.isdigit():
            self.offload.setCurrentIndex(3)
            self.offload_layers.setValue(int(current))
        else:
            self.offload.setCurrentIndex(next((i for i, (_l, v) in enumerate(OFFLOAD_CHOICES) if v == current), 0))
        self.offload.currentIndexChanged.connect(self._sync_offload)
        self._sync_offload()

        self.threads = QSpinBox()
        self.threads.setRange(0, 256)
        self.threads.setSpecialValueText("Automatic (physical cores)")
        self.threads.setValue(llm.threads)
        add_row(form, "Threads:", self.threads, core.settings.describe("llm.threads"), "llm.threads", policy)
        self.context = QSpinBox()
        self.context.setRange(256, 131072)
        self.context.setSingleStep(512)
        self.context.setValue(llm.context_length)
        add_row(form, "Context length:", self.context, core.settings.describe("llm.context_length"), "llm.context_length", policy)
        # Which context applies: the table shows the model's own limit beside this setting.
        self.context_note = QLabel()
        self.context_note.setWordWrap(True)
        self.context_note.setAccessibleName("Context used")
        form.addRow("", self.context_note)
        self._model_contexts: dict[str, int] = {}
        self.context.valueChanged.connect(self._update_context_note)
        self.table.itemSelectionChanged.connect(self._update_context_note)
        self._update_context_note()
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(16, 32768)
        self.max_tokens.setValue(llm.max_tokens)
        add_row(form, "Longest answer (tokens):", self.max_tokens, core.settings.describe("llm.max_tokens"), "llm.max_tokens", policy)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(llm.temperature)
        add_row(form, "Temperature:", self.temperature, core.settings.describe("llm.temperature"), "llm.temperature", policy)
        self.system_prompt = QPlainTextEdit(llm.system_prompt)
        self.system_prompt.setTabChangesFocus(True)
        self.system_prompt.setMaximumHeight(90)
        add_row(form, "System prompt:", self.system_prompt, core.settings.describe("llm.system_prompt"), "llm.system_prompt", policy)

        buttons = QHBoxLayout()
        buttons.addWidget(self.models_status, 1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addLayout(form)
        self._active_path = ""
        self._bundled: set[str] = set()
        self.refresh_models()

    # ---------------------------------------------------------------- models

    def refresh_models(self) -> None:
        """List models on a worker (reading GGUF headers touches the disk)."""
        def listed(infos) -> None:
            self._fill(list(infos or []))

        def failed(error: AppError) -> None:
            self.models_status.setText(str(error))

        self.pool.run(self.core.models.list_models, pass_cancel=False, on_returned=listed, on_errored=failed)

    def _show_large_installed(self, installed: bool) -> None:
        """Offer "More accurate" only when the larger model is installed, and say how to add it."""
        item = self.bundled_model.model().item(ACCURATE_INDEX)
        if installed or item is None:
            return
        item.setEnabled(False)
        item.setToolTip(f"Not installed. Add it with: {LARGE_MODEL_INSTALL}")
        if self.bundled_model.currentIndex() == ACCURATE_INDEX:
            # Chosen earlier (or by IT) but not installed: the bundled 0.5B answers, and Settings says so.
            self.bundled_model.setToolTip(f"The larger model is not installed, so the faster one answers. "
                                          f"Add it with: {LARGE_MODEL_INSTALL}")

    def _fill(self, infos) -> None:
        self.table.setRowCount(0)
        self._bundled = {str(i.path) for i in infos if getattr(i, "bundled", False)}
        active = next((str(i.path) for i in infos if getattr(i, "active", False)), "")
        self._active_path = active
        for info in infos:
            row = self.table.rowCount()
            self.table.insertRow(row)
            path = str(getattr(info, "path", ""))
            name = str(getattr(info, "name", Path(path).name))
            problem = str(getattr(info, "problem", "") or "")
            cells = [
                name + ("  (active)" if _same(path, active) else "") + ("  — cannot be used" if problem else ""),
                human_size(getattr(info, "size_bytes", 0)),
                f"{getattr(info, 'context_length', 0):,}",
                str(getattr(info, "quantization", "") or "—"),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(PATH_ROLE, path)
                if problem:
                    item.setToolTip(problem)
                self.table.setItem(row, col, item)
            if _same(path, active):
                self.table.selectRow(row)
        self._model_contexts = {str(getattr(i, "path", "")): int(getattr(i, "context_length", 0) or 0) for i in infos}
        self._update_context_note()
        if not self.policy_locked:
            self.models_status.setText(f"{plural(len(infos), 'model')} installed. Select one to use it.")

    def _update_context_note(self) -> None:
        path = self.selected_model_path() or getattr(self, "_active_path", "")
        self.context_note.setText(context_note(self.context.value(), self._model_contexts.get(path or "", 0)))

    @property
    def policy_locked(self) -> bool:
        return self.core.policy.is_locked("llm.model_path")

    def selected_model_path(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(PATH_ROLE) if items else None

    def _choose_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add model", str(Path.home()), "GGUF models (*.gguf)")
        if path:
            self.add_model(path)

    def _open_downloads(self) -> None:
        from desktop_app.gui.dialogs.model_download import ModelDownloadDialog

        dialog = ModelDownloadDialog(self.core, self.pool, self)
        dialog.modelAdded.connect(lambda _info: self.refresh_models())
        dialog.exec()

    def add_model(self, path: str) -> None:
        self.models_status.setText(f"Checking {Path(path).name}…")
        self.pool.run(add_model_and_save, self.core, path, pass_cancel=False,
                      on_returned=lambda _info: self.refresh_models(),
                      on_errored=lambda e: self.models_status.setText(str(e)))

    def _sync_offload(self) -> None:
        self.offload_layers.setVisible(self.offload.currentIndex() == 3)
        self.offload_layers.setEnabled(self.offload.isEnabled())

    # ---------------------------------------------------------------- apply

    def values(self) -> dict[str, object]:
        """The page's values by settings key (locked keys left out)."""
        offload = OFFLOAD_CHOICES[self.offload.currentIndex()][1]
        if offload == "n":
            offload = str(self.offload_layers.value())
        out: dict[str, object] = {
            "llm.bundled_model": BUNDLED_CHOICES[self.bundled_model.currentIndex()][1],
            "llm.gpu_offload": offload,
            "llm.threads": self.threads.value(),
            "llm.context_length": self.context.value(),
            "llm.max_tokens": self.max_tokens.value(),
            "llm.temperature": round(self.temperature.value(), 2),
            "llm.system_prompt": self.system_prompt.toPlainText().strip(),
        }
        selected = self.selected_model_path()
        if selected and not _same(selected, self._active_path):
            # The bundled model is the empty path: it stays right when the data folder moves.
            out["llm.model_path"] = "" if selected in self._bundled else selected
        return {k: v for k, v in out.items() if not self.core.policy.is_locked(k)}


def add_model_and_save(core: Core, path: str):
    """Runs on a worker: validate and register the model, then save the settings that list it.

    The validation asks llama.cpp to read the file (up to a second), so it runs outside the
    settings lock; only the save takes it (a GUI-thread save must not wait for a model probe).
    """
    info = core.models.add_model(path)
    core.save_settings()
    return info


def context_note(setting: int, model_limit: int) -> str:
    """Which context length the app uses, and why (the smaller of the setting and the model's limit)."""
    if model_limit <= 0:
        return f"The app uses {setting:,} tokens of context (this setting)."
    if setting <= model_limit:
        return f"The model supports up to {model_limit:,} tokens; the app uses {setting:,} (this setting)."
    return f"The model supports up to {model_limit:,} tokens, so the app uses {model_limit:,} (this setting asks for {setting:,})."


def _same(a: str, b: str) -> bool:
    try:
        return bool(a) and bool(b) and Path(a).resolve() == Path(b).resolve()
    except OSError:
        return a == b


def _buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label
