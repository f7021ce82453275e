"""Status bar: device, model, context size and the speed of the last answer."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget


class AppStatusBar(QStatusBar):
    """Permanent fields for the active model; transient messages on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.device_label = self._field("Device", "Where the model runs: CPU or GPU.")
        self.model_label = self._field("Model", "The active local model.")
        self.context_label = self._field("Context", "How many tokens the model can read at once.")
        self.speed_label = self._field("Speed", "Tokens per second of the last answer.")
        self._main_name = ""  # the main model's name, for naming a second one beside it
        self.set_loading()

    def _field(self, name: str, description: str) -> QLabel:
        label = QLabel(self)
        label.setAccessibleName(name)
        label.setAccessibleDescription(description)
        label.setToolTip(description)
        self.addPermanentWidget(label)
        return label

    def set_loading(self) -> None:
        self.device_label.setText("Loading model…")
        self.model_label.setText("")
        self.context_label.setText("")
        self.speed_label.setText("")

    def set_backend(self, backend) -> None:
        """Show the loaded model (any ChatBackend; ``device_label`` when the adapter has one)."""
        self.device_label.setText(str(getattr(backend, "device_label", "") or "On this device"))
        self._main_name = str(getattr(backend, "model_name", ""))
        self.model_label.setText(self._main_name)
        self.model_label.setToolTip("The active local model.")
        ctx = getattr(backend, "context_length", 0)
        self.context_label.setText(f"Context {ctx:,} tokens" if ctx else "")

    def set_general_backend(self, backend) -> None:
        """Name the separate model for questions without documents beside the main one."""
        general = str(getattr(backend, "model_name", ""))
        main = self._main_name
        if not general or general == main:
            return
        self.model_label.setText(f"{main} (documents) · {general} (chat)")
        self.model_label.setToolTip(
            f"Questions about your documents are answered by {main}: its first word comes sooner after "
            f"reading the passages. Other questions are answered by {general}, which is right more often. "
            "Settings › Model › Bundled model chooses one model for both.")

    def set_model_failed(self) -> None:
        self.device_label.setText("No model loaded")

    def set_speed(self, tokens_per_s: float, route: str = "local") -> None:
        if route == "cloud":
            self.speed_label.setText("Last answer: cloud")
        elif tokens_per_s > 0:
            self.speed_label.setText(f"{tokens_per_s:.1f} tokens/s")
